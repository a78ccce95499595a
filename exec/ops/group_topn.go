package ops

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// RankKind is the ranking function of a GroupTopN.
type RankKind uint8

// Ranking functions: RowNumber numbers a partition's rows 1, 2, 3 … (ties
// broken by the stream key); Rank gives peers one rank and skips the ranks
// after them (1, 1, 3); DenseRank skips none (1, 1, 2).
const (
	RowNumber RankKind = iota
	Rank
	DenseRank
)

// GroupTopNSpec describes a GroupTopN.
type GroupTopNSpec struct {
	// Schema is the input's schema; the output's is it and the rank
	// (bigint).
	Schema types.Schema
	// PartitionBy are the partition's columns; Keys order a partition's
	// rows; StreamKey identifies a row and breaks ties (ascending).
	PartitionBy []int
	Keys        []TopNKey
	StreamKey   []int
	// Rank is the ranking function; the rows ranked Lo to Hi (from 1) are
	// kept.
	Rank   RankKind
	Lo, Hi int64
	// AppendOnly says the input never retracts: with RowNumber, rows
	// ranked past Hi can never come back, so they are not kept.
	AppendOnly bool
	// RankUnused says nothing reads the rank: it is emitted as 0, so a
	// row whose rank shifts is not updated.
	RankUnused bool
	// Table holds the rows: partition key | sort key | stream key → row.
	Table statestore.TableID
}

// groupTopNMaxGroups is how many partitions a GroupTopN keeps in memory
// after a barrier; beyond it, it forgets them all and loads each again from
// state when a change touches it.
const groupTopNMaxGroups = 4096

// GroupTopN maintains the rows of each partition of its input ranked Lo to
// Hi, with their rank: the per-group top-N of `WHERE rn <= n` over a
// ranking function. A partition is a TopN of its own (its cache and refill
// from state) under the partition's key prefix in one state table; the
// partitions a change touches are kept in memory, at most
// groupTopNMaxGroups of them after a barrier. At a barrier it emits, for
// each partition the epoch touched, the difference between the rows (and
// ranks) it emitted last and the ones ranked Lo to Hi now: the deletes of
// every partition first, then update pairs (a row that stayed but changed,
// or whose rank moved) and inserts, so that a row moving between
// partitions keeps its stream key across them. Over an append-only input
// ranked by row_number (Hi at most appendTopNMaxHi) an appendTopN does the
// work instead, keeping each partition's first Hi rows only.
//
// GroupTopN is driven by one fragment goroutine.
type GroupTopN struct {
	spec    GroupTopNSpec
	mem     memory.Allocator
	state   *sharedState
	pkTypes []types.T
	base    []byte
	out     types.Schema
	groups  map[string]*topNGroup
	// touched are the partitions the epoch changed, by partition key.
	touched map[string]bool
	ranks   map[int64][]byte
	// app runs the operator when the input is append-only and ranked by
	// row_number with a small Hi; the fields above are then unused.
	app *appendTopN
	// rowBytes are the bytes per row of each variable-length column of
	// the last output chunk (textBytes).
	rowBytes []int
}

// topNGroup is one partition of a GroupTopN: its rows, and the rows it
// emitted last with their ranks.
type topNGroup struct {
	top     *TopN
	emitted []rankedEntry
}

// rankedEntry is a row of a partition and its rank.
type rankedEntry struct {
	topNEntry
	rank int64
}

// NewGroupTopN returns a GroupTopN for spec.
func NewGroupTopN(spec GroupTopNSpec, mem memory.Allocator) *GroupTopN {
	g := &GroupTopN{spec: spec, mem: mem, touched: map[string]bool{}, ranks: map[int64][]byte{}}
	for _, p := range spec.PartitionBy {
		g.pkTypes = append(g.pkTypes, spec.Schema[p].Type)
	}
	g.base = statestore.AppendKey(nil, spec.Table, statestore.Vnode(nil), nil)
	g.out = append(append(types.Schema(nil), spec.Schema...), types.Column{Name: "rank", Type: types.Int64Type, Nullable: true})
	if spec.AppendOnly && spec.Rank == RowNumber && spec.Lo <= spec.Hi && spec.Hi >= 1 && spec.Hi <= appendTopNMaxHi {
		g.app = newAppendTopN(g)
	}
	return g
}

