// Package sql is weir's SQL front end: a hand-written lexer, a recursive-descent
// parser producing the AST in this file, and a printer that turns an AST back
// into SQL that parses to the same AST. It knows nothing of the catalog: names
// are resolved and types checked by the planner.
package sql

import "github.com/weir-stream/weir/sql/types"

// Pos is a byte offset into the statement text, counted from 0. Postgres
// reports positions 1-based in characters; wire converts.
type Pos int

// Node is any AST node.
type Node interface {
	// Position returns where the node starts in the source text.
	Position() Pos
}

// Statement is a top-level statement.
type Statement interface {
	Node
	statementNode()
}

// Expr is a scalar expression.
type Expr interface {
	Node
	exprNode()
}

// TableExpr is an item of a FROM clause.
type TableExpr interface {
	Node
	tableExprNode()
}

// Name is an identifier as the user wrote it, after case folding: unquoted
// identifiers are lower-cased, quoted ones kept as written.
type Name struct {
	Pos    Pos
	Value  string
	Quoted bool // written with double quotes; the printer quotes it again
}

// Position returns where the name starts.
func (n Name) Position() Pos { return n.Pos }

// ObjectName is a possibly qualified name: schema.name or name.
// Parts holds one or two names, outermost first.
type ObjectName struct {
	Parts []Name
}

// Position returns where the name starts.
func (n ObjectName) Position() Pos {
	if len(n.Parts) == 0 {
		return 0
	}
	return n.Parts[0].Pos
}

// Last returns the unqualified name.
func (n ObjectName) Last() Name { return n.Parts[len(n.Parts)-1] }

// TypeName is a type as written in DDL or a cast, already resolved to a SQL type.
// The parser maps every spelling (INT, INTEGER, INT4, VARCHAR(n), TEXT, DOUBLE
// PRECISION, FLOAT8, NUMERIC(p,s), DECIMAL, TIMESTAMP WITH TIME ZONE, …) to a types.T.
type TypeName struct {
	Pos  Pos
	Type types.T
	// Written is the spelling the user used, upper-cased (e.g. "VARCHAR(20)",
	// "INT4"); the printer prints Type.SQL(), so this is informational only.
	Written string
	// Length is n of VARCHAR(n) and CHAR(n) (0: no limit); Fixed marks
	// CHAR(n) (blank-padded in Postgres; weir checks the length the same way).
	Length int32
	Fixed  bool
}

// ---------------------------------------------------------------- statements

// ColumnDef is one column of CREATE TABLE / CREATE STREAM.
type ColumnDef struct {
	Name       Name
	Type       TypeName
	NotNull    bool
	PrimaryKey bool // declared inline: id BIGINT PRIMARY KEY
	// ProcTime marks `AS PROCTIME()`: a stream's processing-time column,
	// filled by weir as rows enter it.
	ProcTime bool
}

// Option is one `key = 'value'` of a WITH clause. Keys may contain dots
// (scan.startup.mode) and are lower-cased; values are string literals, or
// numbers and identifiers which are kept as their text.
type Option struct {
	Pos   Pos
	Key   string
	Value string
}

// SourceKind says whether a CREATE SOURCE was spelled SOURCE or STREAM.
type SourceKind uint8

// Spellings of CREATE STREAM.
const (
	KindStream SourceKind = iota
	KindSource
)

// IncludeColumn is an `INCLUDE key | partition | offset | timestamp [AS name]`
// clause of CREATE STREAM (for Kafka; later issue). Parsed now so the grammar is whole.
type IncludeColumn struct {
	Pos   Pos
	What  string // "key", "partition", "offset", "timestamp"
	Alias *Name
}

// CreateStream is CREATE {STREAM|SOURCE} [IF NOT EXISTS] name (cols) [INCLUDE …] WITH (opts).
type CreateStream struct {
	Pos         Pos
	Kind        SourceKind
	IfNotExists bool
	Name        ObjectName
	Columns     []ColumnDef
	Watermark   *WatermarkDef // WATERMARK FOR col AS expr among the columns; nil without
	Includes    []IncludeColumn
	Options     []Option
}

