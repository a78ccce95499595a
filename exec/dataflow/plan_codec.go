package dataflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// PlanVersion is the version of the stored plan document
// (docs/format/stored-plan.md) that MarshalPlan writes.
const PlanVersion = 1

// ErrStalePlan is wrapped by UnmarshalPlan's errors for a document that is
// well formed but no longer fits the catalog or the expression code: a
// relation it reads changed, or an expression no longer binds as it was
// planned (expr.ErrStale). The object must then be planned again from its
// definition.
var ErrStalePlan = errors.New("stored plan no longer fits")

// planDoc is a stored plan: its nodes in planner.StreamPlan.Nodes order
// (inputs first), the last one the root.
type planDoc struct {
	Version int `json:"version"`
	// Expressions is the version of the expression encoding (expr.EncodingVersion).
	Expressions int       `json:"expressions"`
	Nodes       []nodeDoc `json:"nodes"`
}

// nodeDoc is one node of a stored plan.
type nodeDoc struct {
	Op     string `json:"op"`
	Inputs []int  `json:"inputs,omitempty"`
	// scan: the relation, and the columns it had when planned.
	Relation string   `json:"relation,omitempty"`
	Columns  []colDoc `json:"columns,omitempty"`
	// filter
	Pred json.RawMessage `json:"pred,omitempty"`
	// project, union, hashagg: output columns and key
	Exprs []json.RawMessage `json:"exprs,omitempty"`
	Cols  []colDoc          `json:"cols,omitempty"`
	Key   []int             `json:"key,omitempty"`
	// join: its kind, keys, residual and how many leading columns of each
	// input are the logical join's
	Join       string          `json:"join,omitempty"`
	LeftKeys   []int           `json:"left_keys,omitempty"`
	RightKeys  []int           `json:"right_keys,omitempty"`
	NullSafe   []bool          `json:"null_safe,omitempty"`
	Residual   json.RawMessage `json:"residual,omitempty"`
	LeftWidth  int             `json:"left_width,omitempty"`
	RightWidth int             `json:"right_width,omitempty"`
	// Temporal makes the join a temporal (lookup) join
	Temporal bool `json:"temporal,omitempty"`
	// topn: the sort keys, limit and offset (and input_append_only)
	Order  []orderDoc `json:"order,omitempty"`
	Limit  int64      `json:"limit,omitempty"`
	Offset int64      `json:"offset,omitempty"`
	// grouptopn: the order (above), the partition's columns, the ranking
	// function and the ranks kept, and the rank's column (in cols)
	Partition []int  `json:"partition,omitempty"`
	Rank      string `json:"rank,omitempty"`
	Lo        int64  `json:"lo,omitempty"`
	Hi        int64  `json:"hi,omitempty"`
	// RankUnused: nothing reads the rank, which is emitted as 0
	RankUnused bool `json:"rank_unused,omitempty"`
	// overwindow: the partition and order (above), the window functions,
	// and their columns (in cols)
	OverFuncs []overFuncDoc `json:"funcs,omitempty"`
	// replicate: the column of each row's number of copies
	Copies int `json:"copies,omitempty"`
	// hop: the time column, and the windows' size, slide and offset in
	// microseconds (its columns in cols)
	TimeCol      int   `json:"time_col,omitempty"`
	Size         int64 `json:"size,omitempty"`
	Slide        int64 `json:"slide,omitempty"`
	WindowOffset int64 `json:"window_offset,omitempty"`
	// session: the time column and partition (above), the gap in
	// microseconds, its columns in cols
	Gap int64 `json:"gap,omitempty"`
	// windowclose: the column whose watermark closes windows
	Window int `json:"window,omitempty"`
	// hashagg
	Group           int               `json:"group,omitempty"`
	Aggs            []json.RawMessage `json:"aggs,omitempty"`
	InputAppendOnly bool              `json:"input_append_only,omitempty"`
	// State binds the node's declared tables to table ids.
	State []stateDoc `json:"state,omitempty"`
}

