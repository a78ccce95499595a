package sql

import "testing"

// TestPrinterSetOpHandBuilt checks that the printer parenthesises the
// operands of hand-built set operations exactly where the tree would
// otherwise read back with another grouping.
func TestPrinterSetOpHandBuilt(t *testing.T) {
	sel := func(v int) *Select { return &Select{Items: []SelectItem{{Expr: intLit(v)}}} }
	set := func(op SetOpKind, all bool, l, r *Select) *Select {
		return &Select{Set: &SetOp{Op: op, All: all, Left: l, Right: r}}
	}
	limited := sel(2)
	limited.Limit = intLit(1)
	for _, tc := range []struct {
		q    *Select
		want string
	}{
		{set(SetUnion, false, set(SetUnion, true, sel(1), sel(2)), sel(3)), "SELECT 1 UNION ALL SELECT 2 UNION SELECT 3"},
		{set(SetUnion, false, sel(1), set(SetUnion, true, sel(2), sel(3))), "SELECT 1 UNION (SELECT 2 UNION ALL SELECT 3)"},
		{set(SetIntersect, false, set(SetExcept, false, sel(1), sel(2)), sel(3)), "(SELECT 1 EXCEPT SELECT 2) INTERSECT SELECT 3"},
		{set(SetExcept, false, sel(1), set(SetIntersect, true, sel(2), sel(3))), "SELECT 1 EXCEPT SELECT 2 INTERSECT ALL SELECT 3"},
		{set(SetIntersect, false, sel(1), set(SetIntersect, false, sel(2), sel(3))), "SELECT 1 INTERSECT (SELECT 2 INTERSECT SELECT 3)"},
		{set(SetUnion, false, limited, sel(3)), "(SELECT 2 LIMIT 1) UNION SELECT 3"},
		{set(SetUnion, false, sel(3), limited), "SELECT 3 UNION (SELECT 2 LIMIT 1)"},
	} {
		got := String(tc.q)
		if got != tc.want {
			t.Errorf("String = %q, want %q", got, tc.want)
		}
		back, err := ParseOne(got)
		if err != nil {
			t.Errorf("%q: %v", got, err)
			continue
		}
		if !EqualIgnoringPos(tc.q, back) {
			t.Errorf("%q reads back as another tree:\n%s\nvs\n%s", got, Dump(tc.q), Dump(back))
		}
	}
}
