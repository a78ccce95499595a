package main

// onOffRuns is what alternatingPairs measured: the throughput ratio on/off
// of each pair (its runs are back to back), and the wall times and the
// fastest run of each mode.
type onOffRuns[R any] struct {
	ratios []float64
	best   [2]R // on, off
	walls  [2][]float64
}

// alternatingPairs measures a feature on and off fairly on a shared
// machine: one untimed warm-up run (on), then pairs pairs of runs, the
// first pair on then off, the next off then on, and so on. run does one run
// and returns it with its wall time in seconds. Others' work only ever
// slows runs down, in bursts that cover a few runs of either mode, so each
// mode's fastest run is the closest to the unloaded figure; the pairs'
// ratios show the spread.
func alternatingPairs[R any](pairs int, run func(i int, on bool) (R, float64, error)) (onOffRuns[R], error) {
	var out onOffRuns[R]
	if _, _, err := run(-1, true); err != nil {
		return out, err
	}
	var bestWall [2]float64
	for i := range pairs {
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		var wall [2]float64 // on, off
		for _, on := range order {
			r, w, err := run(i, on)
			if err != nil {
				return out, err
			}
			m := 0
			if !on {
				m = 1
			}
			out.walls[m] = append(out.walls[m], w)
			wall[m] = w
			if bestWall[m] == 0 || w < bestWall[m] {
				bestWall[m], out.best[m] = w, r
			}
		}
		out.ratios = append(out.ratios, wall[1]/wall[0])
	}
	return out, nil
}
