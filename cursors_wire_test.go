//go:build duckdb_arrow

package weir_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// TestCursorsPgx reads a query's rows in pieces through a cursor, as
// psycopg's named cursors do (DECLARE with a parameter, then FETCH FORWARD n
// until no rows come), under the extended and the simple protocol, and
// checks the command tags and the errors Postgres answers with.
func TestCursorsPgx(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE nums (id INT PRIMARY KEY, sq BIGINT)")
	var values []string
	for i := 1; i <= 1000; i++ {
		values = append(values, fmt.Sprintf("(%d, %d)", i, i*i))
	}
	mustExec(t, conn, "INSERT INTO nums VALUES "+strings.Join(values, ", "))

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tag, err := tx.Exec(ctx, "DECLARE \"c\" NO SCROLL CURSOR WITHOUT HOLD FOR SELECT id, sq FROM nums WHERE id > $1 ORDER BY id", mode, 100)
		if err != nil {
			t.Fatalf("mode %v: %v", mode, err)
		}
		if tag.String() != "DECLARE CURSOR" {
			t.Fatalf("mode %v: DECLARE tag %q", mode, tag)
		}
		// Writes after DECLARE are not in the cursor's rows.
		other := connect(t, ts.dsn)
		mustExec(t, other, "INSERT INTO nums VALUES (2000, 0)")
		next, pieces, tags := int64(101), 0, map[string]int{}
		for {
			rows, err := tx.Query(ctx, "FETCH FORWARD 300 FROM \"c\"", mode)
			if err != nil {
				t.Fatalf("mode %v: %v", mode, err)
			}
			n := 0
			for rows.Next() {
				var id, sq int64
				if err := rows.Scan(&id, &sq); err != nil {
					t.Fatalf("mode %v: %v", mode, err)
				}
				if id != next || sq != id*id {
					t.Fatalf("mode %v: row (%d, %d), want (%d, %d)", mode, id, sq, next, next*next)
				}
				next++
				n++
			}
			if err := rows.Err(); err != nil {
				t.Fatalf("mode %v: %v", mode, err)
			}
			tags[rows.CommandTag().String()]++
			if n == 0 {
				break
			}
			pieces++
		}
		if next != 1001 || pieces != 3 {
			t.Fatalf("mode %v: read up to id %d in %d pieces, want 1000 in 3", mode, next-1, pieces)
		}
		if tags["FETCH 300"] != 3 || tags["FETCH 0"] != 1 {
			t.Fatalf("mode %v: tags %v, want FETCH 300 three times and FETCH 0 once", mode, tags)
		}
		if tag, err := tx.Exec(ctx, "MOVE ALL IN c", mode); err != nil || tag.String() != "MOVE 0" {
			t.Fatalf("mode %v: MOVE: %q, %v", mode, tag, err)
		}
		if tag, err := tx.Exec(ctx, "CLOSE c", mode); err != nil || tag.String() != "CLOSE CURSOR" {
			t.Fatalf("mode %v: CLOSE: %q, %v", mode, tag, err)
		}
		_, err = tx.Exec(ctx, "FETCH 1 FROM c", mode)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "34000" || pgErr.Message != `cursor "c" does not exist` {
			t.Fatalf("mode %v: FETCH after CLOSE: %v, want 34000", mode, err)
		}
		if err := tx.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		mustExec(t, other, "DELETE FROM nums WHERE id = 2000")
	}
}

// TestCursorDescribedAsPortal describes a cursor with the extended
// protocol's Describe of a portal by its name, as psycopg's named cursors
// do after DECLARE: the answer is the cursor's row description.
func TestCursorDescribedAsPortal(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE described (id INT PRIMARY KEY, label TEXT)")
	mustExec(t, conn, "BEGIN")
	mustExec(t, conn, `DECLARE "cur" CURSOR FOR SELECT label, id FROM described`)
	pc := conn.PgConn()
	fe := pc.Frontend()
	fe.Send(&pgproto3.Describe{ObjectType: 'P', Name: "cur"})
	fe.Send(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.RowDescription:
			for _, f := range m.Fields {
				got = append(got, fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID))
			}
		case *pgproto3.ErrorResponse:
			t.Fatalf("Describe: %s %s", m.Code, m.Message)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	if want := "[label:1043 id:23]"; fmt.Sprint(got) != want {
		t.Fatalf("row description %v, want %s", got, want)
	}
}

// TestCursorPrivileges: DECLARE needs SELECT on what its query reads, as
// the query itself does.
func TestCursorPrivileges(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE secret (k INT PRIMARY KEY)")
	mustExec(t, conn, "CREATE USER bob")
	bob := connect(t, strings.Replace(ts.dsn, "weir@", "bob@", 1))
	mustExec(t, bob, "BEGIN")
	wantExec(t, bob, "DECLARE c CURSOR FOR SELECT k FROM secret", "42501 permission denied for table secret")
	mustExec(t, bob, "ROLLBACK")
	mustExec(t, conn, "GRANT SELECT ON secret TO bob")
	mustExec(t, bob, "BEGIN")
	wantExec(t, bob, "DECLARE c CURSOR FOR SELECT k FROM secret", "")
	mustExec(t, bob, "ROLLBACK")
}
