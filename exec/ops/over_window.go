package ops

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// OverKind is a window function an OverWindow computes.
type OverKind uint8

// The window functions of an OverWindow over the whole partition: the
// ranking functions (ties of row_number broken by the stream key), and lag
// and lead (the argument Offset rows before or after, else the default).
const (
	OverRowNumber OverKind = iota
	OverRank
	OverDenseRank
	OverLag
	OverLead
	// OverNtile is ntile(Offset); OverPercentRank and OverCumeDist are
	// percent_rank() and cume_dist().
	OverNtile
	OverPercentRank
	OverCumeDist
)

// OverFunc is one window function of an OverWindow.
type OverFunc struct {
	Kind OverKind
	// Arg is the column lag, lead and the framed functions read (-1 for
	// count(*)); Default the column whose value lag and lead give where no
	// row is Offset rows away (-1: NULL).
	Arg, Default int
	// Offset is lag's and lead's offset, ntile's number of buckets and
	// nth_value's n.
	Offset int64
	// Frame is a framed function's frame (over_window_frame.go).
	Frame OverFrame
}

// OverWindowSpec describes an OverWindow.
type OverWindowSpec struct {
	// Schema is the input's; the output's is it, then one column per Func
	// (Types).
	Schema      types.Schema
	PartitionBy []int
	Keys        []TopNKey
	StreamKey   []int
	Funcs       []OverFunc
	Types       []types.T
	// Table holds the rows: partition key | sort key | stream key → row.
	Table statestore.TableID
}

// OverWindow maintains window functions that are not filtered to a top:
// every input row with, after its columns, the value of each function. It
// keeps the rows in state by (partition key, sort key, stream key) and, at
// a barrier, reads each partition the epoch changed, computes the
// functions over its rows before and after the epoch's changes, and emits
// the difference: deletes of every partition first, then update pairs of
// rows whose values changed (a row entering moves the ranks after it, and
// the lag or lead of its neighbours) and inserts. A touched partition is
// read whole, so the work of an epoch grows with the size of the
// partitions it touches.
//
// OverWindow is driven by one fragment goroutine.
type OverWindow struct {
	spec    OverWindowSpec
	mem     memory.Allocator
	state   *sharedState
	pkTypes []types.T
	enc     *TopN // encodes sort and stream keys
	base    []byte
	out     types.Schema
	// dirty are the epoch's changes by partition key: state key → row
	// (nil: deleted).
	dirty map[string]map[string][]byte
	ints  map[int64][]byte
	null  [][]byte // per function, the encoding of its NULL
}

// NewOverWindow returns an OverWindow for spec.
func NewOverWindow(spec OverWindowSpec, mem memory.Allocator) *OverWindow {
	o := &OverWindow{spec: spec, mem: mem, dirty: map[string]map[string][]byte{}, ints: map[int64][]byte{}}
	for _, p := range spec.PartitionBy {
		o.pkTypes = append(o.pkTypes, spec.Schema[p].Type)
	}
	o.base = statestore.AppendKey(nil, spec.Table, statestore.Vnode(nil), nil)
	o.enc = newTopN(TopNSpec{Schema: spec.Schema, Keys: spec.Keys, StreamKey: spec.StreamKey, Table: spec.Table}, mem, nil)
	o.out = append(types.Schema(nil), spec.Schema...)
	for i, t := range spec.Types {
		o.out = append(o.out, types.Column{Name: fmt.Sprintf("w%d", i), Type: t, Nullable: true})
		o.null = append(o.null, []byte{0x00}) // AppendValue's NULL marker, of every type
	}
	return o
}

// Open sets the state the partitions are read from.
func (o *OverWindow) Open(_ context.Context, oc exec.OpenContext) error {
	if err := o.Close(); err != nil {
		return err
	}
	o.state = &sharedState{StateReader: oc.State, lo: o.base, hi: statestore.PrefixEnd(o.base)}
	clear(o.dirty)
	return nil
}

// ProcessChunk notes the changes of c by partition.
func (o *OverWindow) ProcessChunk(_ context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	for i := 0; i < c.NumRows(); i++ {
		var pk string
		if len(o.spec.PartitionBy) > 0 {
			pk = string(statestore.AppendRow(nil, o.pkTypes, c.Batch, o.spec.PartitionBy, i))
		}
		key := append(append([]byte(nil), o.base...), pk...)
		key = o.enc.appendSortKey(key, c, i)
		key = statestore.AppendRow(key, o.enc.skTypes, c.Batch, o.spec.StreamKey, i)
		d := o.dirty[pk]
		if d == nil {
			d = map[string][]byte{}
			o.dirty[pk] = d
		}
		if c.OpAt(i).IsInsert() {
			d[string(key)] = statestore.AppendRow(nil, o.enc.types, c.Batch, nil, i)
		} else {
			d[string(key)] = nil
		}
	}
	return nil
}

