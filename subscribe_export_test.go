package weir

// LiveSubscriptionsForTest returns the engine's running subscriptions (SQL
// SUBSCRIBE and Engine.Subscribe alike), for tests that check a
// subscription's end releases it.
func LiveSubscriptionsForTest(e *Engine) []*Subscription {
	r := &e.liveSubscriptions
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*Subscription, 0, len(r.live))
	for s := range r.live {
		out = append(out, s)
	}
	return out
}
