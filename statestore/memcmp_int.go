package statestore

// AppendInt64 appends the ascending memcomparable encoding of the non-null
// BIGINT v to dst, as AppendValue encodes it, for callers that hold the
// value rather than an array.
func AppendInt64(dst []byte, v int64) []byte {
	return appendInt64(append(dst, markerValue), v)
}
