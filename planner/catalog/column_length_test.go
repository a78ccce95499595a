package catalog

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/weir-stream/weir/sql/types"
)

// TestColumnLengthJSON checks that a column's VARCHAR(n)/CHAR(n) length is
// kept in the catalog's JSON, and that a catalog written before lengths
// existed (no Length key) loads with no limit.
func TestColumnLengthJSON(t *testing.T) {
	o := &Object{Name: "t", Kind: Table, Columns: []Column{
		{Name: "a", Type: types.TextType, Length: 3},
		{Name: "b", Type: types.TextType, Length: 2, Fixed: true},
		{Name: "c", Type: types.TextType},
	}}
	data, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	var back Object
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Columns[0].Length != 3 || back.Columns[0].Fixed || back.Columns[1].Length != 2 || !back.Columns[1].Fixed {
		t.Fatalf("lengths lost: %+v", back.Columns)
	}
	old := strings.Replace(string(data), `,"Length":3`, "", 1)
	if old == string(data) {
		t.Fatalf("no Length key in %s", data)
	}
	var loaded Object
	if err := json.Unmarshal([]byte(old), &loaded); err != nil {
		t.Fatal(err)
	}
	if loaded.Columns[0].Length != 0 || loaded.Columns[2].Length != 0 {
		t.Fatalf("an old catalog's column has a limit: %+v", loaded.Columns)
	}
}
