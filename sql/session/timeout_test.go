package session

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestWithStatementTimeout checks that statement_timeout bounds a
// statement and the reading of its rows, that what the deadline causes
// reads as 57014, that an error of the statement's own stays its own, and
// that without a timeout the statement runs without a deadline.
func TestWithStatementTimeout(t *testing.T) {
	p := NewParams(Env{})
	blocked := func(ctx context.Context) (*Result, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if _, err := p.Set("statement_timeout", "20"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WithStatementTimeout(context.Background(), blocked); err != ErrStatementTimeout {
		t.Fatalf("a statement past its timeout: got %v, want %v", err, ErrStatementTimeout)
	}
	own := errors.New("own")
	if _, err := p.WithStatementTimeout(context.Background(), func(context.Context) (*Result, error) { return nil, own }); err != own {
		t.Fatalf("a statement's own error: got %v", err)
	}

	// The rows keep the deadline until they are released.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	var stmtCtx context.Context
	res, err := p.WithStatementTimeout(context.Background(), func(ctx context.Context) (*Result, error) {
		stmtCtx = ctx
		rdr, err := array.NewRecordReader(schema, nil)
		return &Result{Rows: rdr}, err
	})
	if err != nil {
		t.Fatal(err)
	}
	<-stmtCtx.Done()
	if res.Rows.Next() || res.Rows.Err() != ErrStatementTimeout {
		t.Fatalf("rows read past the timeout: err %v, want %v", res.Rows.Err(), ErrStatementTimeout)
	}
	res.Rows.Release()

	ctx, done := p.StatementDeadline(context.Background())
	if _, ok := ctx.Deadline(); !ok {
		t.Fatal("StatementDeadline set no deadline")
	}
	<-ctx.Done()
	if err := done(ctx.Err()); err != ErrStatementTimeout {
		t.Fatalf("StatementDeadline: got %v, want %v", err, ErrStatementTimeout)
	}

	if _, err := p.Set("statement_timeout", "0"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WithStatementTimeout(context.Background(), func(ctx context.Context) (*Result, error) {
		if _, ok := ctx.Deadline(); ok {
			t.Error("statement_timeout 0 set a deadline")
		}
		return &Result{}, nil
	}); err != nil {
		t.Fatal(err)
	}
}
