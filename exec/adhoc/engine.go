//go:build duckdb_arrow

// Package adhoc is weir's embedded query layer: ad-hoc SELECTs run in an
// in-memory DuckDB database that scans weir's relations (view snapshots) as
// Arrow record batches, and the results come back as Arrow batches typed with
// weir's SQL types.
package adhoc

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/duckdb/duckdb-go/v2"
)

// Options configures an Engine. The zero value is usable.
type Options struct {
	// Mem allocates the batches the engine creates (type conversions and the
	// readers it builds). Nil means memory.DefaultAllocator.
	Mem memory.Allocator
	// Threads is DuckDB's worker thread count; 0 keeps DuckDB's default.
	Threads int
	// MemoryLimit is DuckDB's memory_limit setting (e.g. "1GB"); "" keeps the default.
	MemoryLimit string
	// Logger receives the engine's logs. Nil means slog.Default().
	Logger *slog.Logger
	// Conns is the number of DuckDB connections in the pool, which bounds how
	// many queries run at once. 0 means 4.
	Conns int
	// HeldConns is the number of DuckDB connections, outside the pool, that
	// queries whose rows are held open (cursors: HoldRows) may take, a
	// quarter of them (at least one) per owner. 0 means 8. A held query
	// finding none it may take reads its rows into memory.
	HeldConns int
	// HeldMemory bounds the bytes of the rows a held query reads into
	// memory when no held connection is free; past it the query fails with
	// 53000. 0 means 64 MiB.
	HeldMemory int64
}

// MaxExpressionDepth bounds the nesting of the expressions of the queries
// DuckDB runs; a deeper one fails with 54001.
const MaxExpressionDepth = 500

// Engine is one in-memory DuckDB database with a pool of connections.
// Its methods are safe for concurrent use: each Query, Exec or LoadTable takes
// a connection from the pool for its duration, waiting when all are busy.
// A query whose rows stay open across statements (HoldRows) never keeps a
// pooled connection (held.go).
type Engine struct {
	mem       memory.Allocator
	log       *slog.Logger
	connector *duckdb.Connector
	idle      chan *conn
	held      heldConns
	seq       atomic.Uint64

	mu     sync.Mutex
	closed bool
	// all are the engine's connections, pooled and held, which Close closes.
	all []*conn
}

// conn is one pooled DuckDB connection with its Arrow interface. A conn is
// used by one query at a time (the one that took it from the pool).
type conn struct {
	drv   driver.Conn
	arrow *duckdb.Arrow
}

// Open opens an in-memory DuckDB database configured by opts and connects its
// pool. The caller must Close the engine.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.Mem == nil {
		opts.Mem = memory.DefaultAllocator
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Conns <= 0 {
		opts.Conns = 4
	}
	if opts.HeldConns <= 0 {
		opts.HeldConns = 8
	}
	if opts.HeldMemory <= 0 {
		opts.HeldMemory = 64 << 20
	}
	q := url.Values{}
	if opts.Threads > 0 {
		q.Set("threads", strconv.Itoa(opts.Threads))
	}
	if opts.MemoryLimit != "" {
		q.Set("memory_limit", opts.MemoryLimit)
	}
	dsn := ""
	if len(q) > 0 {
		dsn = "?" + q.Encode()
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("adhoc: open duckdb: %w", err)
	}
	if err := registerSignalFunc(ctx, connector); err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb %s: %w", signalFunc, err), connector.Close())
	}
	e := &Engine{
		mem:       opts.Mem,
		log:       opts.Logger,
		connector: connector,
		idle:      make(chan *conn, opts.Conns),
		held:      newHeldConns(opts.HeldConns, opts.HeldMemory),
	}
	for range opts.Conns {
		c, err := e.connect(ctx)
		if err != nil {
			return nil, errors.Join(err, e.Close())
		}
		e.all = append(e.all, c)
		e.idle <- c
	}
	return e, nil
}