// overRow is a row of a partition in order: its state key, stream key and
// row.
type overRow struct {
	key, sk string
	row     []byte
}

// OnBarrier emits the changes of the touched partitions' rows and values,
// and writes the epoch's changes to state.
func (o *OverWindow) OnBarrier(ctx context.Context, _ exec.Barrier, w exec.StateWriter, out exec.Output) error {
	pks := make([]string, 0, len(o.dirty))
	for pk := range o.dirty {
		pks = append(pks, pk)
	}
	slices.Sort(pks)
	dec := statestore.NewRowDecoder(o.mem, o.out)
	defer dec.Release()
	var ops []exec.Op
	var later [][]byte // updates and inserts, after every delete
	var laterOps []exec.Op
	for _, pk := range pks {
		part := newTopN(TopNSpec{Schema: o.spec.Schema, Keys: o.spec.Keys, StreamKey: o.spec.StreamKey}, o.mem,
			append(append([]byte(nil), o.base...), pk...))
		was, err := o.read(part)
		if err != nil {
			return err
		}
		now, err := o.apply(part, was, o.dirty[pk])
		if err != nil {
			return err
		}
		before, err := o.values(was)
		if err != nil {
			return err
		}
		after, err := o.values(now)
		if err != nil {
			return err
		}
		old := make(map[string][]byte, len(was))
		for i, r := range was {
			old[r.sk] = before[i]
		}
		present := make(map[string]bool, len(now))
		for _, r := range now {
			present[r.sk] = true
		}
		for i, r := range was {
			if !present[r.sk] {
				ops = append(ops, exec.Delete)
				if err := dec.Append(before[i]); err != nil {
					return err
				}
			}
		}
		for i, r := range now {
			prev, ok := old[r.sk]
			switch {
			case !ok:
				laterOps = append(laterOps, exec.Insert)
				later = append(later, after[i])
			case string(prev) != string(after[i]):
				laterOps = append(laterOps, exec.UpdateDelete, exec.UpdateInsert)
				later = append(later, prev, after[i])
			}
		}
	}
	for _, r := range later {
		if err := dec.Append(r); err != nil {
			return err
		}
	}
	ops = append(ops, laterOps...)
	if err := o.state.release(); err != nil {
		return err
	}
	for _, pk := range pks {
		d := o.dirty[pk]
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			var err error
			if row := d[k]; row == nil {
				err = w.Delete([]byte(k))
			} else {
				err = w.Set([]byte(k), row)
			}
			if err != nil {
				return err
			}
		}
	}
	clear(o.dirty)
	if len(ops) == 0 {
		return nil
	}
	if !slices.ContainsFunc(ops, func(op exec.Op) bool { return op != exec.Insert }) {
		ops = nil
	}
	return out.Push(ctx, exec.Chunk{Batch: dec.NewBatch(), Ops: ops})
}

// read returns the rows in state of part (a TopN over the partition's key
// prefix, which decodes its keys), in order.
func (o *OverWindow) read(part *TopN) ([]overRow, error) {
	it, err := o.state.NewIter(part.prefix, statestore.PrefixEnd(part.prefix))
	if err != nil {
		return nil, err
	}
	var rows []overRow
	for ok := it.First(); ok; ok = it.Next() {
		sk, err := part.streamKeyOf(it.Key())
		if err != nil {
			it.Close()
			return nil, err
		}
		rows = append(rows, overRow{key: string(it.Key()), sk: string(sk), row: append([]byte(nil), it.Value()...)})
	}
	return rows, it.Close()
}

// apply returns rows, the partition part's, with the changes d (state key
// → row, nil: deleted), in order.
func (o *OverWindow) apply(part *TopN, rows []overRow, d map[string][]byte) ([]overRow, error) {
	out := make([]overRow, 0, len(rows)+len(d))
	for _, r := range rows {
		if _, changed := d[r.key]; !changed {
			out = append(out, r)
		}
	}
	for k, row := range d {
		if row == nil {
			continue
		}
		sk, err := part.streamKeyOf([]byte(k))
		if err != nil {
			return nil, err
		}
		out = append(out, overRow{key: k, sk: string(sk), row: row})
	}
	slices.SortFunc(out, func(a, b overRow) int {
		switch {
		case a.key < b.key:
			return -1
		case a.key > b.key:
			return 1
		}
		return 0
	})
	return out, nil
}

