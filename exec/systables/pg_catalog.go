package systables

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// CatalogEngine is the engine as the pg_catalog relations read it: its
// catalog. An Engine that is not one shows those relations without weir's
// objects.
type CatalogEngine interface {
	Catalog() *catalog.Catalog
}

// The OIDs of pg_namespace's schemas, the database and the access
// method, as Postgres numbers them (information_schema's is made at initdb
// in Postgres; weir fixes one).
const (
	OIDPgCatalog         = 11
	OIDPublic            = 2200
	OIDInformationSchema = 13000
	OIDDatabase          = 16384 // weir's one database
	OIDHeap              = 2     // pg_am's heap, the access method of tables and materialized views
	OIDBtree             = 403
	firstObjectOID       = 16385
	bootstrapOID         = 10 // the owner of everything when no role is a superuser
	OIDDefaultTablespace = 1663
	// OIDForeignDataWrapper is weir's one foreign-data wrapper, "weir",
	// whose servers are the connectors streams read.
	OIDForeignDataWrapper = 13001
)

// DatabaseName is the name of weir's one database (pg_database,
// current_database()).
const DatabaseName = "weir"

// ObjectOID returns the OID of the relation, role or function called name
// (a function's name with its argument types): a hash of it above
// Postgres' first user OID, so it is the same in every process and at each
// restart for as long as the name is. kind separates the spaces ("r" a
// relation, "i" a primary key's index, "c" its constraint, "a" a role,
// "p" a function).
func ObjectOID(kind, name string) int64 {
	h := fnv.New32a()
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(name))
	return firstObjectOID + int64(h.Sum32()%(1<<31-firstObjectOID))
}

// pgType is a row of pg_type: a type weir has, with its Postgres OIDs.
type pgType struct {
	oid, array int64
	name       string // typname
	sqlName    string // what format_type writes
	len        int16
	byVal      bool
	category   string
	t          types.T
}

// pgTypes are the types of weir's columns, element and array.
var pgTypes = []pgType{
	{16, 1000, "bool", "boolean", 1, true, "B", types.BoolType},
	{21, 1005, "int2", "smallint", 2, true, "N", types.Int16Type},
	{23, 1007, "int4", "integer", 4, true, "N", types.Int32Type},
	{20, 1016, "int8", "bigint", 8, true, "N", types.Int64Type},
	{700, 1021, "float4", "real", 4, true, "N", types.Float32Type},
	{701, 1022, "float8", "double precision", 8, true, "N", types.Float64Type},
	{1700, 1231, "numeric", "numeric", -1, false, "N", types.DefaultNumeric},
	{25, 1009, "text", "text", -1, false, "S", types.TextType},
	{1043, 1015, "varchar", "character varying", -1, false, "S", types.TextType},
	{1082, 1182, "date", "date", 4, true, "D", types.DateType},
	{1114, 1115, "timestamp", "timestamp without time zone", 8, true, "D", types.TSType},
	{1184, 1185, "timestamptz", "timestamp with time zone", 8, true, "D", types.TSTZType},
	{1186, 1187, "interval", "interval", 16, false, "T", types.IntervalT},
	{17, 1001, "bytea", "bytea", -1, false, "U", types.ByteaType},
	{3802, 3807, "jsonb", "jsonb", -1, false, "U", types.JSONBType},
}

// FormatTypeSQL returns the CASE expression over the type OID t and the
// typmod m (SQL text) that Postgres' format_type(t, m) answers for weir's
// types: the macro DuckDB runs it as.
func FormatTypeSQL(t, m string) string {
	var b strings.Builder
	b.WriteString("CASE " + t)
	for _, ty := range pgTypes {
		name := "'" + ty.sqlName + "'"
		switch ty.oid {
		case 1043:
			name = fmt.Sprintf("CASE WHEN %s > 4 THEN 'character varying(' || (%s - 4) || ')' ELSE 'character varying' END", m, m)
		case 1700:
			name = fmt.Sprintf("CASE WHEN %s > 4 THEN 'numeric(' || ((%s - 4) / 65536) || ',' || ((%s - 4) %% 65536) || ')' ELSE 'numeric' END", m, m, m)
		}
		fmt.Fprintf(&b, " WHEN %d THEN %s WHEN %d THEN '%s[]'", ty.oid, name, ty.array, ty.sqlName)
	}
	b.WriteString(" ELSE '???' END")
	return b.String()
}

