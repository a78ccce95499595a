//go:build duckdb_arrow

package weir_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// copyIn runs a COPY … FROM STDIN with data and returns its tag's count.
func copyIn(t *testing.T, conn *pgx.Conn, stmt, data string) (int64, error) {
	t.Helper()
	tag, err := conn.PgConn().CopyFrom(context.Background(), strings.NewReader(data), stmt)
	return tag.RowsAffected(), err
}

// copyOut runs a COPY … TO STDOUT and returns the data and the tag.
func copyOut(t *testing.T, conn *pgx.Conn, stmt string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	tag, err := conn.PgConn().CopyTo(context.Background(), &buf, stmt)
	if err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
	return buf.String(), tag.String()
}

// TestCopyFromStdin loads a table with COPY FROM STDIN in the text and CSV
// formats: escapes, NULLs, quoting with line breaks, a column list, the
// header options, and the old WITH CSV HEADER spelling.
func TestCopyFromStdin(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE c (id INT PRIMARY KEY, name TEXT, score DOUBLE PRECISION, ok BOOLEAN)")

	n, err := copyIn(t, conn, "COPY c FROM STDIN", "1\tplain\t1.5\tt\n"+
		"2\ttab\\there\\nnewline \\\\ back\t\\N\tf\n"+
		"3\t\\x41\\101\\101x\t-2\t\\N\n"+
		"\\.\n")
	if err != nil || n != 3 {
		t.Fatalf("text COPY: %d rows, %v", n, err)
	}
	n, err = copyIn(t, conn, "COPY c (id, name) FROM STDIN WITH (FORMAT csv, HEADER true)", "id,name\n"+
		"4,\"a, \"\"quoted\"\"\nvalue\"\n"+
		"5,\n"+
		"6,\"\"\r\n")
	if err != nil || n != 3 {
		t.Fatalf("CSV COPY: %d rows, %v", n, err)
	}
	n, err = copyIn(t, conn, "COPY c FROM STDIN WITH CSV HEADER DELIMITER ';' NULL 'nil'", "id;name;score;ok\n7;nil;nil;yes\n8;\"nil\";0;no")
	if err != nil || n != 2 {
		t.Fatalf("old CSV spelling: %d rows, %v", n, err)
	}
	n, err = copyIn(t, conn, "COPY c (id, name) FROM STDIN (FORMAT csv, HEADER match, ESCAPE '\\')", "id,name\n9,\"q\\\"x\"\n")
	if err != nil || n != 1 {
		t.Fatalf("HEADER match: %d rows, %v", n, err)
	}

	got := queryText(t, conn, "SELECT id, coalesce(name, 'NULL'), coalesce(score::text, 'NULL'), coalesce(ok::text, 'NULL') FROM c ORDER BY id")
	want := []string{
		"1 plain 1.5 true",
		"2 tab\there\nnewline \\ back NULL false",
		"3 AAAx -2 NULL",
		"4 a, \"quoted\"\nvalue NULL NULL",
		"5 NULL NULL NULL",
		"6  NULL NULL",
		"7 NULL NULL true",
		"8 nil 0 false",
		"9 q\"x NULL NULL",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows:\n%q\nwant:\n%q", got, want)
	}
}

