package weir

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/exec/adhoc"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// cursorStatement runs DECLARE, FETCH, MOVE and CLOSE over the session's
// cursors (exec/cursor). A cursor's query runs under adhoc.HoldRows, so
// that its open rows never keep a DuckDB connection other sessions' queries
// wait for.
func (s *Session) cursorStatement(ctx context.Context, st sql.Statement) (*Result, error) {
	switch st := st.(type) {
	case *sql.DeclareCursor:
		if st.Subscribe != nil {
			if err := s.declareSubscribeCursor(ctx, st); err != nil {
				return nil, err
			}
			return &Result{Tag: "DECLARE CURSOR"}, nil
		}
		err := s.cursors.Declare(ctx, st, s.tx != nil, func(ctx context.Context) (types.Schema, array.RecordReader, error) {
			res, err := s.run(adhoc.HoldRows(ctx, s), st.Query)
			if err != nil {
				return nil, nil, err
			}
			return res.Columns, res.Rows, nil
		})
		if err != nil {
			return nil, err
		}
		return &Result{Tag: "DECLARE CURSOR"}, nil
	case *sql.FetchCursor:
		ctx, err := fetchContext(ctx, st)
		if err != nil {
			return nil, err
		}
		cols, rows, tag, err := s.cursors.Fetch(ctx, st)
		if err != nil {
			return nil, err
		}
		return &Result{Columns: cols, Rows: rows, Tag: tag}, nil
	case *sql.CloseCursor:
		tag, err := s.cursors.Close(st)
		if err != nil {
			return nil, err
		}
		return &Result{Tag: tag}, nil
	}
	return nil, fmt.Errorf("cursorStatement: %T", st)
}

// CursorColumns returns the columns of the session's cursor called name:
// the wire server describes a cursor as the portal it is in Postgres.
func (s *Session) CursorColumns(name string) (types.Schema, bool) {
	return s.cursors.ColumnsOf(name)
}

// Cursors returns the session's open cursors, pg_cursors' rows
// (systables.CursorEngine).
func (r systemRows) Cursors() []systables.CursorRow {
	if r.s == nil {
		return nil
	}
	var out []systables.CursorRow
	for _, c := range r.s.cursors.List() {
		out = append(out, systables.CursorRow{Name: c.Name, Statement: c.Statement, Holdable: c.Hold, Created: c.Created})
	}
	return out
}
