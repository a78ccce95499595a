package expr

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// caseExpr is a searched CASE (a simple CASE is rewritten to one at
// construction). Each condition is evaluated only over the rows no earlier
// arm took, and each result only over the rows its arm took, so
// CASE WHEN x = 0 THEN 0 ELSE 1 / x END never divides by zero. Immutable.
type caseExpr struct {
	conds, results []Expr
	els            Expr // never nil: NULL of the result type when omitted
	t              types.T
	display        string // how the node prints (the simple form is kept)
	// narrow is the arms over only the columns they read, which is what
	// the rows an arm takes are copied from.
	narrow *caseColumns
}

// caseColumns is a CASE's arms rewritten over the input columns they read.
type caseColumns struct {
	// cols are the input columns the arms read, ascending.
	cols           []int
	conds, results []Expr
	els            Expr
}

// narrowCase returns c's arms over the columns they read.
func narrowCase(c *caseExpr) *caseColumns {
	used := map[int]bool{}
	var walk func(e Expr)
	walk = func(e Expr) {
		if col, ok := e.(*ColumnRef); ok {
			used[col.index] = true
		}
		for _, k := range e.Children() {
			walk(k)
		}
	}
	for _, e := range c.Children() {
		walk(e)
	}
	n := &caseColumns{}
	for col := range used {
		n.cols = append(n.cols, col)
	}
	slices.Sort(n.cols)
	at := make(map[int]int, len(n.cols))
	for i, col := range n.cols {
		at[col] = i
	}
	made := map[*ColumnRef]bool{}
	remap := func(e Expr) Expr {
		return Substitute(e, func(col *ColumnRef) Expr {
			r := &ColumnRef{index: at[col.index], name: col.name, t: col.t}
			made[r] = true
			return r
		})
	}
	for i := range c.conds {
		n.conds = append(n.conds, remap(c.conds[i]))
		n.results = append(n.results, remap(c.results[i]))
	}
	n.els = remap(c.els)
	// A node that could not be rebuilt keeps its old references: then the
	// arms run over the whole batch.
	stale := false
	walk = func(e Expr) {
		if col, ok := e.(*ColumnRef); ok && !made[col] {
			stale = true
		}
		for _, k := range e.Children() {
			walk(k)
		}
	}
	for _, e := range append(append(slices.Clone(n.conds), n.results...), n.els) {
		walk(e)
	}
	if stale {
		return nil
	}
	return n
}

// Case returns CASE [operand] WHEN … THEN … [ELSE …] END. With an operand
// (simple CASE), each WHEN value is compared with = to the operand. The result
// type is the CommonType of the THEN and ELSE arms (42804 when they have
// none); conditions must be boolean.
func Case(operand Expr, whens [][2]Expr, els Expr) (Expr, error) {
	if len(whens) == 0 {
		return nil, sqlstate.Errorf(sqlstate.SyntaxError, "CASE needs at least one WHEN")
	}
	c := &caseExpr{}
	// The ELSE arm comes first, as in Postgres: its type is preferred, and
	// an error names it first.
	ts := make([]types.T, 0, len(whens)+1)
	if els != nil {
		ts = append(ts, els.Type())
	}
	for _, w := range whens {
		ts = append(ts, w[1].Type())
	}
	t, err := CommonType(ts)
	if err != nil {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "CASE %s", err.Error())
	}
	c.t = t
	var sb strings.Builder
	sb.WriteString("CASE")
	if operand != nil {
		sb.WriteString(" " + operand.String())
	}
	for _, w := range whens {
		cond := w[0]
		if operand != nil {
			if cond, err = Binary(sql.OpEq, operand, w[0]); err != nil {
				return nil, err
			}
		} else if cond, err = RequireBool(cond, "CASE/WHEN"); err != nil {
			return nil, err
		}
		r, err := Coerce(w[1], t)
		if err != nil {
			return nil, err
		}
		c.conds = append(c.conds, cond)
		c.results = append(c.results, r)
		fmt.Fprintf(&sb, " WHEN %s THEN %s", w[0], w[1])
	}
	if els == nil {
		c.els = Null(t)
	} else {
		if c.els, err = Coerce(els, t); err != nil {
			return nil, err
		}
		fmt.Fprintf(&sb, " ELSE %s", els)
	}
	sb.WriteString(" END")
	c.display = sb.String()
	c.narrow = narrowCase(c)
	return c, nil
}

func (c *caseExpr) Type() types.T { return c.t }
func (c *caseExpr) Children() []Expr {
	out := make([]Expr, 0, 2*len(c.conds)+1)
	for i := range c.conds {
		out = append(out, c.conds[i], c.results[i])
	}
	return append(out, c.els)
}
func (c *caseExpr) withChildren(ch []Expr) Expr {
	d := &caseExpr{t: c.t, els: ch[len(ch)-1]}
	for i := 0; i+1 < len(ch); i += 2 {
		d.conds = append(d.conds, ch[i])
		d.results = append(d.results, ch[i+1])
	}
	var sb strings.Builder
	sb.WriteString("CASE")
	for i := range d.conds {
		fmt.Fprintf(&sb, " WHEN %s THEN %s", d.conds[i], d.results[i])
	}
	fmt.Fprintf(&sb, " ELSE %s END", d.els)
	d.display = sb.String()
	d.narrow = narrowCase(d)
	return d
}
func (c *caseExpr) String() string { return c.display }

