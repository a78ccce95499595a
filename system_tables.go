package weir

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/sql/types"
)

// systemTable is a read-only table computed from the engine's live state
// when a query reads it.
type systemTable struct {
	schema types.Schema
	// fill appends the table's rows to b (one builder per column of schema).
	fill func(e *Engine, b *array.RecordBuilder)
}

// systemTables are the tables every user can query besides the catalog's:
//
//	weir_jobs           one row per table and view dataflow: running or failed, and why
//	weir_sources        one row per source (a view reading a stream): rows read, position, lag
//	weir_source_errors  one row per source that skipped records it could not decode
var systemTables = map[string]systemTable{
	"weir_jobs": {
		schema: types.Schema{
			{Name: "name", Type: types.TextType}, {Name: "kind", Type: types.TextType},
			{Name: "status", Type: types.TextType}, {Name: "error", Type: types.TextType},
		},
		fill: fillJobs,
	},
	"weir_sources": {
		schema: types.Schema{
			{Name: "view", Type: types.TextType}, {Name: "stream", Type: types.TextType},
			{Name: "connector", Type: types.TextType}, {Name: "rows", Type: types.Int64Type},
			{Name: "errors", Type: types.Int64Type}, {Name: "position", Type: types.TextType},
			{Name: "lag", Type: types.Int64Type}, {Name: "lag_unit", Type: types.TextType},
		},
		fill: fillSources,
	},
	"weir_source_errors": {
		schema: types.Schema{
			{Name: "stream", Type: types.TextType}, {Name: "view", Type: types.TextType},
			{Name: "errors", Type: types.Int64Type}, {Name: "last_error", Type: types.TextType},
			{Name: "last_line", Type: types.Int64Type}, {Name: "last_offset", Type: types.Int64Type},
		},
		fill: fillSourceErrors,
	},
}

// systemRelation returns the system table called name, for ad-hoc queries.
func (e *Engine) systemRelation(name string) (adhoc.Relation, bool) {
	st, ok := systemTables[name]
	if !ok {
		return adhoc.Relation{}, false
	}
	return adhoc.Relation{Schema: st.schema, Scan: func(context.Context) (array.RecordReader, error) {
		as := st.schema.Arrow()
		b := array.NewRecordBuilder(e.mem, as)
		defer b.Release()
		st.fill(e, b)
		rec := b.NewRecordBatch()
		defer rec.Release()
		return array.NewRecordReader(as, []arrow.RecordBatch{rec})
	}}, true
}

// sortedJobs returns the running jobs ordered by name.
func (e *Engine) sortedJobs() []*job {
	e.mu.Lock()
	jobs := make([]*job, 0, len(e.jobs))
	for _, j := range e.jobs {
		jobs = append(jobs, j)
	}
	e.mu.Unlock()
	slices.SortFunc(jobs, func(a, b *job) int { return strings.Compare(a.obj.Name, b.obj.Name) })
	return jobs
}

func fillJobs(e *Engine, b *array.RecordBuilder) {
	for _, j := range e.sortedJobs() {
		status, msg := "running", ""
		select {
		case <-j.frag.Done():
			status = "stopped"
			if err := j.frag.Err(); err != nil && !errors.Is(err, context.Canceled) {
				status, msg = "failed", err.Error()
			}
		default:
		}
		b.Field(0).(*array.StringBuilder).Append(j.obj.Name)
		b.Field(1).(*array.StringBuilder).Append(j.obj.Kind.String())
		b.Field(2).(*array.StringBuilder).Append(status)
		if msg == "" {
			b.Field(3).AppendNull()
		} else {
			b.Field(3).(*array.StringBuilder).Append(msg)
		}
	}
}

func fillSources(e *Engine, b *array.RecordBuilder) {
	for _, j := range e.sortedJobs() {
		pr, ok := j.src.(exec.ProgressReporter)
		if !ok || j.stream == nil {
			continue
		}
		p := pr.Progress()
		b.Field(0).(*array.StringBuilder).Append(j.obj.Name)
		b.Field(1).(*array.StringBuilder).Append(j.stream.Name)
		b.Field(2).(*array.StringBuilder).Append(j.stream.Options["connector"])
		b.Field(3).(*array.Int64Builder).Append(p.Rows)
		b.Field(4).(*array.Int64Builder).Append(p.Errors)
		b.Field(5).(*array.StringBuilder).Append(p.Position)
		if p.Lag < 0 {
			b.Field(6).AppendNull()
		} else {
			b.Field(6).(*array.Int64Builder).Append(p.Lag)
		}
		b.Field(7).(*array.StringBuilder).Append(p.LagUnit)
	}
}

func fillSourceErrors(e *Engine, b *array.RecordBuilder) {
	s := e.errors
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]sourceID, 0, len(s.byID))
	for id := range s.byID {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b sourceID) int {
		if c := strings.Compare(a.stream, b.stream); c != 0 {
			return c
		}
		return strings.Compare(a.view, b.view)
	})
	for _, id := range ids {
		c := s.byID[id]
		b.Field(0).(*array.StringBuilder).Append(id.stream)
		b.Field(1).(*array.StringBuilder).Append(id.view)
		b.Field(2).(*array.Int64Builder).Append(c.count)
		b.Field(3).(*array.StringBuilder).Append(c.lastError)
		b.Field(4).(*array.Int64Builder).Append(c.lastLine)
		b.Field(5).(*array.Int64Builder).Append(c.lastOffset)
	}
}
