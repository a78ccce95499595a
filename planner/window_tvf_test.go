package planner

import (
	"errors"
	"strings"
	"testing"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestWindowTVFErrors checks each window table function error's SQLSTATE
// and that its position points at the argument at fault (marked ^ in the
// query, removed before parsing).
func TestWindowTVFErrors(t *testing.T) {
	tc := newTestCatalog()
	if err := tc.exec("CREATE TABLE ev (id INT PRIMARY KEY, v INT, ts TIMESTAMP)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ query, code string }{
		{"SELECT * FROM HOP(ev, ts, INTERVAL '3 seconds', ^INTERVAL '10 seconds')", sqlstate.InvalidParameterValue},
		{"SELECT * FROM HOP(ev, ts, ^INTERVAL '0 seconds', INTERVAL '10 seconds')", sqlstate.InvalidParameterValue},
		{"SELECT * FROM TUMBLE(ev, ts, ^-INTERVAL '1 second')", sqlstate.InvalidParameterValue},
		{"SELECT * FROM TUMBLE(ev, ts, ^10)", sqlstate.DatatypeMismatch},
		{"SELECT * FROM TUMBLE(ev, ts, v ^* INTERVAL '1 second')", sqlstate.DatatypeMismatch},
		{"SELECT * FROM TUMBLE(ev, ts, INTERVAL '1 second', ^'x')", sqlstate.DatatypeMismatch},
		{"SELECT * FROM TUMBLE(ev, ^v, INTERVAL '1 second')", sqlstate.DatatypeMismatch},
		{"SELECT * FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(^nope), INTERVAL '1 second'))", sqlstate.UndefinedColumn},
		{"SELECT * FROM TUMBLE(ev, ts, ^INTERVAL '1 month')", sqlstate.FeatureNotSupported},
		{"SELECT * FROM ^HOP(ev, ts, INTERVAL '1 second')", sqlstate.UndefinedFunction},
		{"SELECT * FROM SESSION(ev PARTITION BY ^nope, ts, INTERVAL '1 second')", sqlstate.UndefinedColumn},
		{"SELECT * FROM SESSION(ev, ts, ^INTERVAL '0 seconds')", sqlstate.InvalidParameterValue},
		{"SELECT * FROM SESSION(ev, ^v, INTERVAL '1 second')", sqlstate.DatatypeMismatch},
		{"SELECT * FROM ^SESSION(ev, ts, INTERVAL '1 second', INTERVAL '1 second')", sqlstate.UndefinedFunction},
		{"SELECT * FROM TUMBLE(^missing, ts, INTERVAL '1 second')", sqlstate.UndefinedTable},
	} {
		at := strings.Index(c.query, "^")
		q, err := parseSelect(strings.Replace(c.query, "^", "", 1))
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		_, err = NewBinder(tc.cat, nil).BindSelect(q)
		var se *sqlstate.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: got %v, want a %s error", c.query, err, c.code)
			continue
		}
		if se.Code != c.code || se.Position != at {
			t.Errorf("%s: got %s at %d (%s), want %s at %d", c.query, se.Code, se.Position, se.Message, c.code, at)
		}
	}
}
