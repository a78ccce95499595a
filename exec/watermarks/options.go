package watermarks

import (
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// The stream options of a watermark (engine options: connectors do not
// see them).
const (
	// OptIdleTimeout is how long a split reads nothing before it leaves
	// the watermark's minimum ('0s': never).
	OptIdleTimeout = "watermark.idle_timeout"
	// OptLateRows is how many late rows each view's source keeps in
	// weir_late_rows (the newest).
	OptLateRows = "watermark.late_rows"
)

// The default idle timeouts: a Kafka partition may be silent for a while
// between bursts; a generator's or a file's single split is idle as soon
// as it stops.
const (
	DefaultIdleTimeout      = 5 * time.Second
	DefaultKafkaIdleTimeout = 60 * time.Second
)

// Options returns a stream's watermark options from its WITH options: the
// idle timeout (0: the connector's default; negative: never idle) and the
// late rows kept.
func Options(opts map[string]string) (idle time.Duration, keep int, err error) {
	keep = DefaultKeepLate
	if v, ok := opts[OptIdleTimeout]; ok {
		d, err := expr.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for option %s: \"%s\"", OptIdleTimeout, v).
				WithHint("Give a duration such as '5s' or '1 minute'; '0s' never counts a split idle.")
		}
		idle = d
		if d == 0 {
			idle = -1
		}
	}
	if v, ok := opts[OptLateRows]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return 0, 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for option %s: \"%s\"", OptLateRows, v).
				WithHint("Give how many late rows to keep per view, 0 or more.")
		}
		keep = n
	}
	return idle, keep, nil
}

// Text prints watermark value v of a column of type t as the column's
// values print: timestamps in UTC, with +00 for TIMESTAMPTZ.
func Text(t types.T, v int64) string {
	switch t.Family {
	case types.Timestamp, types.TimestampTZ:
		s := time.UnixMicro(v).UTC().Format("2006-01-02 15:04:05.999999")
		if t.Family == types.TimestampTZ {
			s += "+00"
		}
		return s
	case types.Date:
		return time.Unix(v*86400, 0).UTC().Format("2006-01-02")
	}
	return strconv.FormatInt(v, 10)
}
