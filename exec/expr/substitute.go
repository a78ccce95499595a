package expr

// Substitute returns e with every column reference c replaced by sub(c)
// (which must have c's type), rebuilding only the nodes above a change.
// The planner uses it to merge a projection into the one over it.
func Substitute(e Expr, sub func(c *ColumnRef) Expr) Expr {
	if c, ok := e.(*ColumnRef); ok {
		return sub(c)
	}
	kids := e.Children()
	if len(kids) == 0 {
		return e
	}
	newKids := make([]Expr, len(kids))
	changed := false
	for i, k := range kids {
		newKids[i] = Substitute(k, sub)
		changed = changed || newKids[i] != k
	}
	if !changed {
		return e
	}
	return e.(rebuilder).withChildren(newKids)
}
