package exec

// StateGrower is a StateWriter that can make room for a known amount of
// writes up front (statestore.WriteBatch): an operator that knows the size
// of its barrier's writes says so before writing them.
type StateGrower interface {
	// Grow makes room for n more bytes of keys and values.
	Grow(n int)
}

// GrowState hands w the size of the writes about to come, n bytes of keys
// and values, if w can use it.
func GrowState(w StateWriter, n int) {
	if g, ok := w.(StateGrower); ok {
		g.Grow(n)
	}
}
