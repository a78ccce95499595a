package weir_test

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver, the oracle's engine
	"github.com/jackc/pgx/v5"
)

var (
	oracleSeed   = flag.Uint64("oracle.seed", 0, "seed of TestOracle's generator; 0 picks one from the clock")
	oracleRounds = flag.Int("oracle.rounds", 20, "number of random tables TestOracle generates")
)

// TestOracle creates random tables and random GROUP BY materialized views,
// changes the tables with INSERT, UPDATE and DELETE, and checks after each
// FLUSH that every view holds what DuckDB computes for the same query over the
// same rows. The same statements run on both sides; the tables themselves
// are compared too, so a difference in DML shows up as such and not as a
// wrong view. A failure prints the seed (replay with -oracle.seed) and the
// statements of the failing round.
func TestOracle(t *testing.T) {
	runOracleRounds(t, "TestOracle", 20261122, 0x9e3779b97f4a7c15, *oracleRounds, (*oracle).runRound)
}

// runOracleRounds runs rounds random rounds of the test called name against
// one oracle, each generated from one random sequence: under CI its fixed
// seed ciSeed, so a landing never depends on luck; else -oracle.seed, or a
// new seed each run, to explore. salt gives each test a sequence of its own.
// A failure prints how to replay it.
func runOracleRounds(t *testing.T, name string, ciSeed, salt uint64, rounds int, round func(*oracle, *oracleGen)) {
	seed := *oracleSeed
	switch {
	case seed != 0:
	case os.Getenv("CI") == "true":
		seed = ciSeed
	default:
		seed = uint64(time.Now().UnixNano())
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replay with: go test -tags duckdb_arrow -run '%s$' -oracle.seed=%d -oracle.rounds=%d .", name, seed, *oracleRounds)
		}
	})
	o := newOracle(t)
	rng := rand.New(rand.NewPCG(seed, seed^salt))
	for i := range rounds {
		round(o, &oracleGen{rng: rng, round: i})
		if t.Failed() {
			return
		}
	}
	t.Logf("seed %d: %d rounds, %d comparisons over %d rows", seed, rounds, o.checks, o.rows)
}

// exactKey returns a column of g's table that compares exactly (no
// floats) to join or correlate on, drawn more often when it has few
// distinct values; false when the table has none.
func exactKey(g *oracleGen) (string, bool) {
	var keys []string
	for _, c := range g.cols {
		switch c.kind {
		case colSmallint, colInt, colBigint, colVarchar, colBool, colDate, colNumeric:
			keys = append(keys, c.name)
			if c.pool != nil {
				keys = append(keys, c.name, c.name)
			}
		}
	}
	if len(keys) == 0 {
		return "", false
	}
	return keys[g.rng.IntN(len(keys))], true
}

// twinTables creates tables a and b on both sides, both with the columns of
// ddl (ga's table a), and returns the generator of b's rows: ga's columns,
// keys of its own.
func (o *oracle) twinTables(ga *oracleGen, a, b, ddl string) *oracleGen {
	o.both(ddl)
	o.both(strings.Replace(ddl, "CREATE TABLE "+a+" ", "CREATE TABLE "+b+" ", 1))
	return &oracleGen{rng: ga.rng, round: ga.round, cols: ga.cols, noKey: ga.noKey, next: 1 << 20}
}

// dropTables drops tables (and what reads them) on both sides.
func (o *oracle) dropTables(tables ...string) {
	for _, t := range tables {
		o.weir("DROP TABLE " + t + " CASCADE")
		o.duck("DROP TABLE " + t)
	}
}

// oracleCase is one hand-written scenario: statements run on both weir and
// DuckDB, and the views are compared after every "FLUSH".
type oracleCase struct {
	name  string
	table string   // CREATE TABLE t (...), in weir's spelling
	views []string // SELECTs over t; view i is named v<i>
	// steps are statements run on both sides in order; "FLUSH" compares
	// every view, and "VIEW <i>" creates view i at that point (views not
	// named by a step are created before the first step).
	steps []string
}

