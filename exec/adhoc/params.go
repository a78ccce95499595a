package adhoc

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/duckdb/duckdb-go/v2"

	"github.com/weir-stream/weir/sql/types"
)

// ParamTypes returns the type DuckDB infers for each $n parameter of sqlText
// over rels (types.UnknownType where it infers none), without running it:
// the relations are registered empty, so nothing is read. It is how a
// prepared statement that DuckDB answers learns its parameters' types, which
// drivers bind their arguments by.
func (e *Engine) ParamTypes(ctx context.Context, sqlText string, rels []Relation) ([]types.T, error) {
	c, err := e.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer e.release(c)
	names := relationNames(rels)
	var made []string
	defer func() { e.dropTables(c, made) }()
	for _, rel := range rels {
		if rel.Schema == nil {
			return nil, fmt.Errorf("adhoc: relation %q has no schema", rel.display())
		}
		rdr, err := array.NewRecordReader(rel.Schema.Arrow(), nil)
		if err != nil {
			return nil, err
		}
		err = e.materialize(ctx, c, rdr, rel.Name, names)
		rdr.Release()
		if err != nil {
			return nil, err
		}
		made = append(made, rel.Name)
	}
	prep, ok := c.drv.(driver.ConnPrepareContext)
	if !ok {
		return nil, errors.New("adhoc: duckdb connection cannot prepare")
	}
	stmt, err := prep.PrepareContext(ctx, sqlText)
	if err != nil {
		return nil, translateError(err, sqlText, names)
	}
	defer stmt.Close()
	ds, ok := stmt.(*duckdb.Stmt)
	if !ok {
		return nil, fmt.Errorf("adhoc: unexpected statement %T", stmt)
	}
	out := make([]types.T, ds.NumInput())
	for i := range out {
		t, err := ds.ParamType(i + 1)
		if err != nil {
			return nil, err
		}
		out[i] = fromDuckType(t)
	}
	return out, nil
}

// fromDuckType is the weir type of a DuckDB parameter type, UnknownType for
// one weir has no use for (or DuckDB could not infer).
func fromDuckType(t duckdb.Type) types.T {
	switch t {
	case duckdb.TYPE_BOOLEAN:
		return types.BoolType
	case duckdb.TYPE_TINYINT, duckdb.TYPE_SMALLINT, duckdb.TYPE_UTINYINT:
		return types.Int16Type
	case duckdb.TYPE_INTEGER, duckdb.TYPE_USMALLINT:
		return types.Int32Type
	case duckdb.TYPE_BIGINT, duckdb.TYPE_UINTEGER:
		return types.Int64Type
	case duckdb.TYPE_FLOAT:
		return types.Float32Type
	case duckdb.TYPE_DOUBLE:
		return types.Float64Type
	case duckdb.TYPE_VARCHAR:
		return types.TextType
	case duckdb.TYPE_DATE:
		return types.DateType
	case duckdb.TYPE_TIMESTAMP:
		return types.TSType
	case duckdb.TYPE_TIMESTAMP_TZ:
		return types.TSTZType
	case duckdb.TYPE_BLOB:
		return types.ByteaType
	}
	return types.UnknownType
}
