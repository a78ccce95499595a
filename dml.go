package weir

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// at gives err the position pos when it is a *sqlstate.Error without one.
func at(err error, pos sql.Pos) error { return planner.At(err, pos) }

// rowIDs hands out the hidden row ids of tables without a primary key. They
// start at the wall clock in nanoseconds, so ids stay unique across restarts.
var rowIDs atomic.Int64

func init() { rowIDs.Store(time.Now().UnixNano()) }

// dmlTarget returns the table a DML statement writes and its running job.
func (s *Session) dmlTarget(name sql.ObjectName, verb string) (*catalog.Object, *job, error) {
	o, ok := s.e.cat.Get(name.Last().Value)
	if !ok {
		return nil, nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, name.Position(), "relation \"%s\" does not exist", name.Last().Value)
	}
	if o.Kind != catalog.Table {
		return nil, nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, name.Position(), "cannot %s %s \"%s\"", verb, o.Kind, o.Name).
			WithHint("Only tables accept INSERT, UPDATE and DELETE.")
	}
	j, ok := s.e.jobs.Get(o.Name)
	if !ok {
		return nil, nil, sqlstate.Errorf(sqlstate.ObjectNotInPrerequisiteState, "table \"%s\" is not running", o.Name)
	}
	if f, failed := s.e.failed.Of(o.Name); failed {
		return nil, nil, f.Err()
	}
	return o, j, nil
}

// bindDML binds a DML statement for Prepare: it types the parameters.
func (s *Session) bindDML(b *planner.Binder, st sql.Statement) error {
	switch st := st.(type) {
	case *sql.Insert:
		o, _, err := s.dmlTarget(st.Table, "insert into")
		if err != nil {
			return err
		}
		targets, err := insertTargets(o, st)
		if err != nil {
			return err
		}
		for _, row := range st.Values {
			for i, v := range row {
				if i < len(targets) {
					if _, err := b.BindScalar(nil, v, o.Columns[targets[i]].Type, "VALUES"); err != nil {
						return err
					}
				}
			}
		}
	case *sql.Update:
		o, _, err := s.dmlTarget(st.Table, "update")
		if err != nil {
			return err
		}
		for _, a := range st.Set {
			if i := o.FullSchema().Index(a.Column.Value); i >= 0 {
				if _, err := b.BindScalar(o, a.Value, o.Columns[i].Type, "UPDATE"); err != nil {
					return err
				}
			}
		}
		if st.Where != nil {
			_, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE")
		}
		return err
	case *sql.Delete:
		o, _, err := s.dmlTarget(st.Table, "delete from")
		if err != nil {
			return err
		}
		if st.Where != nil {
			_, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE")
		}
		return err
	}
	return nil
}

// insertTargets returns the column index each inserted value goes to.
func insertTargets(o *catalog.Object, st *sql.Insert) ([]int, error) {
	var targets []int
	if st.Columns == nil {
		for i, c := range o.Columns {
			if !c.Hidden {
				targets = append(targets, i)
			}
		}
		return targets, nil
	}
	for _, n := range st.Columns {
		idx := -1
		for i, c := range o.Columns {
			if !c.Hidden && c.Name == n.Value {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" of relation \"%s\" does not exist", n.Value, o.Name)
		}
		for _, t := range targets {
			if t == idx {
				return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, n.Pos, "column \"%s\" specified more than once", n.Value)
			}
		}
		targets = append(targets, idx)
	}
	return targets, nil
}

// valuesGroup is how many rows of INSERT … VALUES are evaluated before
// their one-value arrays are concatenated.
const valuesGroup = 1024

