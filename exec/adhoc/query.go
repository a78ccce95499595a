//go:build duckdb_arrow

package adhoc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// Relation is a named input of a query. Scan returns a reader over its rows;
// Query calls it once per query and takes over the reader's reference.
// Schema is the relation's declared columns; the reader's batches must have
// as many columns.
type Relation struct {
	Name string
	// Display is the relation's name for users (TempName's argument):
	// errors say it where DuckDB's message has Name. Empty means Name.
	Display string
	Schema  types.Schema
	Scan    func(ctx context.Context) (array.RecordReader, error)
}

// display returns the name errors give rel.
func (rel Relation) display() string {
	if rel.Display != "" {
		return rel.Display
	}
	return rel.Name
}

// TempName returns a name for rel that no other query uses: Query registers a
// relation under the name the caller chose, so callers rewrite their SQL to
// refer to TempName(rel) and pass that as Relation.Name. Safe for concurrent use.
func (e *Engine) TempName(rel string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(rel) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return fmt.Sprintf("__weir_%d_%s", e.seq.Add(1), b.String())
}

// materialize copies rdr's rows into a temporary table called name on c
// (visible to c only). rdr is borrowed.
//
// Relations are copied rather than scanned in place because DuckDB's C Arrow
// scan (duckdb_arrow_scan, behind RegisterView) reads its stream once, so a
// self-join sees an empty second side, and pushes column projections down to
// a producer that cannot apply them, so a query that reads some columns only
// reads the wrong buffers (and crashes). A CREATE TABLE AS SELECT * reads
// every column once, which is safe.
func (e *Engine) materialize(ctx context.Context, c *conn, rdr array.RecordReader, name string, names map[string]string) error {
	src := name + "__src"
	release, err := c.arrow.RegisterView(rdr, src)
	if err != nil {
		return fmt.Errorf("adhoc: register %q: %w", names[name], err)
	}
	stmt := "CREATE TEMP TABLE " + quoteIdent(name) + " AS SELECT * FROM " + quoteIdent(src)
	err = c.exec(ctx, stmt)
	release()
	dropErr := c.exec(context.Background(), "DROP VIEW IF EXISTS "+quoteIdent(src))
	if err != nil {
		return translateError(err, stmt, names)
	}
	return dropErr
}

// Query runs sqlText in DuckDB with each relation in rels loaded into a
// temporary table called Name, visible to this query only, and returns the result's schema and a reader over its batches, typed
// as weir's SQL types. want, when not nil, is the schema the caller expects:
// it must have one column per result column, and each result column is cast
// to the Arrow type of want's SQL type (DuckDB's HUGEINT sums become
// NUMERIC(38,0), its DECIMAL widths are widened, timestamps become
// microseconds). With a nil want the types are derived from DuckDB's with
// types.FromArrow.
//
// The query holds one pooled connection until the reader is released (or
// reaches its end), one held connection instead under HoldRows (held.go);
// the caller must Release the reader. The reader's batches
// follow the array.RecordReader contract: each is valid until the next call of
// Next unless retained. Errors are *sqlstate.Error with a Postgres code.
func (e *Engine) Query(ctx context.Context, sqlText string, rels []Relation, want types.Schema) (types.Schema, array.RecordReader, error) {
	owner, held := rowsHolder(ctx)
	readAhead := false
	var c *conn
	var err error
	if held {
		c, err = e.acquireHeld(ctx, owner)
		if err != nil {
			return nil, nil, err
		}
		held, readAhead = c != nil, c == nil
	}
	if c == nil {
		if c, err = e.acquire(ctx); err != nil {
			return nil, nil, err
		}
	}
	names := relationNames(rels)
	r := &resultReader{e: e, c: c, held: held, owner: owner, ctx: ctx, names: names}
	r.refs.Store(1)
	fail := func(err error) (types.Schema, array.RecordReader, error) {
		r.finish()
		return nil, nil, err
	}
	for _, rel := range rels {
		if rel.Scan == nil {
			return fail(fmt.Errorf("adhoc: relation %q has no Scan", rel.display()))
		}
		rdr, err := rel.Scan(ctx)
		if err != nil {
			return fail(fmt.Errorf("adhoc: scan %q: %w", rel.display(), err))
		}
		if rel.Schema != nil && rdr.Schema().NumFields() != len(rel.Schema) {
			n := rdr.Schema().NumFields()
			rdr.Release()
			return fail(fmt.Errorf("adhoc: relation %q: reader has %d columns, schema %d", rel.display(), n, len(rel.Schema)))
		}
		err = e.materialize(ctx, c, rdr, rel.Name, names)
		rdr.Release()
		if err != nil {
			return fail(err)
		}
		r.tables = append(r.tables, rel.Name)
	}
	src, err := c.arrow.QueryContext(ctx, sqlText)
	if err != nil {
		return fail(translateError(err, sqlText, names))
	}
	r.src = src
	schema, targets, err := resultSchema(src.Schema(), want)
	if err != nil {
		return fail(err)
	}
	r.schema = schema.Arrow()
	r.targets = targets
	if readAhead {
		rows, err := e.readAhead(r)
		if err != nil {
			return nil, nil, err
		}
		return schema, rows, nil
	}
	return schema, r, nil
}

