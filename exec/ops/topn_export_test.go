package ops

// CacheState returns how many rows t's cache holds and whether they are
// every row there is, for tests.
func (t *TopN) CacheState() (int, bool) { return t.cache.Len(), t.complete }

// SetCacheBytes bounds the bytes of the partitions g keeps cached over an
// append-only input, for tests.
func (g *GroupTopN) SetCacheBytes(n int) {
	if g.app != nil {
		g.app.cacheBytes = n
	}
}
