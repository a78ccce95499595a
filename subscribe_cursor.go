package weir

import (
	"context"
	"errors"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/exec/cursor"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/subscribe"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// declareSubscribeCursor runs DECLARE c CURSOR FOR SUBSCRIBE …, as
// Materialize has it: the cursor's rows are the subscription's (the
// columns of SUBSCRIBE's COPY rows), and each FETCH takes those that have
// come (fetchContext). The cursor's end (CLOSE, the block's end unless it
// is WITH HOLD, the session's end) ends the subscription.
func (s *Session) declareSubscribeCursor(ctx context.Context, st *sql.DeclareCursor) error {
	feed, err := s.startFeed(ctx, context.WithoutCancel(ctx), st.Subscribe, st.Query, nil)
	if err != nil {
		return err
	}
	return s.cursors.Add(ctx, st, s.tx != nil, feed.Columns(), &feedSource{f: feed})
}

// feedSource is a SUBSCRIBE cursor's rows (cursor.Source): a FETCH waits
// for its first rows (until its TIMEOUT, else as long as it takes), then
// takes only those already there (cursor.MayWait).
type feedSource struct{ f *subscribe.Feed }

func (s *feedSource) Schema() *arrow.Schema { return s.f.Schema() }

func (s *feedSource) Next(ctx context.Context) (arrow.RecordBatch, error) {
	wait := cursor.MayWait(ctx)
	b, err := s.f.Take(ctx, wait)
	switch {
	case b != nil:
		return b, nil
	case err != nil:
		return nil, err
	case wait && ctx.Err() != nil && !errors.Is(context.Cause(ctx), errFetchWaitOver):
		// The FETCH was cancelled (or the client left) while it waited.
		return nil, context.Cause(ctx)
	}
	return nil, cursor.ErrNoRowsYet
}

func (s *feedSource) Close() { s.f.Release() }

// errFetchWaitOver is the cause of a FETCH's context whose TIMEOUT passed.
var errFetchWaitOver = errors.New("the FETCH's timeout passed")

// fetchContext returns the context a FETCH reads its cursor under: with
// WITH (TIMEOUT = …), one whose wait for a SUBSCRIBE cursor's first rows
// ends then.
func fetchContext(ctx context.Context, st *sql.FetchCursor) (context.Context, error) {
	if st.Timeout == "" {
		return ctx, nil
	}
	d, err := expr.ParseDuration(st.Timeout)
	if err != nil || d < 0 {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, st.Pos, "invalid TIMEOUT %q: it must be a length of time such as '1s'", st.Timeout)
	}
	tctx, cancel := context.WithCancelCause(ctx)
	time.AfterFunc(d, func() { cancel(errFetchWaitOver) })
	return tctx, nil
}
