package dml

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// checkMovedKeys fails with a unique violation when a row of news has the key
// of another row of news, or of a row of t that is not among olds (the rows
// the statement replaces); t is the table as the statement sees it.
func checkMovedKeys(o *catalog.Object, t Table, olds, news []arrow.RecordBatch) error {
	kt := o.KeyTypes()
	var key []byte
	leaving := map[string]bool{}
	for _, b := range olds {
		for r := 0; r < int(b.NumRows()); r++ {
			key = statestore.AppendRow(key[:0], kt, b, o.Key, r)
			leaving[string(key)] = true
		}
	}
	seen := map[string]bool{}
	for _, b := range news {
		for r := 0; r < int(b.NumRows()); r++ {
			key = statestore.AppendRow(key[:0], kt, b, o.Key, r)
			exists := false
			if !leaving[string(key)] {
				var err error
				if _, exists, err = t.Get(key); err != nil {
					return err
				}
			}
			if exists || seen[string(key)] {
				return errDuplicateKey(o).WithDetail("Key " + keyText(o, b, r) + " already exists.")
			}
			seen[string(key)] = true
		}
	}
	return nil
}

// errDuplicateKey is the unique violation of a row whose key o already has.
func errDuplicateKey(o *catalog.Object) *sqlstate.Error {
	return sqlstate.Errorf(sqlstate.UniqueViolation, "duplicate key value violates unique constraint \"%s_pkey\"", o.Name)
}

// keyText is the key of row r of batch as Postgres' detail of a unique
// violation shows it: (a, b)=(1, x).
func keyText(o *catalog.Object, batch arrow.RecordBatch, r int) string {
	names := make([]string, len(o.Key))
	vals := make([]string, len(o.Key))
	for i, k := range o.Key {
		names[i] = o.Columns[k].Name
		vals[i] = batch.Column(k).ValueStr(r)
	}
	return "(" + strings.Join(names, ", ") + ")=(" + strings.Join(vals, ", ") + ")"
}
