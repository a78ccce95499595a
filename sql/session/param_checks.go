package session

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// The checks of the parameters' values. Each returns the value SHOW prints,
// or an error: a *sqlstate.Error as it is (0A000 for a value weir does not
// implement), or a plain error that SET reports as Postgres' 22023 "invalid
// value for parameter", with the error as its detail.

func anyText(v string) (string, error) { return v, nil }

// oneOf accepts only the given values (case-insensitive), the only ones weir
// implements.
func oneOf(allowed ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		l := strings.ToLower(strings.TrimSpace(v))
		if slices.Contains(allowed, l) {
			return l, nil
		}
		return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "weir supports only %s", strings.Join(allowed, ", "))
	}
}

// intRange accepts an integer in [lo, hi].
func intRange(lo, hi int) func(string) (string, error) {
	return func(v string) (string, error) {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			return "", fmt.Errorf("invalid value for parameter: %q requires an integer value", v)
		}
		if n < lo || n > hi {
			return "", fmt.Errorf("%d is outside the valid range for parameter (%d .. %d)", n, lo, hi)
		}
		return strconv.Itoa(n), nil
	}
}

// checkDateStyle accepts the styles weir prints: ISO, with any field order.
func checkDateStyle(v string) (string, error) {
	order := "MDY"
	for _, part := range strings.Split(v, ",") {
		switch w := strings.ToUpper(strings.TrimSpace(part)); w {
		case "ISO", "DEFAULT":
		case "MDY", "US", "NONEURO", "NONEUROPEAN":
			order = "MDY"
		case "DMY", "EURO", "EUROPEAN":
			order = "DMY"
		case "YMD":
			order = "YMD"
		case "SQL", "POSTGRES", "GERMAN":
			return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "DateStyle %s is not supported", w).
				WithHint("weir prints dates and times in the ISO style only.")
		default:
			return "", fmt.Errorf("unrecognized key word: %q", strings.TrimSpace(part))
		}
	}
	return "ISO, " + order, nil
}

// utcNames are the zone names that mean UTC.
var utcNames = map[string]bool{
	"utc": true, "etc/utc": true, "uct": true, "etc/uct": true, "gmt": true, "etc/gmt": true, "gmt0": true,
	"etc/gmt0": true, "gmt+0": true, "gmt-0": true, "etc/gmt+0": true, "etc/gmt-0": true, "greenwich": true,
	"etc/greenwich": true, "universal": true, "etc/universal": true, "zulu": true, "etc/zulu": true, "z": true,
	"0": true, "+0": true, "-0": true, "00:00": true, "+00:00": true, "-00:00": true, "utc0": true,
}

// checkTimeZone accepts UTC under its names; weir keeps and prints every
// timestamptz in UTC, so another zone is refused instead of ignored.
func checkTimeZone(v string) (string, error) {
	if utcNames[strings.ToLower(strings.TrimSpace(v))] {
		return "UTC", nil
	}
	if _, err := time.LoadLocation(v); err != nil {
		if _, nerr := strconv.ParseFloat(v, 64); nerr != nil {
			return "", fmt.Errorf("time zone %q not recognized", v)
		}
	}
	return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "time zone \"%s\" is not supported", v).
		WithHint("weir works in UTC only: timestamptz values print in UTC and now() and current_date are UTC.")
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

// checkIsolation accepts the isolation levels weir gives: repeatable read,
// and the weaker levels Postgres' clients ask for, which repeatable read
// satisfies. SERIALIZABLE is refused rather than weakened.
func checkIsolation(v string) (string, error) {
	switch l := strings.ToLower(strings.Join(strings.Fields(v), " ")); l {
	case "repeatable read", "read committed", "read uncommitted", "default":
		return isolationLevel, nil
	case "serializable":
		return "", ErrSerializable
	}
	return "", sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for parameter \"transaction_isolation\": \"%s\"", v).
		WithHint("Available values: serializable, repeatable read, read committed, read uncommitted.")
}

// ErrSerializable is the error for a request of SERIALIZABLE isolation, by
// SET or by BEGIN ISOLATION LEVEL SERIALIZABLE.
var ErrSerializable = sqlstate.Errorf(sqlstate.FeatureNotSupported, "SERIALIZABLE isolation is not supported").
	WithHint("weir runs transactions at REPEATABLE READ (snapshot isolation): leave the level out or ask for REPEATABLE READ.")

// checkReadOnly accepts off: a block is made read-only by BEGIN READ ONLY.
func checkReadOnly(v string) (string, error) {
	if l := strings.ToLower(strings.TrimSpace(v)); l == "off" || l == "false" {
		return "off", nil
	}
	return "", sqlstate.Errorf(sqlstate.FeatureNotSupported, "SET transaction_read_only is not supported").
		WithHint("Start the block with BEGIN READ ONLY.")
}

// checkMillis accepts a duration in Postgres' form for time parameters: an
// integer of milliseconds, or a number with a unit (us, ms, s, min, h, d);
// SHOW prints it in the largest unit that divides it.
func checkMillis(v string) (string, error) {
	ms, err := parseMillis(v)
	if err != nil {
		return "", err
	}
	return formatMillis(ms), nil
}

// millisUnits are the units of time parameters, in milliseconds, largest first.
var millisUnits = []struct {
	name string
	ms   float64
}{{"d", 86400000}, {"h", 3600000}, {"min", 60000}, {"s", 1000}, {"ms", 1}, {"us", 0.001}}

// parseMillis reads a time parameter's value as milliseconds.
func parseMillis(v string) (int64, error) {
	t := strings.TrimSpace(v)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || i == 0 && (t[i] == '-' || t[i] == '+')) {
		i++
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("invalid value: %q", v)
	}
	unit := strings.TrimSpace(t[i:])
	scale := 1.0
	if unit != "" {
		found := false
		for _, u := range millisUnits {
			if u.name == unit {
				scale, found = u.ms, true
			}
		}
		if !found {
			return 0, fmt.Errorf("valid units for this parameter are \"us\", \"ms\", \"s\", \"min\", \"h\", and \"d\"")
		}
	}
	ms := math.Round(n * scale)
	if ms < 0 || ms > math.MaxInt32 {
		return 0, fmt.Errorf("%s is outside the valid range for parameter (0 .. %d)", t, math.MaxInt32)
	}
	return int64(ms), nil
}

// formatMillis prints ms in the largest unit that divides it, as SHOW does.
func formatMillis(ms int64) string {
	if ms == 0 {
		return "0"
	}
	for _, u := range millisUnits[:5] {
		if ms%int64(u.ms) == 0 {
			return strconv.FormatInt(ms/int64(u.ms), 10) + u.name
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}
