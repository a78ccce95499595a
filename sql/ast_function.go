package sql

import "strings"

// CreateFunction is CREATE [OR REPLACE] FUNCTION name ([argname] argtype
// [, …]) RETURNS type LANGUAGE SQL [IMMUTABLE | STABLE | VOLATILE] [STRICT
// | CALLED ON NULL INPUT] {AS 'SELECT expr' | RETURN expr}: a SQL function
// whose body is one expression (parser_function.go), which callers inline.
type CreateFunction struct {
	Pos       Pos
	OrReplace bool
	Name      ObjectName
	Args      []FunctionArg
	Returns   TypeName
	// Volatility is "IMMUTABLE", "STABLE" or "VOLATILE"; empty when not
	// written (Postgres' default, VOLATILE).
	Volatility string
	// Strict is STRICT (or RETURNS NULL ON NULL INPUT): the call is NULL
	// when an argument is; false is CALLED ON NULL INPUT, the default.
	Strict bool
	// Body is the body's expression as the printer writes it; the planner
	// parses it (ParseExpr) where the function is called. It is text, not
	// an Expr, so that the walkers over the statement (parameters, views)
	// do not reach into it, as Postgres keeps a body as a string.
	Body string
	// BodyPos is where the body starts in the statement text.
	BodyPos Pos
	// Standard marks the SQL-standard body RETURN expr; false is AS
	// '…' (or $$…$$) holding SELECT expr.
	Standard bool
}

// FunctionArg is an argument of CREATE FUNCTION: an optional name and a type.
type FunctionArg struct {
	Name *Name
	Type TypeName
}

// DropFunction is DROP FUNCTION [IF EXISTS] name [(argtypes)] [, …]
// [CASCADE | RESTRICT].
type DropFunction struct {
	Pos       Pos
	IfExists  bool
	Functions []FunctionRef
	Cascade   bool
}

// FunctionRef names a function in DROP FUNCTION: its name and, when
// written, its argument types (nil Args: not written, which must then
// name one function; an empty list is written ()).
type FunctionRef struct {
	Name ObjectName
	Args []FunctionArg
	// ArgsWritten reports that the argument list was written.
	ArgsWritten bool
}

// Position returns where the statement starts.
func (s *CreateFunction) Position() Pos { return s.Pos }

// Position returns where the statement starts.
func (s *DropFunction) Position() Pos { return s.Pos }

func (*CreateFunction) statementNode() {}
func (*DropFunction) statementNode()   {}

// functionStmt prints the statements of this file; it reports false for
// other statements.
func (pr printer) functionStmt(s Statement) bool {
	switch s := s.(type) {
	case *CreateFunction:
		pr.w("CREATE ")
		if s.OrReplace {
			pr.w("OR REPLACE ")
		}
		pr.w("FUNCTION " + objectName(s.Name) + "(")
		pr.functionArgs(s.Args)
		pr.w(") RETURNS " + s.Returns.Type.SQL() + " LANGUAGE SQL")
		if s.Volatility != "" {
			pr.w(" " + s.Volatility)
		}
		if s.Strict {
			pr.w(" STRICT")
		}
		switch {
		case s.Standard:
			pr.w(" RETURN " + s.Body)
		case strings.Contains(s.Body, "$$"):
			pr.w(" AS " + quoteString("SELECT "+s.Body))
		default:
			pr.w(" AS $$SELECT " + s.Body + "$$")
		}
	case *DropFunction:
		pr.w("DROP FUNCTION ")
		if s.IfExists {
			pr.w("IF EXISTS ")
		}
		for i, f := range s.Functions {
			if i > 0 {
				pr.w(", ")
			}
			pr.w(objectName(f.Name))
			if f.ArgsWritten {
				pr.w("(")
				pr.functionArgs(f.Args)
				pr.w(")")
			}
		}
		if s.Cascade {
			pr.w(" CASCADE")
		}
	default:
		return false
	}
	return true
}

func (pr printer) functionArgs(args []FunctionArg) {
	for i, a := range args {
		if i > 0 {
			pr.w(", ")
		}
		if a.Name != nil {
			pr.w(ident(*a.Name) + " ")
		}
		pr.w(a.Type.Type.SQL())
	}
}
