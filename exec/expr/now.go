package expr

import (
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// proctime() is now() under the name RisingWave and Flink give the
// processing time of a row: in a view, the time of the epoch's barrier.
var _ = addFuncs(map[string]*funcDef{
	"proctime": {volatile: true, resolve: resolveNow},
})

// clockFuncs are the functions that read the clock and nothing else: a
// view's temporal filter reads them at its barriers (AtTime).
var clockFuncs = map[string]bool{"now": true, "current_timestamp": true, "proctime": true, "current_date": true}

// ReadsOnlyClock reports whether e reads no column and calls a volatile
// function, each of them now(), current_timestamp, proctime() or
// current_date: its value is a function of the time alone (the bound of
// a temporal filter, `now() - INTERVAL '1 hour'`).
func ReadsOnlyClock(e Expr) bool {
	if hasColumn(e) || !IsVolatile(e) {
		return false
	}
	var ok func(Expr) bool
	ok = func(e Expr) bool {
		if f, isFunc := e.(*funcExpr); isFunc && (f.def.volatile || f.volatile) && !clockFuncs[f.name] {
			return false
		}
		for _, c := range e.Children() {
			if !ok(c) {
				return false
			}
		}
		return true
	}
	return ok(e)
}

// AtTime returns e, for which ReadsOnlyClock holds, with every read of the
// clock replaced by its value at micros (microseconds from the Unix epoch):
// now(), current_timestamp and proctime() by that timestamp, current_date
// by its date in UTC, the one time zone weir works in.
func AtTime(e Expr, micros int64) (Expr, error) {
	if f, ok := e.(*funcExpr); ok && clockFuncs[f.name] && len(f.args) == 0 {
		if f.name == "current_date" {
			return Constant(int32(floorDiv(micros, 86_400_000_000)), types.DateType)
		}
		return Constant(micros, types.TSTZType)
	}
	if f, ok := e.(*funcExpr); ok && (f.def.volatile || f.volatile) {
		return nil, sqlstate.Errorf(sqlstate.Internal, "AtTime of %s", e)
	}
	kids := e.Children()
	if len(kids) == 0 {
		return e, nil
	}
	newKids := make([]Expr, len(kids))
	changed := false
	for i, k := range kids {
		nk, err := AtTime(k, micros)
		if err != nil {
			return nil, err
		}
		newKids[i] = nk
		changed = changed || nk != k
	}
	if !changed {
		return e, nil
	}
	return e.(rebuilder).withChildren(newKids), nil
}