func (s *Session) insert(ctx context.Context, st *sql.Insert) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "insert into")
	if err != nil {
		return nil, err
	}
	targets, err := insertTargets(o, st)
	if err != nil {
		return nil, err
	}
	var cols [][]arrow.Array // per target, the value arrays to concatenate
	cols = make([][]arrow.Array, len(targets))
	defer func() {
		for _, c := range cols {
			for _, a := range c {
				a.Release()
			}
		}
	}()
	rows := 0
	if st.Query != nil {
		res, err := s.query(ctx, st.Query)
		if err != nil {
			return nil, err
		}
		defer res.Rows.Release()
		if len(res.Columns) != len(targets) {
			msg := "INSERT has more expressions than target columns"
			if len(res.Columns) < len(targets) {
				msg = "INSERT has more target columns than expressions"
			}
			return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, st.Query.Pos, "%s", msg)
		}
		for res.Rows.Next() {
			batch := res.Rows.RecordBatch()
			for i, t := range targets {
				e, err := assignCoerce(expr.Column(i, res.Columns[i].Name, res.Columns[i].Type), o.Columns[t])
				if err != nil {
					return nil, at(err, st.Query.Pos)
				}
				arr, err := e.Eval(ctx, s.e.mem, batch)
				if err != nil {
					return nil, err
				}
				cols[i] = append(cols[i], arr)
			}
			rows += int(batch.NumRows())
		}
		if err := res.Rows.Err(); err != nil {
			return nil, err
		}
	} else {
		b := planner.NewBinder(s.e.cat, nil)
		for _, row := range st.Values {
			if len(row) != len(targets) {
				msg := "INSERT has more expressions than target columns"
				if len(row) < len(targets) {
					msg = "INSERT has more target columns than expressions"
				}
				return nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, row[0].Position(), "%s", msg)
			}
			for i, v := range row {
				col := o.Columns[targets[i]]
				e, err := b.BindScalar(nil, v, col.Type, "VALUES")
				if err != nil {
					return nil, err
				}
				if e, err = assignCoerce(e, col); err != nil {
					return nil, at(err, v.Position())
				}
				arr, err := expr.EvalConstant(ctx, s.e.mem, e)
				if err != nil {
					return nil, at(err, v.Position())
				}
				cols[i] = append(cols[i], arr)
			}
			rows++
			if rows%valuesGroup == 0 {
				// Thousands of one-value arrays cost far more than their
				// values: fold them as they come.
				for i, c := range cols {
					all, err := array.Concatenate(c, s.e.mem)
					if err != nil {
						return nil, err
					}
					for _, a := range c {
						a.Release()
					}
					cols[i] = append(c[:0], all)
				}
			}
		}
	}
	if rows == 0 {
		return &Result{Tag: "INSERT 0 0"}, nil
	}
	full := make([]arrow.Array, len(o.Columns))
	defer func() {
		for _, a := range full {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, t := range targets {
		if full[t], err = array.Concatenate(cols[i], s.e.mem); err != nil {
			return nil, err
		}
	}
	for i, c := range o.Columns {
		if full[i] != nil {
			continue
		}
		b := array.NewBuilder(s.e.mem, c.Type.ArrowType())
		if c.Hidden && c.Name == rowIDColumn {
			ib := b.(*array.Int64Builder)
			for r := 0; r < rows; r++ {
				ib.Append(rowIDs.Add(1))
			}
		} else {
			b.AppendNulls(rows)
		}
		full[i] = b.NewArray()
		b.Release()
	}
	for i, c := range o.Columns {
		if c.NotNull && full[i].NullN() > 0 {
			return nil, sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column \"%s\" of relation \"%s\" violates not-null constraint", c.Name, o.Name)
		}
	}
	batch := array.NewRecordBatch(o.FullSchema().Arrow(), full, int64(rows))
	defer batch.Release()
	warnings, err := s.write(ctx, o, j, "INSERT", func(ctx context.Context, t tableState) ([]exec.Chunk, error) {
		if err := s.checkUnique(o, t, batch); err != nil {
			return nil, err
		}
		batch.Retain()
		return []exec.Chunk{{Batch: batch}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("INSERT 0", int64(rows)), Warnings: warnings}, nil
}

// tableState is the content of a table as a DML statement reads it: inside
// the table's fragment its live state (*ops.Materialize), in a transaction
// block the block's snapshot with its writes over it (overlayTable).
type tableState interface {
	// Get returns the row (AppendRow encoding of every column) under key,
	// the AppendRow encoding of the key columns.
	Get(key []byte) (row []byte, ok bool, err error)
	// Scan calls fn for every row in key order until fn returns false or
	// an error; key and row are valid only during the call.
	Scan(fn func(key, row []byte) (bool, error)) error
}

// write runs change, the part of a DML statement that reads the table and
// returns the chunks of its changes (releasing them itself when it fails),
// and applies the chunks, all of them or none. In a transaction block they
// become the block's writes. Otherwise change runs inside the table's
// fragment, ordered after every earlier write, and write returns once the
// changes are visible to queries and, with synchronous_commit on, synced to
// the table write log (awaitWrite): statements arriving together share the
// epoch and the fsync (group commit), and the epoch is cut at once.
func (s *Session) write(ctx context.Context, o *catalog.Object, j *job, verb string, change func(ctx context.Context, t tableState) ([]exec.Chunk, error)) ([]Warning, error) {
	if s.tx != nil {
		t, err := s.tx.table(s.e, o)
		if err != nil {
			return nil, err
		}
		chunks, err := change(ctx, t)
		if err != nil {
			return nil, err
		}
		for _, c := range chunks {
			s.tx.apply(o, c)
			c.Release()
		}
		return nil, nil
	}
	if err := s.e.tlog.Err(); err != nil {
		return nil, err
	}
	var lsn uint64
	before := s.e.coord.Committed()
	s.e.dmlMu.RLock()
	err := j.Output().Do(ctx, func(ctx context.Context, in exec.Output) error {
		chunks, err := change(ctx, j.mat)
		if err != nil || len(chunks) == 0 {
			return err
		}
		lsn, err = s.e.applyAndLog(ctx, j, chunks, in)
		return err
	})
	s.e.dmlMu.RUnlock()
	if err != nil {
		return nil, err
	}
	return s.awaitWrite(ctx, verb, lsn, before)
}

// applyAndLog pushes chunks, the changes of one statement to j's table,
// into the table's fragment (it runs inside it: Do), appends them to the
// table write log, and notes the record's LSN in j before any barrier can
// come. It returns the LSN (0 without a log). The pushes ignore ctx's
// cancellation: once the changes start to apply, they apply whole (a
// cancelled push would leave the table changed and a view over it not).
// If the log fails after the changes were applied, the state would hold
// what the log does not: the fragment is ended (a panic in Do) so that no
// checkpoint takes them, and the table is reported failed.
func (e *Engine) applyAndLog(ctx context.Context, j *job, chunks []exec.Chunk, in exec.Output) (uint64, error) {
	var changes tablelog.Changes
	if e.tlog != nil {
		changes = encodeChanges(j.obj, chunks)
	}
	pushCtx := context.WithoutCancel(ctx)
	pushed := 0 // rows applied
	for i, c := range chunks {
		n := c.NumRows()
		if err := in.Push(pushCtx, c); err != nil {
			for _, rest := range chunks[i+1:] {
				rest.Release()
			}
			if pushed > 0 && e.tlog != nil {
				// What was applied is logged, so that a replay matches it.
				e.mustLogApplied(j, changes.Truncated(pushed))
			}
			return 0, err
		}
		pushed += n
	}
	return e.mustLogApplied(j, changes), nil
}

// mustLogApplied logs changes, applied to j's table, and notes their LSN in
// j; it panics (ending the table's fragment, see applyAndLog) when the log
// cannot take them.
func (e *Engine) mustLogApplied(j *job, changes tablelog.Changes) uint64 {
	if e.tlog == nil {
		return 0
	}
	lsn, err := e.tlog.Append([]tablelog.Changes{changes})
	if err != nil {
		panic(fmt.Errorf("the table write log failed after a write to %s was applied; the table stops: %w", j.obj.Name, err))
	}
	j.tableLog.SetApplied(lsn)
	return lsn
}

// checkUnique fails with a unique violation when a row of batch has the key
// of a row of the table or of an earlier row of batch.
func (s *Session) checkUnique(o *catalog.Object, t tableState, batch arrow.RecordBatch) error {
	return s.checkMovedKeys(o, t, nil, []arrow.RecordBatch{batch})
}

func keyText(o *catalog.Object, batch arrow.RecordBatch, r int) string {
	names, vals := "", ""
	for i, k := range o.Key {
		if i > 0 {
			names += ", "
			vals += ", "
		}
		names += o.Columns[k].Name
		vals += batch.Column(k).ValueStr(r)
	}
	return "(" + names + ")=(" + vals + ")"
}

// tableRows reads the current rows of a table, as batches of its full schema.
func (s *Session) tableRows(o *catalog.Object, t tableState) ([]arrow.RecordBatch, error) {
	dec := statestore.NewRowDecoder(s.e.mem, o.FullSchema())
	defer dec.Release()
	var out []arrow.RecordBatch
	err := t.Scan(func(_, row []byte) (bool, error) {
		if err := dec.Append(row); err != nil {
			return false, err
		}
		if dec.Len() >= 4096 {
			out = append(out, dec.NewBatch())
		}
		return true, nil
	})
	if err == nil && dec.Len() > 0 {
		out = append(out, dec.NewBatch())
	}
	return out, err
}

// matchRows evaluates where over batch and returns the indexes of the rows it selects.
func matchRows(ctx context.Context, s *Session, where expr.Expr, batch arrow.RecordBatch) ([]int, error) {
	n := int(batch.NumRows())
	if where == nil {
		return seq(n), nil
	}
	arr, err := where.Eval(ctx, s.e.mem, batch)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	b := arr.(*array.Boolean)
	var idx []int
	for i := 0; i < n; i++ {
		if b.IsValid(i) && b.Value(i) {
			idx = append(idx, i)
		}
	}
	return idx, nil
}

// take returns the rows idx of batch.
func take(ctx context.Context, s *Session, batch arrow.RecordBatch, idx []int) (arrow.RecordBatch, error) {
	ib := array.NewInt64Builder(s.e.mem)
	for _, i := range idx {
		ib.Append(int64(i))
	}
	ia := ib.NewArray()
	ib.Release()
	defer ia.Release()
	cols := make([]arrow.Array, batch.NumCols())
	var err error
	for c := range cols {
		if cols[c], err = compute.TakeArray(ctx, batch.Column(c), ia); err != nil {
			for _, a := range cols[:c] {
				a.Release()
			}
			return nil, err
		}
	}
	rb := array.NewRecordBatch(batch.Schema(), cols, int64(len(idx)))
	for _, a := range cols {
		a.Release()
	}
	return rb, nil
}

func (s *Session) delete(ctx context.Context, st *sql.Delete) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "delete from")
	if err != nil {
		return nil, err
	}
	var where expr.Expr
	if st.Where != nil {
		if where, err = planner.NewBinder(s.e.cat, nil).BindScalar(o, st.Where, types.BoolType, "WHERE"); err != nil {
			return nil, err
		}
		if where, err = expr.RequireBool(where, "WHERE"); err != nil {
			return nil, at(err, st.Where.Position())
		}
	}
	var n int64
	warnings, err := s.write(ctx, o, j, "DELETE", func(ctx context.Context, t tableState) (chunks []exec.Chunk, err error) {
		n = 0
		batches, err := s.tableRows(o, t)
		if err != nil {
			return nil, err
		}
		defer releaseBatches(batches)
		defer func() {
			if err != nil {
				releaseChunks(chunks)
				chunks = nil
			}
		}()
		for _, b := range batches {
			idx, err := matchRows(ctx, s, where, b)
			if err != nil {
				return chunks, err
			}
			if len(idx) == 0 {
				continue
			}
			del, err := take(ctx, s, b, idx)
			if err != nil {
				return chunks, err
			}
			n += int64(len(idx))
			chunks = append(chunks, exec.Chunk{Batch: del, Ops: repeatOp(exec.Delete, len(idx))})
		}
		return chunks, nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("DELETE", n), Warnings: warnings}, nil
}

func (s *Session) update(ctx context.Context, st *sql.Update) (*Result, error) {
	o, j, err := s.dmlTarget(st.Table, "update")
	if err != nil {
		return nil, err
	}
	b := planner.NewBinder(s.e.cat, nil)
	sets := make([]expr.Expr, len(o.Columns))
	for _, a := range st.Set {
		idx := -1
		for i, c := range o.Columns {
			if !c.Hidden && c.Name == a.Column.Value {
				idx = i
			}
		}
		if idx < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, a.Column.Pos, "column \"%s\" of relation \"%s\" does not exist", a.Column.Value, o.Name)
		}
		e, err := b.BindScalar(o, a.Value, o.Columns[idx].Type, "UPDATE")
		if err != nil {
			return nil, err
		}
		if sets[idx], err = assignCoerce(e, o.Columns[idx]); err != nil {
			return nil, at(err, a.Value.Position())
		}
	}
	for i, c := range o.Columns {
		if sets[i] == nil {
			sets[i] = expr.Column(i, c.Name, c.Type)
		}
	}
	var where expr.Expr
	if st.Where != nil {
		if where, err = b.BindScalar(o, st.Where, types.BoolType, "WHERE"); err != nil {
			return nil, err
		}
		if where, err = expr.RequireBool(where, "WHERE"); err != nil {
			return nil, at(err, st.Where.Position())
		}
	}
	movesKey := false
	for _, k := range o.Key {
		if _, isCol := sets[k].(*expr.ColumnRef); !isCol || sets[k].(*expr.ColumnRef).Index() != k {
			movesKey = true
		}
	}
	var n int64
	warnings, err := s.write(ctx, o, j, "UPDATE", func(ctx context.Context, t tableState) (chunks []exec.Chunk, err error) {
		n = 0
		batches, err := s.tableRows(o, t)
		if err != nil {
			return nil, err
		}
		defer releaseBatches(batches)
		// Every new row is computed before anything is applied, so that a
		// statement that fails (a NULL in a NOT NULL column, a duplicate
		// key, division by zero) changes nothing.
		var olds, news []arrow.RecordBatch
		defer func() {
			releaseBatches(olds)
			releaseBatches(news)
			if err != nil {
				releaseChunks(chunks)
				chunks = nil
			}
		}()
		for _, batch := range batches {
			idx, err := matchRows(ctx, s, where, batch)
			if err != nil {
				return nil, err
			}
			if len(idx) == 0 {
				continue
			}
			old, err := take(ctx, s, batch, idx)
			if err != nil {
				return nil, err
			}
			olds = append(olds, old)
			nw, err := updatedRows(ctx, s, o, old, sets)
			if err != nil {
				return nil, err
			}
			news = append(news, nw)
			n += int64(len(idx))
		}
		if !movesKey {
			for i, old := range olds {
				chunk, err := updatePairs(ctx, s, old, news[i])
				if err != nil {
					return chunks, err
				}
				chunks = append(chunks, chunk)
			}
			return chunks, nil
		}
		// A key changes: the old rows go first, then the new ones, which
		// must not collide with each other nor with the rows that stay.
		if err := s.checkMovedKeys(o, t, olds, news); err != nil {
			return nil, err
		}
		for _, old := range olds {
			old.Retain()
			chunks = append(chunks, exec.Chunk{Batch: old, Ops: repeatOp(exec.Delete, int(old.NumRows()))})
		}
		for _, nw := range news {
			nw.Retain()
			chunks = append(chunks, exec.Chunk{Batch: nw})
		}
		return chunks, nil
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("UPDATE", n), Warnings: warnings}, nil
}

