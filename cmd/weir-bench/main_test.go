package main

import (
	"context"
	"io"
	"testing"
	"time"
)

// smallSizes keeps a full run of every benchmark to a few seconds.
func smallSizes() sizes {
	return sizes{
		rows:         60_000,
		groupKeys:    []int{100, 30_000},
		barrierRows:  20_000,
		viewKeys:     5_000,
		lookups:      200,
		scanReps:     2,
		csvRows:      20_000,
		csvKeys:      1_000,
		nexmark:      20_000,
		nexmarkKafka: 5_000,
		nexmarkJoin:  20_000,
		latencyRate:  20_000,
		latencyFor:   500 * time.Millisecond,
		ckptBytes:    4 << 20,
		ckptRounds:   3,
		ckptPairs:    1,
		sinkEvents:   20_000,
		sinkPairs:    1,
		sinkRate:     20_000,
		sinkFor:      500 * time.Millisecond,
		dmlSerial:    20,
		dmlClients:   4,
		dmlFor:       300 * time.Millisecond,
		copyRows:     20_000,
	}
}

// TestRunAll runs every benchmark small: each verifies its results (weir's
// GROUP BY against DuckDB's, lookups, scans and the CSV view against the
// input), so no error means every answer was right.
func TestRunAll(t *testing.T) {
	figs, errs := run(context.Background(), smallSizes(), "", io.Discard)
	for _, err := range errs {
		t.Error(err)
	}
	want := []string{
		"groupby/weir hashagg 100 keys, append-only",
		"groupby/duckdb batch 100 keys, append-only",
		"groupby/weir hashagg 100 keys, retracting",
		"groupby/weir hashagg 30K keys, retracting",
		"lookup/load 5K-key view (CSV file stream)",
		"lookup/point lookup, session (in-process)",
		"lookup/point lookup, pgx over wire (loopback)",
		"scan/SELECT * FROM v (read fully)",
		"scan/SELECT count(*), sum(n) FROM v",
		"csv/file source CSV → GROUP BY view (1K keys)",
		"nexmark/weir q0, generator → blackhole",
		"nexmark/weir q1, generator → blackhole",
		"nexmark/weir q2, generator → blackhole",
		"nexmark/weir q3, generator → blackhole",
		"nexmark/weir q4, generator → blackhole",
		"nexmark/weir q20, generator → blackhole",
		"nexmark/weir q14, generator → blackhole",
		"nexmark/weir q21, generator → blackhole",
		"nexmark/weir q22, generator → blackhole",
		"nexmark/weir q10, generator → blackhole",
		"nexmark/weir q15, generator → blackhole",
		"nexmark/weir q16, generator → blackhole",
		"nexmark/weir q17, generator → blackhole",
		"nexmark/weir q9, generator → blackhole",
		"nexmark/weir q18, generator → blackhole",
		"nexmark/weir q19, generator → blackhole",
		"nexmark/weir q6, generator → blackhole",
		"nexmark/weir q0 latency, paced generator",
		"nexmark/weir q0, Kafka JSON → blackhole",
		"nexmark/weir q2, Kafka JSON → blackhole",
		"checkpoint/data path pause at a checkpoint (flush + hard links)",
		"checkpoint/restore of the newest checkpoint",
		"checkpoint/recovery from MinIO (loopback)",
		"checkpoint/CSV → GROUP BY view on disk, checkpoints every 1 s",
		"checkpoint/CSV → GROUP BY view on disk, checkpoints off",
		"sink/weir q0, generator → Kafka sink, exactly-once on",
		"sink/weir q0, generator → Kafka sink, exactly-once off",
		"sink/weir q0 latency, paced generator → Kafka sink, exactly-once on",
		"sink/weir q0 latency, paced generator → Kafka sink, exactly-once off",
		"dml/single-row INSERT, 1 client, synchronous_commit on",
		"dml/single-row INSERT, 4 clients, synchronous_commit on",
		"dml/single-row INSERT, 1 client, synchronous_commit off",
		"dml/single-row INSERT, 4 clients, synchronous_commit off",
		"copy/COPY FROM STDIN (id bigint, k int, v int), GROUP BY view",
	}
	got := map[string]figure{}
	for _, f := range figs {
		got[f.Bench+"/"+f.Name] = f
		if f.Skipped != "" {
			t.Logf("%s/%s skipped: %s", f.Bench, f.Name, f.Skipped)
			continue
		}
		if f.Rows <= 0 || f.WallSeconds <= 0 || f.RowsPerSec <= 0 {
			t.Errorf("%s/%s: empty figure %+v", f.Bench, f.Name, f)
		}
	}
	for _, name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("no figure %q", name)
		}
	}
	if f := got["groupby/weir hashagg 100 keys, append-only"]; f.Peer == "" || f.Ratio <= 0 {
		t.Errorf("GROUP BY figure without a ratio to DuckDB: %+v", f)
	}
	if f := got["checkpoint/recovery from MinIO (loopback)"]; f.Skipped == "" && (f.Goal == nil || f.Goal.Measured == "") {
		t.Errorf("MinIO recovery figure without its goal: %+v", f)
	}
	if f := got["checkpoint/CSV → GROUP BY view on disk, checkpoints every 1 s"]; f.Goal == nil || f.Peer == "" {
		t.Errorf("checkpoint cost figure without its goal or peer: %+v", f)
	}
	if f := got["sink/weir q0, generator → Kafka sink, exactly-once on"]; f.Goal == nil || f.Peer == "" {
		t.Errorf("sink throughput figure without its goal or peer: %+v", f)
	}
	for _, on := range []string{"on", "off"} {
		if f := got["sink/weir q0 latency, paced generator → Kafka sink, exactly-once "+on]; f.P50Micros <= 0 || f.P99Micros < f.P50Micros {
			t.Errorf("sink latency percentiles, exactly-once %s: %+v", on, f)
		}
	}
	if f := got["copy/COPY FROM STDIN (id bigint, k int, v int), GROUP BY view"]; f.Goal == nil || f.RowsPerCPUSec <= 0 {
		t.Errorf("copy figure without its goal: %+v", f)
	}
	if f := got["lookup/point lookup, session (in-process)"]; f.P50Micros <= 0 || f.P99Micros < f.P50Micros {
		t.Errorf("lookup percentiles: %+v", f)
	}
}

// TestRunOnly checks that -only runs just the named benchmark.
func TestRunOnly(t *testing.T) {
	sz := smallSizes()
	sz.groupKeys = []int{50}
	figs, errs := run(context.Background(), sz, "groupby", io.Discard)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(figs) != 4 {
		t.Fatalf("got %d figures, want 4", len(figs))
	}
	for _, f := range figs {
		if f.Bench != "groupby" {
			t.Errorf("figure of %s in a groupby-only run", f.Bench)
		}
	}
}