// CreateTable is CREATE TABLE [IF NOT EXISTS] name (cols [, PRIMARY KEY (a, b)]) [WITH (opts)].
type CreateTable struct {
	Pos         Pos
	IfNotExists bool
	Name        ObjectName
	Columns     []ColumnDef
	PrimaryKey  []Name // table-level PRIMARY KEY (…); inline ones stay on ColumnDef
	Watermark   *WatermarkDef
	Options     []Option
}

// CreateView is CREATE MATERIALIZED VIEW [IF NOT EXISTS] name [WITH (opts)] AS select.
type CreateView struct {
	Pos         Pos
	IfNotExists bool
	Name        ObjectName
	Options     []Option
	Query       *Select
	// EmitOnWindowClose is set by EMIT ON WINDOW CLOSE after the query
	// (RisingWave's place), at EmitPos.
	EmitOnWindowClose bool
	EmitPos           Pos
}

// CreateSink is CREATE SINK [IF NOT EXISTS] name FROM relation WITH (opts),
// or CREATE SINK [IF NOT EXISTS] name [WITH (opts)] AS select [WITH (opts)]:
// exactly one of From (its Parts empty otherwise) and Query is set.
type CreateSink struct {
	Pos         Pos
	IfNotExists bool
	Name        ObjectName
	From        ObjectName
	Query       *Select
	Options     []Option
}

// ObjectKind is the kind of catalog object a DROP, SHOW or SHOW CREATE names.
type ObjectKind uint8

// Object kinds.
const (
	ObjStream ObjectKind = iota // STREAM or SOURCE
	ObjTable
	ObjView // MATERIALIZED VIEW
	ObjSink
	ObjPlainView // VIEW (ast_view.go)
)

// Drop is DROP {STREAM|SOURCE|TABLE|MATERIALIZED VIEW|SINK} [IF EXISTS] name [CASCADE].
type Drop struct {
	Pos      Pos
	Kind     ObjectKind
	IfExists bool
	Name     ObjectName
	Cascade  bool
}

// Insert is INSERT INTO name [(cols)] {VALUES (…), … | select}.
type Insert struct {
	Pos     Pos
	Table   ObjectName
	Columns []Name   // nil: all columns in order
	Values  [][]Expr // set for VALUES
	Query   *Select  // set for INSERT … SELECT
}

// Assignment is `col = expr` in UPDATE … SET.
type Assignment struct {
	Column Name
	Value  Expr
}

// Update is UPDATE name SET a = e, … [WHERE cond].
type Update struct {
	Pos   Pos
	Table ObjectName
	Set   []Assignment
	Where Expr // nil: every row
}

// Delete is DELETE FROM name [WHERE cond].
type Delete struct {
	Pos   Pos
	Table ObjectName
	Where Expr
}

// ShowKind is what SHOW lists.
type ShowKind uint8

// SHOW targets.
const (
	ShowStreams ShowKind = iota // SHOW STREAMS / SHOW SOURCES
	ShowTables
	ShowViews // SHOW MATERIALIZED VIEWS
	ShowSinks
	ShowPipelines // SHOW PIPELINES: the streams of pipeline files
	ShowVariable  // SHOW name (SHOW server_version, SHOW search_path, SHOW ALL): Variable holds the name
)

// Show is SHOW {STREAMS|SOURCES|TABLES|MATERIALIZED VIEWS|SINKS|PIPELINES} or SHOW variable.
type Show struct {
	Pos      Pos
	What     ShowKind
	Variable string
}

// ShowCreate is SHOW CREATE {STREAM|SOURCE|TABLE|MATERIALIZED VIEW|SINK} name.
type ShowCreate struct {
	Pos  Pos
	Kind ObjectKind
	Name ObjectName
}

// Describe is DESCRIBE name (also DESC name).
type Describe struct {
	Pos  Pos
	Name ObjectName
}

// Explain is EXPLAIN statement; the statement is a SELECT or a CREATE MATERIALIZED VIEW.
type Explain struct {
	Pos  Pos
	Stmt Statement
}

// Flush is FLUSH: wait until everything before it is visible to queries.
type Flush struct {
	Pos Pos
}

