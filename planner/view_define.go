package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// ParallelismOption is the WITH option of CREATE MATERIALIZED VIEW that
// runs the view's aggregate as that many parallel instances (a pipeline's
// thread_num sets it).
const ParallelismOption = "parallelism"

// PlanView binds and plans the query of CREATE MATERIALIZED VIEW st over
// cat (with EMIT ON WINDOW CLOSE when st says so). Two visible columns of
// one name are an error.
func PlanView(cat *catalog.Catalog, st *sql.CreateView) (*StreamPlan, error) {
	node, err := NewBinder(cat, nil).BindSelect(st.Query)
	if err != nil {
		return nil, err
	}
	plan, err := PlanStream(node)
	if err != nil {
		return nil, At(err, st.Query.Pos)
	}
	if st.EmitOnWindowClose {
		if plan, err = EmitOnWindowClose(plan); err != nil {
			return nil, At(err, st.EmitPos)
		}
	}
	seen := map[string]bool{}
	for i, c := range plan.Cols {
		if c.Hidden {
			continue
		}
		if seen[c.Name] {
			return nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, st.Query.Items[min(i, len(st.Query.Items)-1)].Pos, "column \"%s\" specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
	return plan, nil
}

// ViewOptions checks the WITH options of CREATE MATERIALIZED VIEW st with
// plan plan: ttl (a duration; '0' turns off the server's state_timeout_ms
// for the view), on a view that groups, and parallelism (how many
// instances its aggregate runs as), on a view whose plan can be split
// (parallelizable, as exec/dataflow.Parallelizable says). An unknown
// option is an error, not ignored.
func ViewOptions(st *sql.CreateView, plan *StreamPlan, parallelizable bool) (map[string]string, error) {
	var opts map[string]string
	for _, opt := range st.Options {
		key := strings.ToLower(opt.Key)
		switch key {
		case "ttl":
		case ParallelismOption:
			n, err := CheckParallelism(opt.Value)
			if err != nil {
				return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "option parallelism: %v", err)
			}
			if n > 1 && !parallelizable {
				return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option parallelism splits the groups of a single GROUP BY among instances; this view has no GROUP BY, a global aggregate, or more than one aggregation").
					WithHint("Such a view runs as one instance.")
			}
			if opts == nil {
				opts = map[string]string{}
			}
			opts[key] = opt.Value
			continue
		default:
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "unknown option %q of CREATE MATERIALIZED VIEW (ttl, parallelism)", opt.Key)
		}
		d, err := expr.ParseDuration(opt.Value)
		if err != nil || d < 0 {
			if err == nil {
				err = fmt.Errorf("a ttl cannot be negative")
			}
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "option ttl: %v", err)
		}
		if d > 0 && !plan.HasGroups() {
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option ttl expires the groups of a GROUP BY; this view has none").
				WithHint("Its rows are kept as long as the view exists.")
		}
		if opts == nil {
			opts = map[string]string{}
		}
		opts[key] = opt.Value
	}
	return opts, nil
}

// CheckParallelism returns the value of the parallelism option, or why it
// is not one.
func CheckParallelism(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > statestore.NumVnodes {
		return 0, fmt.Errorf("parallelism must be an integer from 1 to %d, not %q", statestore.NumVnodes, v)
	}
	return n, nil
}
