package sql

import (
	"errors"
	"testing"
)

// FuzzParse checks that the parser never panics, that its errors are
// *Error with a position inside the text, and that every statement it
// accepts prints to SQL that parses back to an equal AST and prints the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT a, count(*) AS n FROM t WHERE x > 1 GROUP BY a HAVING sum(b) > 2 ORDER BY n DESC NULLS LAST LIMIT 5 OFFSET 2",
		"CREATE STREAM IF NOT EXISTS s (id BIGINT NOT NULL PRIMARY KEY, v NUMERIC(10,2)) INCLUDE key AS k WITH (connector = 'kafka', scan.startup.mode = earliest, n = -1)",
		"CREATE TABLE t (a INT, b VARCHAR(20), PRIMARY KEY (a)) WITH (x = 1)",
		"CREATE MATERIALIZED VIEW v AS SELECT t.*, x::DOUBLE PRECISION FROM t LEFT JOIN u USING (id) CROSS JOIN (SELECT 1) AS s",
		"DROP MATERIALIZED VIEW IF EXISTS v CASCADE; SHOW TABLES; SHOW CREATE TABLE t; DESC t; FLUSH",
		"INSERT INTO t (a, b) VALUES (1, 'x'), ($1, E'a\\nb'); UPDATE t SET a = a + 1 WHERE b IS NOT NULL; DELETE FROM t",
		"SET TIME ZONE 'UTC'; SET search_path TO public, \"$user\"; BEGIN; COMMIT; ROLLBACK; START TRANSACTION READ ONLY",
		"SELECT CASE WHEN a THEN 1 ELSE -2 END, CAST(b AS TIMESTAMP WITH TIME ZONE), DATE '2024-01-01', INTERVAL '1 day' FROM t",
		"SELECT NOT a = b IS NULL, a BETWEEN 1 AND 2 = true, x NOT IN (1, 2), y ILIKE 'a%' || 'b', - -1 FROM t",
		"SELECT \"Quoted\"\"Name\", left(s, 2), current_date, extract(year FROM ts) FROM \"T\" /* c /* nested */ */ -- line",
		"EXPLAIN SELECT (SELECT max(x) FROM t) FETCH FIRST 3 ROWS ONLY",
		"select 1.5e10, .5, 1., 'it''s'",
		"(SELECT a FROM t ORDER BY a LIMIT 1) UNION ALL SELECT b FROM u INTERSECT (SELECT 1 EXCEPT SELECT 2) ORDER BY 1 LIMIT 2; SELECT * FROM ((SELECT 1) UNION DISTINCT SELECT 2) AS s WHERE x IN ((SELECT 1) EXCEPT ALL SELECT 2)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		stmts, err := Parse(text)
		if err != nil {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error is not *Error: %T %v", err, err)
			}
			if se.Pos < 0 || int(se.Pos) > len(text) {
				t.Fatalf("error position %d outside text of length %d", se.Pos, len(text))
			}
			return
		}
		spans, err := StatementSpans(text)
		if err != nil || len(spans) != len(stmts) {
			t.Fatalf("StatementSpans disagrees with Parse: %v %v", spans, err)
		}
		for _, s := range stmts {
			if err := roundTrip(s); err != nil {
				t.Fatal(err)
			}
		}
	})
}
