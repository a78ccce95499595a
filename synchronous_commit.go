package weir

import (
	"context"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/sqlstate"
)

func init() {
	registerSessionParam(&sessionParam{name: "synchronous_commit", defaultOf: (*Session).defaultSynchronousCommit, check: checkSynchronousCommit,
		description: "Sets whether a write waits until it is synced to the table write log before it is answered (off: only until it is visible)."})
}

// checkSynchronousCommit accepts Postgres' values of synchronous_commit.
// weir has no replicas, so local, remote_write and remote_apply mean on.
func checkSynchronousCommit(v string) (string, error) {
	switch l := strings.ToLower(strings.TrimSpace(v)); l {
	case "on", "off", "local", "remote_write", "remote_apply":
		return l, nil
	case "true", "yes", "1":
		return "on", nil
	case "false", "no", "0":
		return "off", nil
	}
	return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for parameter \"synchronous_commit\": \"%s\"", v).
		WithHint("Available values: local, remote_write, remote_apply, on, off.")
}

// synchronousCommit reports whether the session's writes wait until they
// are durable (synchronous_commit, whose default comes from
// state_management.synchronous_commit).
func (s *Session) synchronousCommit() bool {
	return s.param("synchronous_commit") != "off"
}

// defaultSynchronousCommit is the session's synchronous_commit until SET:
// the server's state_management.synchronous_commit.
func (s *Session) defaultSynchronousCommit() string {
	if s.e.cfg.State.SynchronousCommit == "off" {
		return "off"
	}
	return "on"
}

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
	if s.synchronousCommit() {
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
