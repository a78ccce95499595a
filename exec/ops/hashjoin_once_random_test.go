package ops_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/statestore"
)

// TestHashJoinOnePerKeyRandom runs a join whose right side has one row per
// key (RightOnePerKey) beside the same join without it, over the same
// random changes: left inserts and deletes that come before and after
// their key's right row, NULL keys, right rows the side's own condition
// rejects (kept as markers), a residual over both sides, and restarts
// over the committed state at random barriers. The two must emit the same
// changes, folded.
func TestHashJoinOnePerKeyRandom(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	left, err := exectest.ParseSchema("id bigint, k int, a text")
	if err != nil {
		t.Fatal(err)
	}
	right, err := exectest.ParseSchema("id bigint, k int, b text")
	if err != nil {
		t.Fatal(err)
	}
	out := append(left[:len(left):len(left)], right...)
	for _, residual := range []string{"none", "differs", "sidefilter"} {
		for seed := uint64(1); seed <= 30; seed++ {
			t.Run(fmt.Sprintf("%s/%d", residual, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				spec := func(once bool) ops.HashJoinSpec {
					s := ops.HashJoinSpec{Left: left, Right: right, LeftKeys: []int{1}, RightKeys: []int{1},
						LeftStreamKey: []int{0}, RightStreamKey: []int{0},
						LeftTable: statestore.FirstUserTable, RightTable: statestore.FirstUserTable + 1,
						Output: out, LeftPos: []int{0, 1, 2}, RightPos: []int{3, 4, 5}, RightOnePerKey: once}
					switch residual {
					case "differs":
						s.Residual = residualDiffers(t, left[2].Type, right[2].Type)
					case "sidefilter":
						s.Residual = rightIsNot(t, right[2].Type, "no")
					}
					return s
				}
				type run struct {
					store *exectest.Store
					j     *ops.HashJoin
					got   map[string]int
				}
				runs := [2]*run{{store: exectest.NewStore(), got: map[string]int{}}, {store: exectest.NewStore(), got: map[string]int{}}}
				open := func(r *run, once bool) {
					r.j = ops.NewHashJoin(spec(once), mem)
					if err := r.j.Open(ctx, exec.OpenContext{State: r.store}); err != nil {
						t.Fatal(err)
					}
				}
				open(runs[0], false)
				open(runs[1], true)
				texts := []string{"x", "y", "no"}
				var leftLive []string // left rows inserted and not deleted
				rightKeys := map[int]bool{}
				nextID := int64(1)
				var epoch exec.Epoch
				for step := 0; step < 120; step++ {
					var side int
					var b strings.Builder
					switch r := rng.IntN(10); {
					case r < 5:
						for range 1 + rng.IntN(4) {
							k := fmt.Sprint(rng.IntN(8))
							if rng.IntN(10) == 0 {
								k = "NULL"
							}
							row := fmt.Sprintf("%d | %s | %s", nextID, k, texts[rng.IntN(len(texts))])
							nextID++
							leftLive = append(leftLive, row)
							fmt.Fprintf(&b, "+ | %s\n", row)
						}
					case r < 7:
						if len(leftLive) == 0 {
							continue
						}
						i := rng.IntN(len(leftLive))
						fmt.Fprintf(&b, "- | %s\n", leftLive[i])
						leftLive = append(leftLive[:i], leftLive[i+1:]...)
					default:
						side = 1
						for range 1 + rng.IntN(2) {
							k := rng.IntN(8)
							if rightKeys[k] {
								continue
							}
							rightKeys[k] = true
							fmt.Fprintf(&b, "+ | %d | %d | %s\n", 1000+nextID, k, texts[rng.IntN(len(texts))])
							nextID++
						}
						if b.Len() == 0 {
							continue
						}
					}
					schema := left
					if side == 1 {
						schema = right
					}
					for _, r := range runs {
						c, err := exectest.ParseChunk(mem, schema, b.String())
						if err != nil {
							t.Fatal(err)
						}
						col := &exectest.Collector{}
						err = r.j.ProcessChunk(ctx, side, c, col)
						c.Release()
						if err != nil {
							t.Fatalf("step %d: %v", step, err)
						}
						foldOnceChanges(t, r.got, col.Take())
					}
					if rng.IntN(4) == 0 {
						epoch++
						restart := rng.IntN(3) == 0
						for i, r := range runs {
							w := r.store.NewWriter()
							if err := r.j.OnBarrier(ctx, exec.Barrier{Epoch: epoch}, w, &exectest.Collector{}); err != nil {
								t.Fatal(err)
							}
							if err := w.Commit(); err != nil {
								t.Fatal(err)
							}
							w.Close()
							if restart {
								open(r, i == 1)
							}
						}
						keptOnceUnpaired(t, runs[1].store)
					}
					if plain, once := foldedOnceChanges(runs[0].got), foldedOnceChanges(runs[1].got); plain != once {
						t.Fatalf("step %d (after %q): the plain join has\n%s\nthe one-per-key join\n%s", step, b.String(), plain, once)
					}
				}
			})
		}
	}
}

// keptOnceUnpaired fails t when store, a one-per-key join's, keeps a left row
// whose join key has its right row (or marker): such a row pairs with
// nothing more.
func keptOnceUnpaired(t *testing.T, store *exectest.Store) {
	t.Helper()
	const jkLen = 5 // an int key: a tag byte and four
	rightKeys := map[string]bool{}
	lo, hi := statestore.TableSpan(statestore.FirstUserTable + 1)
	if err := store.Scan(lo, hi, func(k, _ []byte) (bool, error) {
		rightKeys[string(k[statestore.KeyPrefixLen-2:statestore.KeyPrefixLen+jkLen])] = true
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
	lo, hi = statestore.TableSpan(statestore.FirstUserTable)
	if err := store.Scan(lo, hi, func(k, _ []byte) (bool, error) {
		if rightKeys[string(k[statestore.KeyPrefixLen-2:statestore.KeyPrefixLen+jkLen])] {
			t.Errorf("left row %x is kept although its key has its right row", k)
		}
		return true, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// foldOnceChanges adds the changes text prints (exectest's chunk format) to got.
func foldOnceChanges(t *testing.T, got map[string]int, text string) {
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line == "--" {
			continue
		}
		op, row, ok := strings.Cut(line, " | ")
		if !ok {
			t.Fatalf("bad output line %q", line)
		}
		switch op {
		case "+", "U+":
			got[row]++
		case "-", "U-":
			got[row]--
		default:
			t.Fatalf("bad op in %q", line)
		}
		if got[row] == 0 {
			delete(got, row)
		}
	}
}

// foldedOnceChanges prints got in a stable order.
func foldedOnceChanges(got map[string]int) string {
	var lines []string
	for row, n := range got {
		lines = append(lines, fmt.Sprintf("%s x%d", row, n))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}
