package main

import (
	"testing"
	"time"
)

// TestLatencies checks the percentiles of 1..100 µs.
func TestLatencies(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(101-i)*time.Microsecond)
	}
	p50, p99 := latencies(d)
	if p50 != 50 || p99 != 99 {
		t.Errorf("p50, p99 = %v, %v; want 50, 99", p50, p99)
	}
	if p50, p99 := latencies(nil); p50 != 0 || p99 != 0 {
		t.Errorf("empty: %v, %v", p50, p99)
	}
}