// updatedRows returns the rows of old with sets evaluated over them.
func updatedRows(ctx context.Context, s *Session, o *catalog.Object, old arrow.RecordBatch, sets []expr.Expr) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, 0, len(sets))
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for i, e := range sets {
		arr, err := e.Eval(ctx, s.e.mem, old)
		if err != nil {
			return nil, err
		}
		cols = append(cols, arr)
		if o.Columns[i].NotNull && arr.NullN() > 0 {
			return nil, sqlstate.Errorf(sqlstate.NotNullViolation, "null value in column \"%s\" of relation \"%s\" violates not-null constraint", o.Columns[i].Name, o.Name)
		}
	}
	return array.NewRecordBatch(old.Schema(), cols, old.NumRows()), nil
}

// updatePairs returns the chunk replacing each row of old by the same row of
// nw: UpdateDelete(old row), UpdateInsert(new row), adjacent.
func updatePairs(ctx context.Context, s *Session, old, nw arrow.RecordBatch) (exec.Chunk, error) {
	n := int(old.NumRows())
	ib := array.NewInt64Builder(s.e.mem)
	for r := 0; r < n; r++ {
		ib.Append(int64(r))
		ib.Append(int64(n + r))
	}
	order := ib.NewArray()
	ib.Release()
	defer order.Release()
	cols := make([]arrow.Array, 0, old.NumCols())
	defer func() {
		for _, a := range cols {
			a.Release()
		}
	}()
	for i := 0; i < int(old.NumCols()); i++ {
		both, err := array.Concatenate([]arrow.Array{old.Column(i), nw.Column(i)}, s.e.mem)
		if err != nil {
			return exec.Chunk{}, err
		}
		col, err := compute.TakeArray(ctx, both, order)
		both.Release()
		if err != nil {
			return exec.Chunk{}, err
		}
		cols = append(cols, col)
	}
	batch := array.NewRecordBatch(old.Schema(), cols, int64(2*n))
	ops := make([]exec.Op, 2*n)
	for r := 0; r < n; r++ {
		ops[2*r], ops[2*r+1] = exec.UpdateDelete, exec.UpdateInsert
	}
	return exec.Chunk{Batch: batch, Ops: ops}, nil
}

