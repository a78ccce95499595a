package ops

// CacheState returns how many rows t's cache holds and whether they are
// every row there is, for tests.
func (t *TopN) CacheState() (int, bool) { return t.cache.Len(), t.complete }
