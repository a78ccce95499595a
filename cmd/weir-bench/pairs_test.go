package main

import (
	"fmt"
	"testing"
)

// TestAlternatingPairs checks the order of the runs (warm-up, then pairs
// alternating which mode goes first), each pair's ratio and the fastest
// run of each mode.
func TestAlternatingPairs(t *testing.T) {
	var order []string
	walls := map[string]float64{"0-true": 2, "0-false": 1, "1-false": 3, "1-true": 1.5}
	m, err := alternatingPairs(2, func(i int, on bool) (string, float64, error) {
		key := fmt.Sprintf("%d-%v", i, on)
		order = append(order, key)
		return key, walls[key], nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(order) != "[-1-true 0-true 0-false 1-false 1-true]" {
		t.Errorf("runs in order %v", order)
	}
	if fmt.Sprint(m.ratios) != "[0.5 2]" {
		t.Errorf("ratios %v", m.ratios)
	}
	if m.best != [2]string{"1-true", "0-false"} || fmt.Sprint(m.walls) != "[[2 1.5] [1 3]]" {
		t.Errorf("best %v, walls %v", m.best, m.walls)
	}
}