type colDoc struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Hidden bool   `json:"hidden,omitempty"`
}

type stateDoc struct {
	Role  string             `json:"role"`
	Table statestore.TableID `json:"table"`
}

// MarshalPlan returns the document that records p and its binding in the
// catalog, so that a restart runs the same graph on the same tables without
// planning the object's text again.
func MarshalPlan(p *planner.StreamPlan, b Binding) (json.RawMessage, error) {
	nodes := p.Nodes()
	index := make(map[planner.StreamNode]int, len(nodes))
	doc := planDoc{Version: PlanVersion, Expressions: expr.EncodingVersion}
	for i, n := range nodes {
		index[n] = i
		d, err := marshalNode(n)
		if err != nil {
			return nil, err
		}
		for _, in := range n.Inputs() {
			d.Inputs = append(d.Inputs, index[in])
		}
		for _, t := range n.State() {
			d.State = append(d.State, stateDoc{Role: t.Role, Table: b.Table(n, t.Role)})
		}
		doc.Nodes = append(doc.Nodes, d)
	}
	return json.Marshal(doc)
}

func marshalNode(n planner.StreamNode) (nodeDoc, error) {
	switch n := n.(type) {
	case *planner.StreamScan:
		return nodeDoc{Op: "scan", Relation: n.Object.Name, Columns: colDocs(n.Columns())}, nil
	case *planner.StreamFilter:
		pred, err := expr.Marshal(n.Pred)
		return nodeDoc{Op: "filter", Pred: pred}, err
	case *planner.StreamProject:
		exprs, err := marshalExprs(n.Exprs)
		return nodeDoc{Op: "project", Exprs: exprs, Cols: colDocs(n.Cols), Key: n.Key}, err
	case *planner.StreamHashAgg:
		d := nodeDoc{Op: "hashagg", Group: n.NumGroup, Cols: colDocs(n.Cols), InputAppendOnly: n.InputAppendOnly}
		for _, a := range n.Aggs {
			data, err := expr.MarshalAggregate(a)
			if err != nil {
				return d, err
			}
			d.Aggs = append(d.Aggs, data)
		}
		return d, nil
	case *planner.StreamUnion:
		return nodeDoc{Op: "union", Cols: colDocs(n.Cols), Key: n.Key}, nil
	case *planner.StreamReplicate:
		return nodeDoc{Op: "replicate", Copies: n.Count}, nil
	case *planner.StreamWindowClose:
		return nodeDoc{Op: "windowclose", Window: n.Window}, nil
	case *planner.StreamTemporalFilter:
		return marshalTemporalFilter(n)
	case *planner.StreamSession:
		return nodeDoc{Op: "session", TimeCol: n.TimeCol, Partition: n.Partition, Gap: n.Gap, Cols: colDocs(n.Cols)}, nil
	case *planner.StreamHop:
		return nodeDoc{Op: "hop", TimeCol: n.TimeCol, Size: n.Size, Slide: n.Slide, WindowOffset: n.Offset, Cols: colDocs(n.Cols)}, nil
	case *planner.StreamTopN:
		return marshalTopN(n), nil
	case *planner.StreamGroupTopN:
		return marshalGroupTopN(n), nil
	case *planner.StreamOverWindow:
		return marshalOverWindow(n), nil
	case *planner.StreamHashJoin:
		d := nodeDoc{Op: "hashjoin", Join: n.Kind.String(), LeftKeys: n.LeftKeys, RightKeys: n.RightKeys,
			NullSafe: n.NullSafe, LeftWidth: n.LeftWidth, RightWidth: n.RightWidth, Temporal: n.Temporal}
		if n.Residual != nil {
			r, err := expr.Marshal(n.Residual)
			if err != nil {
				return d, err
			}
			d.Residual = r
		}
		return d, nil
	}
	return nodeDoc{}, fmt.Errorf("dataflow: cannot record plan node %T", n)
}

