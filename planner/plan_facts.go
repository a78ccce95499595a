package planner

// HasAggregate reports whether the logical plan n aggregates anywhere.
func HasAggregate(n Node) bool {
	if _, ok := n.(*Aggregate); ok {
		return true
	}
	for _, c := range n.Children() {
		if HasAggregate(c) {
			return true
		}
	}
	return false
}

// KeyVisible reports whether p has a key and its key columns are all
// visible, so that a consumer (an upsert sink) can key records by them.
func (p *StreamPlan) KeyVisible() bool {
	if len(p.Key) == 0 {
		return false
	}
	for _, k := range p.Key {
		if p.Cols[k].Hidden {
			return false
		}
	}
	return true
}