// resultSchema decides the weir schema of a DuckDB result and the Arrow type
// each column is converted to.
func resultSchema(got *arrow.Schema, want types.Schema) (types.Schema, []arrow.DataType, error) {
	if want != nil && len(want) != got.NumFields() {
		return nil, nil, sqlstate.Errorf(sqlstate.DatatypeMismatch,
			"query returns %d columns, expected %d", got.NumFields(), len(want))
	}
	out := make(types.Schema, got.NumFields())
	targets := make([]arrow.DataType, got.NumFields())
	for i, f := range got.Fields() {
		col := types.Column{Name: f.Name, Nullable: true}
		if want != nil {
			col = want[i]
			if col.Name == "" {
				col.Name = f.Name
			}
		}
		if want == nil || col.Type.Family == types.Unknown {
			t, err := types.FromArrow(storageType(f.Type))
			if err != nil {
				return nil, nil, sqlstate.Errorf(sqlstate.FeatureNotSupported,
					"column %q has DuckDB type %s, which weir cannot return", f.Name, f.Type)
			}
			col.Type = t
		}
		out[i] = col
		targets[i] = col.Type.ArrowType()
	}
	return out, targets, nil
}

func storageType(dt arrow.DataType) arrow.DataType {
	if ext, ok := dt.(arrow.ExtensionType); ok {
		return ext.StorageType()
	}
	return dt
}

// resultReader converts DuckDB's result batches to weir's types. It owns the
// query's connection and temporary tables, and gives them back at its end
// or its last Release, whichever comes first. Next and RecordBatch are for
// one goroutine; Retain and Release are safe for concurrent use.
type resultReader struct {
	refs    atomic.Int64
	e       *Engine
	c       *conn
	held    bool // c is a held connection (held.go), not a pooled one
	owner   any  // the held connection's owner (HoldRows)
	ctx     context.Context
	tables  []string
	names   map[string]string // the relations' names for errors, by their names in DuckDB
	src     array.RecordReader
	schema  *arrow.Schema
	targets []arrow.DataType

	cur  arrow.RecordBatch
	err  error
	once sync.Once
}

func (r *resultReader) Retain() { r.refs.Add(1) }

func (r *resultReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.finish()
}

func (r *resultReader) Schema() *arrow.Schema { return r.schema }

func (r *resultReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.err != nil || r.src == nil {
		return false
	}
	if !r.src.Next() {
		if err := r.src.Err(); err != nil {
			r.err = translateError(err, "", r.names)
		}
		r.finish()
		return false
	}
	rec, err := convertBatch(r.ctx, r.e.mem, r.src.RecordBatch(), r.schema, r.targets)
	if err != nil {
		r.err = err
		r.finish()
		return false
	}
	r.cur = rec
	return true
}

func (r *resultReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *resultReader) Record() arrow.RecordBatch { return r.cur }

func (r *resultReader) Err() error { return r.err }

// finish releases DuckDB's result, drops the query's temporary tables and returns the
// connection to the pool. It runs once.
func (r *resultReader) finish() {
	r.once.Do(func() {
		if r.src != nil {
			r.src.Release()
			r.src = nil
		}
		r.e.dropTables(r.c, r.tables)
		if r.held {
			r.e.releaseHeld(r.c, r.owner)
		} else {
			r.e.release(r.c)
		}
	})
}

// relationNames maps the internal name of each of rels to the user's, for
// error messages.
func relationNames(rels []Relation) map[string]string {
	names := make(map[string]string, len(rels))
	for _, rel := range rels {
		names[rel.Name] = rel.display()
	}
	return names
}

// dropTables drops the temporary tables a query loaded into c.
func (e *Engine) dropTables(c *conn, tables []string) {
	var errs []error
	for _, name := range tables {
		errs = append(errs, c.exec(context.Background(), "DROP TABLE IF EXISTS "+quoteIdent(name)))
	}
	if err := errors.Join(errs...); err != nil {
		e.log.Warn("adhoc: dropping query tables", "err", err)
	}
}

// quoteIdent quotes name as a DuckDB identifier.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}