// typeOIDAndMod returns the pg_type OID and typmod of a column.
func typeOIDAndMod(c catalog.Column) (int64, int32) {
	t := c.Type
	switch {
	case t.Family == types.Numeric:
		return 1700, int32(t.Precision)<<16 | int32(t.Scale) + 4
	case t.Family == types.Text && c.Length > 0:
		return 1043, c.Length + 4
	}
	return int64(t.OID()), -1
}

// typeOf returns the row of pg_type with OID oid.
func typeOf(oid int64) (pgType, bool) {
	for _, ty := range pgTypes {
		if ty.oid == oid {
			return ty, true
		}
		if ty.array == oid {
			return pgType{oid: ty.array, name: "_" + ty.name, sqlName: ty.sqlName + "[]", len: -1, category: "A"}, true
		}
	}
	return pgType{}, false
}

// pgRelation is a relation pg_class lists.
type pgRelation struct {
	oid        int64
	name       string
	namespace  int64
	kind       string // relkind
	owner      string
	columns    []catalog.Column
	key        []string // a table's primary key columns
	definition string   // a view's query
	connector  string   // a stream's connector: its foreign server
}

// relations returns the relations of e's catalog the reader may see, then
// the system relations (in pg_catalog: Postgres' catalogs and weir's
// system tables; in information_schema its views), which every reader
// sees.
func relations(e Engine, may Filter) []pgRelation {
	var out []pgRelation
	if ce, ok := e.(CatalogEngine); ok {
		cat := ce.Catalog()
		for _, k := range []catalog.Kind{catalog.Table, catalog.Stream, catalog.View, catalog.PlainView} {
			for _, o := range cat.List(k) {
				if !may(o.Name) {
					continue
				}
				r := pgRelation{oid: ObjectOID("r", o.Name), name: o.Name, namespace: OIDPublic, owner: o.Owner}
				for _, c := range o.Columns {
					if !c.Hidden {
						r.columns = append(r.columns, c)
					}
				}
				switch k {
				case catalog.Table:
					r.kind = "r"
					for _, i := range o.Key {
						if o.Columns[i].Hidden {
							r.key = nil
							break
						}
						r.key = append(r.key, o.Columns[i].Name)
					}
				case catalog.Stream:
					r.kind, r.connector = "f", o.Options["connector"]
				case catalog.View:
					r.kind, r.definition = "m", viewQuery(o.Definition)
				case catalog.PlainView:
					r.kind, r.definition = "v", viewQuery(o.Definition)
				}
				out = append(out, r)
			}
		}
	}
	for _, t := range tables {
		kind := "r" // Postgres' catalogs are tables, but for its views
		if !strings.HasPrefix(t.Name, "pg_") || catalogViews[t.Name] {
			kind = "v"
		}
		r := pgRelation{oid: ObjectOID("r", "pg_catalog."+t.Name), name: t.Name, namespace: OIDPgCatalog, kind: kind}
		if schema, name, ok := strings.Cut(t.Name, "."); ok && schema == InformationSchema {
			r.oid, r.name, r.namespace = ObjectOID("r", t.Name), name, OIDInformationSchema
		}
		for _, c := range t.Schema {
			r.columns = append(r.columns, catalog.Column{Name: c.Name, Type: c.Type})
		}
		out = append(out, r)
	}
	return out
}

// catalogViews are the relations of pg_catalog that are views in
// Postgres; weir's system tables (weir_jobs, …) are views too.
var catalogViews = map[string]bool{"pg_roles": true, "pg_user": true, "pg_tables": true, "pg_views": true, "pg_matviews": true,
	"pg_settings": true, "pg_stat_activity": true, "pg_cursors": true}

// viewQuery returns the query of a CREATE [MATERIALIZED] VIEW statement
// as pg_get_viewdef writes it: the SELECT, ended with a semicolon.
func viewQuery(def string) string {
	st, err := sql.ParseOne(def)
	if err != nil {
		return ""
	}
	switch st := st.(type) {
	case *sql.CreateView:
		return " " + sql.String(st.Query) + ";"
	case *sql.CreatePlainView:
		return " " + sql.String(st.Query) + ";"
	}
	return ""
}

// roles returns e's roles by name (none when e is no CatalogEngine).
func roles(e Engine) []*catalog.Role {
	if ce, ok := e.(CatalogEngine); ok {
		return ce.Catalog().Roles()
	}
	return nil
}

