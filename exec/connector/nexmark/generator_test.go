package nexmark

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/internal/exectest"
)

// rows runs a source of table over every column until EOF and returns its
// rows printed, one string per row, with the row id first.
func rows(t *testing.T, mem memory.Allocator, table string, total, seed int64, state *exectest.Store) []string {
	t.Helper()
	s := open(t, mem, table, total, seed, state)
	defer s.Close()
	var out []string
	for {
		c, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Batch
		for r := 0; r < int(rec.NumRows()); r++ {
			row := rec.Column(int(rec.NumCols()) - 1).ValueStr(r)
			for col := 0; col < int(rec.NumCols())-1; col++ {
				row += "|" + rec.Column(col).ValueStr(r)
			}
			out = append(out, row)
		}
		c.Release()
		if state != nil && len(out) >= 100 && !recorded(state) {
			// Record the position once, mid-run.
			w := state.NewWriter()
			if err := s.OnBarrier(context.Background(), exec.Barrier{Epoch: 1}, w); err != nil {
				t.Fatal(err)
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			w.Close()
		}
	}
	return out
}

// recorded reports whether the source's position is in state.
func recorded(state *exectest.Store) bool {
	_, ok, _ := state.Get([]byte("k"))
	return ok
}

func open(t *testing.T, mem memory.Allocator, table string, total, seed int64, state *exectest.Store) *Source {
	t.Helper()
	opts := Options{Table: table, TotalEvents: total, Seed: seed, BatchRows: 64, Key: []byte("k")}
	s, err := NewSource(opts, mem)
	if err != nil {
		t.Fatal(err)
	}
	oc := exec.OpenContext{}
	if state != nil {
		oc.State = state
	}
	if err := s.Open(context.Background(), oc); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDeterminism(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, table := range []string{TablePerson, TableAuction, TableBid} {
		a := rows(t, mem, table, 2000, 1, nil)
		b := rows(t, mem, table, 2000, 1, nil)
		c := rows(t, mem, table, 2000, 2, nil)
		if len(a) == 0 || len(a) != len(b) || len(a) != len(c) {
			t.Fatalf("%s: %d, %d, %d rows", table, len(a), len(b), len(c))
		}
		same := 0
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: row %d differs between runs with the same seed:\n%s\n%s", table, i, a[i], b[i])
			}
			if a[i] == c[i] {
				same++
			}
		}
		if same > len(a)/10 {
			t.Errorf("%s: %d of %d rows are the same under another seed", table, same, len(a))
		}
	}
}

// TestRestart checks that a source reopened over the position recorded
// mid-run emits exactly the rest of the uninterrupted run.
func TestRestart(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	for _, table := range []string{TablePerson, TableAuction, TableBid} {
		state := exectest.NewStore()
		whole := rows(t, mem, table, 10_000, 3, state)
		rest := rows(t, mem, table, 10_000, 3, state)
		if len(rest) == 0 || len(rest) >= len(whole) {
			t.Fatalf("%s: %d rows after the restart, %d in all", table, len(rest), len(whole))
		}
		tail := whole[len(whole)-len(rest):]
		for i := range rest {
			if rest[i] != tail[i] {
				t.Fatalf("%s: row %d after restart is %s, want %s", table, i, rest[i], tail[i])
			}
		}
	}
}

// int64Columns generates every row of table over total events and returns
// the named BIGINT columns and the row ids.
func int64Columns(t *testing.T, mem memory.Allocator, table string, total int64, names ...string) (cols [][]int64, ids []int64, bytes int) {
	t.Helper()
	s := open(t, mem, table, total, DefaultSeed, nil)
	defer s.Close()
	cols = make([][]int64, len(names))
	for {
		c, err := s.Next(context.Background())
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rec := c.Batch
		for j, n := range names {
			idx := rec.Schema().FieldIndices(n)
			cols[j] = append(cols[j], rec.Column(idx[0]).(*array.Int64).Int64Values()...)
		}
		ids = append(ids, rec.Column(int(rec.NumCols())-1).(*array.Int64).Int64Values()...)
		for _, col := range rec.Columns() {
			switch a := col.(type) {
			case *array.String:
				bytes += len(a.ValueBytes())
			default:
				bytes += 8 * a.Len()
			}
		}
		c.Release()
	}
	return cols, ids, bytes
}

