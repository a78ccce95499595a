package weir_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/weir-stream/weir"
)

// FuzzSession feeds arbitrary statements to a live session (parser, binder,
// planner, execution in weir's operators and in DuckDB). Errors are fine; a
// panic, a hang or a session that stops answering is not. Statements naming
// connectors or sinks are skipped: they would reach files and networks.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"SELECT 1+2*3, 'a' || 'b', NULL IS NULL, CAST('1' AS INT)",
		"CREATE TABLE t (a INT PRIMARY KEY, b VARCHAR, c DOUBLE PRECISION)",
		"INSERT INTO t VALUES (1, 'x', 1.5), (2, NULL, -0.0)",
		"UPDATE t SET b = b || '!' WHERE a > 0; DELETE FROM t WHERE c IS NULL",
		"SELECT a, count(*) FROM t GROUP BY a HAVING sum(c) > 1 ORDER BY 2 DESC LIMIT 3",
		"SELECT * FROM t x JOIN t y ON x.a = y.a WHERE x.b LIKE '%x_'",
		"CREATE MATERIALIZED VIEW v AS SELECT b, sum(c) AS s FROM t GROUP BY b",
		"SELECT (SELECT max(a) FROM t), CASE WHEN a % 2 = 0 THEN 'even' END FROM t",
		"SET statement_timeout = '50ms'; SHOW ALL; RESET ALL",
		"SELECT 1/0; SELECT 'abc'::varchar(2); SELECT date '2024-02-30'",
		"FLUSH; SHOW TABLES; DESCRIBE t; EXPLAIN SELECT * FROM t",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	eng, err := weir.Open(ctx, memoryConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { eng.Close(ctx) })
	sess, err := eng.NewSession(ctx, "fuzz", "weir")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		lower := strings.ToLower(text)
		if strings.Contains(lower, "connector") || strings.Contains(lower, "sink") || strings.Contains(lower, "user") ||
			strings.Contains(lower, "role") || strings.Contains(lower, "grant") {
			return
		}
		qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = sess.Exec(qctx, text)
		}()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("statement did not end: %q", text)
		}
		// The session still answers.
		if err := sess.Exec(ctx, "SELECT 1"); err != nil && !strings.Contains(err.Error(), "transaction") {
			t.Fatalf("after %q: SELECT 1 fails: %v", text, err)
		}
	})
}
