package types

import "testing"

func TestFieldRoundTrip(t *testing.T) {
	all := []T{BoolType, Int16Type, Int32Type, Int64Type, Float32Type, Float64Type,
		NumericType(10, 2), DefaultNumeric, TextType, DateType, TSType, TSTZType,
		IntervalT, ByteaType, JSONBType}
	for _, want := range all {
		got, err := FromField(FieldOf("c", want, true))
		if err != nil || got != want {
			t.Errorf("FromField(FieldOf(%s)) = %v, %v", want, got, err)
		}
		if back, ok := FromOID(want.OID()); !ok || back.Family != want.Family {
			t.Errorf("FromOID(%d) = %v, %v; want family of %s", want.OID(), back, ok, want)
		}
	}
}

func TestFromArrowMapsEngineTypes(t *testing.T) {
	for _, want := range []T{BoolType, Int64Type, Float64Type, NumericType(38, 0), TextType, DateType, TSType, TSTZType} {
		got, err := FromArrow(want.ArrowType())
		if err != nil || got != want {
			t.Errorf("FromArrow(%s) = %v, %v", want.ArrowType(), got, err)
		}
	}
}
