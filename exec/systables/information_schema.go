package systables

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql/types"
)

// InformationSchema is the schema of the SQL standard's views of the
// catalog; its relations are system tables named "information_schema.x".
const InformationSchema = "information_schema"

// The columns of information_schema's views are of its domains in
// Postgres: cardinal_number (an integer) and character_data,
// sql_identifier and yes_or_no (text).
var cardinalT = types.Int32Type

// Postgres' information_schema shows the relations of kinds r, v, f and p
// only: tables are BASE TABLE, plain views VIEW, streams FOREIGN;
// materialized views are in none of its views.
var informationSchemaTableTypes = map[string]string{"r": "BASE TABLE", "v": "VIEW", "f": "FOREIGN"}

// yesNo returns v as information_schema's yes_or_no.
func yesNo(v bool) string {
	if v {
		return "YES"
	}
	return "NO"
}

// columnType is what information_schema.columns says of a column's type.
type columnType struct {
	dataType, udtName                 string
	charMax, charOctets               int32 // 0: NULL
	precision, radix, scale, datetime int32 // -1: NULL
}

// describeColumnType returns the information_schema description of c's
// type, as Postgres 16 computes it from the type and typmod.
func describeColumnType(c catalog.Column) columnType {
	oid, mod := typeOIDAndMod(c)
	ty, ok := typeOf(oid)
	out := columnType{dataType: "USER-DEFINED", udtName: c.TypeName(), precision: -1, radix: -1, scale: -1, datetime: -1}
	if !ok {
		return out
	}
	out.dataType, out.udtName = ty.sqlName, ty.name
	if ty.category == "A" {
		out.dataType = "ARRAY"
		return out
	}
	switch oid {
	case 1043:
		out.charMax, out.charOctets = mod-4, (mod-4)*4 // UTF8's longest character is four bytes
		if mod < 0 {
			out.charMax, out.charOctets = 0, 1<<30
		}
	case 25:
		out.charOctets = 1 << 30
	case 21, 23, 20:
		out.precision, out.radix, out.scale = int32(ty.len)*8, 2, 0
	case 700:
		out.precision, out.radix = 24, 2
	case 701:
		out.precision, out.radix = 53, 2
	case 1700:
		out.radix = 10
		if mod >= 4 {
			out.precision, out.scale = (mod-4)>>16, (mod-4)&0xffff
		}
	case 1082:
		out.datetime = 0
	case 1114, 1184, 1186:
		out.datetime = 6
	}
	return out
}

// informationSchemaRelations returns the relations information_schema
// shows (informationSchemaTableTypes) with their schemas' names.
func informationSchemaRelations(e Engine, may Filter) []pgRelation {
	var out []pgRelation
	for _, r := range relations(e, may) {
		if informationSchemaTableTypes[r.kind] != "" {
			out = append(out, r)
		}
	}
	return out
}

// notNullConstraintName is the name Postgres 16 gives a table's NOT NULL
// column in information_schema.table_constraints: the schema's OID, the
// relation's and the column's number.
func notNullConstraintName(r pgRelation, attnum int) string {
	return fmt.Sprintf("%d_%d_%d_not_null", r.namespace, r.oid, attnum)
}

func init() {
	tables = append(tables, informationSchemaTables...)
}

