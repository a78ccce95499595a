package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/subscribe"
	"github.com/weir-stream/weir/exec/systables"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
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
	rows := &activeRows{begin: func() func() { return s.beginActivity(st) }}
	feed, err := s.startFeed(ctx, ctx, st, st.Query, rows.ended)
	if err != nil {
		return nil, err
	}
	rows.Feed = feed
	opts := session.TextCopyOptions
	return &Result{Columns: feed.Columns(), Rows: rows, CopyOut: &opts, Tag: "SUBSCRIBE", Endless: true}, nil
}

// activeRows are a SUBSCRIBE's rows, which keep its session active in
// pg_stat_activity while they stream (the statement itself returned before
// they began), so that its pid is there for pg_cancel_backend.
type activeRows struct {
	*subscribe.Feed
	begin func() func()
	end   func()
}

func (r *activeRows) Next() bool {
	if r.end == nil {
		r.end = r.begin()
	}
	return r.Feed.Next()
}

// ended marks the session idle again: the rows were released.
func (r *activeRows) ended() {
	if r.end != nil {
		r.end()
		r.end = nil
	}
}

// startFeed checks that the session may read q, st's query, and starts its
// subscription, whose rows the returned feed gives (read under readCtx, the
// feed's Next). Releasing the feed ends the subscription and drops its
// state; a failed dataflow (an overflow among others) releases them at
// once, whether or not the client reads. released, when set, runs when the feed is released, before the end.
func (s *Session) startFeed(ctx, readCtx context.Context, st *sql.Subscribe, q *sql.Select, released func()) (*subscribe.Feed, error) {
	if err := s.authorize(q); err != nil {
		return nil, err
	}
	if err := s.refuseSystemTables(q); err != nil {
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
				// A relation it reads that failed stopped it: say so, as
				// a query of it does.
				EndReason: func() error {
					if ferr := s.e.failed.ReadErr(plan.InputNames()...); ferr != nil {
						return ferr
					}
					return nil
				},
			}, func() {
				if released != nil {
					released()
				}
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

// refuseSystemTables returns 0A000 when q reads a system table (weir's or
// pg_catalog's): they are computed when read and have no changes to follow.
func (s *Session) refuseSystemTables(q *sql.Select) error {
	var err error
	sql.WalkTableNames(q, func(t *sql.TableName) {
		name := t.Name.Last()
		if _, ok := s.e.cat.Get(name.Value); ok || err != nil {
			return
		}
		if _, ok := systables.Lookup(name.Value); ok {
			err = sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, name.Pos,
				"SUBSCRIBE cannot follow system table \"%s\": it is computed when read, and has no changes", name.Value).
				WithHint("Query it with SELECT.")
		}
	})
	return err
}
