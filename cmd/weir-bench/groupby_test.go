package main

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestGroupByCatchesWrongAnswer checks that the verification notices a
// wrong count, sum or group.
func TestGroupByCatchesWrongAnswer(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	in := buildGroupByInput(mem, 20_000, 10)
	defer in.Release()
	run, err := runHashAgg(context.Background(), in, true, 5_000)
	if err != nil {
		t.Fatal(err)
	}
	same := newGroupTotals(10)
	copy(same.present, run.totals.present)
	copy(same.count, run.totals.count)
	copy(same.sum, run.totals.sum)
	if d := run.totals.diff(same); d != "" {
		t.Fatalf("identical totals differ: %s", d)
	}
	same.sum[3]++
	if d := run.totals.diff(same); !strings.Contains(d, "key 3") {
		t.Errorf("changed sum not caught: %q", d)
	}
	same.sum[3]--
	same.present[4] = !same.present[4]
	if d := run.totals.diff(same); !strings.Contains(d, "groups") {
		t.Errorf("missing group not caught: %q", d)
	}
}
