package catalog

import (
	"slices"
	"testing"
)

func TestUpstreamFirst(t *testing.T) {
	names := func(objs []*Object) (out []string) {
		for _, o := range objs {
			out = append(out, o.Name)
		}
		return out
	}
	// v2 reads v1, which reads t and s; listed downstream first.
	objs := []*Object{{Name: "v2", Uses: []string{"v1"}}, {Name: "v1", Uses: []string{"t", "s"}}, {Name: "s"}, {Name: "t"}}
	got, err := UpstreamFirst(objs)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"s", "t", "v1", "v2"}; !slices.Equal(names(got), want) {
		t.Fatalf("order %v, want %v", names(got), want)
	}
	// a and b read each other: t comes out, then the cycle is an error.
	got, err = UpstreamFirst([]*Object{{Name: "a", Uses: []string{"b"}}, {Name: "b", Uses: []string{"a"}}, {Name: "t"}})
	if err == nil || err.Error() != "catalog has a dependency cycle" {
		t.Fatalf("err %v, want the cycle", err)
	}
	if want := []string{"t"}; !slices.Equal(names(got), want) {
		t.Fatalf("order before the cycle %v, want %v", names(got), want)
	}
}
