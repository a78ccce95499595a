package logictest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultTimeout bounds one record when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxIncludeDepth bounds nested includes (and include cycles).
const maxIncludeDepth = 8

// Options configure RunFile.
type Options struct {
	// DSN is the pgx connection string of the server under test; every named
	// connection opens its own connection with it.
	DSN string
	// Rewrite replaces the expected results of every query whose rows do not
	// match with the rows the server returned, and writes the file back.
	Rewrite bool
	// Logf, when set, receives a line per record run.
	Logf func(format string, args ...any)
	// Timeout bounds each record; zero means DefaultTimeout, negative none.
	Timeout time.Duration
	// Engine is the name skipif and onlyif lines are compared with; "" means Engine.
	Engine string
	// Transform, when set, rewrites each statement's SQL before it is sent: it
	// lets a suite run against another database (Postgres) as an oracle.
	Transform func(sql string) string
}

// RunFile runs the logic test file at path against the server at opts.DSN.
// Every mismatch is reported with t.Errorf, prefixed with file:line, and the
// run goes on with the next record. Connections are opened lazily and closed
// before RunFile returns. RunFile must be called from the test's goroutine.
func RunFile(ctx context.Context, t testing.TB, path string, opts Options) {
	t.Helper()
	r := &runner{t: t, opts: opts, conns: map[string]*pgx.Conn{}, warnings: map[*pgconn.PgConn][]string{}, labels: map[string]labelled{}}
	defer r.closeAll()
	r.runFile(ctx, path, 0)
}

type labelled struct {
	where string
	lines []string
}

type runner struct {
	t     testing.TB
	opts  Options
	conns map[string]*pgx.Conn
	// warnings are the WARNING messages each connection received since
	// its last statement began.
	warnings map[*pgconn.PgConn][]string
	labels   map[string]labelled
}

func (r *runner) engine() string {
	if r.opts.Engine != "" {
		return r.opts.Engine
	}
	return Engine
}

func (r *runner) sql(rec *Record) string {
	if r.opts.Transform != nil {
		return r.opts.Transform(rec.SQL)
	}
	return rec.SQL
}

func (r *runner) logf(format string, args ...any) {
	if r.opts.Logf != nil {
		r.opts.Logf(format, args...)
	}
}

func (r *runner) errorf(rec *Record, format string, args ...any) {
	r.t.Helper()
	r.t.Errorf("%s:%d: %s", rec.File, rec.Line, fmt.Sprintf(format, args...))
}

func (r *runner) closeAll() {
	for name, c := range r.conns {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.Close(ctx)
		cancel()
		delete(r.conns, name)
	}
}

// conn returns the named connection, opening it (or reopening it after a
// failure closed it) when needed.
func (r *runner) conn(ctx context.Context, name string) (*pgx.Conn, error) {
	if c := r.conns[name]; c != nil && !c.IsClosed() {
		return c, nil
	}
	cfg, err := pgx.ParseConfig(r.opts.DSN)
	if err != nil {
		return nil, fmt.Errorf("connecting %q: %w", name, err)
	}
	if _, user, ok := strings.Cut(name, "@"); ok {
		cfg.User = user
	}
	cfg.OnNotice = func(pc *pgconn.PgConn, n *pgconn.Notice) {
		if n.Severity == "WARNING" {
			r.warnings[pc] = append(r.warnings[pc], n.Message)
		}
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting %q: %w", name, err)
	}
	r.conns[name] = c
	return c, nil
}

func (r *runner) runFile(ctx context.Context, path string, depth int) {
	r.t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		r.t.Errorf("%v", err)
		return
	}
	records, err := Parse(strings.NewReader(string(data)), path)
	if err != nil {
		r.t.Errorf("%v", err)
		return
	}
	protocol := Simple
	rewrites := map[int][]string{}
	for i := range records {
		rec := &records[i]
		switch rec.Kind {
		case KindHalt:
			r.logf("%s:%d: halt", rec.File, rec.Line)
			r.rewrite(path, data, records, rewrites)
			return
		case KindMode:
			protocol = rec.Protocol
			continue
		case KindInclude:
			r.include(ctx, rec, filepath.Dir(path), depth)
			continue
		}
		if rec.Skipped(r.engine()) {
			r.logf("%s:%d: skipped", rec.File, rec.Line)
			continue
		}
		if err := ctx.Err(); err != nil {
			r.errorf(rec, "%v", err)
			return
		}
		r.logf("%s:%d: %s", rec.File, rec.Line, firstLine(rec.SQL))
		if rec.Kind == KindStatement {
			r.statement(ctx, rec, protocol)
		} else if lines, ok := r.query(ctx, rec, protocol); ok {
			rewrites[i] = lines
		}
	}
	r.rewrite(path, data, records, rewrites)
}

func (r *runner) include(ctx context.Context, rec *Record, dir string, depth int) {
	r.t.Helper()
	if depth >= maxIncludeDepth {
		r.errorf(rec, "includes nested deeper than %d", maxIncludeDepth)
		return
	}
	pattern := rec.Pattern
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(dir, pattern)
	}
	matches, err := filepath.Glob(pattern)
	if err != nil || len(matches) == 0 {
		r.errorf(rec, "include %s matches no file", rec.Pattern)
		return
	}
	for _, m := range matches {
		r.runFile(ctx, m, depth+1)
	}
}

func (r *runner) recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case r.opts.Timeout < 0:
		return context.WithCancel(ctx)
	case r.opts.Timeout == 0:
		return context.WithTimeout(ctx, DefaultTimeout)
	}
	return context.WithTimeout(ctx, r.opts.Timeout)
}

func execMode(p Protocol) pgx.QueryExecMode {
	if p == Extended {
		return pgx.QueryExecModeDescribeExec
	}
	return pgx.QueryExecModeSimpleProtocol
}

