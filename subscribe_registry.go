package weir

import (
	"sync"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// subscriptionRegistry is the engine's running subscriptions, so that a
// DROP can end those that read what it drops (a subscription is no catalog
// object, and one over a stream runs its own source, which the DROP of the
// stream would not stop).
type subscriptionRegistry struct {
	mu   sync.Mutex
	live map[*Subscription]struct{}
}

func (r *subscriptionRegistry) add(s *Subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.live == nil {
		r.live = map[*Subscription]struct{}{}
	}
	r.live[s] = struct{}{}
}

func (r *subscriptionRegistry) remove(s *Subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.live, s)
}

// endSubscriptionsReading ends, with an error naming the relation, every
// subscription that reads one of objs, which a DROP is about to remove:
// their dataflows stop and their state is deleted. The coordinator must be
// paused.
func (e *Engine) endSubscriptionsReading(objs []*catalog.Object) {
	dropped := map[string]*catalog.Object{}
	for _, o := range objs {
		dropped[o.Name] = o
	}
	r := &e.liveSubscriptions
	r.mu.Lock()
	var ending []*Subscription
	var why []error
	for s := range r.live {
		for _, in := range s.inputs {
			if o, ok := dropped[in]; ok {
				ending = append(ending, s)
				why = append(why, sqlstate.Errorf(sqlstate.UndefinedTable,
					"SUBSCRIBE ended: %s \"%s\" was dropped", o.Kind, o.Name))
				break
			}
		}
	}
	r.mu.Unlock()
	for i, s := range ending {
		err := why[i]
		s.ended.Store(&err)
		if s.end != nil {
			s.end(err)
		}
		_ = s.release()
	}
}
