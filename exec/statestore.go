package exec

// CommittableWriter is a StateWriter for one epoch of one fragment: the
// fragment's operators write into it at a barrier, and the fragment commits it
// once, after the last operator. Close releases it (after Commit, or instead
// of Commit to drop the writes). A CommittableWriter is used by one goroutine.
type CommittableWriter interface {
	StateWriter
	// Commit applies the writes to the state store.
	Commit() error
	// Close releases the writer's resources; it is safe after Commit.
	Close()
}

// StateStore is what a fragment needs from the state store: committed reads
// (handed to operators when they open) and one writer per epoch. It is safe
// for concurrent use by several fragments.
type StateStore interface {
	StateReader
	// NewWriter returns an empty writer for one epoch's changes.
	NewWriter() CommittableWriter
}
