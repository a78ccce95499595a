package sql

// Copy is COPY t [(cols)] FROM STDIN, COPY t [(cols)] TO STDOUT or
// COPY (query) TO STDOUT, with its options in either spelling Postgres
// accepts (WITH (FORMAT csv, HEADER) or the older WITH CSV HEADER); the
// options are checked when the statement runs.
type Copy struct {
	Pos     Pos
	Table   ObjectName // empty for COPY (query)
	Columns []Name     // nil: all columns in order
	Query   *Select    // set for COPY (query) TO STDOUT
	To      bool       // TO STDOUT; else FROM STDIN
	Options []CopyOption
}

// CopyOption is one option of COPY: Name in lower case, Value the text of
// its argument (a key word in lower case, a string as written) or "" when
// it has none.
type CopyOption struct {
	Pos   Pos
	Name  string
	Value string
}

func (s *Copy) Position() Pos { return s.Pos }
func (*Copy) statementNode()  {}
