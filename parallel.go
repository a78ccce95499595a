package weir

import (
	"strconv"

	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/statestore"
)

// parallelism returns how many instances the aggregate of a view with
// options opts runs as: its parallelism option when its plan can be split
// (one aggregate, with a GROUP BY), else 1.
func parallelism(opts map[string]string, plan *planner.StreamPlan) int {
	n := atoiOr(opts[planner.ParallelismOption], 1)
	if n <= 1 || !dataflow.Parallelizable(plan) {
		return 1
	}
	return min(n, statestore.NumVnodes)
}

// atoiOr returns s as an int, or def when it is not one.
func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}