func (r *runner) statement(ctx context.Context, rec *Record, p Protocol) {
	r.t.Helper()
	ctx, cancel := r.recordContext(ctx)
	defer cancel()
	conn, err := r.conn(ctx, rec.Conn)
	if err != nil {
		r.errorf(rec, "%v", err)
		return
	}
	delete(r.warnings, conn.PgConn())
	tag, err := conn.Exec(ctx, r.sql(rec), execMode(p))
	if rec.Error != nil {
		if merr := MatchError(rec.Error, err); merr != nil {
			r.errorf(rec, "%v\n%s", merr, rec.SQL)
		}
		return
	}
	if err != nil {
		r.errorf(rec, "statement failed: %s\n%s", DescribeError(err), rec.SQL)
		return
	}
	if rec.Count >= 0 && tag.RowsAffected() != rec.Count {
		r.errorf(rec, "expected %d rows affected, got %d (%s)\n%s", rec.Count, tag.RowsAffected(), tag.String(), rec.SQL)
	}
	if rec.Warning != nil {
		got := r.warnings[conn.PgConn()]
		if !slices.ContainsFunc(got, rec.Warning.MatchString) {
			r.errorf(rec, "expected a WARNING matching %q, got %q\n%s", rec.Warning.String(), got, rec.SQL)
		}
	}
}

// query runs a query record. When the run rewrites files and the rows do not
// match, it returns the lines to write as the record's expected results.
func (r *runner) query(ctx context.Context, rec *Record, p Protocol) ([]string, bool) {
	r.t.Helper()
	ctx, cancel := r.recordContext(ctx)
	defer cancel()
	conn, err := r.conn(ctx, rec.Conn)
	if err != nil {
		r.errorf(rec, "%v", err)
		return nil, false
	}
	names, oids, rows, err := fetch(ctx, conn, r.sql(rec), p)
	if rec.Error != nil {
		if merr := MatchError(rec.Error, err); merr != nil {
			r.errorf(rec, "%v\n%s", merr, rec.SQL)
		}
		return nil, false
	}
	if err != nil {
		r.errorf(rec, "query failed: %s\n%s", DescribeError(err), rec.SQL)
		return nil, false
	}
	if err := CheckColumnTypes(rec.Types, oids); err != nil {
		r.errorf(rec, "%v\n%s", err, rec.SQL)
	}
	got := ResultLines(rows, rec.Sort)
	if rec.ColNames {
		got = append([]string{FormatRow(names)}, got...)
	}
	if rec.Label != "" {
		if prev, ok := r.labels[rec.Label]; ok {
			if !slices.Equal(prev.lines, ResultLines(rows, RowSort)) {
				r.errorf(rec, "rows differ from those of label %s at %s\n%s", rec.Label, prev.where, rec.SQL)
			}
		} else {
			r.labels[rec.Label] = labelled{where: fmt.Sprintf("%s:%d", rec.File, rec.Line), lines: ResultLines(rows, RowSort)}
		}
	}
	expected := rec.Expected
	if rec.ColNames {
		if len(expected) == 0 || normalize(expected[0]) != normalize(FormatRow(names)) {
			if !r.opts.Rewrite {
				want := "(none)"
				if len(expected) > 0 {
					want = normalize(expected[0])
				}
				r.errorf(rec, "column names: expected %q, got %q\n%s", want, FormatRow(names), rec.SQL)
			}
			return got, true
		}
		expected = expected[1:]
	}
	if err := MatchResults(rec.Types, rec.Sort, rows, expected); err != nil {
		if r.opts.Rewrite {
			return got, true
		}
		r.errorf(rec, "%v\n%s\nexpected:\n%s\ngot:\n%s", err, rec.SQL, indent(rec.Expected), indent(got))
	}
	return nil, false
}

// fetch runs a query and returns its column names, type OIDs and rows of
// formatted values. Results are requested in text format in both protocols.
func fetch(ctx context.Context, conn *pgx.Conn, sql string, p Protocol) (names []string, oids []uint32, rows [][]string, err error) {
	res, err := conn.Query(ctx, sql, execMode(p), pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return nil, nil, nil, err
	}
	defer res.Close()
	for res.Next() {
		raw := res.RawValues()
		row := make([]string, len(raw))
		for i, v := range raw {
			row[i] = FormatValue(v)
		}
		rows = append(rows, row)
	}
	res.Close()
	if err := res.Err(); err != nil {
		return nil, nil, nil, err
	}
	for _, f := range res.FieldDescriptions() {
		names = append(names, f.Name)
		oids = append(oids, f.DataTypeOID)
	}
	return names, oids, rows, nil
}

// rewrite writes path back with the replaced expected results, when the run
// rewrites files and something changed.
func (r *runner) rewrite(path string, data []byte, records []Record, rewrites map[int][]string) {
	r.t.Helper()
	if !r.opts.Rewrite || len(rewrites) == 0 {
		return
	}
	lines, err := readLines(strings.NewReader(string(data)))
	if err != nil {
		r.t.Errorf("rewriting %s: %v", path, err)
		return
	}
	var out []string
	next := 0
	for i := range records {
		got, ok := rewrites[i]
		if !ok {
			continue
		}
		rec := &records[i]
		out = append(out, lines[next:rec.SQLEnd]...)
		out = append(out, "----")
		out = append(out, got...)
		next = rec.ResultEnd
	}
	out = append(out, lines[next:]...)
	text := strings.Join(out, "\n") + "\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		r.t.Errorf("rewriting %s: %v", path, err)
		return
	}
	r.logf("rewrote %s", path)
}

func indent(lines []string) string {
	if len(lines) == 0 {
		return "    (no rows)"
	}
	return "    " + strings.Join(lines, "\n    ")
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}