// Set is SET [SESSION|LOCAL] name {=|TO} value; Value is the value's text, or
// DEFAULT for SET name TO DEFAULT and for RESET name. RESET ALL is Name "all"
// with Value DEFAULT.
type Set struct {
	Pos   Pos
	Name  string
	Value string
	// Local is SET LOCAL: the value lasts until the end of the transaction.
	Local bool
}

// Transaction is BEGIN / START TRANSACTION [modes], COMMIT / END,
// ROLLBACK / ABORT, and the savepoint statements SAVEPOINT name,
// RELEASE [SAVEPOINT] name and ROLLBACK TO [SAVEPOINT] name.
type Transaction struct {
	Pos  Pos
	Verb string // "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "ROLLBACK TO"
	// Isolation is BEGIN's ISOLATION LEVEL in lower case ("repeatable read"),
	// empty when not given.
	Isolation string
	// ReadOnly is true for BEGIN … READ ONLY.
	ReadOnly bool
	// Savepoint is the name of the savepoint statements.
	Savepoint string
}

// ---------------------------------------------------------------- queries

// SelectItem is one item of a select list.
type SelectItem struct {
	Pos   Pos
	Star  bool  // * or t.* (Table set for t.*)
	Table *Name // the qualifier of t.*
	Expr  Expr  // nil when Star
	Alias *Name // AS alias
}

// OrderItem is one ORDER BY term.
type OrderItem struct {
	Expr       Expr
	Desc       bool
	NullsFirst *bool // nil: the default (NULLS LAST for ASC, FIRST for DESC, as Postgres)
}

// Select is a query: a SELECT, or when Set is not nil a set operation
// (UNION, INTERSECT, EXCEPT), whose own clauses are then empty but OrderBy,
// Limit and Offset, which apply to the set operation's result. From is
// empty for SELECT without FROM.
type Select struct {
	Pos      Pos
	Set      *SetOp
	Distinct bool
	Items    []SelectItem
	From     []TableExpr // comma-separated items; joins come as JoinTableExpr
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	Windows  []NamedWindow // WINDOW name AS (…), …
	OrderBy  []OrderItem
	Limit    Expr // nil: none
	Offset   Expr // nil: none
	// Values, when set, makes the query `VALUES (…), (…)` (its other
	// clauses but OrderBy, Limit and Offset are then empty).
	Values [][]Expr
	// DistinctOn holds the expressions of SELECT DISTINCT ON (…), whose
	// Distinct is false: one row per distinct value of them.
	DistinctOn []Expr
}

// TableName is a named relation in FROM, with an optional alias.
type TableName struct {
	Name  ObjectName
	Alias *Name
	// ForSystemTime is the time of `name FOR SYSTEM_TIME AS OF time`, the
	// right side of a temporal join (nil: none).
	ForSystemTime Expr
}

// Subquery is a parenthesised SELECT in FROM; Alias is required as in Postgres
// before 16, but the parser accepts its absence.
type Subquery struct {
	Pos   Pos
	Query *Select
	Alias *Name
	// Columns renames the subquery's first columns: AS alias (a, b).
	Columns []Name
}

// JoinKind is the kind of a join.
type JoinKind uint8

// Join kinds.
const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
	JoinCross
)

// JoinTableExpr is `left [NATURAL] [INNER|LEFT|RIGHT|FULL|CROSS] JOIN right [ON cond | USING (cols)]`.
type JoinTableExpr struct {
	Pos     Pos
	Kind    JoinKind
	Natural bool // NATURAL: USING the columns both sides name
	Left    TableExpr
	Right   TableExpr
	On      Expr
	Using   []Name
}

// ---------------------------------------------------------------- expressions

// ColumnRef is a column name, optionally qualified: col or t.col.
type ColumnRef struct {
	Table *Name
	Name  Name
}

// LiteralKind is the kind of a literal.
type LiteralKind uint8

// Literal kinds.
const (
	LitNull LiteralKind = iota
	LitBool
	LitInteger // digits only; Value holds the text
	LitDecimal // digits with a point or exponent; Value holds the text
	LitString  // 'text'; Value holds the unescaped text
	LitTyped   // type 'text', e.g. DATE '2024-01-01', INTERVAL '1 day'; Type is set
)

