package dataflow

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// fakeSource is a source with nothing to read.
type fakeSource struct{}

func (fakeSource) Open(context.Context, exec.OpenContext) error { return nil }
func (fakeSource) Next(context.Context) (exec.Chunk, error)     { return exec.Chunk{}, exec.ErrNoData }
func (fakeSource) OnBarrier(context.Context, exec.Barrier, exec.StateWriter) error {
	return nil
}
func (fakeSource) Close() error { return nil }

// buildCatalog is testCatalog with a second stream s2 like s, and a view
// v (b text, n bigint) keyed by b.
func buildCatalog(t *testing.T) *catalog.Catalog {
	cat := testCatalog(t)
	s, _ := cat.Get("s")
	s2 := *s
	s2.Name = "s2"
	v := &catalog.Object{Name: "v", Kind: catalog.View, Key: []int{0}, Columns: []catalog.Column{
		{Name: "b", Type: types.TextType}, {Name: "n", Type: types.Int64Type}}}
	for _, o := range []*catalog.Object{&s2, v} {
		if err := cat.Add(discardWriter{}, o); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

// TestBuild prints the fragments the builder cuts a plan into:
//
//	build [parallelism=N]
//	<query>
//
// Each line is a fragment: its name, where its input comes from, its
// operators (the last fragment ends in the caller's operator, lastOp here),
// and whether it ends in an exchange; then the state tables bound, by
// node and role.
func TestBuild(t *testing.T) {
	cat := buildCatalog(t)
	mem := memory.NewGoAllocator()
	datadriven.RunTest(t, "testdata/build", func(t *testing.T, d *datadriven.TestData) string {
		par := 1
		if d.HasArg("parallelism") {
			d.ScanArgs(t, "parallelism", &par)
		}
		p := planOf(t, cat, d.Input)
		tables, err := Bind(p, ids(NumTables(p)), catalog.LayoutDeclared)
		if err != nil {
			t.Fatal(err)
		}
		df, err := Build(Spec{Name: "x", Plan: p, Tables: tables, Last: lastOp{}, Parallelism: par, Mem: mem,
			NewSource: func(*catalog.Object, statestore.TableID) (exec.Source, error) { return fakeSource{}, nil }})
		if err != nil {
			return "error: " + err.Error() + "\n"
		}
		var b strings.Builder
		for _, l := range df.Layout {
			fmt.Fprintln(&b, l)
		}
		fmt.Fprintf(&b, "roots: %d, sources: %d, upstreams: %d\n", len(df.Roots), len(df.Sources), len(df.Upstreams))
		for _, dt := range p.StateTables() {
			fmt.Fprintf(&b, "table %d: %s %s\n", tables.Table(dt.Node, dt.Table.Role)-ids(1)[0], strings.TrimPrefix(fmt.Sprintf("%T", dt.Node), "*planner."), dt.Table.Role)
		}
		return b.String()
	})
}

// lastOp stands for the caller's last operator.
type lastOp struct{}

func (lastOp) ProcessChunk(context.Context, int, exec.Chunk, exec.Output) error { return nil }
