//go:build duckdb_arrow

package adhoc

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/weir-stream/weir/sql/types"
)

// LoadTable creates a DuckDB table called name with the rows of batches
// (which must have schema's columns), for tests that compute a streaming
// result in batch as an oracle. The table is visible to every later query.
// batches are borrowed.
func (e *Engine) LoadTable(ctx context.Context, name string, schema types.Schema, batches []arrow.RecordBatch) error {
	c, err := e.acquire(ctx)
	if err != nil {
		return err
	}
	defer e.release(c)
	as := schema.Arrow()
	if len(batches) > 0 {
		as = batches[0].Schema()
	}
	rdr, err := array.NewRecordReader(as, batches)
	if err != nil {
		return fmt.Errorf("adhoc: load %q: %w", name, err)
	}
	tmp := e.TempName(name)
	release, err := c.arrow.RegisterView(rdr, tmp)
	rdr.Release()
	if err != nil {
		return fmt.Errorf("adhoc: load %q: %w", name, err)
	}
	stmt := "CREATE TABLE " + quoteIdent(name) + " AS SELECT * FROM " + quoteIdent(tmp)
	err = c.exec(ctx, stmt)
	release()
	dropErr := c.exec(context.Background(), "DROP VIEW IF EXISTS "+quoteIdent(tmp))
	if err != nil {
		return translateError(err, stmt, nil)
	}
	return dropErr
}
