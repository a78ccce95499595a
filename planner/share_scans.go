package planner

// shareScans returns root with every scan of a relation replaced by the
// first scan of it, so that a plan reads each relation once however many
// times its query names it: a union of two filters over one stream runs one
// source (one position, one row in weir_sources), a self-join subscribes to
// its table once. The builder gives a node that several others read one
// fragment, whose output each of them reads. Nodes above a replaced scan
// are copied with the new input; a node kind this does not know keeps its
// inputs (its scans are then not shared). Filters, projections, hops and
// aggregates that then compute the same rows from the same node are one
// node (sameNodes).
func shareScans(root StreamNode) StreamNode {
	scans := map[string]*StreamScan{}
	done := map[StreamNode]StreamNode{}
	var merged sameNodes
	var share func(n StreamNode) StreamNode
	share = func(n StreamNode) StreamNode {
		if r, ok := done[n]; ok {
			return r
		}
		var out StreamNode = n
		switch n := n.(type) {
		case *StreamScan:
			if s, ok := scans[n.Object.Name]; ok {
				out = s
			} else {
				scans[n.Object.Name] = n
			}
		case *StreamFilter:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamProject:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamHashAgg:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamTopN:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamGroupTopN:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamTemporalFilter:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamHop:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamReplicate:
			if in := share(n.Input); in != n.Input {
				c := *n
				c.Input = in
				out = &c
			}
		case *StreamUnion:
			ins := make([]StreamNode, len(n.Ins))
			changed := false
			for i, in := range n.Ins {
				ins[i] = share(in)
				changed = changed || ins[i] != in
			}
			if changed {
				c := *n
				c.Ins = ins
				out = &c
			}
		case *StreamHashJoin:
			l, r := share(n.Left), share(n.Right)
			if l != n.Left || r != n.Right {
				c := *n
				c.Left, c.Right = l, r
				out = &c
			}
		}
		out = merged.same(out)
		done[n] = out
		return out
	}
	return share(root)
}
