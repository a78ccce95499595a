package catalog

import "fmt"

// UpstreamFirst returns objs ordered so that each comes after the objects
// it uses (Uses), in rounds: each round takes, in objs' order, every object
// whose uses came before. When some objects use each other in a cycle, it
// returns the ones ordered before and an error.
func UpstreamFirst(objs []*Object) ([]*Object, error) {
	placed := make(map[string]bool, len(objs))
	out := make([]*Object, 0, len(objs))
	for len(placed) < len(objs) {
		progress := false
		for _, o := range objs {
			if placed[o.Name] {
				continue
			}
			ready := true
			for _, u := range o.Uses {
				if !placed[u] {
					ready = false
				}
			}
			if !ready {
				continue
			}
			placed[o.Name], progress = true, true
			out = append(out, o)
		}
		if !progress {
			return out, fmt.Errorf("catalog has a dependency cycle")
		}
	}
	return out, nil
}
