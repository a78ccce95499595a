package systables

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/sql/types"
)

// TypeOIDByName returns the OID of the type pg_type names name (int4,
// _int4) or format_type writes as name (integer, character varying,
// integer[]), as Postgres' regtype input reads it; ok is false for a name
// of no type weir has.
func TypeOIDByName(name string) (oid int64, ok bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	name = strings.TrimPrefix(name, "pg_catalog.")
	for _, t := range pgTypes {
		switch name {
		case t.name, t.sqlName:
			return t.oid, true
		case "_" + t.name, t.sqlName + "[]", t.name + "[]":
			return t.array, true
		}
	}
	return 0, false
}

func init() { tables = append(tables, pgSequence, pgEnum, pgDepend, pgRange) }

// pgDepend is pg_depend: weir records no dependencies between objects
// there (DBeaver's column query joins it).
var pgDepend = emptyTable("pg_depend", col("classid", oidT), col("objid", oidT), col("objsubid", i32T), col("refclassid", oidT),
	col("refobjid", oidT), col("refobjsubid", i32T), col("deptype", textT))

// pgRange is pg_range: weir has no range types (pgx's LoadType and
// psycopg read it).
var pgRange = emptyTable("pg_range", col("rngtypid", oidT), col("rngsubtype", oidT), col("rngmultitypid", oidT),
	col("rngcollation", oidT), col("rngsubopc", oidT), col("rngcanonical", textT), col("rngsubdiff", textT))

// pgSequence is pg_sequence: weir has no sequences (SQLAlchemy's column
// reflection joins it for identity columns).
var pgSequence = emptyTable("pg_sequence", col("seqrelid", oidT), col("seqtypid", oidT), col("seqstart", oidT),
	col("seqincrement", oidT), col("seqmax", oidT), col("seqmin", oidT), col("seqcache", oidT), col("seqcycle", boolT))

// pgEnum is pg_enum: weir has no enum types (SQLAlchemy's column
// reflection reads it for every table).
var pgEnum = emptyTable("pg_enum", col("oid", oidT), col("enumtypid", oidT), col("enumsortorder", types.Float32Type), col("enumlabel", textT))

// keyAttnums returns the attnums of r's primary key columns, in the key's
// order (pg_index.indkey, pg_constraint.conkey).
func keyAttnums(r pgRelation) []int16 {
	out := make([]int16, 0, len(r.key))
	for _, k := range r.key {
		for i, c := range r.columns {
			if c.Name == k {
				out = append(out, int16(i+1))
				break
			}
		}
	}
	return out
}

// int16s appends a list of smallints to the next column.
func (r *rowBuilder) int16s(vs []int16) {
	lb := r.next().(*array.ListBuilder)
	lb.Append(true)
	for _, v := range vs {
		lb.ValueBuilder().(*array.Int16Builder).Append(v)
	}
}

func init() {
	tables = append(tables, pgStatUserTables)
	catalogViews["pg_stat_user_tables"] = true
}

// pgStatUserTables is pg_stat_user_tables: a row per table and
// materialized view the reader may see. weir counts no scans, tuples or
// vacuums per relation: those columns are NULL.
var pgStatUserTables = &Table{
	Name: "pg_stat_user_tables",
	Schema: types.Schema{col("relid", oidT), col("schemaname", textT), col("relname", textT), col("seq_scan", oidT),
		col("seq_tup_read", oidT), col("idx_scan", oidT), col("idx_tup_fetch", oidT), col("n_tup_ins", oidT),
		col("n_tup_upd", oidT), col("n_tup_del", oidT), col("n_live_tup", oidT), col("n_dead_tup", oidT)},
	appendRows: func(b *rowBuilder, e Engine, may Filter) {
		for _, r := range relations(e, may) {
			if r.namespace != OIDPublic || r.kind != "r" && r.kind != "m" {
				continue
			}
			b.int64(r.oid)
			b.text(namespaceName(r.namespace))
			b.text(r.name)
			for range 9 {
				b.null()
			}
			b.end()
		}
	},
}