// checkMovedKeys fails with a unique violation when a row of news has the key
// of another row of news, or of a row of the table that is not among olds
// (the rows the statement replaces); t is the table as the statement sees it.
func (s *Session) checkMovedKeys(o *catalog.Object, t tableState, olds, news []arrow.RecordBatch) error {
	kt := o.KeyTypes()
	var key []byte
	leaving := map[string]bool{}
	for _, b := range olds {
		for r := 0; r < int(b.NumRows()); r++ {
			key = statestore.AppendRow(key[:0], kt, b, o.Key, r)
			leaving[string(key)] = true
		}
	}
	seen := map[string]bool{}
	for _, b := range news {
		for r := 0; r < int(b.NumRows()); r++ {
			key = statestore.AppendRow(key[:0], kt, b, o.Key, r)
			exists := false
			if !leaving[string(key)] {
				var err error
				if _, exists, err = t.Get(key); err != nil {
					return err
				}
			}
			if exists || seen[string(key)] {
				return sqlstate.Errorf(sqlstate.UniqueViolation, "duplicate key value violates unique constraint \"%s_pkey\"", o.Name).
					WithDetail("Key " + keyText(o, b, r) + " already exists.")
			}
			seen[string(key)] = true
		}
	}
	return nil
}

func repeatOp(op exec.Op, n int) []exec.Op {
	ops := make([]exec.Op, n)
	for i := range ops {
		ops[i] = op
	}
	return ops
}

func releaseBatches(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

func releaseChunks(cs []exec.Chunk) {
	for _, c := range cs {
		c.Release()
	}
}

// assignCoerce converts e to the type of the column it is stored in, with
// Postgres' assignment error when the types do not convert implicitly.
func assignCoerce(e expr.Expr, col catalog.Column) (expr.Expr, error) {
	out, err := expr.Coerce(e, col.Type)
	var se *sqlstate.Error
	if errors.As(err, &se) && se.Code == sqlstate.DatatypeMismatch {
		return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "column \"%s\" is of type %s but expression is of type %s", col.Name, col.Type, e.Type()).
			WithHint("You will need to rewrite or cast the expression.")
	}
	return withLength(out, err, col)
}
