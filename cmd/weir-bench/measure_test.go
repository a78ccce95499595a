package main

import (
	"testing"
	"time"
)

// TestHeapSampler checks that the sampler sees an allocation made while it
// runs as a peak above its baseline.
func TestHeapSampler(t *testing.T) {
	h := startHeapSampler(time.Millisecond)
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	time.Sleep(5 * time.Millisecond)
	peak := h.stop()
	if peak < 32<<20 {
		t.Errorf("peak %d bytes above baseline, want at least the 64 MiB buffer's half", peak)
	}
	_ = buf[len(buf)-1]
}

// TestStopwatch checks that CPU time spent spinning is counted.
func TestStopwatch(t *testing.T) {
	sw := startStopwatch()
	x := 0
	for end := time.Now().Add(50 * time.Millisecond); time.Now().Before(end); {
		x++
	}
	wall, cpu := sw.stop()
	if wall < 0.05 || cpu <= 0 || x == 0 {
		t.Errorf("wall %v cpu %v after a 50 ms spin", wall, cpu)
	}
}
