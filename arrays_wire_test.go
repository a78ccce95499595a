//go:build duckdb_arrow

package weir_test

import (
	"bytes"
	"context"
	"os"
	osexec "os/exec"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestArraysPgx reads and writes array columns with pgx, which sends and
// reads arrays in Postgres' binary format under the extended protocol and
// in the text format under the simple one: []int32, []string and []*string
// (NULL elements) both ways, the array type OIDs, and an array parameter.
func TestArraysPgx(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE arr (id INT PRIMARY KEY, nums INT[], tags TEXT[], big BIGINT[])")
	// Parameters: pgx encodes Go slices as binary arrays.
	if _, err := conn.Exec(ctx, "INSERT INTO arr VALUES ($1, $2, $3, $4)", 1, []int32{3, -1, 7}, []string{"a", "b c", `q"\`, ""}, []int64{1 << 40}); err != nil {
		t.Fatal(err)
	}
	a, b := "x", "NULL"
	if _, err := conn.Exec(ctx, "INSERT INTO arr VALUES ($1, $2, $3, NULL)", 2, []int32{}, []*string{&a, nil, &b}); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "FLUSH")

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
		rows, err := conn.Query(ctx, "SELECT nums, tags, big, (regexp_match('k=v', '(\\w)=(\\w)'))[1:2] FROM arr ORDER BY id", mode)
		if err != nil {
			t.Fatal(err)
		}
		var got [][]any
		for rows.Next() {
			var nums []int32
			var tags []*string
			var big []int64
			var groups []string
			if err := rows.Scan(&nums, &tags, &big, &groups); err != nil {
				t.Fatalf("mode %v: %v", mode, err)
			}
			var texts []any
			for _, s := range tags {
				if s == nil {
					texts = append(texts, nil)
				} else {
					texts = append(texts, *s)
				}
			}
			got = append(got, []any{nums, texts, big, groups})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		oids := []uint32{}
		for _, f := range rows.FieldDescriptions() {
			oids = append(oids, f.DataTypeOID)
		}
		want := [][]any{
			{[]int32{3, -1, 7}, []any{"a", "b c", `q"\`, ""}, []int64{1 << 40}, []string{"k", "v"}},
			{[]int32{}, []any{"x", nil, "NULL"}, []int64(nil), []string{"k", "v"}},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("mode %v: got %v, want %v", mode, got, want)
		}
		if want := []uint32{1007, 1009, 1016, 1009}; !reflect.DeepEqual(oids, want) {
			t.Errorf("mode %v: OIDs %v, want %v", mode, oids, want)
		}
	}
	var n int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM arr WHERE $1 = ANY (tags)", "b c").Scan(&n); err != nil || n != 1 {
		t.Errorf("= ANY with a parameter: %d, %v", n, err)
	}
	// Column names as Postgres gives them.
	rows, err := conn.Query(ctx, "SELECT '{1}'::int[], ARRAY[id], tags[1], (regexp_match('a', 'a'))[1] FROM arr")
	if err != nil {
		t.Fatal(err)
	}
	rows.Close()
	var names []string
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
	}
	if want := []string{"int4", "array", "tags", "regexp_match"}; !reflect.DeepEqual(names, want) {
		t.Errorf("column names %q, want %q", names, want)
	}
}

// TestArraysPsql checks what psql shows of arrays: Postgres' text format.
func TestArraysPsql(t *testing.T) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := osexec.CommandContext(ctx, path, "-X", "-h", pc.Host, "-p", strconv.Itoa(int(pc.Port)), "-U", "weir", "-d", "weir", "-c",
		`SELECT ARRAY[1, NULL, 3] AS a, ARRAY['x y', 'z', ''] AS b, string_to_array('p/q', '/') AS c`)
	cmd.Env = append(os.Environ(), "PGSSLMODE=disable", "PAGER=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	want := `     a      |      b       |   c   
------------+--------------+-------
 {1,NULL,3} | {"x y",z,""} | {p,q}
(1 row)

`
	if out.String() != want {
		t.Errorf("psql shows:\n%s\nwant:\n%s", out.String(), want)
	}
}
