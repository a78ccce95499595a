package planner

import (
	"strings"

	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// DefineColumns returns the catalog columns of a CREATE TABLE's or CREATE
// STREAM's column definitions defs, and the places of those declared
// PRIMARY KEY. A name given twice is an error.
func DefineColumns(defs []sql.ColumnDef) ([]catalog.Column, []int, error) {
	cols := make([]catalog.Column, len(defs))
	var key []int
	for i, d := range defs {
		for j := 0; j < i; j++ {
			if cols[j].Name == d.Name.Value {
				return nil, nil, sqlstate.ErrorfAt(sqlstate.DuplicateColumn, d.Name.Pos, "column \"%s\" specified more than once", d.Name.Value)
			}
		}
		cols[i] = catalog.Column{Name: d.Name.Value, Type: d.Type.Type, NotNull: d.NotNull || d.PrimaryKey,
			Length: d.Type.Length, Fixed: d.Type.Fixed, ProcTime: d.ProcTime}
		if d.PrimaryKey {
			key = append(key, i)
		}
	}
	return cols, key, nil
}

// DefineTableKey returns table st's columns cols and key (from
// DefineColumns) with its PRIMARY KEY (…) clause applied: the columns it
// names become the key and NOT NULL (a key of none: the caller keys the
// table by a hidden row id).
func DefineTableKey(st *sql.CreateTable, cols []catalog.Column, key []int) ([]catalog.Column, []int, error) {
	if len(st.PrimaryKey) > 0 {
		if len(key) > 0 {
			return nil, nil, sqlstate.ErrorfAt(sqlstate.SyntaxError, st.PrimaryKey[0].Pos, "multiple primary keys for table \"%s\" are not allowed", st.Name.Last().Value)
		}
		for _, n := range st.PrimaryKey {
			idx := -1
			for i, c := range cols {
				if c.Name == n.Value {
					idx = i
				}
			}
			if idx < 0 {
				return nil, nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, n.Pos, "column \"%s\" named in key does not exist", n.Value)
			}
			cols[idx].NotNull = true
			key = append(key, idx)
		}
	}
	return cols, key, nil
}

// TableOptions checks the WITH options of CREATE TABLE: a table with
// WATERMARK FOR takes watermark.late_rows as a stream does. An unknown
// option is an error, not ignored; watermark.idle_timeout is refused, for
// a table's rows are one split, which idleness cannot leave out of a
// minimum.
func TableOptions(st *sql.CreateTable) (map[string]string, error) {
	var opts map[string]string
	for _, opt := range st.Options {
		key := strings.ToLower(opt.Key)
		switch key {
		case watermarks.OptLateRows:
		case watermarks.OptIdleTimeout:
			return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, opt.Pos, "option %s does not apply to a table", key).
				WithHint("A table's rows, written by DML, are one split: its watermark is their largest time minus the delay, idle or not.")
		default:
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, opt.Pos, "unknown option %q of CREATE TABLE (%s)", opt.Key, watermarks.OptLateRows)
		}
		if opts == nil {
			opts = map[string]string{}
		}
		opts[key] = opt.Value
	}
	return opts, nil
}

// OptionMap returns WITH options by lower-case key.
func OptionMap(options []sql.Option) map[string]string {
	opts := make(map[string]string, len(options))
	for _, o := range options {
		opts[strings.ToLower(o.Key)] = o.Value
	}
	return opts
}