// ownerOID returns the OID of the role called owner; an object without an
// owner (made before roles, or by a client when the engine had no roles)
// is owned by the first superuser, or by the bootstrap superuser when no
// role is one.
func ownerOID(e Engine, owner string) int64 {
	if ce, ok := e.(CatalogEngine); ok && owner != "" {
		if _, ok := ce.Catalog().Role(owner); !ok {
			owner = "" // made by a client of an engine without roles
		}
	}
	if owner == "" {
		for _, r := range roles(e) {
			if r.Superuser {
				return ObjectOID("a", r.Name)
			}
		}
		return bootstrapOID
	}
	return ObjectOID("a", owner)
}

func col(name string, t types.T) types.Column { return types.Column{Name: name, Type: t} }

var (
	oidT       = types.Int64Type
	textT      = types.TextType
	boolT      = types.BoolType
	i16T       = types.Int16Type
	i32T       = types.Int32Type
	textArrayT = types.ArrayOf(types.TextType)
	oidArrayT  = types.ArrayOf(types.Int64Type)
)

// emptyTable is a pg_catalog relation weir has no rows for: what its
// catalog has none of (policies, publications, rules, inheritance, …).
func emptyTable(name string, cols ...types.Column) *Table {
	return &Table{Name: name, Schema: types.Schema(cols), appendRows: func(*rowBuilder, Engine, Filter) {}}
}

// null appends a NULL to the next column.
func (r *rowBuilder) null() { r.next().AppendNull() }

func init() {
	tables = append(tables, pgCatalogTables...)
}

