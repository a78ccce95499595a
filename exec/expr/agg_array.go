package expr

// Ordered reports whether the result of aggregates of kind k depends on the
// order of their input, so that their ORDER BY is kept: string_agg and
// array_agg.
func (k AggKind) Ordered() bool { return k == StringAgg || k == ArrayAgg }
