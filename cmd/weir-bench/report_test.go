package main

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
)

// TestReport runs testdata/report: each input line is a figure written as
// `bench | name | rows | wall | cpu [| key=value ...]`, and the command
// (table or json) prints the report of those figures.
func TestReport(t *testing.T) {
	datadriven.RunTest(t, "testdata/report", func(t *testing.T, d *datadriven.TestData) string {
		figs, err := parseFigures(d.Input)
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		var b bytes.Buffer
		switch d.Cmd {
		case "table":
			err = writeTable(&b, figs, 2)
		case "json":
			err = writeJSON(&b, figs, 2)
		default:
			return fmt.Sprintf("error: unknown command %q\n", d.Cmd)
		}
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		return b.String()
	})
}

// parseFigures parses the figure lines of testdata/report. Figures with a
// `peer=N` field are compared with the Nth figure (0-based).
func parseFigures(text string) ([]figure, error) {
	var figs []figure
	peers := map[int]int{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		parts := strings.Split(line, "|")
		if len(parts) < 5 {
			return nil, fmt.Errorf("bad figure line %q", line)
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		rows, err1 := strconv.ParseInt(parts[2], 10, 64)
		wall, err2 := strconv.ParseFloat(parts[3], 64)
		cpu, err3 := strconv.ParseFloat(parts[4], 64)
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("bad numbers in %q", line)
		}
		f := newFigure(parts[0], parts[1], rows, wall, cpu)
		for _, kv := range parts[5:] {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "peer":
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, err
				}
				peers[len(figs)] = n
			case "p50", "p99":
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return nil, err
				}
				if k == "p50" {
					f.P50Micros = x
				} else {
					f.P99Micros = x
				}
			case "heap", "pebble":
				x, err := strconv.ParseUint(v, 10, 64)
				if err != nil {
					return nil, err
				}
				if k == "heap" {
					f.PeakHeapBytes = x
				} else {
					f.PebbleBytes = x
				}
			case "note":
				f.Note = v
			case "skipped":
				f = figure{Bench: f.Bench, Name: f.Name, Skipped: v}
			case "goal":
				// goal=target;measured;met
				g := strings.Split(v, ";")
				if len(g) != 3 {
					return nil, fmt.Errorf("goal %q: want target;measured;met", v)
				}
				met, err := strconv.ParseBool(g[2])
				if err != nil {
					return nil, err
				}
				f.Goal = &goal{Target: g[0], Measured: g[1], Met: met}
			default:
				return nil, fmt.Errorf("unknown field %q", k)
			}
		}
		figs = append(figs, f)
	}
	for i, p := range peers {
		if p < 0 || p >= len(figs) {
			return nil, fmt.Errorf("figure %d: no peer %d", i, p)
		}
		figs[i].compare(figs[p])
	}
	return figs, nil
}
