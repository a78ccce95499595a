package weir

import (
	"context"
	"fmt"

	"github.com/weir-stream/weir/exec"
)

// awaitWrite returns once the writes the session just applied (verb names
// the statement), logged as record lsn of the table write log (0: none),
// are visible to queries and, with synchronous_commit on, durable: synced
// to the log, which a restart after a crash applies again, or without a
// log, held by a durable checkpoint. The epoch holding the writes is cut at
// once; the writes of other sessions arriving meanwhile share it, and the
// log's fsync. before is the epoch committed before the writes were
// applied: the views that failed after it (which the writes may have made
// fail) come back as WARNINGs for the statement.
func (s *Session) awaitWrite(ctx context.Context, verb string, lsn uint64, before exec.Epoch) ([]Warning, error) {
	// The writes are applied: a cancel or a statement_timeout now would
	// report a failure for a write that took effect, which a client would
	// run again. The wait ends with the writes (or with the engine).
	ctx = context.WithoutCancel(ctx)
	if s.params.SynchronousCommit() {
		if s.e.tlog != nil {
			if err := s.e.tlog.Sync(lsn); err != nil {
				return nil, fmt.Errorf("%s was applied, but it could not be made durable: %w", verb, err)
			}
		} else if err := s.e.durableFlush(ctx); err != nil {
			return nil, fmt.Errorf("%s was applied, but no checkpoint holds it yet: %w", verb, err)
		}
	}
	if _, err := s.e.coord.Flush(ctx); err != nil {
		return nil, fmt.Errorf("%s was applied, but it is not visible yet: %w", verb, err)
	}
	return FailureWarnings(s.e.FailedSince(before)), nil
}