var informationSchemaTables = []*Table{
	{
		Name: InformationSchema + ".schemata",
		Schema: types.Schema{col("catalog_name", textT), col("schema_name", textT), col("schema_owner", textT),
			col("default_character_set_catalog", textT), col("default_character_set_schema", textT),
			col("default_character_set_name", textT), col("sql_path", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, ns := range []int64{OIDInformationSchema, OIDPgCatalog, OIDPublic} {
				b.text(DatabaseName)
				b.text(namespaceName(ns))
				b.text(ownerName(e, ""))
				b.null()
				b.null()
				b.null()
				b.null()
				b.end()
			}
		},
	},
	{
		Name: InformationSchema + ".tables",
		Schema: types.Schema{col("table_catalog", textT), col("table_schema", textT), col("table_name", textT),
			col("table_type", textT), col("self_referencing_column_name", textT), col("reference_generation", textT),
			col("user_defined_type_catalog", textT), col("user_defined_type_schema", textT),
			col("user_defined_type_name", textT), col("is_insertable_into", textT), col("is_typed", textT),
			col("commit_action", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range informationSchemaRelations(e, may) {
				b.text(DatabaseName)
				b.text(namespaceName(r.namespace))
				b.text(r.name)
				b.text(informationSchemaTableTypes[r.kind])
				for range 5 {
					b.null()
				}
				b.text(yesNo(r.kind == "r" && r.namespace == OIDPublic))
				b.text("NO")
				b.null()
				b.end()
			}
		},
	},
	{
		Name: InformationSchema + ".columns",
		Schema: types.Schema{col("table_catalog", textT), col("table_schema", textT), col("table_name", textT),
			col("column_name", textT), col("ordinal_position", cardinalT), col("column_default", textT),
			col("is_nullable", textT), col("data_type", textT), col("character_maximum_length", cardinalT),
			col("character_octet_length", cardinalT), col("numeric_precision", cardinalT),
			col("numeric_precision_radix", cardinalT), col("numeric_scale", cardinalT),
			col("datetime_precision", cardinalT), col("interval_type", textT), col("interval_precision", cardinalT),
			col("character_set_catalog", textT), col("character_set_schema", textT), col("character_set_name", textT),
			col("collation_catalog", textT), col("collation_schema", textT), col("collation_name", textT),
			col("domain_catalog", textT), col("domain_schema", textT), col("domain_name", textT),
			col("udt_catalog", textT), col("udt_schema", textT), col("udt_name", textT),
			col("scope_catalog", textT), col("scope_schema", textT), col("scope_name", textT),
			col("maximum_cardinality", cardinalT), col("dtd_identifier", textT), col("is_self_referencing", textT),
			col("is_identity", textT), col("identity_generation", textT), col("identity_start", textT),
			col("identity_increment", textT), col("identity_maximum", textT), col("identity_minimum", textT),
			col("identity_cycle", textT), col("is_generated", textT), col("generation_expression", textT),
			col("is_updatable", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range informationSchemaRelations(e, may) {
				for i, c := range r.columns {
					t := describeColumnType(c)
					b.text(DatabaseName)
					b.text(namespaceName(r.namespace))
					b.text(r.name)
					b.text(c.Name)
					b.int32(int32(i + 1))
					b.null()
					b.text(yesNo(!c.NotNull && !slices.Contains(r.key, c.Name)))
					b.text(t.dataType)
					b.int32OrNull(t.charMax, t.charMax == 0)
					b.int32OrNull(t.charOctets, t.charOctets == 0)
					b.int32OrNull(t.precision, t.precision < 0)
					b.int32OrNull(t.radix, t.radix < 0)
					b.int32OrNull(t.scale, t.scale < 0)
					b.int32OrNull(t.datetime, t.datetime < 0)
					b.null()
					b.null()
					for range 9 { // character set, collation and domain
						b.null()
					}
					b.text(DatabaseName)
					b.text("pg_catalog")
					b.text(t.udtName)
					b.null()
					b.null()
					b.null()
					b.null()
					b.text(strconv.Itoa(i + 1))
					b.text("NO")
					b.text("NO")
					for range 6 { // identity
						b.null()
					}
					b.text("NEVER")
					b.null()
					b.text(yesNo(r.kind == "r" && r.namespace == OIDPublic))
					b.end()
				}
			}
		},
	},
	{
		Name: InformationSchema + ".views",
		Schema: types.Schema{col("table_catalog", textT), col("table_schema", textT), col("table_name", textT),
			col("view_definition", textT), col("check_option", textT), col("is_updatable", textT),
			col("is_insertable_into", textT), col("is_trigger_updatable", textT), col("is_trigger_deletable", textT),
			col("is_trigger_insertable_into", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				if r.kind != "v" {
					continue
				}
				b.text(DatabaseName)
				b.text(namespaceName(r.namespace))
				b.text(r.name)
				b.textOrNull(r.definition)
				b.text("NONE")
				for range 5 {
					b.text("NO")
				}
				b.end()
			}
		},
	},
	{
		Name: InformationSchema + ".table_constraints",
		Schema: types.Schema{col("constraint_catalog", textT), col("constraint_schema", textT), col("constraint_name", textT),
			col("table_catalog", textT), col("table_schema", textT), col("table_name", textT), col("constraint_type", textT),
			col("is_deferrable", textT), col("initially_deferred", textT), col("enforced", textT), col("nulls_distinct", textT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			add := func(r pgRelation, name, kind string) {
				schema := namespaceName(r.namespace)
				b.text(DatabaseName)
				b.text(schema)
				b.text(name)
				b.text(DatabaseName)
				b.text(schema)
				b.text(r.name)
				b.text(kind)
				b.text("NO")
				b.text("NO")
				b.text("YES")
				b.null()
				b.end()
			}
			for _, r := range relations(e, may) {
				if r.kind != "r" || r.namespace != OIDPublic {
					continue
				}
				if len(r.key) > 0 {
					add(r, r.name+"_pkey", "PRIMARY KEY")
				}
				for i, c := range r.columns {
					if c.NotNull || slices.Contains(r.key, c.Name) {
						add(r, notNullConstraintName(r, i+1), "CHECK")
					}
				}
			}
		},
	},
	{
		Name: InformationSchema + ".key_column_usage",
		Schema: types.Schema{col("constraint_catalog", textT), col("constraint_schema", textT), col("constraint_name", textT),
			col("table_catalog", textT), col("table_schema", textT), col("table_name", textT), col("column_name", textT),
			col("ordinal_position", cardinalT), col("position_in_unique_constraint", cardinalT)},
		appendRows: func(b *rowBuilder, e Engine, may Filter) {
			for _, r := range relations(e, may) {
				for i, k := range r.key {
					schema := namespaceName(r.namespace)
					b.text(DatabaseName)
					b.text(schema)
					b.text(r.name + "_pkey")
					b.text(DatabaseName)
					b.text(schema)
					b.text(r.name)
					b.text(k)
					b.int32(int32(i + 1))
					b.null()
					b.end()
				}
			}
		},
	},
}
