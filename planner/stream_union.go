package planner

import (
	"fmt"

	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/sql/types"
)

// StreamUnion is UNION ALL: the changes of every input, passed on as they
// come, with barriers aligned across the inputs. Its inputs all emit the
// union's columns (see NewStreamUnion), so the operator only forwards.
//
// Rows from different inputs must keep apart in the union's key even when
// their values agree, so each input's row carries its own key columns (NULL
// in the rows of other inputs) and the number of the input it came from;
// the union's key is all of them (RisingWave keys its union the same way).
type StreamUnion struct {
	Ins  []StreamNode
	Cols []Col
	Key  []int
}

// unionBranchName names the hidden column that holds the input a union's
// row came from.
const unionBranchName = "_branch"

// NewStreamUnion returns the union of ins, whose first len(cols) columns are
// the union's columns (of the same types): each input gets a projection to
// the union's columns, then every input's key columns, then its number.
func NewStreamUnion(ins []StreamNode, cols []Col) *StreamUnion {
	m := len(cols)
	out := make([]Col, m, m+8)
	for i, c := range cols {
		out[i] = Col{Name: c.Name, Type: c.Type}
	}
	// Where each input's key columns go in the output.
	at := make([][]int, len(ins))
	for i, in := range ins {
		key, inCols := in.StreamKey(), in.Columns()
		at[i] = make([]int, len(key))
		for j, k := range key {
			at[i][j] = len(out)
			out = append(out, Col{Name: fmt.Sprintf("_key%d_%d", i, j), Type: inCols[k].Type, Hidden: true})
		}
	}
	branch := len(out)
	out = append(out, Col{Name: unionBranchName, Type: types.Int32Type, Hidden: true})
	u := &StreamUnion{Cols: out, Key: seq(len(out))[m:]}
	for i, in := range ins {
		inCols, key := in.Columns(), in.StreamKey()
		exprs := make([]expr.Expr, len(out))
		for j := 0; j < m; j++ {
			exprs[j] = expr.Column(j, inCols[j].Name, inCols[j].Type)
		}
		for o := range ins {
			for j, pos := range at[o] {
				if o == i {
					exprs[pos] = expr.Column(key[j], inCols[key[j]].Name, inCols[key[j]].Type)
				} else {
					exprs[pos] = expr.Null(out[pos].Type)
				}
			}
		}
		n, err := expr.Constant(int64(i), types.Int32Type)
		if err != nil {
			panic(err) // an int32 constant is always valid
		}
		exprs[branch] = n
		u.Ins = append(u.Ins, mergeProjects(&StreamProject{Input: in, Exprs: exprs, Cols: out, Key: u.Key}))
	}
	return u
}

// Inputs returns the projected inputs.
func (n *StreamUnion) Inputs() []StreamNode { return n.Ins }

// Columns returns the union's columns, then the hidden key columns.
func (n *StreamUnion) Columns() []Col { return n.Cols }

// StreamKey returns every input's key columns and the input number.
func (n *StreamUnion) StreamKey() []int { return n.Key }

// AppendOnly reports whether every input is append-only.
func (n *StreamUnion) AppendOnly() bool {
	for _, in := range n.Ins {
		if !in.AppendOnly() {
			return false
		}
	}
	return true
}

// State returns nothing: a union forwards.
func (n *StreamUnion) State() []StateTable { return nil }

func (n *StreamUnion) explain() string {
	return fmt.Sprintf("StreamUnion { inputs: %d }", len(n.Ins))
}
