package dataflow

import (
	"encoding/json"
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner"
)

// temporalFilter returns the operator of temporal filter n, keeping its
// rows in table "rows".
func (b *builder) temporalFilter(n *planner.StreamTemporalFilter) *ops.TemporalFilter {
	return ops.NewTemporalFilter(ops.TemporalFilterSpec{
		Schema: schemaOf(n.Columns()), StreamKey: n.StreamKey(),
		Time: n.Time, Lower: n.Lower, Upper: n.Upper,
		LowerInclusive: n.LowerInclusive, UpperInclusive: n.UpperInclusive,
		Table: b.spec.Tables.Table(n, "rows"),
	}, b.spec.Mem)
}

// temporalFilterDoc is the stored form of a temporal filter: its time
// expression and bounds.
type temporalFilterDoc struct {
	Time           json.RawMessage `json:"time"`
	Lower          json.RawMessage `json:"lower,omitempty"`
	Upper          json.RawMessage `json:"upper,omitempty"`
	LowerInclusive bool            `json:"lower_inclusive,omitempty"`
	UpperInclusive bool            `json:"upper_inclusive,omitempty"`
}

func marshalTemporalFilter(n *planner.StreamTemporalFilter) (nodeDoc, error) {
	var d temporalFilterDoc
	var err error
	if d.Time, err = expr.Marshal(n.Time); err != nil {
		return nodeDoc{}, err
	}
	if n.Lower != nil {
		if d.Lower, err = expr.Marshal(n.Lower); err != nil {
			return nodeDoc{}, err
		}
	}
	if n.Upper != nil {
		if d.Upper, err = expr.Marshal(n.Upper); err != nil {
			return nodeDoc{}, err
		}
	}
	d.LowerInclusive, d.UpperInclusive = n.LowerInclusive, n.UpperInclusive
	data, err := json.Marshal(d)
	return nodeDoc{Op: "temporalfilter", Pred: data}, err
}

// unmarshalTemporalFilter rebuilds a recorded temporal filter over in,
// checking that its bounds still read the clock alone and compare with
// the time's type.
func unmarshalTemporalFilter(d nodeDoc, in planner.StreamNode) (planner.StreamNode, error) {
	var doc temporalFilterDoc
	if err := json.Unmarshal(d.Pred, &doc); err != nil {
		return nil, err
	}
	t, err := unmarshalExpr(doc.Time, in)
	if err != nil {
		return nil, err
	}
	n := &planner.StreamTemporalFilter{Input: in, Time: t, LowerInclusive: doc.LowerInclusive, UpperInclusive: doc.UpperInclusive}
	bound := func(data json.RawMessage) (expr.Expr, error) {
		if data == nil {
			return nil, nil
		}
		e, err := unmarshalExpr(data, in)
		if err != nil {
			return nil, err
		}
		if !expr.ReadsOnlyClock(e) || e.Type() != t.Type() {
			return nil, fmt.Errorf("temporalfilter: bound %s of %s", e, t)
		}
		return e, nil
	}
	if n.Lower, err = bound(doc.Lower); err != nil {
		return nil, err
	}
	if n.Upper, err = bound(doc.Upper); err != nil {
		return nil, err
	}
	if n.Lower == nil && n.Upper == nil || !expr.WatermarkValue(t.Type()) {
		return nil, fmt.Errorf("temporalfilter: no bound of %s", t)
	}
	return n, nil
}