// TestOracleCases runs edge cases the random generator reaches rarely
// against the same DuckDB oracle.
func TestOracleCases(t *testing.T) {
	const sales = `CREATE TABLE t (id BIGINT PRIMARY KEY, g VARCHAR, h INT, x INT, y DOUBLE PRECISION, z NUMERIC(8,2), d DATE, ts TIMESTAMP)`
	cases := []oracleCase{{
		name:  "all rows of a group deleted",
		table: sales,
		views: []string{
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2, min(y) AS min_3, avg(z) AS avg_4 FROM t GROUP BY g`,
			`SELECT count(*) AS count_0, sum(x) AS sum_1, max(d) AS max_2 FROM t`,
		},
		steps: []string{
			`INSERT INTO t (id, g, x, y, z, d) VALUES (1, 'a', 1, 1.5, 1.25, '2024-01-01'), (2, 'a', 2, 2.5, 2.50, '2024-01-02'), (3, 'b', 3, 3.5, 3.75, '2024-01-03')`,
			`FLUSH`,
			`DELETE FROM t WHERE g = 'a'`,
			`FLUSH`,
			`DELETE FROM t`,
			`FLUSH`,
			`INSERT INTO t (id, g, x) VALUES (1, 'a', 10)`,
			`FLUSH`,
		},
	}, {
		name:  "min and max after deleting the current extreme",
		table: sales,
		views: []string{
			`SELECT g AS k0, min(x) AS min_1, max(x) AS max_2, min(g) AS min_3, max(ts) AS max_4, min(z) AS min_5 FROM t GROUP BY g`,
		},
		steps: []string{
			`INSERT INTO t (id, g, x, z, ts) VALUES (1, 'a', 5, 1.00, '2024-01-01 00:00:00'), (2, 'a', 1, 0.50, '2024-01-02 00:00:00'), (3, 'a', 9, 2.00, '2024-01-03 00:00:00'), (4, 'a', 1, 0.50, '2024-01-01 12:00:00')`,
			`FLUSH`,
			`DELETE FROM t WHERE id = 2`, // one of two copies of the minimum
			`FLUSH`,
			`DELETE FROM t WHERE id = 4`, // the last copy of the minimum
			`DELETE FROM t WHERE id = 3`, // the maximum
			`FLUSH`,
			`UPDATE t SET x = 0 WHERE id = 1`, // the extreme moves down in place
			`FLUSH`,
			`UPDATE t SET x = NULL, z = NULL, ts = NULL WHERE id = 1`, // only NULLs left
			`FLUSH`,
		},
	}, {
		name:  "updates moving rows between groups",
		table: sales,
		views: []string{
			`SELECT g AS k0, h AS k1, count(*) AS count_2, count(x) AS count_3, sum(x) AS sum_4, max(x) AS max_5 FROM t GROUP BY g, h`,
			`SELECT h % 2 AS k0, sum(y) AS sum_1, avg(x) AS avg_2 FROM t WHERE x > 0 GROUP BY h % 2`,
		},
		steps: []string{
			`INSERT INTO t (id, g, h, x, y) VALUES (1, 'a', 1, 1, 0.1), (2, 'a', 2, 2, 0.2), (3, 'b', 1, 3, 0.3), (4, 'b', 2, -4, 0.4)`,
			`FLUSH`,
			`UPDATE t SET g = 'b' WHERE id = 1`,
			`UPDATE t SET h = 2, x = 5 WHERE id = 3`,
			`FLUSH`,
			`UPDATE t SET x = 7 WHERE id = 4`,  // enters the WHERE of v1
			`UPDATE t SET x = -1 WHERE id = 2`, // leaves it
			`FLUSH`,
			`UPDATE t SET g = 'c', h = 3`, // every row to one new group
			`FLUSH`,
		},
	}, {
		name:  "NULL group keys",
		table: sales,
		views: []string{
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2 FROM t GROUP BY g`,
			`SELECT g AS k0, h AS k1, count(*) AS count_2 FROM t GROUP BY g, h`,
			`SELECT d AS k0, ts AS k1, count(y) AS count_2, sum(y) AS sum_3 FROM t GROUP BY d, ts`,
		},
		steps: []string{
			`INSERT INTO t (id, g, h, x, y) VALUES (1, NULL, NULL, 1, 1), (2, NULL, 1, 2, NULL), (3, 'a', NULL, 3, 3), (4, NULL, NULL, 4, 4)`,
			`FLUSH`,
			`UPDATE t SET g = 'a' WHERE id = 1`,
			`UPDATE t SET g = NULL WHERE id = 3`,
			`FLUSH`,
			`DELETE FROM t WHERE g IS NULL`,
			`FLUSH`,
		},
	}, {
		name:  "sum over an all-NULL column",
		table: sales,
		views: []string{
			`SELECT g AS k0, sum(x) AS sum_1, sum(y) AS sum_2, sum(z) AS sum_3, avg(x) AS avg_4, avg(z) AS avg_5, min(d) AS min_6, count(x) AS count_7 FROM t GROUP BY g`,
			`SELECT sum(x) AS sum_0, avg(y) AS avg_1, max(z) AS max_2 FROM t`,
		},
		steps: []string{
			`INSERT INTO t (id, g) VALUES (1, 'a'), (2, 'a'), (3, 'b')`,
			`FLUSH`,
			`UPDATE t SET x = 1, y = 1, z = 1 WHERE id = 1`,
			`FLUSH`,
			`UPDATE t SET x = NULL, y = NULL, z = NULL WHERE id = 1`, // back to all-NULL: NULL, not 0
			`FLUSH`,
		},
	}, {
		name:  "views created after the rows (backfill) agree with views created before",
		table: sales,
		views: []string{
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2, min(x) AS min_3 FROM t GROUP BY g`,
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2, min(x) AS min_3 FROM t GROUP BY g`,
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2, min(x) AS min_3 FROM t GROUP BY g`,
		},
		steps: []string{
			`INSERT INTO t (id, g, x) VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3)`,
			`DELETE FROM t WHERE id = 1`,
			`VIEW 1`, // before the FLUSH: the backfill must see the committed rows only once
			`FLUSH`,
			`UPDATE t SET x = 10 WHERE id = 2`,
			`VIEW 2`,
			`DELETE FROM t WHERE id = 3`,
			`FLUSH`,
		},
	}, {
		name:  "HAVING lets groups enter and leave",
		table: sales,
		views: []string{
			`SELECT g AS k0, count(*) AS count_1, sum(x) AS sum_2 FROM t GROUP BY g HAVING count(*) >= 2`,
		},
		steps: []string{
			`INSERT INTO t (id, g, x) VALUES (1, 'a', 1), (2, 'a', 2), (3, 'b', 3)`,
			`FLUSH`,
			`INSERT INTO t (id, g, x) VALUES (4, 'b', 4)`,
			`DELETE FROM t WHERE id = 1`,
			`FLUSH`,
		},
	}, {
		name:  "float sums after retractions",
		table: sales,
		views: []string{
			`SELECT g AS k0, sum(y) AS sum_1, avg(y) AS avg_2, count(y) AS count_3 FROM t GROUP BY g`,
		},
		steps: []string{
			// 1e15 here instead of 1e3 makes the incremental sum lose the
			// small values (0.15 for 0.2) when 1e15 is retracted.
			`INSERT INTO t (id, g, y) VALUES (1, 'a', 0.1), (2, 'a', 0.2), (3, 'a', 1e3), (4, 'b', 0.3)`,
			`FLUSH`,
			`DELETE FROM t WHERE id IN (1, 3)`,
			`FLUSH`,
			`UPDATE t SET y = 0 WHERE id = 2`,
			`FLUSH`,
		},
	}}
	o := newOracle(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o.t = t
			o.runCase(c)
		})
	}
}

// oracle runs statements on one weir engine (over the Postgres protocol) and
// on one DuckDB database, and compares relations between them. It is used by
// one test goroutine.
type oracle struct {
	t    *testing.T
	conn *pgx.Conn
	db   *sql.DB
	// log holds the statements of the current round, for failure reports;
	// logged is set once they have been printed.
	log    []string
	logged bool
	// checks and rows count the comparisons made and the rows they covered.
	checks, rows int
	// views counts the views made; it picks each grouping view's
	// parallelism (1 to 4 in turn), so both the single-instance and the
	// exchange paths face every query shape.
	views int
}

func newOracle(t *testing.T) *oracle {
	ts := startServer(t, memoryConfig())
	conn := connect(t, ts.dsn)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatalf("open duckdb: %v", err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return &oracle{t: t, conn: conn, db: db}
}

// both runs stmt on weir and on DuckDB and fails the test when either fails
// or when they report different numbers of affected rows.
func (o *oracle) both(stmt string) {
	o.t.Helper()
	o.log = append(o.log, stmt+";")
	ctx, cancel := stmtContext()
	defer cancel()
	tag, err := o.conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		o.fail("weir: %s: %v", stmt, err)
		return
	}
	res, err := o.db.ExecContext(ctx, duckSQL(stmt))
	if err != nil {
		o.fail("duckdb: %s: %v", stmt, err)
		return
	}
	if tag.Insert() || tag.Update() || tag.Delete() {
		n, err := res.RowsAffected()
		if err == nil && n != tag.RowsAffected() {
			o.fail("%s: weir affected %d rows, duckdb %d", stmt, tag.RowsAffected(), n)
		}
	}
}

// weir runs stmt on weir only (CREATE MATERIALIZED VIEW, FLUSH, DROP).
func (o *oracle) weir(stmt string) {
	o.t.Helper()
	o.log = append(o.log, stmt+";")
	ctx, cancel := stmtContext()
	defer cancel()
	if _, err := o.conn.Exec(ctx, stmt, pgx.QueryExecModeSimpleProtocol); err != nil {
		o.fail("weir: %s: %v", stmt, err)
	}
}

// duck runs stmt on DuckDB only.
func (o *oracle) duck(stmt string) {
	o.t.Helper()
	if _, err := o.db.ExecContext(context.Background(), stmt); err != nil {
		o.fail("duckdb: %s: %v", stmt, err)
	}
}

// stmtTimeout bounds each statement sent to weir, so that a statement that
// never returns (a FLUSH that waits forever) fails the test with its seed and
// statements instead of hanging it.
const stmtTimeout = 20 * time.Second

func stmtContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), stmtTimeout)
}

// fail reports a failure, the first of a round with the statements that led
// to it.
func (o *oracle) fail(format string, args ...any) {
	o.t.Helper()
	if o.logged {
		o.t.Errorf(format, args...)
		return
	}
	o.logged = true
	o.t.Errorf(format+"\nstatements so far:\n%s", append(args, strings.Join(o.log, "\n"))...)
}

// duckSQL rewrites weir DDL for DuckDB: the primary key is dropped (DuckDB's
// index would refuse some delete-then-insert sequences within a statement
// that Postgres accepts; weir checks the key itself).
func duckSQL(stmt string) string {
	return strings.Replace(stmt, " PRIMARY KEY", "", 1)
}

// duckAggs rewrites a query for DuckDB, which has no every(x): it is
// bool_and(x).
func duckAggs(q string) string {
	return strings.ReplaceAll(q, "every(", "bool_and(")
}

// createView creates view name as sel on weir; a view that groups runs as
// 1 to 4 parallel instances.
func (o *oracle) createView(name, sel string) {
	o.t.Helper()
	with := ""
	if strings.Contains(sel, " GROUP BY ") {
		with = fmt.Sprintf(" WITH (parallelism = '%d')", 1+o.views%4)
	}
	o.views++
	o.weir("CREATE MATERIALIZED VIEW " + name + with + " AS " + sel)
}

// checkView compares view name on weir with sel computed by DuckDB.
func (o *oracle) checkView(name, sel string) {
	o.t.Helper()
	o.compare("view "+name+" AS "+sel, "SELECT * FROM "+name, sel)
}

// compare compares the rows of weirQuery on weir with those of duckQuery on
// DuckDB, as multisets of canonical rows.
func (o *oracle) compare(what, weirQuery, duckQuery string) {
	o.t.Helper()
	names, oids, got, err := o.weirRows(weirQuery)
	if err != nil {
		o.fail("weir: %s: %v", weirQuery, err)
		return
	}
	want, err := o.duckRows(duckAggs(duckQuery), len(names))
	if err != nil {
		o.fail("duckdb: %s: %v", duckQuery, err)
		return
	}
	kinds := make([]valueKind, len(names))
	for i := range names {
		kinds[i] = kindOf(names[i], oids[i])
	}
	canonAll(got, kinds)
	canonAll(want, kinds)
	sortRows(got, kinds)
	sortRows(want, kinds)
	o.checks++
	o.rows += len(want)
	if !rowsMatch(got, want, kinds) {
		o.fail("%s:\nweir (%s):\n%s\nduckdb:\n%s", what, strings.Join(names, ", "), renderRows(got), renderRows(want))
	}
}

// weirRows returns the column names, type OIDs and text rows of query on weir.
func (o *oracle) weirRows(query string) ([]string, []uint32, [][]*string, error) {
	ctx, cancel := stmtContext()
	defer cancel()
	rows, err := o.conn.Query(ctx, query, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		return nil, nil, nil, err
	}
	defer rows.Close()
	var names []string
	var oids []uint32
	for _, f := range rows.FieldDescriptions() {
		names = append(names, f.Name)
		oids = append(oids, f.DataTypeOID)
	}
	var out [][]*string
	for rows.Next() {
		row := make([]*string, len(names))
		for i, raw := range rows.RawValues() {
			if raw != nil {
				s := string(raw)
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return names, oids, out, rows.Err()
}

// duckRows returns the rows of query on DuckDB with every column cast to text.
func (o *oracle) duckRows(query string, ncols int) ([][]*string, error) {
	rows, err := o.db.QueryContext(context.Background(), "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM ("+query+") AS q")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	if len(cols) != ncols {
		return nil, fmt.Errorf("duckdb returned %d columns, weir %d", len(cols), ncols)
	}
	var out [][]*string
	for rows.Next() {
		vals := make([]sql.NullString, ncols)
		ptrs := make([]any, ncols)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]*string, ncols)
		for i, v := range vals {
			if v.Valid {
				s := v.String
				row[i] = &s
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// valueKind says how a column's text is brought to canonical form and
// compared.
type valueKind uint8

const (
	kindText       valueKind = iota // compared as is
	kindExact                       // integers and numerics: compared as rationals
	kindFloat                       // sums of doubles: compared with a relative tolerance
	kindFloatExact                  // other doubles (stored, keys, min/max): compared exactly
	kindAvg                         // averages: numeric rounded to 6 places by weir, double by DuckDB
	kindStat                        // stddev and variance: exact then rounded by weir, Welford's doubles by DuckDB
	kindBool                        // t/true, f/false
	kindTime                        // timestamps, fractions of a second spelled either way
)

// Postgres type OIDs of the columns weir's views produce.
const (
	oidBool      = 16
	oidInt8      = 20
	oidInt2      = 21
	oidInt4      = 23
	oidFloat4    = 700
	oidFloat8    = 701
	oidNumeric   = 1700
	oidTimestamp = 1114
)

// kindOf chooses the comparison for a column from its weir type and name:
// columns named avg_* compare as averages whatever their type, and doubles
// named sum_* with a tolerance (the order of additions differs); any other
// double is a stored value and must be equal.
func kindOf(name string, oid uint32) valueKind {
	if strings.HasPrefix(name, "avg") {
		return kindAvg
	}
	if strings.HasPrefix(name, "stddev") || strings.HasPrefix(name, "var") {
		return kindStat
	}
	switch oid {
	case oidInt2, oidInt4, oidInt8, oidNumeric:
		return kindExact
	case oidFloat4, oidFloat8:
		if strings.HasPrefix(name, "sum") {
			return kindFloat
		}
		return kindFloatExact
	case oidBool:
		return kindBool
	case oidTimestamp:
		return kindTime
	}
	return kindText
}

// canonAll rewrites every value of rows to its canonical text for kinds.
func canonAll(rows [][]*string, kinds []valueKind) {
	for _, row := range rows {
		for i, v := range row {
			if v != nil {
				s := canon(*v, kinds[i])
				row[i] = &s
			}
		}
	}
}

func canon(s string, k valueKind) string {
	switch k {
	case kindExact:
		if r, ok := new(big.Rat).SetString(s); ok {
			return r.RatString()
		}
	case kindFloat, kindFloatExact, kindAvg, kindStat:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
	case kindBool:
		switch s {
		case "t", "true":
			return "t"
		case "f", "false":
			return "f"
		}
	case kindTime:
		if ts, err := time.Parse("2006-01-02 15:04:05.999999999", s); err == nil {
			return ts.Format("2006-01-02 15:04:05.999999")
		}
	}
	return s
}

// sortRows sorts rows by their columns compared exactly, approximate columns
// last; group keys are exact, so the rows of a GROUP BY line up by key.
func sortRows(rows [][]*string, kinds []valueKind) {
	slices.SortFunc(rows, func(a, b []*string) int {
		for pass := 0; pass < 2; pass++ {
			for i := range a {
				approx := kinds[i] == kindFloat || kinds[i] == kindAvg || kinds[i] == kindStat
				if approx != (pass == 1) {
					continue
				}
				if c := cmpNullable(a[i], b[i]); c != 0 {
					return c
				}
			}
		}
		return 0
	})
}

func cmpNullable(a, b *string) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return strings.Compare(*a, *b)
}

// rowsMatch reports whether got and want (sorted alike) are equal, floats
// within a relative 1e-9 (and averages within 1e-6, weir's numeric scale).
func rowsMatch(got, want [][]*string, kinds []valueKind) bool {
	if len(got) != len(want) {
		return false
	}
	for r := range got {
		for i, k := range kinds {
			g, w := got[r][i], want[r][i]
			if g == nil || w == nil {
				if g != w {
					return false
				}
				continue
			}
			if *g == *w {
				continue
			}
			if k != kindFloat && k != kindAvg && k != kindStat {
				return false
			}
			gf, err1 := strconv.ParseFloat(*g, 64)
			wf, err2 := strconv.ParseFloat(*w, 64)
			if err1 != nil || err2 != nil {
				return false
			}
			tol := 1e-9 * max(math.Abs(gf), math.Abs(wf), 1)
			switch k {
			case kindAvg:
				tol += 1e-6
			case kindStat:
				// DuckDB's running mean loses digits to cancellation
				// (values near 1000 that differ by a quarter), more so
				// under a square root.
				tol = 1e-7 * max(math.Abs(gf), math.Abs(wf), 1)
			}
			if math.Abs(gf-wf) > tol {
				return false
			}
		}
	}
	return true
}

func renderRows(rows [][]*string) string {
	var b strings.Builder
	for _, row := range rows {
		b.WriteString("  ")
		for i, v := range row {
			if i > 0 {
				b.WriteString(" | ")
			}
			if v == nil {
				b.WriteString("NULL")
			} else {
				b.WriteString(*v)
			}
		}
		b.WriteString("\n")
	}
	if len(rows) == 0 {
		b.WriteString("  (no rows)\n")
	}
	return b.String()
}

// runCase runs one hand-written case and drops its table.
func (o *oracle) runCase(c oracleCase) {
	o.log, o.logged = nil, false
	o.both(c.table)
	defer func() {
		o.weir("DROP TABLE t CASCADE")
		o.duck("DROP TABLE t")
	}()
	deferred := map[int]bool{}
	for _, s := range c.steps {
		var i int
		if _, err := fmt.Sscanf(s, "VIEW %d", &i); err == nil {
			deferred[i] = true
		}
	}
	created := map[int]bool{}
	for i, v := range c.views {
		if !deferred[i] {
			o.createView(fmt.Sprintf("v%d", i), v)
			created[i] = true
		}
	}
	for _, s := range c.steps {
		var i int
		switch {
		case s == "FLUSH":
			o.weir("FLUSH")
			for i, v := range c.views {
				if created[i] {
					o.checkView(fmt.Sprintf("v%d", i), v)
				}
			}
		case strings.HasPrefix(s, "VIEW "):
			if _, err := fmt.Sscanf(s, "VIEW %d", &i); err != nil {
				o.t.Fatalf("bad step %q", s)
			}
			o.createView(fmt.Sprintf("v%d", i), c.views[i])
			created[i] = true
		default:
			o.both(s)
		}
		if o.t.Failed() {
			return
		}
	}
}

// oracleGen generates one round: a table, its rows, changes and views.
type oracleGen struct {
	rng   *rand.Rand
	round int
	cols  []oracleCol
	next  int64   // the next fresh primary key
	ids   []int64 // primary keys of the rows inserted so far (some deleted since)
	// live holds the keys present in the table, read back from DuckDB
	// before each change; nil until then.
	live map[int64]bool
	// noKey is set for a table without a primary key, where rows may repeat.
	noKey bool
}

// oracleCol is one generated column.
type oracleCol struct {
	name  string
	kind  colKind
	prec  int      // NUMERIC precision
	scale int      // NUMERIC scale
	pool  []string // when set, values are drawn from these literals (few distinct values)
	nulls int      // percentage of NULLs
}

// colKind is a generated column's SQL type.
type colKind uint8

const (
	colSmallint colKind = iota
	colInt
	colBigint
	colDouble
	colNumeric
	colVarchar
	colBool
	colDate
	colTimestamp
	numColKinds
)

func (c oracleCol) sqlType() string {
	switch c.kind {
	case colSmallint:
		return "SMALLINT"
	case colInt:
		return "INT"
	case colBigint:
		return "BIGINT"
	case colDouble:
		return "DOUBLE PRECISION"
	case colNumeric:
		return fmt.Sprintf("NUMERIC(%d,%d)", c.prec, c.scale)
	case colVarchar:
		return "VARCHAR"
	case colBool:
		return "BOOLEAN"
	case colDate:
		return "DATE"
	default:
		return "TIMESTAMP"
	}
}

func (c oracleCol) isNumber() bool { return c.kind <= colNumeric }
func (c oracleCol) isInteger() bool {
	return c.kind == colSmallint || c.kind == colInt || c.kind == colBigint
}

// oracleStrings are the VARCHAR values: cases, an empty string, a quote,
// non-ASCII letters and prefixes of each other, so that ordering and lower()
// matter.
var oracleStrings = []string{"a", "b", "B", "ab", "abc", "", "x y", "it's", "Éa", "éa", "zz", "A"}

// fresh returns a random literal of c's type.
func (g *oracleGen) fresh(c oracleCol) string {
	r := g.rng
	switch c.kind {
	case colSmallint:
		return strconv.Itoa(r.IntN(101) - 50)
	case colInt:
		return strconv.Itoa(r.IntN(2001) - 1000)
	case colBigint:
		if r.IntN(10) == 0 {
			return strconv.FormatInt(r.Int64N(2e12)-1e12, 10)
		}
		return strconv.Itoa(r.IntN(2_000_001) - 1_000_000)
	case colDouble:
		// Quarters as plain decimal literals (a NUMERIC constant assigned
		// to DOUBLE PRECISION) and sometimes as exponent literals (a
		// DOUBLE); random doubles always with an exponent, because DuckDB
		// rounds a decimal literal of more than 15 digits twice on its way
		// to DOUBLE (weir rounds once, as Postgres does).
		if r.IntN(3) == 0 {
			return strconv.FormatFloat(r.Float64()*2000-1000, 'e', -1, 64)
		}
		f := float64(r.IntN(801)-400) / 4
		if r.IntN(4) == 0 {
			return strconv.FormatFloat(f, 'e', -1, 64)
		}
		return strconv.FormatFloat(f, 'f', -1, 64)
	case colNumeric:
		intDigits := min(c.prec-c.scale, 4)
		lim := int64(math.Pow10(intDigits + c.scale))
		v := r.Int64N(2*lim-1) - (lim - 1)
		return big.NewRat(v, int64(math.Pow10(c.scale))).FloatString(c.scale)
	case colVarchar:
		return quoteLiteral(oracleStrings[r.IntN(len(oracleStrings))])
	case colBool:
		if r.IntN(2) == 0 {
			return "true"
		}
		return "false"
	case colDate:
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		if r.IntN(8) == 0 {
			base = time.Date(1969, 12, 1, 0, 0, 0, 0, time.UTC)
		}
		return "'" + base.AddDate(0, 0, r.IntN(90)).Format("2006-01-02") + "'"
	default:
		ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(90*24*3600)) * time.Second)
		if r.IntN(5) == 0 {
			ts = ts.Add(time.Duration(r.IntN(1_000_000)) * time.Microsecond)
		}
		return "'" + ts.Format("2006-01-02 15:04:05.999999") + "'"
	}
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// value returns a literal for a row's column c: NULL, a pool value or a
// fresh one.
func (g *oracleGen) value(c oracleCol) string {
	if c.nulls > 0 && g.rng.IntN(100) < c.nulls {
		return "NULL"
	}
	if c.pool != nil {
		return c.pool[g.rng.IntN(len(c.pool))]
	}
	return g.fresh(c)
}

// table generates the columns of a new table and returns its DDL.
func (g *oracleGen) table(name string) string {
	r := g.rng
	g.cols = nil
	n := 2 + r.IntN(4)
	parts := []string{"id BIGINT PRIMARY KEY"}
	if g.noKey = r.IntN(5) == 0; g.noKey {
		parts[0] = "id BIGINT"
	}
	for i := range n {
		c := oracleCol{name: fmt.Sprintf("c%d", i+1), kind: colKind(r.IntN(int(numColKinds)))}
		if c.kind == colNumeric {
			c.prec = 4 + r.IntN(12)
			c.scale = r.IntN(min(c.prec, 4) + 1)
		}
		if r.IntN(10) < 6 {
			for range 2 + r.IntN(4) {
				c.pool = append(c.pool, g.fresh(c))
			}
		}
		c.nulls = []int{0, 0, 10, 30}[r.IntN(4)]
		g.cols = append(g.cols, c)
		parts = append(parts, c.name+" "+c.sqlType())
	}
	return "CREATE TABLE " + name + " (" + strings.Join(parts, ", ") + ")"
}

// insert returns an INSERT of n rows with new keys or, when the table is
// known, sometimes with keys deleted before.
func (g *oracleGen) insert(table string, n int) string {
	var dead []int64 // keys that may be inserted again
	if g.live != nil {
		for _, id := range g.ids {
			if g.noKey || !g.live[id] {
				dead = append(dead, id)
			}
		}
		g.rng.Shuffle(len(dead), func(i, j int) { dead[i], dead[j] = dead[j], dead[i] })
	}
	rows := make([]string, n)
	for i := range rows {
		id := g.next
		if len(dead) > 0 && g.rng.IntN(2) == 0 {
			id, dead = dead[len(dead)-1], dead[:len(dead)-1]
		} else {
			g.ids = append(g.ids, g.next)
			g.next++
		}
		vals := []string{strconv.FormatInt(id, 10)}
		for _, c := range g.cols {
			vals = append(vals, g.value(c))
		}
		rows[i] = "(" + strings.Join(vals, ", ") + ")"
	}
	return "INSERT INTO " + table + " VALUES " + strings.Join(rows, ", ")
}

// rowPred returns a WHERE condition for UPDATE and DELETE: on the key, or a
// random predicate over the columns.
func (g *oracleGen) rowPred() string {
	r := g.rng
	switch r.IntN(4) {
	case 0:
		return fmt.Sprintf("id = %d", g.ids[r.IntN(len(g.ids))])
	case 1:
		ids := make([]string, 1+r.IntN(4))
		for i := range ids {
			ids[i] = strconv.FormatInt(g.ids[r.IntN(len(g.ids))], 10)
		}
		return "id IN (" + strings.Join(ids, ", ") + ")"
	case 2:
		return fmt.Sprintf("id %% %d = %d", 3+r.IntN(5), r.IntN(3))
	}
	return g.pred(1)
}

// change returns a random UPDATE, DELETE or INSERT.
func (g *oracleGen) change(table string) string {
	r := g.rng
	switch r.IntN(5) {
	case 0, 1:
		sets := []string{}
		for _, i := range r.Perm(len(g.cols))[:1+r.IntN(min(2, len(g.cols)))] {
			c := g.cols[i]
			v := g.value(c)
			switch {
			case r.IntN(8) == 0:
				v = c.name // an update that changes nothing
			case c.isInteger() && r.IntN(3) == 0:
				v = c.name + " + 1"
			}
			sets = append(sets, c.name+" = "+v)
		}
		return "UPDATE " + table + " SET " + strings.Join(sets, ", ") + " WHERE " + g.rowPred()
	case 2, 3:
		return "DELETE FROM " + table + " WHERE " + g.rowPred()
	}
	return g.insert(table, 1+r.IntN(5))
}

// pred returns a random boolean condition over the columns, nested up to
// depth levels of AND/OR/NOT.
func (g *oracleGen) pred(depth int) string {
	r := g.rng
	if depth > 0 && r.IntN(3) == 0 {
		switch r.IntN(3) {
		case 0:
			return "(" + g.pred(depth-1) + " AND " + g.pred(depth-1) + ")"
		case 1:
			return "(" + g.pred(depth-1) + " OR " + g.pred(depth-1) + ")"
		default:
			return "NOT (" + g.pred(depth-1) + ")"
		}
	}
	c := g.cols[r.IntN(len(g.cols))]
	lit := func() string {
		if c.pool != nil && r.IntN(2) == 0 {
			return c.pool[r.IntN(len(c.pool))]
		}
		return g.fresh(c)
	}
	switch r.IntN(10) {
	case 8:
		if c.kind == colVarchar {
			return c.name + " LIKE '" + []string{"a%", "%b", "%a%", "_"}[r.IntN(4)] + "'"
		}
		if c.isInteger() {
			return fmt.Sprintf("%s %% %d = %d", c.name, 2+r.IntN(3), r.IntN(2))
		}
	case 9:
		if d := g.cols[r.IntN(len(g.cols))]; c.isNumber() && d.isNumber() {
			return fmt.Sprintf("%s + %s > %s", c.name, d.name, lit())
		}
	case 0:
		return c.name + " IS NULL"
	case 1:
		return c.name + " IS NOT NULL"
	case 2:
		return c.name + " IN (" + lit() + ", " + lit() + ")"
	case 3:
		if c.kind == colBool {
			return c.name
		}
		return c.name + " BETWEEN " + lit() + " AND " + lit()
	}
	ops := []string{"=", "<>", "<", "<=", ">", ">="}
	return c.name + " " + ops[r.IntN(len(ops))] + " " + lit()
}

// groupKey returns a GROUP BY key over c: the column or an expression.
func (g *oracleGen) groupKey(c oracleCol) string {
	if g.rng.IntN(3) != 0 {
		return c.name
	}
	switch c.kind {
	case colSmallint, colInt, colBigint:
		return []string{c.name + " % 3", "CASE WHEN " + c.name + " > 0 THEN 'pos' ELSE 'neg' END", "coalesce(" + c.name + ", -1)"}[g.rng.IntN(3)]
	case colDouble, colNumeric:
		return "floor(" + c.name + ")"
	case colVarchar:
		return []string{"lower(" + c.name + ")", "upper(" + c.name + ")", "length(" + c.name + ")", "coalesce(" + c.name + ", 'none')"}[g.rng.IntN(4)]
	case colDate:
		return "extract(month FROM " + c.name + ")"
	case colTimestamp:
		return "date_trunc('day', " + c.name + ")"
	}
	return c.name
}

// view returns a random GROUP BY query over table.
func (g *oracleGen) view(table string) string {
	r := g.rng
	var keys, items []string
	nkeys := []int{0, 1, 1, 1, 2, 2, 2}[r.IntN(7)]
	for j, i := range r.Perm(len(g.cols))[:min(nkeys, len(g.cols))] {
		k := g.groupKey(g.cols[i])
		keys = append(keys, k)
		items = append(items, fmt.Sprintf("%s AS k%d", k, j))
	}
	for range 1 + r.IntN(4) {
		c := g.cols[r.IntN(len(g.cols))]
		fns := []string{"count(*)", "count", "min", "max"}
		if c.isNumber() {
			fns = append(fns, "sum", "sum", "avg")
		}
		if r.IntN(2) == 0 {
			// The aggregates beyond SQL-92's, now and then.
			switch {
			case c.isNumber():
				fns = append(fns, "stddev_samp", "stddev_pop", "var_samp", "var_pop", "stddev", "variance")
			case c.kind == colBool:
				fns = append(fns, "bool_and", "bool_or", "every")
			case c.kind == colVarchar:
				fns = append(fns, "string_agg", "string_agg")
			}
			if c.isInteger() {
				fns = append(fns, "bit_and", "bit_or", "bit_xor")
			}
		}
		fn := fns[r.IntN(len(fns))]
		name := fmt.Sprintf("%s_%d", strings.TrimSuffix(fn, "(*)"), len(items))
		if fn != "count(*)" {
			arg := c.name
			if d := g.cols[r.IntN(len(g.cols))]; r.IntN(6) == 0 && c.isInteger() && d.isInteger() {
				arg = c.name + " * 2 + " + d.name
			}
			distinct := ""
			if r.IntN(4) == 0 {
				distinct = "DISTINCT "
			}
			if fn == "string_agg" {
				// Ordered by the value, or by another column then the
				// value (ties in DuckDB would go any way).
				order := " ORDER BY " + arg
				if r.IntN(2) == 0 {
					order += " DESC"
				}
				if d := g.cols[r.IntN(len(g.cols))]; distinct == "" && r.IntN(2) == 0 {
					order = " ORDER BY " + d.name + []string{"", " DESC", " NULLS FIRST", " DESC NULLS LAST"}[r.IntN(4)] + ", " + arg
				}
				arg += ", ','" + order
			}
			fn += "(" + distinct + arg + ")"
		}
		if r.IntN(5) == 0 {
			fn += " FILTER (WHERE " + g.pred(1) + ")"
		}
		items = append(items, fn+" AS "+name)
	}
	q := "SELECT " + strings.Join(items, ", ") + " FROM " + table
	if r.IntN(2) == 0 {
		q += " WHERE " + g.pred(2)
	}
	if len(keys) > 0 {
		q += " GROUP BY " + strings.Join(keys, ", ")
		if r.IntN(6) == 0 {
			q += fmt.Sprintf(" HAVING count(*) > %d", r.IntN(3))
		}
	}
	return q
}

// runRound runs one random round: a table, views created before, during and
// after the inserts, random changes, and comparisons after each FLUSH.
func (o *oracle) runRound(g *oracleGen) {
	r := g.rng
	o.log, o.logged = nil, false
	table := fmt.Sprintf("t%d", g.round)
	o.both(g.table(table))
	defer func() {
		o.weir("DROP TABLE " + table + " CASCADE")
		o.duck("DROP TABLE " + table)
	}()
	type view struct{ name, sel string }
	var views []view
	addView := func() {
		v := view{fmt.Sprintf("%s_v%d", table, len(views)), g.view(table)}
		o.createView(v.name, v.sel)
		views = append(views, v)
	}
	check := func() {
		o.weir("FLUSH")
		o.compare("table "+table, "SELECT * FROM "+table, "SELECT * FROM "+table)
		for _, v := range views {
			o.checkView(v.name, v.sel)
		}
	}
	for range 1 + r.IntN(2) {
		addView()
	}
	batches := 2 + r.IntN(3)
	for b := range batches {
		n := 5 + r.IntN(25)
		if r.IntN(4) == 0 {
			n = 200 + r.IntN(300) // batches with many rows per group
		}
		o.both(g.insert(table, n))
		if b == 0 {
			addView() // a backfill over rows not yet flushed
		}
	}
	check()
	if o.t.Failed() {
		return
	}
	addView() // a backfill over committed rows
	changes := 4 + r.IntN(12)
	for i := range changes {
		g.live = o.liveKeys(table)
		o.both(g.change(table))
		if i == changes/2 {
			addView()
		}
		if r.IntN(5) == 0 {
			check()
		}
		if o.t.Failed() {
			return
		}
	}
	check()
}

// liveKeys returns the primary keys of table's rows in DuckDB.
func (o *oracle) liveKeys(table string) map[int64]bool {
	o.t.Helper()
	rows, err := o.db.QueryContext(context.Background(), "SELECT id FROM "+table)
	if err != nil {
		o.fail("duckdb: keys of %s: %v", table, err)
		return nil
	}
	defer rows.Close()
	live := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			o.fail("duckdb: keys of %s: %v", table, err)
			return nil
		}
		live[id] = true
	}
	return live
}