// Literal is a constant as written.
type Literal struct {
	Pos   Pos
	Kind  LiteralKind
	Value string // LitBool: "true" / "false"
	Type  *TypeName
}

// Param is a positional parameter $n (1-based) of the extended protocol.
type Param struct {
	Pos   Pos
	Index int
}

// BinaryOp is a binary operator.
type BinaryOp uint8

// Binary operators.
const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
	OpMod
	OpEq
	OpNe // <> or !=
	OpLt
	OpLe
	OpGt
	OpGe
	OpAnd
	OpOr
	OpConcat // ||
	// OpIsDistinctFrom and OpIsNotDistinctFrom are IS [NOT] DISTINCT FROM:
	// a comparison where NULL equals NULL and differs from every value,
	// never NULL itself.
	OpIsDistinctFrom
	OpIsNotDistinctFrom
	// OpRegexMatch … OpNotRegexIMatch are the POSIX regular expression
	// matches ~, ~*, !~ and !~* (* ignores case).
	OpRegexMatch
	OpRegexIMatch
	OpNotRegexMatch
	OpNotRegexIMatch
)

// BinaryExpr is `left op right`. Pos is the position of the operator.
type BinaryExpr struct {
	Pos   Pos
	Op    BinaryOp
	Left  Expr
	Right Expr
}

// UnaryOp is a prefix operator.
type UnaryOp uint8

// Unary operators.
const (
	OpNot UnaryOp = iota
	OpNeg
	OpPlus
)

// UnaryExpr is `op operand`.
type UnaryExpr struct {
	Pos     Pos
	Op      UnaryOp
	Operand Expr
}

// IsNullExpr is `e IS [NOT] NULL`.
type IsNullExpr struct {
	Pos  Pos
	Expr Expr
	Not  bool
}

// IsBoolExpr is `e IS [NOT] {TRUE|FALSE}`.
type IsBoolExpr struct {
	Pos   Pos
	Expr  Expr
	Not   bool
	Value bool
}

// BetweenExpr is `e [NOT] BETWEEN lo AND hi`.
type BetweenExpr struct {
	Pos  Pos
	Expr Expr
	Not  bool
	Lo   Expr
	Hi   Expr
}

// InExpr is `e [NOT] IN (v, …)`.
type InExpr struct {
	Pos  Pos
	Expr Expr
	Not  bool
	List []Expr
}

// LikeExpr is `e [NOT] {LIKE|ILIKE} pattern`.
type LikeExpr struct {
	Pos             Pos
	Expr            Expr
	Not             bool
	CaseInsensitive bool // ILIKE
	Pattern         Expr
}

// When is one WHEN … THEN … arm of a CASE.
type When struct {
	Cond   Expr
	Result Expr
}

// CaseExpr is `CASE [operand] WHEN … THEN … [ELSE …] END`.
type CaseExpr struct {
	Pos     Pos
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil: ELSE NULL
}

// CastExpr is `CAST(e AS type)` or `e::type`.
type CastExpr struct {
	Pos         Pos
	Expr        Expr
	Type        TypeName
	DoubleColon bool // written e::type; the printer keeps the spelling
}

// FuncCall is a function or aggregate call: name([DISTINCT] args [ORDER BY
// …]) [FILTER (WHERE cond)] or count(*) [FILTER (WHERE cond)].
type FuncCall struct {
	Pos      Pos
	Name     Name // lower-cased
	Distinct bool
	Star     bool // count(*)
	Args     []Expr
	// OrderBy is an aggregate's ORDER BY inside the parentheses.
	OrderBy []OrderItem
	// Filter is an aggregate's FILTER (WHERE …) condition, nil without one.
	Filter Expr
	// Over makes the call a window function call: OVER (…) or OVER name
	// (ast_window.go); nil for a plain call.
	Over *WindowSpec
}

// ParenExpr is a parenthesised expression, kept so that the printer reproduces
// the user's grouping.
type ParenExpr struct {
	Pos  Pos
	Expr Expr
}

// SubqueryExpr is a scalar subquery `(SELECT …)` in an expression, or with
// Exists `EXISTS (SELECT …)`. The parser accepts it; the planner may reject
// it where it is not supported.
type SubqueryExpr struct {
	Pos    Pos
	Query  *Select
	Exists bool
}

