package weir

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector/format"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/pgcopy"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// copyBatchRows is how many rows COPY FROM decodes into one Arrow batch
// before it converts them to the table's columns.
const copyBatchRows = 64 << 10

// copyStatement runs COPY … FROM STDIN or COPY … TO STDOUT.
func (s *Session) copyStatement(ctx context.Context, st *sql.Copy) (*Result, error) {
	opts, err := pgcopy.Options(st.Options, st.To)
	if err != nil {
		return nil, at(err, st.Pos)
	}
	if st.To {
		return s.copyTo(ctx, st, opts)
	}
	return s.copyFrom(ctx, st, opts)
}

// copyTo runs COPY t | (query) TO STDOUT: the query's rows, which the
// front end sends in the format of opts.
func (s *Session) copyTo(ctx context.Context, st *sql.Copy, opts session.CopyOptions) (*Result, error) {
	q := st.Query
	if q == nil {
		cols := "*"
		if st.Columns != nil {
			names := make([]string, len(st.Columns))
			for i, c := range st.Columns {
				names[i] = quoteIdent(c.Value)
			}
			cols = strings.Join(names, ", ")
		}
		parts := make([]string, len(st.Table.Parts))
		for i, p := range st.Table.Parts {
			parts[i] = quoteIdent(p.Value)
		}
		parsed, err := sql.ParseOne("SELECT " + cols + " FROM " + strings.Join(parts, "."))
		if err != nil {
			return nil, err
		}
		q = parsed.(*sql.Select)
	}
	if err := s.authorize(q); err != nil {
		return nil, err
	}
	res, err := s.query(ctx, q)
	if err != nil {
		return nil, at(err, st.Pos)
	}
	res.CopyOut, res.Tag = &opts, "COPY"
	return res, nil
}

// quoteIdent quotes name as an SQL identifier.
func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// copyFrom runs COPY t [(cols)] FROM STDIN: it reads the client's data
// (session.CopyInFrom) into Arrow batches, converts them to the columns'
// types as INSERT does, and stores all the rows as one write, through the
// same path as INSERT: all of them or none, durable once answered.
func (s *Session) copyFrom(ctx context.Context, st *sql.Copy, opts session.CopyOptions) (*Result, error) {
	ins := &sql.Insert{Pos: st.Pos, Table: st.Table, Columns: st.Columns}
	if err := s.authorize(ins); err != nil {
		return nil, err
	}
	if o, ok := s.e.cat.Get(st.Table.Last().Value); ok && o.Kind != catalog.Table {
		return nil, sqlstate.ErrorfAt(sqlstate.WrongObjectType, st.Table.Position(), "cannot copy to %s \"%s\"", o.Kind, o.Name).
			WithHint("Only tables accept COPY FROM.")
	}
	o, j, err := s.dmlTarget(ins)
	if err != nil {
		return nil, err
	}
	targets, err := dml.InsertTargets(o, st.Columns)
	if err != nil {
		return nil, err
	}
	in := session.CopyInFrom(ctx)
	if in == nil {
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "COPY FROM STDIN is not supported here").
			WithHint("Send COPY in a simple Query message, as psql and the drivers' copy functions do.")
	}
	colTypes := make([]types.T, len(targets))
	schema := make(types.Schema, len(targets))
	exprs := make([]expr.Expr, len(targets))
	for i, t := range targets {
		c := o.Columns[t]
		schema[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
		colTypes[i] = c.Type
		if exprs[i], err = dml.Coerce(expr.Column(i, c.Name, c.Type), c); err != nil {
			return nil, err
		}
	}
	vals := dml.NewValues(s.e.mem, o, targets)
	defer vals.Release()
	rb := format.NewRowBuilder(s.e.mem, schema)
	defer rb.Release()
	if err := in.Begin(opts.Binary(), colTypes); err != nil {
		return nil, err
	}
	if opts.Binary() {
		// The front end hands binary tuples over as text lines.
		opts = session.TextCopyOptions
	}
	dec := pgcopy.NewDecoder(opts, o.Name, rb)
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
		if rb.Len() >= copyBatchRows {
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
		return &Result{Tag: "COPY 0"}, nil
	}
	rows, err := vals.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Release()
	return s.storeCopied(ctx, o, j, rows)
}

// storeCopied stores rows, COPY's rows in o's full schema, as INSERT stores
// its rows: in the transaction block if one is open, else as one write.
func (s *Session) storeCopied(ctx context.Context, o *catalog.Object, j *job, rows arrow.RecordBatch) (*Result, error) {
	var n int64
	change := dml.NewInsertion(o, rows)
	warnings, err := s.write(ctx, o, j, "COPY", func(ctx context.Context, t dml.Table) (chunks []exec.Chunk, err error) {
		chunks, n, err = change.Changes(ctx, s.e.mem, t)
		return chunks, err
	})
	if err != nil {
		return nil, err
	}
	return &Result{Tag: fmtTag("COPY", n), Warnings: warnings}, nil
}
