package sql

import "testing"

// TestParseColumnDef: a column definition parses to the ColumnDef CREATE
// STREAM's column list has, ColumnsString prints it back, and text beyond
// one column is a syntax error at its position.
func TestParseColumnDef(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"id BIGINT NOT NULL", "id BIGINT NOT NULL"},
		{`"User Id" int4 primary key`, `"User Id" INT PRIMARY KEY`},
		{"note varchar(20) NULL", "note VARCHAR(20)"},
		{"amount double precision", "amount DOUBLE PRECISION"},
	} {
		col, err := ParseColumnDef(c.text)
		if err != nil {
			t.Errorf("ParseColumnDef(%q): %v", c.text, err)
			continue
		}
		if got := ColumnsString([]ColumnDef{col}); got != c.want {
			t.Errorf("ParseColumnDef(%q) prints %q, want %q", c.text, got, c.want)
		}
		st, err := ParseOne("CREATE STREAM s (" + c.text + ") WITH (connector = 'file')")
		if err != nil {
			t.Fatal(err)
		}
		if want := st.(*CreateStream).Columns[0]; !EqualIgnoringPos(&CreateStream{Columns: []ColumnDef{col}}, &CreateStream{Columns: []ColumnDef{want}}) {
			t.Errorf("ParseColumnDef(%q) = %+v, CREATE STREAM has %+v", c.text, col, want)
		}
	}
	for _, c := range []struct{ text, want string }{
		{"id BIGINT, b INT", `syntax error at or near ","`},
		{"id", "syntax error at end of input"},
		{"id nosuchtype", `type "nosuchtype" does not exist`},
	} {
		if _, err := ParseColumnDef(c.text); err == nil || err.Error() != c.want {
			t.Errorf("ParseColumnDef(%q): %v, want %q", c.text, err, c.want)
		}
	}
}

// TestParseColumnType: a type with constraints parses without a name.
func TestParseColumnType(t *testing.T) {
	col, err := ParseColumnType("timestamp with time zone not null")
	if err != nil {
		t.Fatal(err)
	}
	col.Name = Name{Value: "ts", Quoted: true}
	if got := ColumnsString([]ColumnDef{col, {Name: Name{Value: "n"}, Type: col.Type}}); got != `"ts" TIMESTAMPTZ NOT NULL, n TIMESTAMPTZ` {
		t.Errorf("ColumnsString = %q", got)
	}
	if _, err := ParseColumnType("BIGINT extra"); err == nil || err.Error() != `syntax error at or near "extra"` {
		t.Errorf("ParseColumnType(BIGINT extra): %v", err)
	}
}
