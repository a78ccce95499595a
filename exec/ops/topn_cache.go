package ops

import "sort"

// topNChunk is how many rows a chunk of a topNCache holds at most before it
// splits in two.
const topNChunk = 512

// topNCache is a TopN's cache: rows sorted by state key, kept in chunks of
// at most topNChunk rows, so that inserting or deleting a row moves at most
// a chunk's rows however large Offset+Limit is. Positions are ranks from 0.
type topNCache struct {
	chunks [][]topNEntry
	n      int
}

// Len returns the number of rows.
func (c *topNCache) Len() int { return c.n }

// Reset empties the cache.
func (c *topNCache) Reset() { c.chunks, c.n = nil, 0 }

// Search returns the rank key has or would have, and whether it is there.
func (c *topNCache) Search(key string) (int, bool) {
	k := sort.Search(len(c.chunks), func(k int) bool {
		ch := c.chunks[k]
		return ch[len(ch)-1].key >= key
	})
	i := 0
	for _, ch := range c.chunks[:k] {
		i += len(ch)
	}
	if k == len(c.chunks) {
		return i, false
	}
	ch := c.chunks[k]
	j := sort.Search(len(ch), func(j int) bool { return ch[j].key >= key })
	return i + j, j < len(ch) && ch[j].key == key
}

// locate returns the chunk and the position in it of rank i (i < Len).
func (c *topNCache) locate(i int) (int, int) {
	for k, ch := range c.chunks {
		if i < len(ch) {
			return k, i
		}
		i -= len(ch)
	}
	panic("topNCache: rank out of range")
}

// At returns the row of rank i.
func (c *topNCache) At(i int) topNEntry {
	k, j := c.locate(i)
	return c.chunks[k][j]
}

// Set replaces the row of rank i.
func (c *topNCache) Set(i int, e topNEntry) {
	k, j := c.locate(i)
	c.chunks[k][j] = e
}

// Last returns the row of the highest rank (Len > 0).
func (c *topNCache) Last() topNEntry {
	ch := c.chunks[len(c.chunks)-1]
	return ch[len(ch)-1]
}

// Insert puts e at rank i (0 ≤ i ≤ Len).
func (c *topNCache) Insert(i int, e topNEntry) {
	if i == c.n {
		c.Append(e)
		return
	}
	c.n++
	k, j := c.locate(i)
	ch := c.chunks[k]
	ch = append(ch, topNEntry{})
	copy(ch[j+1:], ch[j:])
	ch[j] = e
	if len(ch) <= topNChunk {
		c.chunks[k] = ch
		return
	}
	half := len(ch) / 2
	tail := append([]topNEntry(nil), ch[half:]...)
	c.chunks[k] = ch[:half:half]
	c.chunks = append(c.chunks, nil)
	copy(c.chunks[k+2:], c.chunks[k+1:])
	c.chunks[k+1] = tail
}

// Append puts e after every row (its key is the largest).
func (c *topNCache) Append(e topNEntry) {
	c.n++
	if k := len(c.chunks) - 1; k >= 0 && len(c.chunks[k]) < topNChunk {
		c.chunks[k] = append(c.chunks[k], e)
		return
	}
	// A chunk grows as rows come: a GroupTopN has a cache per partition,
	// most of them a few rows.
	c.chunks = append(c.chunks, []topNEntry{e})
}

// Delete removes the row of rank i.
func (c *topNCache) Delete(i int) {
	k, j := c.locate(i)
	ch := c.chunks[k]
	copy(ch[j:], ch[j+1:])
	ch[len(ch)-1] = topNEntry{}
	ch = ch[:len(ch)-1]
	c.n--
	if len(ch) == 0 {
		c.chunks = append(c.chunks[:k], c.chunks[k+1:]...)
		return
	}
	c.chunks[k] = ch
}

// Slice returns a copy of the rows of ranks lo to hi-1.
func (c *topNCache) Slice(lo, hi int) []topNEntry {
	if hi <= lo {
		return nil
	}
	out := make([]topNEntry, 0, hi-lo)
	k, j := c.locate(lo)
	for len(out) < hi-lo {
		ch := c.chunks[k][j:]
		out = append(out, ch[:min(len(ch), hi-lo-len(out))]...)
		k, j = k+1, 0
	}
	return out
}
