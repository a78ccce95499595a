package weir

import (
	"context"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/connector/file"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// sourceErrors counts the records each stream could not decode. It is the
// system table weir_source_errors. Safe for concurrent use.
type sourceErrors struct {
	mu   sync.Mutex
	byID map[string]*sourceErrorCount
}

type sourceErrorCount struct {
	count      int64
	lastError  string
	lastLine   int64
	lastOffset int64
}

func newSourceErrors() *sourceErrors { return &sourceErrors{byID: map[string]*sourceErrorCount{}} }

// sink returns the error sink of the sources reading stream.
func (s *sourceErrors) sink(stream string) file.ErrorSink {
	return &streamErrorSink{s: s, stream: stream}
}

type streamErrorSink struct {
	s      *sourceErrors
	stream string
}

func (k *streamErrorSink) RecordError(offset, line int64, _ []byte, err error) {
	k.s.mu.Lock()
	defer k.s.mu.Unlock()
	c := k.s.byID[k.stream]
	if c == nil {
		c = &sourceErrorCount{}
		k.s.byID[k.stream] = c
	}
	c.count++
	c.lastError, c.lastLine, c.lastOffset = err.Error(), line, offset
}

var sourceErrorColumns = types.Schema{
	{Name: "source", Type: types.TextType}, {Name: "errors", Type: types.Int64Type},
	{Name: "last_error", Type: types.TextType}, {Name: "last_line", Type: types.Int64Type},
	{Name: "last_offset", Type: types.Int64Type},
}

// systemRelation returns the system table called name, for ad-hoc queries.
func (e *Engine) systemRelation(name string) (adhoc.Relation, bool) {
	if name != "weir_source_errors" {
		return adhoc.Relation{}, false
	}
	return adhoc.Relation{Schema: sourceErrorColumns, Scan: func(context.Context) (array.RecordReader, error) {
		e.errors.mu.Lock()
		names := make([]string, 0, len(e.errors.byID))
		for n := range e.errors.byID {
			names = append(names, n)
		}
		sort.Strings(names)
		as := sourceErrorColumns.Arrow()
		b := array.NewRecordBuilder(e.mem, as)
		for _, n := range names {
			c := e.errors.byID[n]
			b.Field(0).(*array.StringBuilder).Append(n)
			b.Field(1).(*array.Int64Builder).Append(c.count)
			b.Field(2).(*array.StringBuilder).Append(c.lastError)
			b.Field(3).(*array.Int64Builder).Append(c.lastLine)
			b.Field(4).(*array.Int64Builder).Append(c.lastOffset)
		}
		e.errors.mu.Unlock()
		rec := b.NewRecordBatch()
		b.Release()
		defer rec.Release()
		return array.NewRecordReader(as, []arrow.RecordBatch{rec})
	}}, true
}

// newSourceOptions validates a stream's WITH options for its connector.
func (e *Engine) newSourceOptions(opts map[string]string, cols []catalog.Column) (file.Options, error) {
	return file.ParseOptions(opts, (&catalog.Object{Columns: cols}).FullSchema())
}
