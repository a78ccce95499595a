package checkpoints_test

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/weir-stream/weir/exec/checkpoints"
)

// TestObjectPipelines reads the objects a pipeline made from a
// checkpoint's info as a manifest records it, and nothing from info that
// does not decode.
func TestObjectPipelines(t *testing.T) {
	info, err := json.Marshal(checkpoints.Info{Objects: []checkpoints.Object{
		{Name: "orders", Kind: "stream", Pipeline: "p1"},
		{Name: "typed", Kind: "table"},
		{Name: "totals", Kind: "materialized view", Pipeline: "p2", PipelineKeys: []string{"k"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"orders": "p1", "totals": "p2"}
	if got := checkpoints.ObjectPipelines(info); !maps.Equal(got, want) {
		t.Errorf("ObjectPipelines = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "{", `{"objects": 3}`} {
		if got := checkpoints.ObjectPipelines(json.RawMessage(bad)); got != nil {
			t.Errorf("ObjectPipelines(%q) = %v, want none", bad, got)
		}
	}
}
