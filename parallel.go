package weir

import (
	"fmt"
	"strconv"

	"github.com/weir-stream/weir/exec/dataflow"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/statestore"
)

// parallelismOption is the WITH option of CREATE MATERIALIZED VIEW that
// runs the view's aggregate as that many parallel instances (a pipeline's
// thread_num sets it).
const parallelismOption = "parallelism"

// parallelism returns how many instances the aggregate of a view with
// options opts runs as: its parallelism option when its plan can be split
// (one aggregate, with a GROUP BY), else 1.
func parallelism(opts map[string]string, plan *planner.StreamPlan) int {
	n := atoiOr(opts[parallelismOption], 1)
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

// checkParallelism returns the value of the parallelism option, or why it
// is not one.
func checkParallelism(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > statestore.NumVnodes {
		return 0, fmt.Errorf("parallelism must be an integer from 1 to %d, not %q", statestore.NumVnodes, v)
	}
	return n, nil
}