// TestMix checks the 1 : 3 : 46 mix over 50,000 events, the ids, and the
// average event sizes.
func TestMix(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const total = 50_000
	p, pids, pBytes := int64Columns(t, mem, TablePerson, total, "id")
	a, aids, aBytes := int64Columns(t, mem, TableAuction, total, "id")
	_, bids, bBytes := int64Columns(t, mem, TableBid, total)
	if len(pids) != 1000 || len(aids) != 3000 || len(bids) != 46000 {
		t.Fatalf("mix: %d people, %d auctions, %d bids", len(pids), len(aids), len(bids))
	}
	seen := map[int64]bool{}
	for _, ids := range [][]int64{pids, aids, bids} {
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("event %d emitted twice", id)
			}
			seen[id] = true
		}
	}
	for i, id := range p[0] {
		if id != firstPersonID+int64(i) {
			t.Fatalf("person %d has id %d", i, id)
		}
	}
	for i, id := range a[0] {
		if id != firstAuctionID+int64(i) {
			t.Fatalf("auction %d has id %d", i, id)
		}
	}
	for _, c := range []struct {
		table    string
		bytes    int
		n        int
		avg, tol int
	}{{"person", pBytes, 1000, avgPersonBytes, 20}, {"auction", aBytes, 3000, avgAuctionBytes, 50}, {"bid", bBytes, 46000, avgBidBytes, 10}} {
		// Less the row id; a bid whose url is long has no padding, so bids
		// run a little over their average.
		if got := c.bytes/c.n - 8; got < c.avg-c.tol || got > c.avg+c.tol {
			t.Errorf("%s: %d bytes on average, want about %d", c.table, got, c.avg)
		}
	}
}

// TestReferences checks that every bid goes to an auction and comes from a
// person created at or before it, and every auction's seller exists.
func TestReferences(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const total = 50_000
	p, pEvents, _ := int64Columns(t, mem, TablePerson, total, "id")
	a, aEvents, _ := int64Columns(t, mem, TableAuction, total, "id", "seller", "category")
	b, bEvents, _ := int64Columns(t, mem, TableBid, total, "auction", "bidder", "price")
	personAt := map[int64]int64{} // id -> event number
	for i, id := range p[0] {
		personAt[id] = pEvents[i]
	}
	auctionAt := map[int64]int64{}
	for i, id := range a[0] {
		auctionAt[id] = aEvents[i]
		ev, ok := personAt[a[1][i]]
		if !ok || ev > aEvents[i] {
			t.Fatalf("auction %d (event %d): seller %d does not exist yet", id, aEvents[i], a[1][i])
		}
		if c := a[2][i]; c < firstCategoryID || c >= firstCategoryID+numCategories {
			t.Fatalf("auction %d: category %d", id, c)
		}
	}
	hot := 0
	for i, ev := range bEvents {
		if at, ok := auctionAt[b[0][i]]; !ok || at > ev {
			t.Fatalf("bid (event %d): auction %d does not exist yet", ev, b[0][i])
		}
		if at, ok := personAt[b[1][i]]; !ok || at > ev {
			t.Fatalf("bid (event %d): bidder %d does not exist yet", ev, b[1][i])
		}
		if b[2][i] < 100 || b[2][i] > 100_000_000 {
			t.Fatalf("bid (event %d): price %d", ev, b[2][i])
		}
		if b[0][i] == firstAuctionID+(lastAuction(ev)/hotAuctionRatio)*hotAuctionRatio {
			hot++
		}
	}
	if share := float64(hot) / float64(len(bEvents)); share < 0.45 || share > 0.6 {
		t.Errorf("%.2f of the bids go to the hot auction, want about 0.5", share)
	}
}

// TestEventNumbers checks the arithmetic of the event sequence against a
// direct count.
func TestEventNumbers(t *testing.T) {
	people, auctions := int64(-1), int64(-1)
	for i := range int64(500) {
		switch KindOf(i) {
		case KindPerson:
			people++
		case KindAuction:
			auctions++
		}
		if lastPerson(i) != people || lastAuction(i) != auctions {
			t.Fatalf("event %d: last person %d, auction %d; counted %d, %d", i, lastPerson(i), lastAuction(i), people, auctions)
		}
		for _, k := range []Kind{KindPerson, KindAuction, KindBid} {
			j := nextOfKind(k, i)
			if KindOf(j) != k {
				t.Fatalf("nextOfKind(%d, %d) = %d of kind %d", k, i, j, KindOf(j))
			}
			for m := i; m < j; m++ {
				if KindOf(m) == k {
					t.Fatalf("nextOfKind(%d, %d) = %d skips %d", k, i, j, m)
				}
			}
		}
	}
}

func TestNextBeforeOpen(t *testing.T) {
	s, err := NewSource(Options{Table: TableBid, Key: []byte("k")}, memory.NewGoAllocator())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Next(context.Background()); err == nil || errors.Is(err, exec.ErrNoData) {
		t.Fatalf("Next before Open: %v", err)
	}
	if _, err := NewSource(Options{Table: TableBid}, memory.NewGoAllocator()); err == nil {
		t.Fatal("NewSource without a key succeeded")
	}
	if got := Columns("BID"); len(got) != 7 || got[0].Name != "auction" || Columns("items") != nil {
		t.Fatalf("Columns(BID) = %v", got)
	}
}
