package ops

import (
	"fmt"
	"testing"
)

// TestPartitionFilter: every key added is reported present, across the
// sizes the filter grows to; few keys never added are, and an empty or a
// full filter says so.
func TestPartitionFilter(t *testing.T) {
	var f partitionFilter
	if f.mayHold([]byte("a")) {
		t.Fatal("an empty filter holds a key")
	}
	const keys = 300_000
	for i := range keys {
		f.add(fmt.Sprintf("key %d", i))
	}
	if len(f.words) != partitionFilterLastWords || f.hashes != nil {
		t.Errorf("%d keys in %d words (%d hashes kept), want the filter grown to %d words and no hashes", keys, len(f.words), len(f.hashes), partitionFilterLastWords)
	}
	for i := range keys {
		if k := fmt.Sprintf("key %d", i); !f.mayHold([]byte(k)) {
			t.Fatalf("%q added but not held", k)
		}
	}
	present := 0
	for i := range keys {
		if f.mayHold([]byte(fmt.Sprintf("absent %d", i))) {
			present++
		}
	}
	if present > keys/100 {
		t.Errorf("%d of %d keys never added look present, want under 1%%", present, keys)
	}
	f.reset()
	if f.mayHold([]byte("key 1")) {
		t.Error("a reset filter holds a key")
	}
	f.full = true
	if !f.mayHold([]byte("anything")) {
		t.Error("a full filter does not hold every key")
	}
}