// values returns each row of rows with the functions' values after its
// columns, encoded.
func (o *OverWindow) values(rows []overRow) ([][]byte, error) {
	out := make([][]byte, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	cols := make([][][]byte, len(rows)) // each row's encoded columns
	keys := make([]string, len(rows))   // each row's sort key
	for i, r := range rows {
		c, err := o.split(r.row)
		if err != nil {
			return nil, err
		}
		cols[i] = c
		keys[i] = r.key[:len(r.key)-len(r.sk)]
	}
	computed := make([][][]byte, len(o.spec.Funcs)) // the framed functions' values
	var part *overPartition
	for j, f := range o.spec.Funcs {
		if !f.Kind.isFramed() {
			continue
		}
		if part == nil {
			dec := statestore.NewRowDecoder(o.mem, o.spec.Schema)
			for _, r := range rows {
				if err := dec.Append(r.row); err != nil {
					dec.Release()
					return nil, err
				}
			}
			batch := dec.NewBatch()
			dec.Release()
			defer batch.Release()
			part = newOverPartition(batch, o.spec.Schema, keys, o.spec.Keys)
		}
		var err error
		if computed[j], err = o.framed(f, o.spec.Types[j], part, cols); err != nil {
			return nil, err
		}
	}
	n := int64(len(rows))
	var rank, dense int64
	peerEnd := int64(0)
	for i, r := range rows {
		if i == 0 || keys[i] != keys[i-1] {
			rank, dense = int64(i)+1, dense+1
			for peerEnd = int64(i); peerEnd+1 < n && keys[peerEnd+1] == keys[i]; peerEnd++ {
			}
		}
		v := append([]byte(nil), r.row...)
		for j, f := range o.spec.Funcs {
			switch f.Kind {
			case OverRowNumber:
				v = append(v, o.intBytes(int64(i)+1)...)
			case OverRank:
				v = append(v, o.intBytes(rank)...)
			case OverDenseRank:
				v = append(v, o.intBytes(dense)...)
			case OverNtile:
				v = append(v, int32Bytes(o.mem, ntile(int64(i), n, f.Offset))...)
			case OverPercentRank:
				pr := 0.0
				if n > 1 {
					pr = float64(rank-1) / float64(n-1)
				}
				v = append(v, float64Bytes(o.mem, pr)...)
			case OverCumeDist:
				v = append(v, float64Bytes(o.mem, float64(peerEnd+1)/float64(n))...)
			case OverLag, OverLead:
				at := int64(i) - f.Offset
				if f.Kind == OverLead {
					at = int64(i) + f.Offset
				}
				switch {
				case at >= 0 && at < n:
					v = append(v, cols[at][f.Arg]...)
				case f.Default >= 0:
					v = append(v, cols[i][f.Default]...)
				default:
					v = append(v, o.null[j]...)
				}
			default:
				v = append(v, computed[j][i]...)
			}
		}
		out[i] = v
	}
	return out, nil
}

// ntile returns the bucket, from 1, of row i (from 0) of n rows split into
// buckets as Postgres splits them: the first n % buckets buckets have one
// row more than the others.
func ntile(i, n, buckets int64) int32 {
	per, rest := n/buckets, n%buckets
	big := rest * (per + 1) // the rows of the larger buckets
	if i < big {
		return int32(i/(per+1) + 1)
	}
	return int32((i-big)/per + rest + 1)
}

// split returns the encodings of row's columns.
func (o *OverWindow) split(row []byte) ([][]byte, error) {
	out := make([][]byte, len(o.spec.Schema))
	rest := row
	for i, c := range o.spec.Schema {
		next, err := statestore.SkipValue(rest, c.Type)
		if err != nil {
			return nil, fmt.Errorf("over window: row %x: %w", row, err)
		}
		out[i] = rest[:len(rest)-len(next)]
		rest = next
	}
	return out, nil
}

// intBytes returns the row encoding of the bigint v.
func (o *OverWindow) intBytes(v int64) []byte {
	if b, ok := o.ints[v]; ok {
		return b
	}
	b := int64Bytes(o.mem, v)
	if len(o.ints) < 4096 {
		o.ints[v] = b
	}
	return b
}

// int32Bytes returns the row encoding of the integer v.
func int32Bytes(mem memory.Allocator, v int32) []byte {
	bld := array.NewInt32Builder(mem)
	defer bld.Release()
	bld.Append(v)
	a := bld.NewArray()
	defer a.Release()
	return statestore.AppendValue(nil, types.Int32Type, a, 0)
}

// float64Bytes returns the row encoding of the double precision v.
func float64Bytes(mem memory.Allocator, v float64) []byte {
	bld := array.NewFloat64Builder(mem)
	defer bld.Release()
	bld.Append(v)
	a := bld.NewArray()
	defer a.Release()
	return statestore.AppendValue(nil, types.Float64Type, a, 0)
}

// Close releases the iterator partitions are read with.
func (o *OverWindow) Close() error {
	if o.state == nil {
		return nil
	}
	return o.state.release()
}

// String describes the operator for logs.
func (o *OverWindow) String() string {
	return fmt.Sprintf("OverWindow[partition %v; %d functions]", o.spec.PartitionBy, len(o.spec.Funcs))
}
