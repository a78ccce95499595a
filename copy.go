package weir

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/dml"
	"github.com/weir-stream/weir/exec/pgcopy"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

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
	q, err := pgcopy.Query(st)
	if err != nil {
		return nil, err
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

// copyFrom runs COPY t [(cols)] FROM STDIN: it reads the client's data
// (session.CopyInFrom) into rows of the table (pgcopy.Load) and stores them
// as one write, through the same path as INSERT: all of them or none,
// durable once answered.
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
	rows, err := pgcopy.Load(ctx, s.e.mem, in, opts, o, targets)
	if err != nil {
		return nil, err
	}
	if rows == nil {
		return &Result{Tag: "COPY 0"}, nil
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
