package sourceguard

import (
	"testing"
	"time"
)

func TestRateMeter(t *testing.T) {
	var m rateMeter
	t0 := time.Unix(1000, 0)
	m.observe(t0, 100)
	if r := m.perSecond(); r != 0 {
		t.Fatalf("rate before a whole window = %v, want 0", r)
	}
	m.observe(t0.Add(500*time.Millisecond), 600)
	if r := m.perSecond(); r != 0 {
		t.Fatalf("rate after half a window = %v, want 0", r)
	}
	m.observe(t0.Add(2*time.Second), 4100)
	if r := m.perSecond(); r != 2000 {
		t.Fatalf("rate = %v, want 2000 (4000 rows in 2 s)", r)
	}
	m.observe(t0.Add(3*time.Second), 4100)
	if r := m.perSecond(); r != 0 {
		t.Fatalf("rate of an idle second = %v, want 0", r)
	}
	// A count that goes back (the source reopened) starts over.
	m.observe(t0.Add(4*time.Second), 10)
	m.observe(t0.Add(5*time.Second), 510)
	if r := m.perSecond(); r != 500 {
		t.Fatalf("rate after a restart = %v, want 500", r)
	}
}
