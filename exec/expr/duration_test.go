package expr_test

import (
	"testing"
	"time"

	"github.com/weir-stream/weir/exec/expr"
)

// TestParseDuration checks the duration forms options accept: Go durations
// and Postgres intervals without months.
func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s":        90 * time.Second,
		"1h30m":      90 * time.Minute,
		"500 ms":     500 * time.Millisecond,
		"1 hour":     time.Hour,
		"2 days":     48 * time.Hour,
		"30 minutes": 30 * time.Minute,
		"00:30:00":   30 * time.Minute,
	} {
		got, err := expr.ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "soon", "1 month", "3 fortnights"} {
		if d, err := expr.ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", in, d)
		}
	}
}
