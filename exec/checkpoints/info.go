package checkpoints

import (
	"cmp"
	"encoding/json"
	"slices"
)

// Info is what a checkpoint's manifest records beside the state, for
// operators and `weir checkpoint inspect`: the catalog's objects and where
// every source was at the checkpoint's epoch. The positions are also in the
// state itself, which is what recovery rewinds the sources to.
type Info struct {
	Objects []Object `json:"objects"`
	Sources []Source `json:"sources,omitempty"`
}

// Object is a stream, table or view of a checkpoint's catalog.
type Object struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
	// Pipeline and PipelineKeys are the pipeline stream (operator_id) the
	// object was made for and its state.custom_keys, if any.
	Pipeline     string   `json:"pipeline,omitempty"`
	PipelineKeys []string `json:"pipeline_keys,omitempty"`
}

// Source is the read position of the source of a view (over stream
// Stream) at a checkpoint, in its connector's terms: a byte offset for a
// file, "p0:5,p1:3" (the next offset per partition) for Kafka, the next
// event for a generator.
type Source struct {
	View     string `json:"view"`
	Stream   string `json:"stream"`
	Position string `json:"position"`
}

// encode returns info as a manifest records it, its sources sorted by
// view.
func (info Info) encode() json.RawMessage {
	info.Sources = slices.Clone(info.Sources)
	slices.SortStableFunc(info.Sources, func(a, b Source) int { return cmp.Compare(a.View, b.View) })
	data, _ := json.Marshal(info)
	return data
}

// ObjectPipelines returns the objects of the catalog a checkpoint's info
// lists (a manifest's, as encoded) that a pipeline made, each with its
// pipeline stream (operator_id); none when info does not decode.
func ObjectPipelines(info json.RawMessage) map[string]string {
	var decoded Info
	if len(info) == 0 || json.Unmarshal(info, &decoded) != nil {
		return nil
	}
	var out map[string]string
	for _, o := range decoded.Objects {
		if o.Pipeline != "" {
			if out == nil {
				out = map[string]string{}
			}
			out[o.Name] = o.Pipeline
		}
	}
	return out
}
