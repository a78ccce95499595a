package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/weir-stream/weir"
	"github.com/weir-stream/weir/wire"
)

// benchEngine is an in-process weir engine (memory backend) with a session,
// and optionally a Postgres wire server in front of it. It is used by one
// goroutine.
type benchEngine struct {
	eng  *weir.Engine
	sess *weir.Session

	srv    *wire.Server
	dsn    string
	cancel context.CancelFunc
	served chan struct{}
}

// openBenchEngine opens an engine that keeps its state in memory and commits
// an epoch every 100 ms.
func openBenchEngine(ctx context.Context) (*benchEngine, error) {
	cfg := weir.DefaultConfig()
	cfg.State.BackendType = "memory"
	cfg.State.CheckpointIntervalMS = 100
	return openBenchEngineWith(ctx, cfg)
}

// openBenchEngineWith opens an engine configured by cfg.
func openBenchEngineWith(ctx context.Context, cfg weir.Config) (*benchEngine, error) {
	if len(cfg.Server.FileRoots) == 0 {
		// The benchmarks' files are in the temporary directory.
		cfg.Server.FileRoots = []string{os.TempDir()}
	}
	eng, err := weir.Open(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open engine: %w", err)
	}
	sess, err := eng.NewSession(ctx, "weir", "weir")
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open session: %w", err), eng.Close(ctx))
	}
	return &benchEngine{eng: eng, sess: sess}, nil
}

// engineSessions is the wire server's session factory over an engine.
type engineSessions struct{ e *weir.Engine }

// NewSession opens an engine session for a wire connection.
func (s engineSessions) NewSession(ctx context.Context, user, database string) (wire.Session, error) {
	return s.e.NewSession(ctx, user, database)
}

// serve starts a wire server on a free loopback port; dsn is set after it.
func (b *benchEngine) serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	b.srv = wire.NewServer(engineSessions{b.eng}, wire.Options{})
	sctx, cancel := context.WithCancel(ctx)
	b.cancel = cancel
	b.served = make(chan struct{})
	go func() {
		defer close(b.served)
		_ = b.srv.Serve(sctx, ln)
	}()
	b.dsn = fmt.Sprintf("postgres://weir@%s/weir?sslmode=disable", ln.Addr())
	return nil
}

// Close stops the wire server, if any, and the engine.
func (b *benchEngine) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var errs []error
	if b.srv != nil {
		errs = append(errs, b.srv.Shutdown(ctx))
		b.cancel()
		<-b.served
	}
	errs = append(errs, b.sess.Close(), b.eng.Close(ctx))
	return errors.Join(errs...)
}

// queryInt64s runs a one-row query and returns its columns as integers
// (their text form parsed; NULL is an error).
func (b *benchEngine) queryInt64s(ctx context.Context, text string) ([]int64, error) {
	var out []int64
	err := b.sess.ExecuteScript(ctx, text, func(r *weir.Result) error {
		if r.Rows == nil {
			return nil
		}
		defer r.Rows.Release()
		for r.Rows.Next() {
			rec := r.Rows.RecordBatch()
			if rec.NumRows() == 0 {
				continue
			}
			for c := 0; c < int(rec.NumCols()); c++ {
				col := rec.Column(c)
				if col.IsNull(0) {
					return fmt.Errorf("%s: column %d is NULL", text, c)
				}
				v, err := strconv.ParseFloat(col.ValueStr(0), 64)
				if err != nil {
					return fmt.Errorf("%s: column %d: %w", text, c, err)
				}
				out = append(out, int64(v))
			}
		}
		return r.Rows.Err()
	})
	return out, err
}

// writeOrdersCSV writes rows lines of user_id,amount,ts to dir/name with a
// header: user_id is i%keys, so every key in [0, keys) appears when rows >=
// keys. It returns the path and the file's size.
func writeOrdersCSV(dir, name string, rows int64, keys int64) (string, int64, error) {
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return "", 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("user_id,amount,ts\n")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	var line []byte
	for i := int64(0); i < rows; i++ {
		line = strconv.AppendInt(line[:0], i%keys, 10)
		line = append(line, ',')
		line = strconv.AppendInt(line, i%997, 10)
		line = append(line, '.')
		line = strconv.AppendInt(line, 10+i%90, 10)
		line = append(line, ',')
		line = base.Add(time.Duration(i)*time.Millisecond).AppendFormat(line, "2006-01-02 15:04:05.000")
		line = append(line, '\n')
		w.Write(line)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return "", 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return "", 0, err
	}
	return path, fi.Size(), f.Close()
}

// loadOrdersView declares a file stream over path and the view
// view AS SELECT user_id, count(*) AS n, sum(amount) AS total ... GROUP BY
// user_id (with the view's WITH options with, such as "parallelism = 2",
// when not empty), and waits (FLUSH, then polling sum(n)) until the view
// has counted every one of rows rows. It returns the time from CREATE
// MATERIALIZED VIEW to that point.
func (b *benchEngine) loadOrdersView(ctx context.Context, stream, view, with, path string, rows int64, timeout time.Duration) (wall, cpu float64, err error) {
	ddl := fmt.Sprintf(`CREATE STREAM %s (user_id BIGINT, amount DOUBLE PRECISION, ts TIMESTAMP)
		WITH (connector = 'file', path = '%s', format = 'csv')`, stream, path)
	if err := b.sess.Exec(ctx, ddl); err != nil {
		return 0, 0, fmt.Errorf("create stream: %w", err)
	}
	deadline := time.Now().Add(timeout)
	sw := startStopwatch()
	if with != "" {
		with = " WITH (" + with + ")"
	}
	if err := b.sess.Exec(ctx, fmt.Sprintf(`CREATE MATERIALIZED VIEW %s%s AS
		SELECT user_id, count(*) AS n, sum(amount) AS total FROM %s GROUP BY user_id`, view, with, stream)); err != nil {
		return 0, 0, fmt.Errorf("create view: %w", err)
	}
	var lastErr error
	for {
		if err := b.sess.Exec(ctx, "FLUSH"); err != nil {
			return 0, 0, fmt.Errorf("flush: %w", err)
		}
		// sum(n) is NULL (an error here) until the first rows commit.
		got, err := b.queryInt64s(ctx, "SELECT sum(n) FROM "+view)
		lastErr = err
		if len(got) == 1 && got[0] == rows {
			break
		}
		if len(got) == 1 && got[0] > rows {
			return 0, 0, fmt.Errorf("view %s counted %d rows, the file has %d", view, got[0], rows)
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("view %s counted %v rows after %s, want %d (last error: %v)", view, got, timeout, rows, lastErr)
		}
	}
	wall, cpu = sw.stop()
	return wall, cpu, nil
}
