package sourceguard

import (
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// Policy is what a source does with a record it cannot decode (the
// on.error option of CREATE STREAM).
type Policy uint8

const (
	// Skip counts and logs the record and goes on (the default).
	Skip Policy = iota
	// DeadLetter also keeps the record as a dead letter in the source's
	// state (weir_dead_letters), written with the epoch it was read in.
	DeadLetter
	// Fail stops the job with an error naming the record.
	Fail
)

// ParsePolicy reads on.error from a stream's options.
func ParsePolicy(opts map[string]string) (Policy, error) {
	switch v := strings.ToLower(opts["on.error"]); v {
	case "", "skip":
		return Skip, nil
	case "dlq":
		return DeadLetter, nil
	case "fail":
		return Fail, nil
	default:
		return 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "option on.error must be 'skip', 'dlq' or 'fail', not %q", v)
	}
}