// Open forgets the partitions: each is loaded from state when a change
// touches it, and what it then holds is what the view has.
func (g *GroupTopN) Open(_ context.Context, oc exec.OpenContext) error {
	if err := g.Close(); err != nil {
		return err
	}
	g.state = &sharedState{StateReader: oc.State, lo: g.base, hi: statestore.PrefixEnd(g.base)}
	g.groups = map[string]*topNGroup{}
	clear(g.touched)
	if g.app != nil {
		return g.app.open()
	}
	return nil
}

// ProcessChunk applies the changes of c to their partitions; the changes
// of the kept rows are emitted at the barrier.
func (g *GroupTopN) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	if g.spec.Hi < g.spec.Lo || g.spec.Hi < 1 {
		return nil // no rank is ever kept
	}
	if g.app != nil {
		return g.app.processChunk(c)
	}
	for i := 0; i < c.NumRows(); i++ {
		var pk string // one partition without PARTITION BY
		if len(g.spec.PartitionBy) > 0 {
			pk = string(statestore.AppendRow(nil, g.pkTypes, c.Batch, g.spec.PartitionBy, i))
		}
		grp, err := g.group(pk)
		if err != nil {
			return err
		}
		if err := grp.top.applyRow(c, i); err != nil {
			return err
		}
		g.touched[pk] = true
	}
	return nil
}

// group returns the partition of key pk, loading it from state the first
// time.
func (g *GroupTopN) group(pk string) (*topNGroup, error) {
	if grp, ok := g.groups[pk]; ok {
		return grp, nil
	}
	spec := TopNSpec{Schema: g.spec.Schema, Keys: g.spec.Keys, StreamKey: g.spec.StreamKey, Limit: g.spec.Hi, Table: g.spec.Table,
		// Ties of rank and dense_rank can reach past Hi rows: every row is kept.
		AppendOnly: g.spec.AppendOnly && g.spec.Rank == RowNumber}
	t := newTopN(spec, g.mem, append(g.base[:len(g.base):len(g.base)], pk...))
	t.state = g.state
	if err := t.refill(); err != nil {
		return nil, err
	}
	grp := &topNGroup{top: t}
	var err error
	if grp.emitted, err = g.window(t); err != nil {
		return nil, err
	}
	g.groups[pk] = grp
	return grp, nil
}

// window returns the rows of t ranked Lo to Hi with their ranks, reading
// more of the partition from state while ties reach past the cache.
func (g *GroupTopN) window(t *TopN) ([]rankedEntry, error) {
	for {
		var out []rankedEntry
		var rank, dense int64
		var prev string
		past := false
		for i := 0; i < t.cache.Len(); i++ {
			e := t.cache.At(i)
			sortKey := e.key[:len(e.key)-len(e.sk)]
			if i == 0 || sortKey != prev {
				rank, dense = int64(i)+1, dense+1
			}
			prev = sortKey
			r := int64(i) + 1
			switch g.spec.Rank {
			case Rank:
				r = rank
			case DenseRank:
				r = dense
			}
			if r > g.spec.Hi {
				past = true
				break
			}
			if r >= g.spec.Lo {
				kept := rankedEntry{topNEntry: e, rank: r}
				if g.spec.RankUnused {
					kept.rank = 0
				}
				out = append(out, kept)
			}
			if r == g.spec.Hi && g.spec.Rank == RowNumber {
				past = true // no row after it is kept
				break
			}
		}
		if past || t.complete {
			return out, nil
		}
		// Every cached row is ranked Hi or better: the rows after them may be too.
		t.capacity = max(2*t.capacity, t.cache.Len()+topNMinSpare)
		if err := t.refill(); err != nil {
			return nil, err
		}
	}
}