var pgCatalogTables = []*Table{
	{
		Name:   "pg_namespace",
		Schema: types.Schema{col("oid", oidT), col("nspname", textT), col("nspowner", oidT), col("nspacl", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, n := range []struct {
				oid  int64
				name string
			}{{OIDPgCatalog, "pg_catalog"}, {OIDPublic, "public"}, {OIDInformationSchema, "information_schema"}} {
				b.int64(n.oid)
				b.text(n.name)
				b.int64(ownerOID(e, ""))
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_class",
		Schema: types.Schema{col("oid", oidT), col("relname", textT), col("relnamespace", oidT), col("reltype", oidT),
			col("reloftype", oidT), col("relowner", oidT), col("relam", oidT), col("relfilenode", oidT),
			col("reltablespace", oidT), col("relpages", i32T), col("reltuples", types.Float32Type), col("reltoastrelid", oidT),
			col("relhasindex", boolT), col("relisshared", boolT), col("relpersistence", textT), col("relkind", textT),
			col("relnatts", i16T), col("relchecks", i16T), col("relhasrules", boolT), col("relhastriggers", boolT),
			col("relhassubclass", boolT), col("relrowsecurity", boolT), col("relforcerowsecurity", boolT),
			col("relispopulated", boolT), col("relreplident", textT), col("relispartition", boolT),
			col("relacl", textArrayT), col("reloptions", textArrayT), col("relpartbound", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			add := func(oid int64, name string, ns int64, kind string, owner int64, natts int, am int64, hasIndex bool, acl []string) {
				b.int64(oid)
				b.text(name)
				b.int64(ns)
				b.int64(0)
				b.int64(0)
				b.int64(owner)
				b.int64(am)
				b.int64(0)
				b.int64(0)
				b.int32(0)
				b.next().(*array.Float32Builder).Append(-1)
				b.int64(0)
				b.bool(hasIndex)
				b.bool(false)
				b.text("p")
				b.text(kind)
				b.next().(*array.Int16Builder).Append(int16(natts))
				b.next().(*array.Int16Builder).Append(0)
				b.bool(kind == "v")
				b.bool(false)
				b.bool(false)
				b.bool(false)
				b.bool(false)
				b.bool(true)
				b.text("d")
				b.bool(false)
				if acl == nil {
					b.null()
				} else {
					lb := b.next().(*array.ListBuilder)
					lb.Append(true)
					for _, a := range acl {
						lb.ValueBuilder().(*array.StringBuilder).Append(a)
					}
				}
				b.null()
				b.null()
				b.end()
			}
			for _, r := range relations(e, may) {
				am := int64(0)
				if r.kind == "r" || r.kind == "m" {
					am = OIDHeap
				}
				add(r.oid, r.name, r.namespace, r.kind, ownerOID(e, r.owner), len(r.columns), am, len(r.key) > 0, relationACL(e, r))
				if len(r.key) > 0 {
					add(ObjectOID("i", r.name), r.name+"_pkey", r.namespace, "i", ownerOID(e, r.owner), len(r.key), OIDBtree, false, nil)
				}
			}
		},
	},
	{
		Name: "pg_attribute",
		Schema: types.Schema{col("attrelid", oidT), col("attname", textT), col("atttypid", oidT), col("attstattarget", i32T),
			col("attlen", i16T), col("attnum", i16T), col("attndims", i32T), col("atttypmod", i32T), col("attbyval", boolT),
			col("attstorage", textT), col("attcompression", textT), col("attnotnull", boolT), col("atthasdef", boolT),
			col("atthasmissing", boolT), col("attidentity", textT), col("attgenerated", textT), col("attisdropped", boolT),
			col("attislocal", boolT), col("attinhcount", i32T), col("attcollation", oidT), col("attacl", textArrayT),
			col("attoptions", textArrayT), col("attfdwoptions", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				keyed := map[string]bool{}
				for _, k := range r.key {
					keyed[k] = true
				}
				for i, c := range r.columns {
					oid, mod := typeOIDAndMod(c)
					ty, _ := typeOf(oid)
					b.int64(r.oid)
					b.text(c.Name)
					b.int64(oid)
					b.int32(-1)
					b.next().(*array.Int16Builder).Append(ty.len)
					b.next().(*array.Int16Builder).Append(int16(i + 1))
					b.int32(0)
					b.int32(mod)
					b.bool(ty.byVal)
					b.text(map[bool]string{true: "p", false: "x"}[ty.byVal])
					b.text("")
					b.bool(c.NotNull || keyed[c.Name])
					b.bool(false)
					b.bool(false)
					b.text("")
					b.text("")
					b.bool(false)
					b.bool(true)
					b.int32(0)
					b.int64(0)
					b.null()
					b.null()
					b.null()
					b.end()
				}
			}
		},
	},
	{
		Name: "pg_type",
		Schema: types.Schema{col("oid", oidT), col("typname", textT), col("typnamespace", oidT), col("typowner", oidT),
			col("typlen", i16T), col("typbyval", boolT), col("typtype", textT), col("typcategory", textT),
			col("typisdefined", boolT), col("typdelim", textT), col("typrelid", oidT), col("typelem", oidT), col("typarray", oidT),
			col("typinput", textT), col("typoutput", textT), col("typreceive", textT), col("typsend", textT),
			col("typnotnull", boolT), col("typbasetype", oidT), col("typtypmod", i32T), col("typndims", i32T),
			col("typcollation", oidT), col("typdefault", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			row := func(oid int64, name string, l int16, byVal bool, cat string, elem, arr int64, fn string) {
				b.int64(oid)
				b.text(name)
				b.int64(OIDPgCatalog)
				b.int64(10)
				b.next().(*array.Int16Builder).Append(l)
				b.bool(byVal)
				b.text("b")
				b.text(cat)
				b.bool(true)
				b.text(",")
				b.int64(0)
				b.int64(elem)
				b.int64(arr)
				b.text(fn + "in")
				b.text(fn + "out")
				b.text(fn + "recv")
				b.text(fn + "send")
				b.bool(false)
				b.int64(0)
				b.int32(-1)
				b.int32(0)
				b.int64(0)
				b.null()
				b.end()
			}
			for _, t := range pgTypes {
				row(t.oid, t.name, t.len, t.byVal, t.category, 0, t.array, typeIOPrefix(t.name))
				row(t.array, "_"+t.name, -1, false, "A", t.oid, 0, typeIOPrefix("array"))
			}
		},
	},
	{
		Name: "pg_index",
		Schema: types.Schema{col("indexrelid", oidT), col("indrelid", oidT), col("indnatts", i16T), col("indnkeyatts", i16T),
			col("indisunique", boolT), col("indisprimary", boolT), col("indisexclusion", boolT), col("indimmediate", boolT),
			col("indisclustered", boolT), col("indisvalid", boolT), col("indisready", boolT), col("indislive", boolT),
			col("indisreplident", boolT), col("indkey", types.ArrayOf(types.Int16Type)),
			col("indoption", types.ArrayOf(types.Int16Type)), col("indexprs", textT), col("indpred", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if len(r.key) == 0 {
					continue
				}
				b.int64(ObjectOID("i", r.name))
				b.int64(r.oid)
				b.next().(*array.Int16Builder).Append(int16(len(r.key)))
				b.next().(*array.Int16Builder).Append(int16(len(r.key)))
				for _, v := range []bool{true, true, false, true, false, true, true, true, false} {
					b.bool(v)
				}
				b.int16s(keyAttnums(r))
				b.int16s(make([]int16, len(r.key)))
				b.null()
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_constraint",
		Schema: types.Schema{col("oid", oidT), col("conname", textT), col("connamespace", oidT), col("contype", textT),
			col("condeferrable", boolT), col("condeferred", boolT), col("convalidated", boolT), col("conrelid", oidT),
			col("contypid", oidT), col("conindid", oidT), col("confrelid", oidT), col("conkey", types.ArrayOf(types.Int16Type))},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if len(r.key) == 0 {
					continue
				}
				b.int64(ObjectOID("c", r.name))
				b.text(r.name + "_pkey")
				b.int64(r.namespace)
				b.text("p")
				b.bool(false)
				b.bool(false)
				b.bool(true)
				b.int64(r.oid)
				b.int64(0)
				b.int64(ObjectOID("i", r.name))
				b.int64(0)
				b.int16s(keyAttnums(r))
				b.end()
			}
		},
	},
	{
		Name: "pg_roles",
		Schema: types.Schema{col("oid", oidT), col("rolname", textT), col("rolsuper", boolT), col("rolinherit", boolT),
			col("rolcreaterole", boolT), col("rolcreatedb", boolT), col("rolcanlogin", boolT), col("rolreplication", boolT),
			col("rolconnlimit", i32T), col("rolpassword", textT), col("rolvaliduntil", types.TSTZType), col("rolbypassrls", boolT),
			col("rolconfig", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range pgRoles(e) {
				oid := r.oid
				b.int64(oid)
				b.text(r.Name)
				b.bool(r.Superuser)
				b.bool(true)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.bool(r.Login)
				b.bool(r.Superuser)
				b.int32(-1)
				b.text("********")
				b.null()
				b.bool(r.Superuser)
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_database",
		Schema: types.Schema{col("oid", oidT), col("datname", textT), col("datdba", oidT), col("encoding", i32T),
			col("datlocprovider", textT), col("datistemplate", boolT), col("datallowconn", boolT), col("datconnlimit", i32T),
			col("datcollate", textT), col("datctype", textT), col("daticulocale", textT), col("datacl", textArrayT),
			col("dattablespace", oidT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			b.int64(OIDDatabase)
			b.text(DatabaseName)
			b.int64(ownerOID(e, ""))
			b.int32(6) // UTF8
			b.text("c")
			b.bool(false)
			b.bool(true)
			b.int32(-1)
			b.text("C")
			b.text("C")
			b.null()
			b.null()
			b.int64(OIDDefaultTablespace)
			b.end()
		},
	},
	{
		Name:   "pg_am",
		Schema: types.Schema{col("oid", oidT), col("amname", textT), col("amhandler", textT), col("amtype", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, a := range []struct {
				oid        int64
				name, kind string
			}{{OIDHeap, "heap", "t"}, {OIDBtree, "btree", "i"}} {
				b.int64(a.oid)
				b.text(a.name)
				b.text(a.name + "_handler")
				b.text(a.kind)
				b.end()
			}
		},
	},
	{
		Name: "pg_proc",
		Schema: types.Schema{col("oid", oidT), col("proname", textT), col("pronamespace", oidT), col("proowner", oidT),
			col("prolang", oidT), col("prokind", textT), col("prosecdef", boolT), col("proisstrict", boolT),
			col("provolatile", textT), col("pronargs", i16T), col("prorettype", oidT), col("proargtypes", oidArrayT),
			col("proargnames", textArrayT), col("prosrc", textT), col("proparallel", textT), col("proacl", textArrayT),
			col("proleakproof", boolT), col("proretset", boolT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			ce, ok := e.(CatalogEngine)
			if !ok {
				return
			}
			for _, f := range ce.Catalog().Functions("") {
				b.int64(functionOID(f))
				b.text(f.Name)
				b.int64(OIDPublic)
				b.int64(ownerOID(e, f.Owner))
				b.int64(14) // sql
				b.text("f")
				b.bool(false)
				b.bool(f.Strict)
				b.text(string(f.Volatility))
				b.next().(*array.Int16Builder).Append(int16(len(f.ArgTypes)))
				b.int64(int64(f.Returns.OID()))
				lb := b.next().(*array.ListBuilder)
				lb.Append(true)
				for _, t := range f.ArgTypes {
					lb.ValueBuilder().(*array.Int64Builder).Append(int64(t.OID()))
				}
				lb = b.next().(*array.ListBuilder)
				lb.Append(true)
				for _, n := range f.ArgNames {
					lb.ValueBuilder().(*array.StringBuilder).Append(n)
				}
				b.text("SELECT " + f.Body) // the body is one expression
				b.text("u")
				b.null()
				b.bool(false)
				b.bool(false)
				b.end()
			}
			appendBuiltinProcs(b, e)
			appendTypeIOProcs(b, e)
		},
	},
	{
		Name:   "weir_pg_definitions",
		Schema: types.Schema{col("oid", oidT), col("what", textT), col("definition", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			add := func(oid int64, what, def string) {
				b.int64(oid)
				b.text(what)
				b.text(def)
				b.end()
			}
			for _, r := range relations(e, may) {
				if r.definition != "" {
					add(r.oid, "viewdef", r.definition)
				}
				if len(r.key) > 0 {
					// Names print as Postgres' catalog functions print them,
					// quoted where they must be.
					key := make([]string, len(r.key))
					for i, k := range r.key {
						key[i] = sql.QuoteIdent(k)
					}
					cols := strings.Join(key, ", ")
					add(ObjectOID("i", r.name), "indexdef", "CREATE UNIQUE INDEX "+sql.QuoteIdent(r.name+"_pkey")+" ON public."+sql.QuoteIdent(r.name)+" USING btree ("+cols+")")
					add(ObjectOID("c", r.name), "constraintdef", "PRIMARY KEY ("+cols+")")
				}
			}
			if ce, ok := e.(CatalogEngine); ok {
				for _, f := range ce.Catalog().Functions("") {
					add(functionOID(f), "function_result", formatType(f.Returns))
					var args []string
					for i, t := range f.ArgTypes {
						a := formatType(t)
						if i < len(f.ArgNames) && f.ArgNames[i] != "" {
							a = f.ArgNames[i] + " " + a
						}
						args = append(args, a)
					}
					add(functionOID(f), "function_arguments", strings.Join(args, ", "))
				}
			}
			addBuiltinDefinitions(add)
		},
	},
	{
		Name:   "pg_foreign_table",
		Schema: types.Schema{col("ftrelid", oidT), col("ftserver", oidT), col("ftoptions", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if r.kind == "f" {
					b.int64(r.oid)
					b.int64(ObjectOID("s", r.connector))
					b.null() // a stream's options may hold secrets: SHOW CREATE shows them
					b.end()
				}
			}
		},
	},
	{
		Name: "pg_foreign_server",
		Schema: types.Schema{col("oid", oidT), col("srvname", textT), col("srvowner", oidT), col("srvfdw", oidT),
			col("srvtype", textT), col("srvversion", textT), col("srvacl", textArrayT), col("srvoptions", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			seen := map[string]bool{}
			for _, r := range relations(e, may) {
				if r.kind == "f" && !seen[r.connector] {
					seen[r.connector] = true
					b.int64(ObjectOID("s", r.connector))
					b.text(r.connector)
					b.int64(ownerOID(e, ""))
					b.int64(OIDForeignDataWrapper)
					b.null()
					b.null()
					b.null()
					b.null()
					b.end()
				}
			}
		},
	},
	{
		Name: "pg_authid",
		Schema: types.Schema{col("oid", oidT), col("rolname", textT), col("rolsuper", boolT), col("rolinherit", boolT),
			col("rolcreaterole", boolT), col("rolcreatedb", boolT), col("rolcanlogin", boolT), col("rolreplication", boolT),
			col("rolbypassrls", boolT), col("rolconnlimit", i32T), col("rolpassword", textT), col("rolvaliduntil", types.TSTZType)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range pgRoles(e) {
				b.int64(r.oid)
				b.text(r.Name)
				b.bool(r.Superuser)
				b.bool(true)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.bool(r.Login)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.int32(-1)
				b.null() // password verifiers are shown to no one
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_user",
		Schema: types.Schema{col("usename", textT), col("usesysid", oidT), col("usecreatedb", boolT), col("usesuper", boolT),
			col("userepl", boolT), col("usebypassrls", boolT), col("passwd", textT), col("valuntil", types.TSTZType),
			col("useconfig", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range pgRoles(e) {
				if !r.Login {
					continue
				}
				b.text(r.Name)
				b.int64(r.oid)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.bool(r.Superuser)
				b.text("********")
				b.null()
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_tables",
		Schema: types.Schema{col("schemaname", textT), col("tablename", textT), col("tableowner", textT), col("tablespace", textT),
			col("hasindexes", boolT), col("hasrules", boolT), col("hastriggers", boolT), col("rowsecurity", boolT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if r.kind != "r" {
					continue
				}
				b.text(namespaceName(r.namespace))
				b.text(r.name)
				b.text(ownerName(e, r.owner))
				b.null()
				b.bool(len(r.key) > 0)
				b.bool(false)
				b.bool(false)
				b.bool(false)
				b.end()
			}
		},
	},
	{
		Name:   "pg_views",
		Schema: types.Schema{col("schemaname", textT), col("viewname", textT), col("viewowner", textT), col("definition", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if r.kind != "v" {
					continue
				}
				b.text(namespaceName(r.namespace))
				b.text(r.name)
				b.text(ownerName(e, r.owner))
				b.textOrNull(r.definition)
				b.end()
			}
		},
	},
	{
		Name: "pg_matviews",
		Schema: types.Schema{col("schemaname", textT), col("matviewname", textT), col("matviewowner", textT), col("tablespace", textT),
			col("hasindexes", boolT), col("ispopulated", boolT), col("definition", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if r.kind != "m" {
					continue
				}
				b.text(namespaceName(r.namespace))
				b.text(r.name)
				b.text(ownerName(e, r.owner))
				b.null()
				b.bool(false)
				b.bool(true)
				b.text(r.definition)
				b.end()
			}
		},
	},
	{
		Name: "pg_foreign_data_wrapper",
		Schema: types.Schema{col("oid", oidT), col("fdwname", textT), col("fdwowner", oidT), col("fdwhandler", oidT),
			col("fdwvalidator", oidT), col("fdwacl", textArrayT), col("fdwoptions", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			b.int64(OIDForeignDataWrapper)
			b.text("weir")
			b.int64(ownerOID(e, ""))
			b.int64(0)
			b.int64(0)
			b.null()
			b.null()
			b.end()
		},
	},
	{
		Name:   "pg_tablespace",
		Schema: types.Schema{col("oid", oidT), col("spcname", textT), col("spcowner", oidT), col("spcacl", textArrayT), col("spcoptions", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, t := range []struct {
				oid  int64
				name string
			}{{OIDDefaultTablespace, "pg_default"}, {OIDDefaultTablespace + 1, "pg_global"}} {
				b.int64(t.oid)
				b.text(t.name)
				b.int64(ownerOID(e, ""))
				b.null()
				b.null()
				b.end()
			}
		},
	},
	{
		Name: "pg_language",
		Schema: types.Schema{col("oid", oidT), col("lanname", textT), col("lanowner", oidT), col("lanispl", boolT),
			col("lanpltrusted", boolT), col("lanplcallfoid", oidT), col("laninline", oidT), col("lanvalidator", oidT), col("lanacl", textArrayT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, l := range []struct {
				oid  int64
				name string
			}{{12, "internal"}, {14, "sql"}} {
				b.int64(l.oid)
				b.text(l.name)
				b.int64(ownerOID(e, ""))
				b.bool(false)
				b.bool(l.name == "sql")
				b.int64(0)
				b.int64(0)
				b.int64(0)
				b.null()
				b.end()
			}
		},
	},
	emptyTable("pg_description", col("objoid", oidT), col("classoid", oidT), col("objsubid", i32T), col("description", textT)),
	emptyTable("pg_inherits", col("inhrelid", oidT), col("inhparent", oidT), col("inhseqno", i32T), col("inhdetachpending", boolT)),
	emptyTable("pg_auth_members", col("roleid", oidT), col("member", oidT), col("grantor", oidT), col("admin_option", boolT)),
	emptyTable("pg_attrdef", col("oid", oidT), col("adrelid", oidT), col("adnum", i16T), col("adbin", textT)),
	emptyTable("pg_collation", col("oid", oidT), col("collname", textT), col("collnamespace", oidT)),
	emptyTable("pg_policy", col("oid", oidT), col("polname", textT), col("polrelid", oidT), col("polcmd", textT),
		col("polpermissive", boolT), col("polroles", oidArrayT), col("polqual", textT), col("polwithcheck", textT)),
	emptyTable("pg_statistic_ext", col("oid", oidT), col("stxrelid", oidT), col("stxname", textT), col("stxnamespace", oidT),
		col("stxowner", oidT), col("stxstattarget", i32T), col("stxkeys", types.ArrayOf(types.Int16Type)), col("stxkind", textArrayT)),
	emptyTable("pg_publication", col("oid", oidT), col("pubname", textT), col("pubowner", oidT), col("puballtables", boolT)),
	emptyTable("pg_publication_namespace", col("oid", oidT), col("pnpubid", oidT), col("pnnspid", oidT)),
	emptyTable("pg_publication_rel", col("oid", oidT), col("prpubid", oidT), col("prrelid", oidT), col("prqual", textT),
		col("prattrs", types.ArrayOf(types.Int16Type))),
	emptyTable("pg_rewrite", col("oid", oidT), col("rulename", textT), col("ev_class", oidT), col("ev_type", textT)),
	emptyTable("pg_extension", col("oid", oidT), col("extname", textT), col("extowner", oidT), col("extnamespace", oidT),
		col("extversion", textT)),
}

// pgRole is a row of pg_roles, pg_authid and pg_user: a role and its OID.
type pgRole struct {
	catalog.Role
	oid int64
}

// pgRoles returns e's roles with their OIDs; when no role is a superuser
// (an engine without roles: every client is one), the bootstrap superuser
// weir (OID 10) first.
func pgRoles(e Engine) []pgRole {
	var out []pgRole
	if ownerOID(e, "") == bootstrapOID {
		out = append(out, pgRole{catalog.Role{Name: DatabaseName, Superuser: true, Login: true}, bootstrapOID})
	}
	for _, r := range roles(e) {
		out = append(out, pgRole{*r, ObjectOID("a", r.Name)})
	}
	return out
}

// aclLetters are the letters Postgres' aclitem writes weir's privileges as.
var aclLetters = map[string]string{"SELECT": "r", "INSERT": "a", "UPDATE": "w", "DELETE": "d"}

// relationACL returns pg_class.relacl of r: nil (the owner's privileges
// only) without grants, else the owner's and each grantee's, as
// "role=letters/owner" ("=r/owner" for PUBLIC).
func relationACL(e Engine, r pgRelation) []string {
	ce, ok := e.(CatalogEngine)
	if !ok || r.namespace != OIDPublic {
		return nil
	}
	grants := ce.Catalog().Grants(r.name)
	if len(grants) == 0 {
		return nil
	}
	owner := ownerName(e, r.owner)
	acl := []string{owner + "=arwd/" + owner}
	roles := make([]string, 0, len(grants))
	for role := range grants {
		roles = append(roles, role)
	}
	slices.Sort(roles)
	for _, role := range roles {
		var letters string
		for _, p := range []string{"INSERT", "SELECT", "UPDATE", "DELETE"} {
			if slices.Contains(grants[role], p) {
				letters += aclLetters[p]
			}
		}
		if letters == "" {
			continue
		}
		grantee := role
		if role == catalog.PublicRole {
			grantee = ""
		}
		acl = append(acl, grantee+"="+letters+"/"+owner)
	}
	return acl
}

// ownerName returns the name of the role that owns an object whose Owner
// is owner (see ownerOID).
func ownerName(e Engine, owner string) string {
	oid := ownerOID(e, owner)
	for _, r := range pgRoles(e) {
		if r.oid == oid {
			return r.Name
		}
	}
	return owner
}

// namespaceName returns the name of the schema with OID oid.
func namespaceName(oid int64) string {
	switch oid {
	case OIDPgCatalog:
		return "pg_catalog"
	case OIDInformationSchema:
		return "information_schema"
	}
	return "public"
}

// formatType returns what Postgres' format_type writes of t.
func formatType(t types.T) string {
	if t.Family == types.Numeric && t != types.DefaultNumeric {
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	}
	if ty, ok := typeOf(int64(t.OID())); ok {
		return ty.sqlName
	}
	return t.String()
}

// functionOID returns the OID of f: a hash of its name and argument types.
func functionOID(f *catalog.Function) int64 {
	return ObjectOID("p", f.Signature())
}
