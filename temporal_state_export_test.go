//go:build duckdb_arrow

package weir

import (
	"fmt"

	"github.com/weir-stream/weir/statestore"
)

// StateTableKeys returns how many keys each state table of the view or
// sink named name holds, as of the last committed epoch, in the order of
// its catalog object's StateTables (the first holds its rows).
func (e *Engine) StateTableKeys(name string) ([]int64, error) {
	e.ddl.Lock()
	o, ok := e.cat.Get(name)
	e.ddl.Unlock()
	if !ok {
		return nil, fmt.Errorf("no object %s", name)
	}
	out := make([]int64, len(o.StateTables))
	for i, t := range o.StateTables {
		lo, hi := statestore.TableSpan(t)
		if err := e.store.Scan(lo, hi, func(_, _ []byte) (bool, error) {
			out[i]++
			return true, nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}
