package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/weir-stream/weir"
)

// copyTable and copyView are the copy benchmark's narrow table and the view
// over it, the same DDL for weir and (the table) for PostgreSQL.
const (
	copyTable = "CREATE TABLE bench_copy (id BIGINT, k INT, v INT)"
	copyView  = "CREATE MATERIALIZED VIEW bench_copy_k AS SELECT k, count(*) AS n, sum(v) AS s FROM bench_copy GROUP BY k"
)

// copyGoal is issue 16's bulk load goal for narrow rows, rows per CPU-second.
const copyGoal = 1_000_000

// copyKeys is the number of distinct k in the copy benchmark's data.
const copyKeys = 1000

// copyData returns rows narrow rows in COPY's text format: id, k = id mod
// copyKeys, v = id mod 97.
func copyData(rows int64) []byte {
	var b bytes.Buffer
	b.Grow(int(rows) * 20)
	var num []byte
	for i := range rows {
		num = strconv.AppendInt(num[:0], i, 10)
		num = append(num, '\t')
		num = strconv.AppendInt(num, i%copyKeys, 10)
		num = append(num, '\t')
		num = strconv.AppendInt(num, i%97, 10)
		num = append(num, '\n')
		b.Write(num)
	}
	return b.Bytes()
}

// copyBench loads sz.copyRows narrow rows with one COPY FROM STDIN over the
// wire into a table of an engine with local checkpoints and the table write
// log, with a GROUP BY view over the table: answered once the rows are
// durable and the view holds them, which the benchmark checks. Its peer is
// PostgreSQL loading the same data into the same table (what psql's \copy
// and pgbench -i do), measured by its backend's CPU time.
func copyBench(ctx context.Context, sz sizes, step func(string, ...any)) ([]figure, error) {
	dir, err := os.MkdirTemp("", "weir-bench-copy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := weir.DefaultConfig()
	cfg.Server.DataDir = dir
	b, err := openBenchEngineWith(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer b.Close(ctx)
	if err := b.serve(ctx); err != nil {
		return nil, err
	}
	for _, ddl := range []string{copyTable, copyView} {
		if err := b.sess.Exec(ctx, ddl); err != nil {
			return nil, err
		}
	}
	data := copyData(sz.copyRows)
	step("copy: %d rows through COPY FROM STDIN into a table with a GROUP BY view", sz.copyRows)
	conn, err := pgx.Connect(ctx, b.dsn)
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	sw := startStopwatch()
	tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY bench_copy FROM STDIN")
	wall, cpu := sw.stop()
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	if tag.RowsAffected() != sz.copyRows {
		return nil, fmt.Errorf("copy: %s, want %d rows", tag, sz.copyRows)
	}
	got, err := b.queryInt64s(ctx, "SELECT sum(n) FROM bench_copy_k")
	if err != nil {
		return nil, err
	}
	if len(got) != 1 || got[0] != sz.copyRows {
		return nil, fmt.Errorf("copy: the view counts %v rows, COPY loaded %d", got, sz.copyRows)
	}
	f := newFigure("copy", "COPY FROM STDIN (id bigint, k int, v int), GROUP BY view", sz.copyRows, wall, cpu)
	f.Goal = &goal{
		Target:   "≥ 1 M rows/cpu-s (issue 16)",
		Measured: fmt.Sprintf("%.0f K rows/cpu-s", f.RowsPerCPUSec/1e3),
		Met:      f.RowsPerCPUSec >= copyGoal,
	}
	f.Note = "pgx over loopback, local checkpoints, synchronous_commit on: answered once durable in the table write log and in the view; CPU of the whole process (client too); view checked"
	peer, err := copyPostgres(ctx, data, sz.copyRows, step)
	if err != nil {
		return []figure{f}, err
	}
	if peer.Skipped == "" {
		f.compare(peer)
	}
	return []figure{f, peer}, nil
}

// copyPostgres loads data (rows rows) into PostgreSQL's bench_copy with
// COPY FROM STDIN. Its CPU seconds are its backend's (/proc), the process
// that parses and stores the rows. Without a PostgreSQL server the figure
// is skipped, saying why (an error under CI=true).
func copyPostgres(ctx context.Context, data []byte, rows int64, step func(string, ...any)) (figure, error) {
	const name = "PostgreSQL COPY FROM STDIN (id bigint, k int, v int)"
	pg, err := startPostgres(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			return figure{}, fmt.Errorf("copy: PostgreSQL peer: %w", err)
		}
		return figure{Bench: "copy", Name: name, Skipped: err.Error()}, nil
	}
	defer pg.Close()
	conn, err := pgx.Connect(ctx, pg.dsn)
	if err != nil {
		return figure{}, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, copyTable); err != nil {
		return figure{}, err
	}
	var pid int
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		return figure{}, err
	}
	step("copy: PostgreSQL %s, the same %d rows", pg.version, rows)
	cpu0, err := procCPUSeconds(pid)
	if err != nil {
		return figure{}, err
	}
	t0 := time.Now()
	tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY bench_copy FROM STDIN")
	wall := time.Since(t0).Seconds()
	if err != nil {
		return figure{}, fmt.Errorf("PostgreSQL: %w", err)
	}
	cpu1, err := procCPUSeconds(pid)
	if err != nil {
		return figure{}, err
	}
	if tag.RowsAffected() != rows {
		return figure{}, fmt.Errorf("PostgreSQL: %s, want %d rows", tag, rows)
	}
	f := newFigure("copy", strings.Replace(name, "PostgreSQL", "PostgreSQL "+pg.version, 1), rows, wall, cpu1-cpu0)
	f.Note = "Debian's PostgreSQL on loopback, default settings (fsync on), same data and client code, no view (Postgres has none to maintain); CPU of its backend process"
	return f, nil
}

// procCPUSeconds returns the user and system CPU seconds process pid has
// used, from /proc/pid/stat (in clock ticks of 1/100 s, Linux's USER_HZ).
func procCPUSeconds(pid int) (float64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, where field 3 (state) starts.
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, s)
	}
	return float64(utime+stime) / 100, nil
}
