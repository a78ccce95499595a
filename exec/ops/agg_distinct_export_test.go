package ops

// SetDistinctCacheBytes sets the memory budget of the DISTINCT multisets
// (distinctCacheBytes) and returns a function restoring the previous one,
// for tests.
func SetDistinctCacheBytes(n int) (restore func()) {
	prev := distinctCacheBytes
	distinctCacheBytes = n
	return func() { distinctCacheBytes = prev }
}