func (e *Engine) connect(ctx context.Context) (*conn, error) {
	drv, err := e.connector.Connect(ctx)
	if err != nil {
		return nil, fmt.Errorf("adhoc: connect duckdb: %w", err)
	}
	ar, err := duckdb.NewArrowFromConn(drv)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb arrow interface: %w", err), drv.Close())
	}
	c := &conn{drv: drv, arrow: ar}
	// Sessions see TIMESTAMPTZ in UTC, the zone weir stores instants in. The
	// setting exists only when DuckDB's ICU extension is loaded; without it
	// DuckDB already works in UTC.
	if err := c.exec(ctx, "SET TimeZone = 'UTC'"); err != nil {
		e.log.Debug("adhoc: cannot set duckdb time zone", "err", err)
	}
	// An integer divided by an integer is an integer, truncated toward
	// zero, as in Postgres (DuckDB's / divides in floating point).
	if err := c.exec(ctx, "SET integer_division = true"); err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb integer_division: %w", err), drv.Close())
	}
	// NULL sorts as the largest value, as in Postgres: last ascending,
	// first descending (DuckDB puts it last both ways).
	if err := c.exec(ctx, "SET default_null_order = 'nulls_last_on_asc_first_on_desc'"); err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb default_null_order: %w", err), drv.Close())
	}
	// DuckDB plans a deep expression in time that grows with the cube of
	// its depth (a 1000-deep chain of + takes seconds), and planning cannot
	// be interrupted by a cancel or statement_timeout: bound the depth.
	if err := c.exec(ctx, "SET max_expression_depth = "+strconv.Itoa(MaxExpressionDepth)); err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb max_expression_depth: %w", err), drv.Close())
	}
	// Ad-hoc queries read only the relations weir hands DuckDB: no files,
	// no network, whatever function a query names.
	if err := c.exec(ctx, "SET enable_external_access = false"); err != nil {
		return nil, errors.Join(fmt.Errorf("adhoc: duckdb enable_external_access: %w", err), drv.Close())
	}
	// Division by zero is an error, as in Postgres (DuckDB's / and %
	// return NULL): callers write a / b as weir_div(a, b).
	for _, m := range divisionMacros {
		if err := c.exec(ctx, m); err != nil {
			return nil, errors.Join(fmt.Errorf("adhoc: duckdb division macros: %w", err), drv.Close())
		}
	}
	for _, m := range funcMacros {
		if err := c.exec(ctx, m); err != nil {
			return nil, errors.Join(fmt.Errorf("adhoc: duckdb function macros: %w", err), drv.Close())
		}
	}
	return c, nil
}

// DivFunc and ModFunc are the functions a caller writes a / b and a % b
// as, so that a zero divisor fails with 22012 "division by zero" as in
// Postgres instead of giving NULL as DuckDB's operators do.
const (
	DivFunc = "weir_div"
	ModFunc = "weir_mod"
)

var divisionMacros = []string{
	"CREATE OR REPLACE TEMP MACRO " + DivFunc + "(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a / b END",
	"CREATE OR REPLACE TEMP MACRO " + ModFunc + "(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a % b END",
}

func (c *conn) exec(ctx context.Context, sqlText string) error {
	ex, ok := c.drv.(driver.ExecerContext)
	if !ok {
		return errors.New("adhoc: duckdb connection cannot execute statements")
	}
	_, err := ex.ExecContext(ctx, sqlText, nil)
	return err
}

// acquire takes an idle connection, waiting until one is free or ctx ends.
func (e *Engine) acquire(ctx context.Context) (*conn, error) {
	e.mu.Lock()
	closed := e.closed
	e.mu.Unlock()
	if closed {
		return nil, errEngineClosed
	}
	select {
	case c := <-e.idle:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// release returns c to the pool.
func (e *Engine) release(c *conn) { e.idle <- c }

var errEngineClosed = errors.New("adhoc: engine is closed")

// Close closes the pool's connections and the database. Queries still running
// must have released their results first.
func (e *Engine) Close() error {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil
	}
	e.closed = true
	e.mu.Unlock()
	var errs []error
	e.mu.Lock()
	all := e.all
	e.mu.Unlock()
	for _, c := range all {
		errs = append(errs, c.drv.Close())
	}
	errs = append(errs, e.connector.Close())
	return errors.Join(errs...)
}

// Exec runs a statement that returns no rows (DDL, INSERT) in DuckDB.
func (e *Engine) Exec(ctx context.Context, sqlText string) error {
	c, err := e.acquire(ctx)
	if err != nil {
		return err
	}
	defer e.release(c)
	if err := c.exec(ctx, sqlText); err != nil {
		return translateError(err, sqlText, nil)
	}
	return nil
}
