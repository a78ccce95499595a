package ops

// SetDistinctCacheBytes sets the memory budget of the DISTINCT multisets
// (distinctCacheBytes) and returns a function restoring the previous one,
// for tests.
func SetDistinctCacheBytes(n int) (restore func()) {
	prev := distinctCacheBytes
	distinctCacheBytes = n
	return func() { distinctCacheBytes = prev }
}

// SetDistinctScanAfterReads sets how many values of a group read from
// state are read one by one before the group is scanned
// (distinctScanAfterReads) and returns a function restoring it, for tests.
func SetDistinctScanAfterReads(n int32) (restore func()) {
	prev := distinctScanAfterReads
	distinctScanAfterReads = n
	return func() { distinctScanAfterReads = prev }
}