// ---------------------------------------------------------------- Position and markers

func (s *CreateStream) Position() Pos  { return s.Pos }
func (s *CreateTable) Position() Pos   { return s.Pos }
func (s *CreateView) Position() Pos    { return s.Pos }
func (s *CreateSink) Position() Pos    { return s.Pos }
func (s *Drop) Position() Pos          { return s.Pos }
func (s *Insert) Position() Pos        { return s.Pos }
func (s *Update) Position() Pos        { return s.Pos }
func (s *Delete) Position() Pos        { return s.Pos }
func (s *Show) Position() Pos          { return s.Pos }
func (s *ShowCreate) Position() Pos    { return s.Pos }
func (s *Describe) Position() Pos      { return s.Pos }
func (s *Explain) Position() Pos       { return s.Pos }
func (s *Flush) Position() Pos         { return s.Pos }
func (s *Set) Position() Pos           { return s.Pos }
func (s *Transaction) Position() Pos   { return s.Pos }
func (s *Select) Position() Pos        { return s.Pos }
func (t *TableName) Position() Pos     { return t.Name.Position() }
func (t *Subquery) Position() Pos      { return t.Pos }
func (t *JoinTableExpr) Position() Pos { return t.Pos }
func (e *ColumnRef) Position() Pos {
	if e.Table != nil {
		return e.Table.Pos
	}
	return e.Name.Pos
}
func (e *Literal) Position() Pos      { return e.Pos }
func (e *Param) Position() Pos        { return e.Pos }
func (e *BinaryExpr) Position() Pos   { return e.Pos }
func (e *UnaryExpr) Position() Pos    { return e.Pos }
func (e *IsNullExpr) Position() Pos   { return e.Pos }
func (e *IsBoolExpr) Position() Pos   { return e.Pos }
func (e *BetweenExpr) Position() Pos  { return e.Pos }
func (e *InExpr) Position() Pos       { return e.Pos }
func (e *LikeExpr) Position() Pos     { return e.Pos }
func (e *CaseExpr) Position() Pos     { return e.Pos }
func (e *CastExpr) Position() Pos     { return e.Pos }
func (e *FuncCall) Position() Pos     { return e.Pos }
func (e *ParenExpr) Position() Pos    { return e.Pos }
func (e *SubqueryExpr) Position() Pos { return e.Pos }

func (*CreateStream) statementNode() {}
func (*CreateTable) statementNode()  {}
func (*CreateView) statementNode()   {}
func (*CreateSink) statementNode()   {}
func (*Drop) statementNode()         {}
func (*Insert) statementNode()       {}
func (*Update) statementNode()       {}
func (*Delete) statementNode()       {}
func (*Show) statementNode()         {}
func (*ShowCreate) statementNode()   {}
func (*Describe) statementNode()     {}
func (*Explain) statementNode()      {}
func (*Flush) statementNode()        {}
func (*Set) statementNode()          {}
func (*Transaction) statementNode()  {}
func (*Select) statementNode()       {}

func (*TableName) tableExprNode()     {}
func (*Subquery) tableExprNode()      {}
func (*JoinTableExpr) tableExprNode() {}

func (*ColumnRef) exprNode()    {}
func (*Literal) exprNode()      {}
func (*Param) exprNode()        {}
func (*BinaryExpr) exprNode()   {}
func (*UnaryExpr) exprNode()    {}
func (*IsNullExpr) exprNode()   {}
func (*IsBoolExpr) exprNode()   {}
func (*BetweenExpr) exprNode()  {}
func (*InExpr) exprNode()       {}
func (*LikeExpr) exprNode()     {}
func (*CaseExpr) exprNode()     {}
func (*CastExpr) exprNode()     {}
func (*FuncCall) exprNode()     {}
func (*ParenExpr) exprNode()    {}
func (*SubqueryExpr) exprNode() {}

// Error is a syntax error with the position where it was found. The wire layer
// reports it as SQLSTATE 42601 with the position, or as Code when that is set
// (54001 for a statement nested too deeply), with Hint.
type Error struct {
	Pos  Pos
	Msg  string
	Code string
	Hint string
}

func (e *Error) Error() string { return e.Msg }
