package planner

// DeclaredTable is a state table of a plan: the node that declared it and
// the declaration.
type DeclaredTable struct {
	Node  StreamNode
	Table StateTable
}

// StateTables returns the state tables p's nodes declare, in the order
// table ids are bound to them: the operators' tables first, inputs before
// the nodes that read them, then the sources' positions. (For a chain over
// one stream this is the order views had before tables were declared:
// each aggregate's, then the source's, so their catalogs still bind.)
func (p *StreamPlan) StateTables() []DeclaredTable {
	var ops, sources []DeclaredTable
	for _, n := range p.Nodes() {
		for _, t := range n.State() {
			if _, ok := n.(*StreamScan); ok {
				sources = append(sources, DeclaredTable{Node: n, Table: t})
			} else {
				ops = append(ops, DeclaredTable{Node: n, Table: t})
			}
		}
	}
	return append(ops, sources...)
}