// UnmarshalPlan reads a document MarshalPlan wrote: the plan, and the
// binding of its tables. Relations are looked up in cat and must still have
// the columns the plan was made with.
func UnmarshalPlan(data json.RawMessage, cat *catalog.Catalog) (*planner.StreamPlan, Binding, error) {
	var doc planDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, Binding{}, fmt.Errorf("stored plan: %w", err)
	}
	if doc.Version != PlanVersion || doc.Expressions != expr.EncodingVersion {
		return nil, Binding{}, fmt.Errorf("%w: stored plan version %d (expressions %d); this weir reads %d (%d)", ErrStalePlan, doc.Version, doc.Expressions, PlanVersion, expr.EncodingVersion)
	}
	if len(doc.Nodes) == 0 {
		return nil, Binding{}, fmt.Errorf("stored plan: no nodes")
	}
	nodes := make([]planner.StreamNode, len(doc.Nodes))
	b := Binding{tables: map[bindingKey]statestore.TableID{}}
	for i, d := range doc.Nodes {
		ins := make([]planner.StreamNode, len(d.Inputs))
		for j, k := range d.Inputs {
			if k < 0 || k >= i {
				return nil, Binding{}, fmt.Errorf("stored plan: node %d reads node %d", i, k)
			}
			ins[j] = nodes[k]
		}
		n, err := unmarshalNode(d, ins, cat)
		if err != nil {
			return nil, Binding{}, fmt.Errorf("stored plan, node %d (%s): %w", i, d.Op, err)
		}
		declared := n.State()
		if len(declared) != len(d.State) {
			return nil, Binding{}, fmt.Errorf("stored plan, node %d (%s): %d state tables recorded, %d declared", i, d.Op, len(d.State), len(declared))
		}
		for j, t := range declared {
			if d.State[j].Role != t.Role {
				return nil, Binding{}, fmt.Errorf("stored plan, node %d (%s): state table %q recorded where %q is declared", i, d.Op, d.State[j].Role, t.Role)
			}
			b.tables[bindingKey{n, t.Role}] = d.State[j].Table
		}
		nodes[i] = n
	}
	return planner.NewStreamPlan(nodes[len(nodes)-1]), b, nil
}

