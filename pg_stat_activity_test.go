package weir_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPgStatActivity: pg_stat_activity lists the open sessions with the
// process ID the client was given, its role, application, address, state
// and query; a role that is no superuser sees another role's query as
// "<insufficient privilege>" and not its state; a closed session leaves.
func TestPgStatActivity(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	admin := connect(t, ts.dsn)
	mustExec(t, admin, "SET application_name = 'admin_tool'")
	mustExec(t, admin, "CREATE USER bob")
	bob, err := pgx.Connect(ctx, strings.Replace(ts.dsn, "weir@", "bob@", 1))
	if err != nil {
		t.Fatal(err)
	}
	defer bob.Close(ctx)
	var n int
	if err := bob.QueryRow(ctx, "SELECT 42").Scan(&n); err != nil {
		t.Fatal(err)
	}

	type row struct {
		pid         int32
		app, query  string
		state, addr *string
		started     *time.Time
	}
	read := func(conn *pgx.Conn) map[string]row {
		t.Helper()
		rows, err := conn.Query(ctx, "SELECT usename, pid, application_name, state, query, client_addr, backend_start FROM pg_stat_activity")
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]row{}
		for rows.Next() {
			var user string
			var r row
			if err := rows.Scan(&user, &r.pid, &r.app, &r.state, &r.query, &r.addr, &r.started); err != nil {
				t.Fatal(err)
			}
			out[user] = r
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}

	seen := read(bob)
	if len(seen) != 2 {
		t.Fatalf("bob sees %d sessions: %+v", len(seen), seen)
	}
	own, other := seen["bob"], seen["weir"]
	if own.pid != int32(bob.PgConn().PID()) || own.state == nil || *own.state != "active" ||
		!strings.Contains(own.query, "pg_stat_activity") || own.addr == nil || *own.addr != "127.0.0.1" || own.started == nil {
		t.Errorf("bob's own session: %+v", own)
	}
	if other.pid != int32(admin.PgConn().PID()) || other.app != "admin_tool" || other.query != "<insufficient privilege>" ||
		other.state != nil || other.addr != nil || other.started != nil {
		t.Errorf("the superuser's session as bob sees it: %+v", other)
	}

	if err := bob.QueryRow(ctx, "SELECT 42").Scan(&n); err != nil {
		t.Fatal(err)
	}
	seen = read(admin)
	if b := seen["bob"]; b.state == nil || *b.state != "idle" || b.query != "SELECT 42" {
		t.Errorf("bob's session as the superuser sees it: %+v, state %v", b, b.state)
	}

	// As Postgres, only the first 1023 bytes of a statement are kept.
	if err := bob.QueryRow(ctx, "SELECT length('"+strings.Repeat("x", 2000)+"')").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if b := read(admin)["bob"]; len(b.query) != 1023 || !strings.HasPrefix(b.query, "SELECT length('xxx") {
		t.Errorf("bob's long statement as the superuser sees it: %d bytes", len(b.query))
	}

	bob.Close(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, open := read(admin)["bob"]; !open {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("bob's closed session is still listed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