// OnBarrier emits the changes of the touched partitions' kept rows and
// writes the epoch's changes to state.
func (g *GroupTopN) OnBarrier(ctx context.Context, _ exec.Barrier, w exec.StateWriter, out exec.Output) error {
	if g.app != nil {
		return g.app.onBarrier(ctx, w, out)
	}
	keys := make([]string, 0, len(g.touched))
	for pk := range g.touched {
		keys = append(keys, pk)
	}
	slices.Sort(keys)
	clear(g.touched)
	if err := g.emit(ctx, keys, out); err != nil {
		return err
	}
	if err := g.state.release(); err != nil {
		return err
	}
	for _, pk := range keys {
		if err := g.groups[pk].top.flush(w); err != nil {
			return err
		}
	}
	if len(g.groups) > groupTopNMaxGroups {
		g.groups = map[string]*topNGroup{} // each is its state's window again
	}
	return nil
}

// emit pushes the differences of the partitions keys: every partition's
// deletes, then update pairs and inserts, in rank order per partition.
func (g *GroupTopN) emit(ctx context.Context, keys []string, out exec.Output) error {
	dec := statestore.NewRowDecoder(g.mem, g.out)
	defer dec.Release()
	var ops []exec.Op
	add := func(op exec.Op, e rankedEntry) error {
		ops = append(ops, op)
		return dec.Append(append(append([]byte(nil), e.row...), g.rankBytes(e.rank)...))
	}
	nows := make([][]rankedEntry, len(keys))
	for k, pk := range keys {
		grp := g.groups[pk]
		now, err := g.window(grp.top)
		if err != nil {
			return err
		}
		nows[k] = now
		is := make(map[string]bool, len(now))
		for _, e := range now {
			is[e.sk] = true
		}
		for _, e := range grp.emitted {
			if !is[e.sk] {
				if err := add(exec.Delete, e); err != nil {
					return err
				}
			}
		}
	}
	for k, pk := range keys {
		grp := g.groups[pk]
		was := make(map[string]rankedEntry, len(grp.emitted))
		for _, e := range grp.emitted {
			was[e.sk] = e
		}
		for _, e := range nows[k] {
			old, ok := was[e.sk]
			switch {
			case !ok:
				if err := add(exec.Insert, e); err != nil {
					return err
				}
			case string(old.row) != string(e.row) || old.rank != e.rank:
				if err := add(exec.UpdateDelete, old); err != nil {
					return err
				}
				if err := add(exec.UpdateInsert, e); err != nil {
					return err
				}
			}
		}
		grp.emitted = nows[k]
	}
	if len(ops) == 0 {
		return nil
	}
	if !slices.ContainsFunc(ops, func(op exec.Op) bool { return op != exec.Insert }) {
		ops = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: dec.NewBatch(), Ops: ops})
}

// rankBytes returns the row encoding of rank r.
func (g *GroupTopN) rankBytes(r int64) []byte {
	if b, ok := g.ranks[r]; ok {
		return b
	}
	b := int64Bytes(g.mem, r)
	if len(g.ranks) < 1024 {
		g.ranks[r] = b
	}
	return b
}

// int64Bytes returns the row encoding of the bigint v.
func int64Bytes(mem memory.Allocator, v int64) []byte {
	bld := array.NewInt64Builder(mem)
	defer bld.Release()
	bld.Append(v)
	a := bld.NewArray()
	defer a.Release()
	return statestore.AppendValue(nil, types.Int64Type, a, 0)
}

// Close releases the iterator the partitions read state with.
func (g *GroupTopN) Close() error {
	if g.state == nil {
		return nil
	}
	return g.state.release()
}

// String describes the operator for logs.
func (g *GroupTopN) String() string {
	keys := make([]string, len(g.spec.Keys))
	for i, k := range g.spec.Keys {
		keys[i] = fmt.Sprint(k.Column)
		if k.Desc {
			keys[i] += " desc"
		}
	}
	return fmt.Sprintf("GroupTopN[partition %v; %s; ranks %d..%d]", g.spec.PartitionBy, strings.Join(keys, ", "), g.spec.Lo, g.spec.Hi)
}
