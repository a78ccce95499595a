package pgcopy

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/types"
)

// batchRows is how many rows Load decodes into one Arrow batch before it
// converts them to the table's columns.
const batchRows = 64 << 10

// Load reads the data of COPY o [(columns)] FROM STDIN from in, in the
// format of opts, and returns its rows in o's full schema, converted to the
// columns' types as INSERT converts its values (dml.Values), or nil when
// the data has none; the caller releases them. targets are the positions
// in o of the columns the data holds (dml.InsertTargets). A bad row fails
// the whole load with Postgres' error, naming its line.
func Load(ctx context.Context, mem memory.Allocator, in session.CopyIn, opts session.CopyOptions, o *catalog.Object, targets []int) (arrow.RecordBatch, error) {
	colTypes := make([]types.T, len(targets))
	schema := make(types.Schema, len(targets))
	exprs := make([]expr.Expr, len(targets))
	for i, t := range targets {
		c := o.Columns[t]
		schema[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
		colTypes[i] = c.Type
		var err error
		if exprs[i], err = dml.Coerce(expr.Column(i, c.Name, c.Type), c); err != nil {
			return nil, err
		}
	}
	vals := dml.NewValues(mem, o, targets)
	defer vals.Release()
	rb := format.NewRowBuilder(mem, schema)
	defer rb.Release()
	if err := in.Begin(opts.Binary(), colTypes); err != nil {
		return nil, err
	}
	if opts.Binary() {
		// The front end hands binary tuples over as text lines.
		opts = session.TextCopyOptions
	}
	dec := NewDecoder(opts, o.Name, rb)
	// addRows converts the rows decoded so far to the table's columns.
	addRows := func() error {
		if rb.Len() == 0 {
			return nil
		}
		batch := rb.NewRecordBatch()
		defer batch.Release()
		return vals.AddBatch(ctx, exprs, batch)
	}
	for {
		data, err := in.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := dec.Write(data); err != nil {
			return nil, err
		}
		if rb.Len() >= batchRows {
			if err := addRows(); err != nil {
				return nil, err
			}
		}
	}
	if err := dec.Close(); err != nil {
		return nil, err
	}
	if err := addRows(); err != nil {
		return nil, err
	}
	if vals.Len() == 0 {
		return nil, nil
	}
	return vals.Rows()
}

// Query returns the query COPY t [(columns)] TO STDOUT runs: a SELECT of
// the columns (all when none are named) from t. COPY (query) TO runs its
// own.
func Query(st *sql.Copy) (*sql.Select, error) {
	if st.Query != nil {
		return st.Query, nil
	}
	cols := "*"
	if st.Columns != nil {
		names := make([]string, len(st.Columns))
		for i, c := range st.Columns {
			names[i] = sql.QuoteIdent(c.Value)
		}
		cols = strings.Join(names, ", ")
	}
	parts := make([]string, len(st.Table.Parts))
	for i, p := range st.Table.Parts {
		parts[i] = sql.QuoteIdent(p.Value)
	}
	parsed, err := sql.ParseOne("SELECT " + cols + " FROM " + strings.Join(parts, "."))
	if err != nil {
		return nil, err
	}
	return parsed.(*sql.Select), nil
}
