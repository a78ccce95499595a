package weir

import (
	"context"
	"os"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// This file is the embedding API: what a Go program needs to run weir
// inside itself (Open, Exec, Query, Subscribe, Process, Checkpoint, Close).

// OpenFile opens an engine configured by a YAML file: a server config
// (LoadConfig), or a pipeline file, whose streams are then started.
func OpenFile(ctx context.Context, path string) (*Engine, error) {
	if IsPipelineFile(path) {
		p, err := LoadPipeline(path)
		if err != nil {
			return nil, err
		}
		e, err := Open(ctx, p.Config)
		if err != nil {
			return nil, err
		}
		if _, err := e.StartPipeline(ctx, p); err != nil {
			e.Close(ctx)
			return nil, err
		}
		return e, nil
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		return nil, err
	}
	return Open(ctx, cfg)
}

// Exec runs a script of ';'-separated statements (DDL, DML, FLUSH, …) and
// discards the rows of any query in it.
func (e *Engine) Exec(ctx context.Context, script string) error {
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Exec(ctx, script)
}

// Query runs one statement that returns rows (a SELECT, SHOW, EXPLAIN) over
// the last committed epoch. The Result's Rows streams Arrow record batches:
// read them, or call Values, and Release them either way.
func (e *Engine) Query(ctx context.Context, query string) (*Result, error) {
	st, err := sql.ParseOne(query)
	if err != nil {
		return nil, err
	}
	s, err := e.NewSession(ctx, "weir", "weir")
	if err != nil {
		return nil, err
	}
	defer s.Close()
	res, err := s.execute(ctx, st)
	if err != nil {
		return nil, err
	}
	if res.Rows == nil {
		return nil, sqlstate.Errorf(sqlstate.FeatureNotSupported, "%s returns no rows: use Exec", res.Tag)
	}
	return res, nil
}

// Checkpoint returns once everything done before it is in a checkpoint (a
// FLUSH; without checkpoints, once it is visible to queries).
func (e *Engine) Checkpoint(ctx context.Context) error {
	return e.durableFlush(ctx)
}

// Values reads every row of r as Go values, in the order of r.Columns, and
// releases r's rows: int64 for the integer types, float64 for the floating
// ones, string for text and numeric (its exact decimal text), bool,
// []byte for bytea, time.Time for dates and timestamps (UTC), and nil for
// NULL; other types come as their text.
func (r *Result) Values() ([][]any, error) {
	if r.Rows == nil {
		return nil, nil
	}
	defer r.Rows.Release()
	var out [][]any
	for r.Rows.Next() {
		rec := r.Rows.RecordBatch()
		for i := range int(rec.NumRows()) {
			row := make([]any, rec.NumCols())
			for j := range row {
				v, err := goValue(rec.Column(j), r.Columns[j].Type, i)
				if err != nil {
					return nil, err
				}
				row[j] = v
			}
			out = append(out, row)
		}
	}
	return out, r.Rows.Err()
}

// goValue returns row i of arr (of SQL type t) as a Go value.
func goValue(arr arrow.Array, t types.T, i int) (any, error) {
	if arr.IsNull(i) {
		return nil, nil
	}
	switch a := arr.(type) {
	case *array.Int16:
		return int64(a.Value(i)), nil
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	case *array.Float32:
		return float64(a.Value(i)), nil
	case *array.Float64:
		return a.Value(i), nil
	case *array.Boolean:
		return a.Value(i), nil
	case *array.String:
		// Value points into the array's buffer, which DuckDB's results free
		// once the rows are released: copy.
		return strings.Clone(a.Value(i)), nil
	case *array.LargeString:
		return strings.Clone(a.Value(i)), nil
	case *array.Binary:
		return append([]byte(nil), a.Value(i)...), nil
	case *array.Date32:
		return a.Value(i).ToTime().UTC(), nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC(), nil
	}
	if t.Family == types.Numeric {
		if d, ok := arr.(*array.Decimal128); ok {
			return d.Value(i).ToString(t.Scale), nil
		}
	}
	return arr.ValueStr(i), nil
}

// IsPipelineFile reports whether the YAML file at path has a top-level
// streams: key: a pipeline file rather than a server config.
func IsPipelineFile(path string) bool {
	data, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var top map[string]any
	if yaml.Unmarshal(data, &top) != nil {
		return false
	}
	_, ok := top["streams"]
	return ok
}
