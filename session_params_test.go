package weir_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// escapeOption escapes a startup options value for a connection URL.
func escapeOption(s string) string {
	return strings.NewReplacer(" ", "%20", "=", "%3D").Replace(s)
}

// TestStartupParameters checks that run-time parameters in the startup
// packet (directly or in options as -c name=value) set the session's values
// as in Postgres, that a bad one refuses the connection, and that the
// client's own TimeZone, which pgjdbc always sends, does not.
func TestStartupParameters(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	show := func(c *pgx.Conn, name string) string {
		t.Helper()
		var v string
		if err := c.QueryRow(ctx, "SHOW "+name, pgx.QueryExecModeSimpleProtocol).Scan(&v); err != nil {
			t.Fatalf("SHOW %s: %v", name, err)
		}
		return v
	}
	opts := escapeOption("-c extra_float_digits=2 --lock-timeout=5s")
	c := connect(t, ts.dsn+"&statement_timeout=1500&application_name=startup%20test&DateStyle=ISO&TimeZone=Europe/Berlin&options="+opts)
	for name, want := range map[string]string{
		"statement_timeout":  "1500ms",
		"application_name":   "startup test",
		"DateStyle":          "ISO, MDY",
		"extra_float_digits": "2",
		"lock_timeout":       "5s",
		"TimeZone":           "UTC",
	} {
		if got := show(c, name); got != want {
			t.Errorf("SHOW %s = %q, want %q", name, got, want)
		}
	}
	for dsn, code := range map[string]string{
		ts.dsn + "&statement_timeout=soon":                            "22023",
		ts.dsn + "&options=" + escapeOption("-c no_such_parameter=1"): "42704",
		ts.dsn + "&DateStyle=German":                                  "0A000",
	} {
		_, err := pgx.Connect(ctx, dsn)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != code || pe.Severity != "FATAL" {
			t.Errorf("%s: got %v, want FATAL %s", dsn, err, code)
		}
	}
}

// TestStatementTimeoutPrepare checks that statement_timeout bounds a
// statement run with the extended protocol, whose Parse makes DuckDB plan
// the query.
func TestStatementTimeoutPrepare(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	c := connect(t, ts.dsn+"&statement_timeout=100")
	mustExec(t, c, "CREATE TABLE n (i INT PRIMARY KEY)")
	var vals []string
	for i := 1; i <= 1000; i++ {
		vals = append(vals, fmt.Sprintf("(%d)", i))
	}
	mustExec(t, c, "INSERT INTO n VALUES "+strings.Join(vals, ","))
	mustExec(t, c, "FLUSH")
	// DuckDB plans a long operator chain in most of a second, and runs
	// the cross join for longer.
	q := "SELECT count(*) FROM n a, n b, n c, n d WHERE a.i + b.i + c.i + d.i < 1" + strings.Repeat("+1", 450)
	start := time.Now()
	_, err := c.Exec(ctx, q, pgx.QueryExecModeDescribeExec)
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "57014" || pe.Message != "canceling statement due to statement timeout" {
		t.Fatalf("got %v, want 57014", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the timeout took %v", d)
	}
	var n int64
	if err := c.QueryRow(ctx, "SELECT count(*) FROM n").Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after the timeout: %d, %v", n, err)
	}
}