func (c *caseExpr) Eval(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch) (arrow.Array, error) {
	nc := c.narrow
	if nc == nil || len(nc.cols) == int(batch.NumCols()) {
		return evalCase(ctx, mem, batch, c.conds, c.results, c.els, c.t)
	}
	// The arms read a few of the batch's columns: the rows each arm
	// takes are copied from those only.
	fields := make([]arrow.Field, len(nc.cols))
	cols := make([]arrow.Array, len(nc.cols))
	for i, col := range nc.cols {
		if col >= int(batch.NumCols()) {
			return nil, sqlstate.Errorf(sqlstate.Internal, "column index %d out of range for a batch of %d columns", col, batch.NumCols())
		}
		fields[i], cols[i] = batch.Schema().Field(col), batch.Column(col)
	}
	narrow := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, batch.NumRows())
	defer narrow.Release()
	return evalCase(ctx, mem, narrow, nc.conds, nc.results, nc.els, c.t)
}

// evalCase evaluates the CASE of conds, results and els over batch.
func evalCase(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, conds, results []Expr, els Expr, t types.T) (arrow.Array, error) {
	n := int(batch.NumRows())
	arms := len(conds)
	choice := make([]int, n) // arm index per row; arms means ELSE
	undecided := make([]int, n)
	for i := range undecided {
		undecided[i] = i
	}
	for arm := 0; arm < arms && len(undecided) > 0; arm++ {
		sub, err := SelectRows(ctx, mem, batch, undecided)
		if err != nil {
			return nil, err
		}
		cond, err := conds[arm].Eval(ctx, mem, sub)
		sub.Release()
		if err != nil {
			return nil, err
		}
		bc := cond.(*array.Boolean)
		next := undecided[:0:0]
		for j, row := range undecided {
			if bc.IsValid(j) && bc.Value(j) {
				choice[row] = arm
			} else {
				next = append(next, row)
			}
		}
		cond.Release()
		undecided = next
	}
	for _, row := range undecided {
		choice[row] = arms
	}
	// Evaluate each arm's result over its rows.
	rowsOf := make([][]int, arms+1)
	pos := make([]int, n)
	for row, arm := range choice {
		pos[row] = len(rowsOf[arm])
		rowsOf[arm] = append(rowsOf[arm], row)
	}
	vals := make([]arrow.Array, arms+1)
	defer releaseAll(vals)
	for arm, rows := range rowsOf {
		if len(rows) == 0 {
			continue
		}
		e := els
		if arm < arms {
			e = results[arm]
		}
		sub, err := SelectRows(ctx, mem, batch, rows)
		if err != nil {
			return nil, err
		}
		vals[arm], err = e.Eval(ctx, mem, sub)
		sub.Release()
		if err != nil {
			return nil, err
		}
		if len(rows) == n {
			// One arm took every row: its result is the answer.
			vals[arm].Retain()
			return vals[arm], nil
		}
	}
	b := newBuilder(mem, t, n)
	defer b.Release()
	for row, arm := range choice {
		appendFrom(b, vals[arm], pos[row])
	}
	return b.NewArray(), nil
}

// SelectRows returns the rows of batch at the ascending positions rows (the
// batch itself, retained, when rows is every row). The caller releases it.
func SelectRows(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, rows []int) (arrow.RecordBatch, error) {
	n := int(batch.NumRows())
	if len(rows) == n {
		batch.Retain()
		return batch, nil
	}
	return TakeRows(ctx, mem, batch, rows)
}

// TakeRows returns the rows of batch at positions rows, in that order, a
// position as often as it is given. The caller releases it.
func TakeRows(ctx context.Context, mem memory.Allocator, batch arrow.RecordBatch, rows []int) (arrow.RecordBatch, error) {
	if batch.NumCols() == 0 {
		return array.NewRecordBatch(batch.Schema(), nil, int64(len(rows))), nil
	}
	ib := array.NewInt32Builder(mem)
	for _, r := range rows {
		ib.Append(int32(r))
	}
	indices := ib.NewArray()
	ib.Release()
	defer indices.Release()
	cols := make([]arrow.Array, batch.NumCols())
	defer releaseAll(cols)
	for i, col := range batch.Columns() {
		if col.DataType().ID() == arrow.INTERVAL_MONTH_DAY_NANO {
			// arrow-go's take has no kernel for 16-byte intervals.
			b := array.NewMonthDayNanoIntervalBuilder(mem)
			b.Reserve(len(rows))
			for _, r := range rows {
				appendFrom(b, col, r)
			}
			cols[i] = b.NewArray()
			b.Release()
			continue
		}
		out, err := compute.TakeArray(computeCtx(ctx, mem), col, indices)
		if err != nil {
			return nil, sqlstate.Wrap(sqlstate.Internal, err, "take")
		}
		cols[i] = out
	}
	return array.NewRecordBatch(batch.Schema(), cols, int64(len(rows))), nil
}