// TestCopyFromErrors checks that a bad row fails the whole COPY with
// Postgres' error and a CONTEXT naming its line, and stores nothing; also
// inside a transaction block, where COMMIT then stores the rows of a COPY
// that succeeded, and ROLLBACK none.
func TestCopyFromErrors(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE e (a INT, b INT NOT NULL)")
	mustExec(t, conn, "CREATE MATERIALIZED VIEW e_n AS SELECT count(*) AS n FROM e")
	for _, tc := range []struct {
		stmt, data, code, msg, where string
	}{
		{"COPY e FROM STDIN", "1\t2\n3\t4\n5\tx\n", "22P02", `invalid input syntax for type integer: "x"`, `COPY e, line 3, column b: "x"`},
		{"COPY e FROM STDIN", "1\t2\n3\n", "22P04", `missing data for column "b"`, `COPY e, line 2: "3"`},
		{"COPY e FROM STDIN", "1\t2\t3\n", "22P04", "extra data after last expected column", `COPY e, line 1: "1	2	3"`},
		{"COPY e FROM STDIN (FORMAT csv)", "1,99999999999\n", "22003", `value "99999999999" is out of range for type integer`, `COPY e, line 1, column b: "99999999999"`},
		{"COPY e FROM STDIN (FORMAT csv)", "1,\"2\n", "22P04", "unterminated CSV quoted field", `COPY e, line 1: "1,"2"`},
		{"COPY e FROM STDIN (FORMAT csv, HEADER match)", "a,c\n1,2\n", "22P04", `column name mismatch in header line field 2: got "c", expected "b"`, `COPY e, line 1: "a,c"`},
		{"COPY e FROM STDIN (FORMAT csv)", "1,2\n1,\n", "23502", `null value in column "b" of relation "e" violates not-null constraint`, `COPY e, line 2: "1,"`},
		{"COPY e FROM STDIN (FORMAT xml)", "", "22023", `COPY format "xml" not recognized`, ""},
		{"COPY nope FROM STDIN", "", "42P01", `relation "nope" does not exist`, ""},
		{"COPY e_n FROM STDIN", "", "42809", `cannot copy to materialized view "e_n"`, ""},
	} {
		_, err := copyIn(t, conn, tc.stmt, tc.data)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != tc.code || pe.Message != tc.msg || pe.Where != tc.where {
			t.Errorf("%s with %q: %#v, want %s %q CONTEXT %q", tc.stmt, tc.data, err, tc.code, tc.msg, tc.where)
		}
	}
	if got := queryText(t, conn, "SELECT count(*) FROM e"); !reflect.DeepEqual(got, []string{"0"}) {
		t.Fatalf("failed COPYs stored rows: %v", got)
	}
	// The connection still works after the failures.
	if n, err := copyIn(t, conn, "COPY e FROM STDIN", "1\t2\n"); err != nil || n != 1 {
		t.Fatalf("COPY after failures: %d, %v", n, err)
	}

	ctx := context.Background()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := copyIn(t, conn, "COPY e FROM STDIN", "10\t20\n11\t21\n"); err != nil || n != 2 {
		t.Fatalf("COPY in a block: %d, %v", n, err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryText(t, conn, "SELECT count(*) FROM e"); !reflect.DeepEqual(got, []string{"1"}) {
		t.Fatalf("after ROLLBACK: %v", got)
	}
	tx, err = conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := copyIn(t, conn, "COPY e FROM STDIN", "10\t20\n11\t21\n"); err != nil || n != 2 {
		t.Fatalf("COPY in a block: %d, %v", n, err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := queryText(t, conn, "SELECT sum(a) FROM e"); !reflect.DeepEqual(got, []string{"22"}) {
		t.Fatalf("after COMMIT: %v", got)
	}
}

// TestCopyToStdout writes a table and a query with COPY TO STDOUT in the
// text and CSV formats, values as Postgres prints them.
func TestCopyToStdout(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE o (id INT PRIMARY KEY, name TEXT, d DATE, x NUMERIC(6,2))")
	mustExec(t, conn, "INSERT INTO o VALUES (1, 'tab\there', DATE '2024-02-29', 1.5), (2, NULL, NULL, NULL), (3, 'a,\"b\"', DATE '2000-01-01', -3)")
	data, tag := copyOut(t, conn, "COPY (SELECT * FROM o ORDER BY id) TO STDOUT")
	if want := "1\ttab\\there\t2024-02-29\t1.50\n2\t\\N\t\\N\t\\N\n3\ta,\"b\"\t2000-01-01\t-3.00\n"; data != want || tag != "COPY 3" {
		t.Fatalf("text: %q %s, want %q", data, tag, want)
	}
	data, tag = copyOut(t, conn, "COPY (SELECT id, name FROM o ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)")
	if want := "id,name\n1,tab\there\n2,\n3,\"a,\"\"b\"\"\"\n"; data != want || tag != "COPY 3" {
		t.Fatalf("csv: %q %s, want %q", data, tag, want)
	}
	data, _ = copyOut(t, conn, "COPY o (id) TO STDOUT")
	lines := strings.Fields(data)
	if len(lines) != 3 {
		t.Fatalf("COPY o (id): %q", data)
	}
}

// TestCopyPsql runs COPY FROM STDIN from a psql script and psql's \copy
// both ways.
func TestCopyPsql(t *testing.T) {
	path, err := osexec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	ts := startServer(t, memoryConfig())
	pc, err := pgx.ParseConfig(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("id,name\n3,three\n4,\"fo,ur\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	script := "CREATE TABLE p (id INT, name TEXT);\n" +
		"COPY p FROM STDIN;\n1\tone\n2\t\\N\n\\.\n" +
		`\copy p from '` + in + `' with (format csv, header)` + "\n" +
		`\copy (SELECT * FROM p ORDER BY id) to '` + out + `' with csv header` + "\n"
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, path, "-X", "-v", "ON_ERROR_STOP=1", "-h", pc.Host, "-p", strconv.Itoa(int(pc.Port)), "-U", "weir", "-d", "weir")
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PAGER=")
	cmd.Stdin = strings.NewReader(script)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, buf.String())
	}
	if want := "CREATE TABLE\nCOPY 2\nCOPY 2\nCOPY 4\n"; buf.String() != want {
		t.Errorf("psql printed %q, want %q", buf.String(), want)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "id,name\n1,one\n2,\n3,three\n4,\"fo,ur\"\n"; string(got) != want {
		t.Errorf("\\copy to wrote %q, want %q", got, want)
	}
}

// BenchmarkCopyFromStdin loads 1 M narrow rows (two integers and a short
// text) into a table with a materialized view over it, with one COPY FROM
// STDIN per iteration, and reports rows/s:
//
//	go test -tags duckdb_arrow -run '^$' -bench CopyFromStdin -benchtime 3x .
func BenchmarkCopyFromStdin(b *testing.B) {
	const rows = 1_000_000
	var data bytes.Buffer
	for i := range rows {
		data.WriteString(strconv.Itoa(i))
		data.WriteByte('\t')
		data.WriteString(strconv.Itoa(i % 1000))
		data.WriteString("\tname\n")
	}
	ts := startServer(b, memoryConfig())
	conn := connect(b, ts.dsn)
	mustExec(b, conn, "CREATE TABLE bulk (id BIGINT, k INT, name TEXT)")
	mustExec(b, conn, "CREATE MATERIALIZED VIEW bulk_n AS SELECT k, count(*) AS n FROM bulk GROUP BY k")
	ctx := context.Background()
	cpu0 := processCPU(b)
	b.ResetTimer()
	for range b.N {
		tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data.Bytes()), "COPY bulk FROM STDIN")
		if err != nil || tag.RowsAffected() != rows {
			b.Fatalf("%v %v", tag, err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
	// The machine may be shared: rows per second of the process's CPU
	// time (server and client) says what a core does.
	b.ReportMetric(float64(rows*b.N)/(processCPU(b)-cpu0).Seconds(), "rows/cpu-s")
}

// processCPU returns the CPU time the process has used (user and system).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestCopyFromPgx loads rows with pgx's CopyFrom, which sends COPY … FROM
// STDIN BINARY: integers, text, floats, booleans, dates, timestamps,
// numerics and NULLs, then reads them back with COPY … TO STDOUT BINARY
// through pgconn and as text.
func TestCopyFromPgx(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE px (id BIGINT PRIMARY KEY, name TEXT, f DOUBLE PRECISION, ok BOOLEAN, d DATE, ts TIMESTAMP, n NUMERIC(8,3), small SMALLINT)")
	ctx := context.Background()
	day := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	src := [][]any{
		{int64(1), "tab\there", 1.25, true, day, day.Add(90 * time.Minute), "12.5", int16(-3)},
		{int64(2), nil, nil, nil, nil, nil, nil, nil},
		{int64(3), `back\slash "q"`, -0.5, false, day.AddDate(-30, 0, 0), day.Add(-time.Second), "-0.001", int16(7)},
	}
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"px"}, []string{"id", "name", "f", "ok", "d", "ts", "n", "small"}, pgx.CopyFromRows(src))
	if err != nil || n != 3 {
		t.Fatalf("CopyFrom: %d, %v", n, err)
	}
	got := queryText(t, conn, "SELECT id, coalesce(name, 'NULL'), coalesce(f::text, 'NULL'), coalesce(ok::text, 'NULL'), coalesce(d::text, 'NULL'), coalesce(ts::text, 'NULL'), coalesce(n::text, 'NULL'), coalesce(small::text, 'NULL') FROM px ORDER BY id")
	want := []string{
		"1 tab\there 1.25 true 2024-02-29 2024-02-29 01:30:00 12.500 -3",
		"2 NULL NULL NULL NULL NULL NULL NULL",
		`3 back\slash "q" -0.5 false 1994-03-01 2024-02-28 23:59:59 -0.001 7`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows:\n%q\nwant:\n%q", got, want)
	}
	// A duplicate key fails the whole binary COPY.
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"px"}, []string{"id"}, pgx.CopyFromRows([][]any{{int64(4)}, {int64(1)}}))
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "23505" {
		t.Fatalf("duplicate key: %v", err)
	}
	// Binary out: the signature, three tuples of one column, the trailer.
	data, tag := copyOut(t, conn, "COPY (SELECT id FROM px ORDER BY id) TO STDOUT (FORMAT binary)")
	wantBin := "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00\x00\x00\x00\x00"
	for i := 1; i <= 3; i++ {
		wantBin += "\x00\x01\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00" + string(rune(i))
	}
	wantBin += "\xff\xff"
	if data != wantBin || tag != "COPY 3" {
		t.Fatalf("binary out: %q %s", data, tag)
	}
	// And back in through pgconn: a binary COPY of what COPY TO wrote.
	mustExec(t, conn, "CREATE TABLE px2 (id BIGINT)")
	if n, err := copyIn(t, conn, "COPY px2 FROM STDIN WITH (FORMAT binary)", data); err != nil || n != 3 {
		t.Fatalf("binary in: %d, %v", n, err)
	}
	// The same data a byte per CopyData message: tuples span messages.
	tag2, err := conn.PgConn().CopyFrom(ctx, iotest.OneByteReader(strings.NewReader(data)), "COPY px2 FROM STDIN WITH (FORMAT binary)")
	if err != nil || tag2.RowsAffected() != 3 {
		t.Fatalf("binary in, a byte at a time: %v, %v", tag2, err)
	}
	if got := queryText(t, conn, "SELECT sum(id) FROM px2"); !reflect.DeepEqual(got, []string{"12"}) {
		t.Fatalf("px2: %v", got)
	}
	// A truncated binary COPY fails whole.
	_, err = copyIn(t, conn, "COPY px2 FROM STDIN WITH (FORMAT binary)", data[:len(data)-5])
	if !errors.As(err, &pe) || pe.Code != "22P04" {
		t.Fatalf("truncated binary COPY: %v", err)
	}
}

// TestCopyExtendedProtocol runs COPY FROM STDIN and COPY TO STDOUT as
// Parse, Bind, Execute and Sync, as drivers that prepare every statement
// send them.
func TestCopyExtendedProtocol(t *testing.T) {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE xp (a INT, b TEXT)")
	pc, err := pgx.ParseConfig(ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	nc, err := net.Dial("tcp", net.JoinHostPort(pc.Host, strconv.Itoa(int(pc.Port))))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	// receive reads messages up to ReadyForQuery and names their types.
	receive := func() []string {
		var got []string
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.ReadyForQuery:
				return got
			case *pgproto3.CommandComplete:
				got = append(got, "CommandComplete "+string(m.CommandTag))
			case *pgproto3.CopyData:
				got = append(got, "CopyData "+string(m.Data))
			case *pgproto3.ErrorResponse:
				got = append(got, "Error "+m.Message)
			case *pgproto3.CopyInResponse:
				got = append(got, "CopyInResponse")
				fe.Send(&pgproto3.CopyData{Data: []byte("1\tone\n2\t")})
				fe.Send(&pgproto3.CopyData{Data: []byte("two\n")})
				fe.Send(&pgproto3.CopyDone{})
				fe.Send(&pgproto3.Sync{}) // after the data, as libpq and pgx send it
				if err := fe.Flush(); err != nil {
					t.Fatal(err)
				}
			default:
				got = append(got, strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3."))
			}
		}
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "weir", "database": "weir"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	receive()
	for _, tc := range []struct {
		stmt string
		want []string
	}{
		{"COPY xp FROM STDIN", []string{"ParseComplete", "BindComplete", "CopyInResponse", "CommandComplete COPY 2"}},
		{"COPY (SELECT * FROM xp ORDER BY a) TO STDOUT (FORMAT csv)", []string{"ParseComplete", "BindComplete", "CopyOutResponse", "CopyData 1,one\n", "CopyData 2,two\n", "CopyDone", "CommandComplete COPY 2"}},
	} {
		fe.Send(&pgproto3.Parse{Query: tc.stmt})
		fe.Send(&pgproto3.Bind{})
		fe.Send(&pgproto3.Execute{})
		if strings.Contains(tc.stmt, "STDIN") {
			fe.Send(&pgproto3.Flush{})
		} else {
			fe.Send(&pgproto3.Sync{})
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := receive(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.stmt, got, tc.want)
		}
	}
}
