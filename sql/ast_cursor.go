package sql

// DeclareCursor is DECLARE name [BINARY] [NO SCROLL] CURSOR [WITH HOLD |
// WITHOUT HOLD] FOR query: a server-side cursor over an ordinary query.
type DeclareCursor struct {
	Pos    Pos
	Name   Name
	Binary bool
	Hold   bool // WITH HOLD: the cursor outlives the transaction that commits it
	Query  *Select
	// Subscribe is set for DECLARE … CURSOR FOR SUBSCRIBE (Materialize's
	// form): the cursor's rows are the subscription's changes, Query its
	// query (Subscribe.Query is nil).
	Subscribe *Subscribe
}

// FetchCursor is FETCH or MOVE: [direction] [FROM | IN] name, where
// direction moves forward by Count rows (All: every remaining row), or is
// one of the directions a NO SCROLL cursor refuses (Backward).
type FetchCursor struct {
	Pos  Pos
	Move bool // MOVE: skip the rows instead of returning them
	Name Name
	// Count is how many rows the statement moves forward by, when All is
	// not set.
	Count int64
	All   bool
	// Backward is set for PRIOR, FIRST, LAST, ABSOLUTE, RELATIVE,
	// BACKWARD and a negative count: the keywords of scrollable cursors.
	Backward bool
	// Timeout is the text of WITH (TIMEOUT = '1s') (Materialize's option
	// for a SUBSCRIBE cursor: how long FETCH waits for a first row), ""
	// without it.
	Timeout string
}

// CloseCursor is CLOSE name, or CLOSE ALL (All set, Name empty).
type CloseCursor struct {
	Pos  Pos
	Name Name
	All  bool
}

func (s *DeclareCursor) Position() Pos { return s.Pos }
func (*DeclareCursor) statementNode()  {}
func (s *FetchCursor) Position() Pos   { return s.Pos }
func (*FetchCursor) statementNode()    {}
func (s *CloseCursor) Position() Pos   { return s.Pos }
func (*CloseCursor) statementNode()    {}
