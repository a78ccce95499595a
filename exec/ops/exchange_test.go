package ops_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

var _ exec.Splitter = (*ops.KeyExchange)(nil)

// exchangeKeyTypes are the key columns (k, s) of TestKeyExchange's chunks.
var exchangeKeyTypes = []types.T{types.Int64Type, types.TextType}

// exchangeOwner returns the instance of n that owns the group of row i of
// batch: the owner of the vnode the hash aggregate stores the group under.
func exchangeOwner(batch arrow.RecordBatch, i, n int) int {
	var key []byte
	for j, t := range exchangeKeyTypes {
		key = statestore.AppendValue(key, t, batch.Column(j), i)
	}
	return statestore.VnodeOwner(statestore.Vnode(key), n)
}

// TestKeyExchange splits a chunk of changes keyed by (k, s) among three
// instances and checks that each part holds exactly the rows whose group
// its instance owns, in the chunk's order, and that an update whose two
// halves went to different instances became a Delete and an Insert while
// one within an instance kept its pair.
func TestKeyExchange(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var rows strings.Builder
	for i := range 40 {
		fmt.Fprintf(&rows, "+ | %d | s%d | %d\n", i%7, i%3, i)
	}
	// Updates: within group (5, s0), then from (1, s1) to each of
	// (0, s0) … (6, s2), so that some cross instances and some do not.
	rows.WriteString("U- | 5 | s0 | 1\nU+ | 5 | s0 | 2\n- | 6 | s1 | 5\n")
	for i := range 7 {
		fmt.Fprintf(&rows, "U- | 1 | s1 | 3\nU+ | %d | s%d | 4\n", i, i%3)
	}
	c := exectest.MustChunk(t, mem, "k bigint, s varchar, v int", rows.String())
	defer c.Release()
	const n = 3
	x := ops.NewKeyExchange(mem, []int{0, 1}, exchangeKeyTypes)
	parts, err := x.Split(context.Background(), c, n)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != n {
		t.Fatalf("%d parts, want %d", len(parts), n)
	}
	// want[o]: the rows of c that instance o owns, in c's order, with the
	// op each must arrive with.
	want := make([][]string, n)
	crossed := 0
	for i := 0; i < c.NumRows(); i++ {
		o, op := exchangeOwner(c.Batch, i, n), c.OpAt(i)
		switch {
		case op == exec.UpdateDelete && o != exchangeOwner(c.Batch, i+1, n):
			op = exec.Delete
			crossed++
		case op == exec.UpdateInsert && o != exchangeOwner(c.Batch, i-1, n):
			op = exec.Insert
		}
		want[o] = append(want[o], fmt.Sprintf("%s %s", op, exectest.FormatRow(c.Batch, i)))
	}
	for i, p := range parts {
		var got []string
		for r := 0; r < p.NumRows(); r++ {
			got = append(got, fmt.Sprintf("%s %s", p.OpAt(r), exectest.FormatRow(p.Batch, r)))
		}
		p.Release()
		if !slices.Equal(got, want[i]) {
			t.Errorf("part %d:\ngot  %q\nwant %q", i, got, want[i])
		}
	}
	if crossed == 0 || crossed == 7 {
		t.Errorf("%d of 7 updates crossed instances: the test wants both kinds", crossed)
	}
}

// TestKeyExchangeOneInstance hands the chunk itself to a lone instance.
func TestKeyExchangeOneInstance(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := exectest.MustChunk(t, mem, "k bigint, s varchar", "+ | 1 | a\n- | 2 | b")
	defer c.Release()
	parts, err := ops.NewKeyExchange(mem, []int{0, 1}, exchangeKeyTypes).Split(context.Background(), c, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 1 || parts[0].Batch != c.Batch {
		t.Fatalf("parts %v", parts)
	}
	parts[0].Release()
	if _, err := ops.NewKeyExchange(mem, []int{0, 1}, exchangeKeyTypes).Split(context.Background(), c, 0); err == nil {
		t.Fatal("split among 0 instances succeeded")
	}
}