func unmarshalNode(d nodeDoc, ins []planner.StreamNode, cat *catalog.Catalog) (planner.StreamNode, error) {
	one := func() (planner.StreamNode, error) {
		if len(ins) != 1 {
			return nil, fmt.Errorf("%d inputs, not 1", len(ins))
		}
		return ins[0], nil
	}
	switch d.Op {
	case "scan":
		o, ok := cat.Get(d.Relation)
		if !ok {
			return nil, fmt.Errorf("%w: relation %s does not exist", ErrStalePlan, d.Relation)
		}
		n := planner.NewStreamScan(o)
		cols, err := cols(d.Columns)
		if err != nil {
			return nil, err
		}
		if !sameCols(cols, n.Columns()) {
			return nil, fmt.Errorf("%w: the columns of %s changed", ErrStalePlan, d.Relation)
		}
		return n, nil
	case "filter":
		in, err := one()
		if err != nil {
			return nil, err
		}
		pred, err := unmarshalExpr(d.Pred, in)
		if err != nil {
			return nil, err
		}
		return &planner.StreamFilter{Input: in, Pred: pred}, nil
	case "project":
		in, err := one()
		if err != nil {
			return nil, err
		}
		exprs := make([]expr.Expr, len(d.Exprs))
		for i, data := range d.Exprs {
			if exprs[i], err = unmarshalExpr(data, in); err != nil {
				return nil, err
			}
		}
		cs, err := cols(d.Cols)
		if err != nil {
			return nil, err
		}
		if len(cs) != len(exprs) || !validKey(d.Key, len(cs)) {
			return nil, fmt.Errorf("%d columns for %d expressions, key %v", len(cs), len(exprs), d.Key)
		}
		return &planner.StreamProject{Input: in, Exprs: exprs, Cols: cs, Key: d.Key}, nil
	case "hashagg":
		in, err := one()
		if err != nil {
			return nil, err
		}
		aggs := make([]expr.Aggregate, len(d.Aggs))
		for i, data := range d.Aggs {
			if aggs[i], err = expr.UnmarshalAggregate(data); err != nil {
				return nil, staleIf(err)
			}
			if aggs[i].Arg != nil {
				if err := checkRefs(aggs[i].Arg, in.Columns()); err != nil {
					return nil, err
				}
			}
		}
		cs, err := cols(d.Cols)
		if err != nil {
			return nil, err
		}
		if d.Group < 0 || d.Group > len(in.Columns()) || len(cs) != d.Group+len(aggs) {
			return nil, fmt.Errorf("%d group columns and %d aggregates for %d columns", d.Group, len(aggs), len(cs))
		}
		n := planner.NewStreamHashAgg(in, d.Group, aggs, cs)
		for i, t := range n.KeyTypes {
			if cs[i].Type != t {
				return nil, fmt.Errorf("group column %s is %s in the plan, %s in its input", cs[i].Name, cs[i].Type, t)
			}
		}
		n.InputAppendOnly = d.InputAppendOnly
		return n, nil
	case "replicate":
		in, err := one()
		if err != nil {
			return nil, err
		}
		if d.Copies < 0 || d.Copies >= len(in.Columns()) || in.Columns()[d.Copies].Type.Family != types.Int64 || slices.Contains(in.StreamKey(), d.Copies) {
			return nil, fmt.Errorf("replicate: copies column %d", d.Copies)
		}
		return &planner.StreamReplicate{Input: in, Count: d.Copies}, nil
	case "windowclose":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalWindowClose(d, in)
	case "temporalfilter":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalTemporalFilter(d, in)
	case "hop":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalHop(d, in)
	case "session":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalSession(d, in)
	case "union":
		if len(ins) < 2 {
			return nil, fmt.Errorf("%d inputs", len(ins))
		}
		cs, err := cols(d.Cols)
		if err != nil {
			return nil, err
		}
		if !validKey(d.Key, len(cs)) {
			return nil, fmt.Errorf("key %v of %d columns", d.Key, len(cs))
		}
		return &planner.StreamUnion{Ins: ins, Cols: cs, Key: d.Key}, nil
	case "hashjoin":
		return unmarshalJoin(d, ins)
	case "topn":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalTopN(d, in)
	case "grouptopn":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalGroupTopN(d, in)
	case "overwindow":
		in, err := one()
		if err != nil {
			return nil, err
		}
		return unmarshalOverWindow(d, in)
	}
	return nil, fmt.Errorf("%w: unknown operator %q", ErrStalePlan, d.Op)
}

