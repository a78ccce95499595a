package weir_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestSetOperationParams: over the extended protocol, a set operation's
// parameters are typed as Postgres types them (a bare $n in a branch takes
// the other side's type), described so, and bound as values, whether weir's
// operators run the query (UNION ALL) or DuckDB does.
func TestSetOperationParams(t *testing.T) {
	ts := startServer(t, memoryConfig())
	ctx := context.Background()
	conn := connect(t, ts.dsn)
	mustExec(t, conn, "CREATE TABLE a (id INT PRIMARY KEY, x BIGINT)")
	mustExec(t, conn, "INSERT INTO a VALUES (1, 10), (2, 20), (3, 20)")
	for _, c := range []struct {
		q    string
		args []any
		oids []uint32 // the parameter types the server describes
		want string
	}{
		{"SELECT $1 UNION ALL SELECT x FROM a ORDER BY 1", []any{int64(5)}, []uint32{20}, "5 10 20 20"},
		{"SELECT x FROM a WHERE id > $1 UNION SELECT $2 ORDER BY 1 DESC", []any{int32(1), int64(7)}, []uint32{23, 20}, "20 7"},
		{"SELECT x FROM a INTERSECT ALL SELECT $1 UNION ALL SELECT $1", []any{int64(20)}, []uint32{20}, "20 20"},
		{"SELECT $1 UNION SELECT $2 ORDER BY 1", []any{"b", "a"}, []uint32{1043, 1043}, "a b"},
	} {
		sd, err := conn.Prepare(ctx, "", c.q)
		if err != nil {
			t.Errorf("Prepare(%q): %v", c.q, err)
			continue
		}
		if len(sd.ParamOIDs) != len(c.oids) {
			t.Errorf("%q: parameter types %v, want %v", c.q, sd.ParamOIDs, c.oids)
			continue
		}
		for i, oid := range sd.ParamOIDs {
			if oid != c.oids[i] {
				t.Errorf("%q: parameter types %v, want %v", c.q, sd.ParamOIDs, c.oids)
				break
			}
		}
		rows, err := conn.Query(ctx, c.q, c.args...)
		if err != nil {
			t.Errorf("Query(%q): %v", c.q, err)
			continue
		}
		vals, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
			var v any
			err := r.Scan(&v)
			return fmt.Sprint(v), err
		})
		if err != nil {
			t.Errorf("Query(%q): %v", c.q, err)
			continue
		}
		if got := strings.Join(vals, " "); got != c.want {
			t.Errorf("%q: got %q, want %q", c.q, got, c.want)
		}
	}
}
