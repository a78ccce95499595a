package types

import "testing"

func TestTypNameRoundTrip(t *testing.T) {
	want := map[T]string{
		UnknownType: "unknown", BoolType: "bool", Int16Type: "int2", Int32Type: "int4", Int64Type: "int8",
		Float32Type: "float4", Float64Type: "float8", TextType: "varchar", DateType: "date",
		TSType: "timestamp", TSTZType: "timestamptz", IntervalT: "interval", ByteaType: "bytea",
		JSONBType: "jsonb", DefaultNumeric: "numeric(38,10)", NumericType(1, 0): "numeric(1,0)",
		NumericType(38, 38): "numeric(38,38)",
	}
	for f := Unknown; f <= JSONB; f++ {
		if f != Numeric {
			if _, ok := want[T{Family: f}]; !ok {
				t.Errorf("family %d (%s) has no case here", f, T{Family: f})
			}
		}
	}
	for typ, name := range want {
		if got := typ.TypName(); got != name {
			t.Errorf("%s.TypName() = %q, want %q", typ, got, name)
		}
		back, err := ParseTypName(name)
		if err != nil || back != typ {
			t.Errorf("ParseTypName(%q) = %v, %v; want %v", name, back, err, typ)
		}
	}
	for _, bad := range []string{
		"", "int", "INT4", "numeric", "numeric(0,0)", "numeric(39,0)", "numeric(5,6)", "numeric(5,-1)",
		"numeric(5)", "numeric(05,1)", "numeric(5,1", "numeric(+5,1)", "numeric( 5,1)", "family(3)", "text",
	} {
		if typ, err := ParseTypName(bad); err == nil {
			t.Errorf("ParseTypName(%q) = %v, want an error", bad, typ)
		}
	}
}
