package weir

import (
	"context"
	"fmt"
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
)

func init() {
	registerSessionParam(&sessionParam{name: "synchronous_commit", def: "on", check: checkSynchronousCommit,
		description: "Sets whether a write waits for a durable checkpoint before it is answered (off: it waits only until it is visible)."})
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

// synchronousCommit reports whether the session's writes wait for a
// durable checkpoint (synchronous_commit, whose default comes from
// state_management.synchronous_commit).
func (s *Session) synchronousCommit() bool {
	return s.param("synchronous_commit") != "off"
}

// awaitWrite returns once the writes the session just applied (verb names
// the statement) are visible to queries and, with synchronous_commit on and
// checkpoints, held by a durable checkpoint, so that a crash right after the
// answer loses nothing. The epoch holding them is cut at once; writes of
// other sessions that arrive meanwhile share it and its checkpoint.
func (s *Session) awaitWrite(ctx context.Context, verb string) error {
	if !s.synchronousCommit() {
		if _, err := s.e.coord.Flush(ctx); err != nil {
			return fmt.Errorf("%s was applied, but it is not visible yet: %w", verb, err)
		}
		return nil
	}
	if err := s.e.durableFlush(ctx); err != nil {
		return fmt.Errorf("%s was applied, but no checkpoint holds it yet: %w", verb, err)
	}
	return nil
}
