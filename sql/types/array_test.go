package types

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestArrayTypes(t *testing.T) {
	cases := []struct {
		elem    T
		name    string
		sql     string
		typName string
		oid     uint32
	}{
		{Int32Type, "integer[]", "INT[]", "_int4", 1007},
		{Int64Type, "bigint[]", "BIGINT[]", "_int8", 1016},
		{TextType, "character varying[]", "VARCHAR[]", "_varchar", 1009},
		{NumericType(10, 2), "numeric(10,2)[]", "NUMERIC(10,2)[]", "_numeric(10,2)", 1231},
		{BoolType, "boolean[]", "BOOLEAN[]", "_bool", 1000},
	}
	for _, c := range cases {
		at := ArrayOf(c.elem)
		if !at.IsArray() || at.ElemType() != c.elem {
			t.Errorf("ArrayOf(%s).ElemType() = %s", c.elem, at.ElemType())
		}
		if got := at.String(); got != c.name {
			t.Errorf("String() = %q, want %q", got, c.name)
		}
		if got := at.SQL(); got != c.sql {
			t.Errorf("SQL() = %q, want %q", got, c.sql)
		}
		if got := at.TypName(); got != c.typName {
			t.Errorf("TypName() = %q, want %q", got, c.typName)
		}
		if back, err := ParseTypName(c.typName); err != nil || back != at {
			t.Errorf("ParseTypName(%q) = %v, %v", c.typName, back, err)
		}
		if got := at.OID(); got != c.oid {
			t.Errorf("OID() of %s = %d, want %d", at, got, c.oid)
		}
		if back, ok := FromOID(c.oid); !ok || back.Family != Array || back.Elem != c.elem.Family {
			t.Errorf("FromOID(%d) = %v, %v", c.oid, back, ok)
		}
		if got, err := FromField(FieldOf("c", at, true)); err != nil || got != at {
			t.Errorf("FromField(FieldOf(%s)) = %v, %v", at, got, err)
		}
		lt, ok := at.ArrowType().(*arrow.ListType)
		if !ok || !arrow.TypeEqual(lt.Elem(), c.elem.ArrowType()) {
			t.Errorf("ArrowType() of %s = %s", at, at.ArrowType())
		}
		if got, err := FromArrow(at.ArrowType()); err != nil || got.Elem != c.elem.Family {
			t.Errorf("FromArrow(%s) = %v, %v", at.ArrowType(), got, err)
		}
	}
	if got := ArrayOf(NumericType(10, 2)).Modifier(); got != NumericType(10, 2).Modifier() {
		t.Errorf("Modifier() of numeric(10,2)[] = %d", got)
	}
	if back, ok := FromOID(OIDVarcharArray); !ok || back != ArrayOf(TextType) {
		t.Errorf("FromOID(_varchar) = %v, %v", back, ok)
	}
	for _, bad := range []string{"_", "__int4", "_unknown", "_foo"} {
		if _, err := ParseTypName(bad); err == nil {
			t.Errorf("ParseTypName(%q) succeeded", bad)
		}
	}
}
