package weir_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestDeallocateDiscard: DEALLOCATE drops a prepared statement of the
// connection (26000 for a name of none), DEALLOCATE ALL every one (psycopg
// 3 sends it at a rollback), and DISCARD ALL closes the cursors, resets the
// parameters and drops the prepared statements, outside a transaction
// block only (25001).
func TestDeallocateDiscard(t *testing.T) {
	ctx := context.Background()
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	code := func(err error) string {
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return pe.Code
		}
		return ""
	}
	simple := func(q string) error {
		_, err := conn.Exec(ctx, q, pgx.QueryExecModeSimpleProtocol)
		return err
	}
	prepare := func(name string) {
		t.Helper()
		if _, err := conn.PgConn().Prepare(ctx, name, "SELECT 1", nil); err != nil {
			t.Fatal(err)
		}
	}
	prepared := func(name string) bool {
		t.Helper()
		_, err := conn.PgConn().ExecPrepared(ctx, name, nil, nil, nil).Close()
		return err == nil
	}
	prepare("s1")
	prepare("s2")
	if err := simple("DEALLOCATE s1"); err != nil {
		t.Fatal(err)
	}
	if prepared("s1") || !prepared("s2") {
		t.Fatal("DEALLOCATE s1 dropped the wrong statement")
	}
	if err := simple("DEALLOCATE PREPARE s1"); code(err) != "26000" {
		t.Fatalf("DEALLOCATE of a dropped statement: %v", err)
	}
	prepare("s3")
	if err := simple("DEALLOCATE ALL"); err != nil {
		t.Fatal(err)
	}
	if prepared("s2") || prepared("s3") {
		t.Fatal("DEALLOCATE ALL left a statement")
	}

	prepare("s4")
	for _, q := range []string{"SET application_name = 'mine'", "BEGIN", "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "COMMIT"} {
		if err := simple(q); err != nil {
			t.Fatal(q, err)
		}
	}
	if err := simple("BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := simple("DISCARD ALL"); code(err) != "25001" {
		t.Fatalf("DISCARD ALL in a block: %v", err)
	}
	if err := simple("ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if tag, err := conn.Exec(ctx, "DISCARD ALL", pgx.QueryExecModeSimpleProtocol); err != nil || tag.String() != "DISCARD ALL" {
		t.Fatalf("DISCARD ALL: %v %v", tag, err)
	}
	var app string
	if err := conn.QueryRow(ctx, "SHOW application_name", pgx.QueryExecModeSimpleProtocol).Scan(&app); err != nil || app != "" {
		t.Fatalf("application_name after DISCARD ALL: %q %v", app, err)
	}
	if err := simple("FETCH 1 c"); code(err) != "34000" {
		t.Fatalf("the cursor after DISCARD ALL: %v", err)
	}
	if prepared("s4") {
		t.Fatal("DISCARD ALL left a prepared statement")
	}
	for _, q := range []string{"DISCARD PLANS", "DISCARD TEMPORARY", "DISCARD SEQUENCES"} {
		if err := simple(q); err != nil {
			t.Fatal(q, err)
		}
	}
}
