package main

import "testing"

// TestMedian checks the median of odd, even and empty lists.
func TestMedian(t *testing.T) {
	for _, c := range []struct {
		xs   []float64
		want float64
	}{
		{nil, 0},
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	} {
		if got := median(c.xs); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.xs, got, c.want)
		}
	}
	xs := []float64{2, 1}
	median(xs)
	if xs[0] != 2 {
		t.Errorf("median sorted its argument: %v", xs)
	}
}

// TestRatiosAndSecondsText checks the formats of the notes.
func TestRatiosAndSecondsText(t *testing.T) {
	if got := ratiosText([]float64{0.95, 1.0021}); got != "0.950 1.002" {
		t.Errorf("ratiosText = %q", got)
	}
	if got := secondsText([]float64{1.234, 10}); got != "1.23 10.00" {
		t.Errorf("secondsText = %q", got)
	}
}