// unmarshalJoin reads a hash join over ins (left, right).
func unmarshalJoin(d nodeDoc, ins []planner.StreamNode) (planner.StreamNode, error) {
	if len(ins) != 2 {
		return nil, fmt.Errorf("%d inputs, not 2", len(ins))
	}
	n := &planner.StreamHashJoin{Left: ins[0], Right: ins[1], LeftKeys: d.LeftKeys, RightKeys: d.RightKeys,
		LeftWidth: d.LeftWidth, RightWidth: d.RightWidth, Temporal: d.Temporal}
	switch d.Join {
	case "inner":
		n.Kind = planner.InnerJoin
	case "left":
		n.Kind = planner.LeftJoin
	case "right":
		n.Kind = planner.RightJoin
	case "full":
		n.Kind = planner.FullJoin
	case "semi":
		n.Kind = planner.SemiJoin
	case "anti":
		n.Kind = planner.AntiJoin
	default:
		return nil, fmt.Errorf("%w: unknown join %q", ErrStalePlan, d.Join)
	}
	l, r := ins[0].Columns(), ins[1].Columns()
	if len(d.LeftKeys) == 0 || len(d.LeftKeys) != len(d.RightKeys) || d.LeftWidth < 0 || d.LeftWidth > len(l) || d.RightWidth < 0 || d.RightWidth > len(r) {
		return nil, fmt.Errorf("keys %v = %v, widths %d and %d", d.LeftKeys, d.RightKeys, d.LeftWidth, d.RightWidth)
	}
	if d.NullSafe != nil && len(d.NullSafe) != len(d.LeftKeys) {
		return nil, fmt.Errorf("%d keys with %d null-safe flags", len(d.LeftKeys), len(d.NullSafe))
	}
	n.NullSafe = d.NullSafe
	for i := range d.LeftKeys {
		lk, rk := d.LeftKeys[i], d.RightKeys[i]
		if lk < 0 || lk >= len(l) || rk < 0 || rk >= len(r) || l[lk].Type != r[rk].Type {
			return nil, fmt.Errorf("key %d: column %d of the left and %d of the right do not fit", i, lk, rk)
		}
	}
	if len(d.Residual) > 0 {
		res, err := expr.Unmarshal(d.Residual)
		if err != nil {
			return nil, staleIf(err)
		}
		if err := checkRefs(res, n.PairColumns()); err != nil {
			return nil, err
		}
		n.Residual = res
	}
	var roles []string
	for _, t := range d.State {
		roles = append(roles, t.Role)
	}
	n.Frees = planner.RecordedFrees(roles)
	return n, nil
}

// unmarshalExpr decodes an expression over the columns of in.
func unmarshalExpr(data json.RawMessage, in planner.StreamNode) (expr.Expr, error) {
	e, err := expr.Unmarshal(data)
	if err != nil {
		return nil, staleIf(err)
	}
	return e, checkRefs(e, in.Columns())
}

// checkRefs returns an error if a column reference of e is not a column of
// cols with its type.
func checkRefs(e expr.Expr, cols []planner.Col) error {
	if c, ok := e.(*expr.ColumnRef); ok {
		if c.Index() < 0 || c.Index() >= len(cols) || cols[c.Index()].Type != c.Type() {
			return fmt.Errorf("column reference %s (#%d, %s) does not fit its input", c, c.Index(), c.Type())
		}
	}
	for _, ch := range e.Children() {
		if err := checkRefs(ch, cols); err != nil {
			return err
		}
	}
	return nil
}

// staleIf wraps err in ErrStalePlan when an expression no longer binds.
func staleIf(err error) error {
	if err != nil && errors.Is(err, expr.ErrStale) {
		return fmt.Errorf("%w: %w", ErrStalePlan, err)
	}
	return err
}

func marshalExprs(es []expr.Expr) ([]json.RawMessage, error) {
	out := make([]json.RawMessage, len(es))
	for i, e := range es {
		data, err := expr.Marshal(e)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func colDocs(cs []planner.Col) []colDoc {
	out := make([]colDoc, len(cs))
	for i, c := range cs {
		out[i] = colDoc{Name: c.Name, Type: c.Type.TypName(), Hidden: c.Hidden}
	}
	return out
}

func cols(ds []colDoc) ([]planner.Col, error) {
	out := make([]planner.Col, len(ds))
	for i, d := range ds {
		t, err := types.ParseTypName(d.Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", d.Name, err)
		}
		out[i] = planner.Col{Name: d.Name, Type: t, Hidden: d.Hidden}
	}
	return out, nil
}

// sameCols reports whether a and b have the same names, types and
// visibility (not the same qualifiers, which a stored plan does not keep).
func sameCols(a, b []planner.Col) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Type != b[i].Type || a[i].Hidden != b[i].Hidden {
			return false
		}
	}
	return true
}

func validKey(key []int, n int) bool {
	for _, k := range key {
		if k < 0 || k >= n {
			return false
		}
	}
	return true
}
