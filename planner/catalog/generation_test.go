package catalog_test

import (
	"testing"

	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// TestGeneration: every change to the objects or functions a query binds
// against moves the catalog's generation; reads do not.
func TestGeneration(t *testing.T) {
	c := catalog.New()
	w := exectest.NewStore().NewWriter()
	defer w.Close()
	last := c.Generation()
	moved := func(what string) {
		t.Helper()
		g := c.Generation()
		if g == last {
			t.Fatalf("%s left the generation at %d", what, g)
		}
		last = g
	}
	if err := c.Add(w, &catalog.Object{Name: "t", Kind: catalog.Table}); err != nil {
		t.Fatal(err)
	}
	moved("Add")
	c.Get("t")
	c.List(0)
	if c.Generation() != last {
		t.Fatal("a read moved the generation")
	}
	f := &catalog.Function{Name: "f", ArgTypes: []types.T{types.Int64Type}, Returns: types.Int64Type, Body: "$1"}
	if err := c.PutFunction(w, f); err != nil {
		t.Fatal(err)
	}
	moved("PutFunction")
	if err := c.RemoveFunction(w, f); err != nil {
		t.Fatal(err)
	}
	moved("RemoveFunction")
	if err := c.Remove(w, "t"); err != nil {
		t.Fatal(err)
	}
	moved("Remove")
}
