package planner

import (
	"fmt"
	"strings"
)

// ExplainStream returns the graph of a view's streaming plan as a tree, the
// materialize operator at the root, one operator per line, each with its
// stream key and the state tables it declares. A node read by several
// others is printed once, marked "shared #n"; later references to it print
// only that mark.
//
// With parallelism above 1, the aggregate runs as that many instances, and
// a StreamExchange line below it shows how rows reach them: by a hash of
// the group key, each instance owning a range of vnodes.
func ExplainStream(name string, p *StreamPlan, parallelism int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "StreamMaterialize { name: %s, key: [%s] }\n", name, colNames(p.Cols, p.Key))
	uses := map[StreamNode]int{}
	for _, n := range p.Nodes() {
		for _, in := range n.Inputs() {
			uses[in]++
		}
	}
	x := &streamExplainer{b: &b, uses: uses, ids: map[StreamNode]int{}, parallelism: parallelism}
	x.node(p.Root, "", "└─")
	return strings.TrimSuffix(b.String(), "\n")
}

type streamExplainer struct {
	b           *strings.Builder
	uses        map[StreamNode]int
	ids         map[StreamNode]int
	parallelism int
}

// node prints n after prefix+branch, and its inputs below it.
func (x *streamExplainer) node(n StreamNode, prefix, branch string) {
	if id, ok := x.ids[n]; ok {
		fmt.Fprintf(x.b, "%s%s(shared #%d)\n", prefix, branch, id)
		return
	}
	line := strings.TrimSuffix(n.explain(), " }")
	line += fmt.Sprintf(", key: [%s]", colNames(n.Columns(), n.StreamKey()))
	if st := n.State(); len(st) > 0 {
		roles := make([]string, len(st))
		for i, t := range st {
			roles[i] = t.Role
		}
		line += fmt.Sprintf(", state: [%s]", join(roles))
	}
	agg, parallel := n.(*StreamHashAgg)
	parallel = parallel && x.parallelism > 1
	if parallel {
		line += fmt.Sprintf(", parallelism: %d", x.parallelism)
	}
	line += " }"
	if x.uses[n] > 1 {
		x.ids[n] = len(x.ids) + 1
		line += fmt.Sprintf(" (shared #%d)", x.ids[n])
	}
	fmt.Fprintf(x.b, "%s%s%s\n", prefix, branch, line)
	child := prefix + strings.Repeat(" ", len([]rune(branch)))
	if branch == "├─" {
		child = prefix + "│ "
	}
	if parallel {
		fmt.Fprintf(x.b, "%s└─StreamExchange { dist: hash(%s), instances: %d }\n", child, colNames(agg.Cols, seq(agg.NumGroup)), x.parallelism)
		child += "  "
	}
	ins := n.Inputs()
	for i, in := range ins {
		br := "├─"
		if i == len(ins)-1 {
			br = "└─"
		}
		x.node(in, child, br)
	}
}

// colNames returns the names of cols at idx, comma-separated.
func colNames(cols []Col, idx []int) string {
	names := make([]string, len(idx))
	for i, k := range idx {
		names[i] = cols[k].Name
	}
	return join(names)
}
