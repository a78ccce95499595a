package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/subscribe"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/types"
)

// subscribeStatement runs SUBSCRIBE: a subscription whose last operator is
// an exec/subscribe.Feed, answered as COPY … TO STDOUT in the text format
// whose rows never end: the front end sends each epoch's rows as the
// epoch's barrier passes, until the client cancels or leaves (the
// statement's context ends), the relation is dropped, or the client falls
// so far behind that the feed's buffer overflows. Releasing the result's
// rows ends the subscription and drops its state.
func (s *Session) subscribeStatement(ctx context.Context, st *sql.Subscribe) (*Result, error) {
	feed, err := s.startFeed(ctx, ctx, st, st.Query)
	if err != nil {
		return nil, err
	}
	opts := session.TextCopyOptions
	return &Result{Columns: feed.Columns(), Rows: feed, CopyOut: &opts, Tag: "SUBSCRIBE"}, nil
}

// startFeed checks that the session may read q, st's query, and starts its
// subscription, whose rows the returned feed gives (read under readCtx, the
// feed's Next). Releasing the feed ends the subscription and drops its
// state; a failed dataflow (an overflow among others) releases them at
// once, whether or not the client reads.
func (s *Session) startFeed(ctx, readCtx context.Context, st *sql.Subscribe, q *sql.Select) (*subscribe.Feed, error) {
	if err := s.authorize(q); err != nil {
		return nil, err
	}
	var feed *subscribe.Feed
	var sub *Subscription
	sub, err := s.e.startSubscription(ctx, subscriptionSpec{
		query:         q,
		cutFirstEpoch: true,
		last: func(plan *planner.StreamPlan) (exec.Operator, error) {
			var cols types.Schema
			var visible []int
			for i, c := range plan.Cols {
				if !c.Hidden {
					cols = append(cols, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
					visible = append(visible, i)
				}
			}
			feed = subscribe.NewFeed(readCtx, subscribe.Options{
				Columns: cols, Visible: visible, Progress: st.Progress, SkipFirstEpoch: !st.Snapshot,
				BufferBytes: s.e.cfg.Server.SubscribeBufferBytes, Mem: s.e.mem,
			}, func() {
				// The client is done (or gone): end the subscription.
				if sub != nil {
					_ = sub.Close(context.WithoutCancel(ctx))
				}
			})
			return feed, nil
		},
		failed: func(sub *Subscription, err error) {
			feed.End(err)
			go func() { _ = sub.Close(context.WithoutCancel(ctx)) }()
		},
		end: func(err error) { feed.End(err) },
	})
	if err != nil {
		return nil, err
	}
	return feed, nil
}
