package sql

import (
	"strconv"
	"strings"
)

// String returns n as canonical SQL: key words upper-case, identifiers quoted
// only when needed, strings with ” escaping, types as types.T.SQL(). For
// every AST a the parser produces, ParseOne(String(a)) (or ParseExpr for an
// expression) yields an AST equal to a ignoring positions, and String is a
// fixed point. Parentheses are printed where the AST has a ParenExpr, and
// otherwise only where a hand-built tree needs them to keep its shape. The
// output is also valid Postgres and DuckDB SQL. String(nil) is "".
func String(n Node) string {
	var b strings.Builder
	pr := printer{b: &b}
	pr.node(n)
	return b.String()
}

// printer writes SQL into b.
type printer struct {
	b *strings.Builder
}

func (pr printer) w(s string) { pr.b.WriteString(s) }

func (pr printer) node(n Node) {
	switch n := n.(type) {
	case nil:
	case Statement:
		pr.stmt(n)
	case Expr:
		pr.expr(n, 0, 0, false)
	case TableExpr:
		pr.tableExpr(n)
	}
}

// ident returns a name as SQL, double-quoted when it was written so or must be.
func ident(n Name) string {
	if n.Quoted || needsQuotes(n.Value) {
		return quoteIdent(n.Value)
	}
	return n.Value
}

func objectName(n ObjectName) string {
	parts := make([]string, len(n.Parts))
	for i, p := range n.Parts {
		parts[i] = ident(p)
	}
	return strings.Join(parts, ".")
}

// dottedWords returns s as words joined by dots when each is a plain
// identifier (reserved words allowed unless strict) and the first is not in
// avoid; else s double-quoted as one identifier.
func dottedWords(s string, strict bool, avoid map[string]bool) string {
	parts := strings.Split(s, ".")
	for _, p := range parts {
		if !isPlainIdent(p) || strict && needsQuotes(p) {
			return quoteIdent(s)
		}
	}
	if avoid[parts[0]] {
		return quoteIdent(s)
	}
	return s
}

func (pr printer) names(ns []Name) {
	for i, n := range ns {
		if i > 0 {
			pr.w(", ")
		}
		pr.w(ident(n))
	}
}

// ---------------------------------------------------------------- statements

func (pr printer) stmt(s Statement) {
	switch s := s.(type) {
	case *Select:
		pr.query(s)
	case *CreateStream:
		pr.w("CREATE ")
		if s.Kind == KindSource {
			pr.w("SOURCE ")
		} else {
			pr.w("STREAM ")
		}
		if s.IfNotExists {
			pr.w("IF NOT EXISTS ")
		}
		pr.w(objectName(s.Name))
		if len(s.Columns) > 0 || s.Watermark != nil {
			pr.w(" (")
			pr.columns(s.Columns)
			if s.Watermark != nil {
				if len(s.Columns) > 0 {
					pr.w(", ")
				}
				pr.watermarkDef(s.Watermark)
			}
			pr.w(")")
		}
		for _, inc := range s.Includes {
			pr.w(" INCLUDE " + strings.ToUpper(inc.What))
			if inc.Alias != nil {
				pr.w(" AS " + ident(*inc.Alias))
			}
		}
		pr.options(s.Options)
	case *CreateTable:
		pr.w("CREATE TABLE ")
		if s.IfNotExists {
			pr.w("IF NOT EXISTS ")
		}
		pr.w(objectName(s.Name) + " (")
		pr.columns(s.Columns)
		if len(s.PrimaryKey) > 0 {
			if len(s.Columns) > 0 {
				pr.w(", ")
			}
			pr.w("PRIMARY KEY (")
			pr.names(s.PrimaryKey)
			pr.w(")")
		}
		if s.Watermark != nil {
			if len(s.Columns) > 0 || len(s.PrimaryKey) > 0 {
				pr.w(", ")
			}
			pr.watermarkDef(s.Watermark)
		}
		pr.w(")")
		pr.options(s.Options)
	case *CreatePlainView:
		pr.createPlainView(s)
	case *CreateView:
		pr.w("CREATE MATERIALIZED VIEW ")
		if s.IfNotExists {
			pr.w("IF NOT EXISTS ")
		}
		pr.w(objectName(s.Name))
		pr.options(s.Options)
		pr.w(" AS ")
		pr.query(s.Query)
		if s.EmitOnWindowClose {
			pr.w(" EMIT ON WINDOW CLOSE")
		}
	case *CreateSink:
		pr.w("CREATE SINK ")
		if s.IfNotExists {
			pr.w("IF NOT EXISTS ")
		}
		pr.w(objectName(s.Name))
		if s.Query != nil {
			pr.w(" AS ")
			pr.query(s.Query)
		} else {
			pr.w(" FROM " + objectName(s.From))
		}
		pr.options(s.Options)
	case *Drop:
		pr.w("DROP " + s.Kind.String() + " ")
		if s.IfExists {
			pr.w("IF EXISTS ")
		}
		pr.w(objectName(s.Name))
		if s.Cascade {
			pr.w(" CASCADE")
		}
	case *Insert:
		pr.w("INSERT INTO " + objectName(s.Table))
		if len(s.Columns) > 0 {
			pr.w(" (")
			pr.names(s.Columns)
			pr.w(")")
		}
		if s.Query != nil {
			pr.w(" ")
			pr.query(s.Query)
			return
		}
		pr.w(" VALUES ")
		for i, row := range s.Values {
			if i > 0 {
				pr.w(", ")
			}
			pr.w("(")
			pr.exprList(row)
			pr.w(")")
		}
	case *Update:
		pr.w("UPDATE " + objectName(s.Table) + " SET ")
		for i, a := range s.Set {
			if i > 0 {
				pr.w(", ")
			}
			pr.w(ident(a.Column) + " = ")
			pr.expr(a.Value, 0, 0, false)
		}
		pr.where(s.Where)
	case *Delete:
		pr.w("DELETE FROM " + objectName(s.Table))
		pr.where(s.Where)
	case *Show:
		switch s.What {
		case ShowStreams:
			pr.w("SHOW STREAMS")
		case ShowTables:
			pr.w("SHOW TABLES")
		case ShowViews:
			pr.w("SHOW MATERIALIZED VIEWS")
		case ShowSinks:
			pr.w("SHOW SINKS")
		case ShowPipelines:
			pr.w("SHOW PIPELINES")
		default:
			if s.Variable == "all" {
				pr.w("SHOW ALL")
			} else {
				pr.w("SHOW " + dottedWords(s.Variable, true, showWords))
			}
		}
	case *ShowCreate:
		pr.w("SHOW CREATE " + s.Kind.String() + " " + objectName(s.Name))
	case *Describe:
		pr.w("DESCRIBE " + objectName(s.Name))
	case *Explain:
		pr.w("EXPLAIN ")
		pr.stmt(s.Stmt)
	case *Flush:
		pr.w("FLUSH")
	case *AlterViewResume:
		pr.w("ALTER MATERIALIZED VIEW " + objectName(s.Name) + " RESUME")
	case *Set:
		if s.Name == "all" && s.Value == "DEFAULT" {
			pr.w("RESET ALL")
			return
		}
		pr.w("SET ")
		if s.Local {
			pr.w("LOCAL ")
		}
		pr.w(dottedWords(s.Name, true, setWords) + " = ")
		if s.Value == "DEFAULT" {
			pr.w("DEFAULT")
		} else {
			pr.w(quoteString(s.Value))
		}
	case *Transaction:
		pr.w(s.Verb)
		if s.Isolation != "" {
			pr.w(" ISOLATION LEVEL " + strings.ToUpper(s.Isolation))
		}
		if s.ReadOnly {
			pr.w(" READ ONLY")
		}
		if s.Savepoint != "" {
			pr.w(" " + quoteIdent(s.Savepoint))
		}
	default:
		if !pr.functionStmt(s) && !pr.copyStmt(s) && !pr.subscribeStmt(s) && !pr.sessionStmt(s) {
			pr.roleStmt(s)
		}
	}
}

func (pr printer) columns(cols []ColumnDef) {
	for i, c := range cols {
		if i > 0 {
			pr.w(", ")
		}
		pr.w(ident(c.Name) + " " + c.Type.SQL())
		if c.NotNull {
			pr.w(" NOT NULL")
		}
		if c.PrimaryKey {
			pr.w(" PRIMARY KEY")
		}
		if c.ProcTime {
			pr.w(" AS PROCTIME()")
		}
	}
}

func (pr printer) options(opts []Option) {
	if len(opts) == 0 {
		return
	}
	pr.w(" WITH (")
	for i, o := range opts {
		if i > 0 {
			pr.w(", ")
		}
		pr.w(dottedWords(o.Key, false, nil) + " = " + quoteString(o.Value))
	}
	pr.w(")")
}

func (pr printer) where(e Expr) {
	if e != nil {
		pr.w(" WHERE ")
		pr.expr(e, 0, 0, false)
	}
}

// query prints a query: a SELECT, or a set operation with its operands
// parenthesised where the grammar needs it (an operand with its own ORDER
// BY or LIMIT, a looser set operation under a tighter one, and one as
// loose on the right, since they associate to the left), then the
// query's ORDER BY, LIMIT and OFFSET.
func (pr printer) query(s *Select) {
	if set := s.Set; set != nil {
		pr.setOperand(set.Left, set.Left.Set != nil && set.Left.Set.Op.level() < set.Op.level())
		pr.w(" " + set.Op.String() + " ")
		if set.All {
			pr.w("ALL ")
		}
		pr.setOperand(set.Right, set.Right.Set != nil && set.Right.Set.Op.level() <= set.Op.level())
	} else if s.Values != nil {
		pr.values(s.Values)
	} else {
		pr.selectCore(s)
	}
	pr.queryOptions(s)
}

// setOperand prints an operand of a set operation, in parentheses when
// paren says so or it has its own ORDER BY or LIMIT.
func (pr printer) setOperand(s *Select, paren bool) {
	if paren || s.ordersOrLimits() {
		pr.w("(")
		pr.query(s)
		pr.w(")")
		return
	}
	pr.query(s)
}

// selectCore prints a SELECT up to its HAVING clause.
func (pr printer) selectCore(s *Select) {
	pr.w("SELECT ")
	if s.Distinct {
		pr.w("DISTINCT ")
	}
	if len(s.DistinctOn) > 0 {
		pr.w("DISTINCT ON (")
		pr.exprList(s.DistinctOn)
		pr.w(") ")
	}
	for i, it := range s.Items {
		if i > 0 {
			pr.w(", ")
		}
		switch {
		case it.Star && it.Table != nil:
			pr.w(ident(*it.Table) + ".*")
		case it.Star:
			pr.w("*")
		default:
			pr.expr(it.Expr, 0, 0, false)
			if it.Alias != nil {
				pr.w(" AS " + ident(*it.Alias))
			}
		}
	}
	if len(s.From) > 0 {
		pr.w(" FROM ")
		for i, te := range s.From {
			if i > 0 {
				pr.w(", ")
			}
			pr.tableExpr(te)
		}
	}
	pr.where(s.Where)
	if len(s.GroupBy) > 0 {
		pr.w(" GROUP BY ")
		pr.exprList(s.GroupBy)
	}
	if s.Having != nil {
		pr.w(" HAVING ")
		pr.expr(s.Having, 0, 0, false)
	}
	pr.windowClause(s.Windows)
}

// orderItems prints " ORDER BY" and items.
func (pr printer) orderItems(items []OrderItem) {
	pr.w(" ORDER BY ")
	pr.orderList(items)
}

// orderList prints ORDER BY items, separated by commas.
func (pr printer) orderList(items []OrderItem) {
	for i, o := range items {
		if i > 0 {
			pr.w(", ")
		}
		pr.expr(o.Expr, 0, 0, false)
		if o.Desc {
			pr.w(" DESC")
		}
		if o.NullsFirst != nil {
			if *o.NullsFirst {
				pr.w(" NULLS FIRST")
			} else {
				pr.w(" NULLS LAST")
			}
		}
	}
}

// queryOptions prints a query's ORDER BY, LIMIT and OFFSET.
func (pr printer) queryOptions(s *Select) {
	if len(s.OrderBy) > 0 {
		pr.orderItems(s.OrderBy)
	}
	if s.Limit != nil {
		pr.w(" LIMIT ")
		pr.expr(s.Limit, 0, 0, false)
	}
	if s.Offset != nil {
		pr.w(" OFFSET ")
		pr.expr(s.Offset, 0, 0, false)
	}
}

func (pr printer) tableExpr(te TableExpr) {
	if pr.tableFunc(te) || pr.windowTVF(te) {
		return
	}
	switch te := te.(type) {
	case *TableName:
		pr.w(objectName(te.Name))
		if te.ForSystemTime != nil {
			pr.w(" FOR SYSTEM_TIME AS OF ")
			pr.expr(te.ForSystemTime, 0, 0, false)
		}
		if te.Alias != nil {
			pr.w(" AS " + ident(*te.Alias))
		}
	case *Subquery:
		pr.w("(")
		pr.query(te.Query)
		pr.w(")")
		if te.Alias != nil {
			pr.w(" AS " + ident(*te.Alias))
			if len(te.Columns) > 0 {
				pr.w(" (")
				pr.names(te.Columns)
				pr.w(")")
			}
		}
	case *JoinTableExpr:
		pr.tableExpr(te.Left)
		if te.Natural {
			pr.w(" NATURAL")
		}
		pr.w(" " + te.Kind.String() + " ")
		if _, ok := te.Right.(*JoinTableExpr); ok {
			pr.w("(")
			pr.tableExpr(te.Right)
			pr.w(")")
		} else {
			pr.tableExpr(te.Right)
		}
		switch {
		case te.Kind == JoinCross:
		case te.On != nil:
			pr.w(" ON ")
			pr.expr(te.On, 0, 0, false)
		case len(te.Using) > 0:
			pr.w(" USING (")
			pr.names(te.Using)
			pr.w(")")
		}
	}
}

// ---------------------------------------------------------------- expressions

// leftLevel returns the lowest precedence level among the operators on the
// left spine of e: those the parser combines in the loop that starts e.
func leftLevel(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		return min(binaryLevel(e.Op), leftLevel(e.Left))
	case *IsNullExpr:
		return min(lvlIs, leftLevel(e.Expr))
	case *IsBoolExpr:
		return min(lvlIs, leftLevel(e.Expr))
	case *CastExpr:
		if e.DoubleColon {
			return min(lvlCast, leftLevel(e.Expr))
		}
	case *BetweenExpr:
		return min(lvlLike, leftLevel(e.Expr))
	case *InExpr:
		return min(lvlLike, leftLevel(e.Expr))
	case *LikeExpr:
		return min(lvlLike, leftLevel(e.Expr))
	case *QuantifiedExpr:
		return min(lvlCmp, leftLevel(e.Left))
	}
	return lvlNone
}

// openLevel returns the lowest precedence level among the operators on the
// right spine of e whose operand extends to the end of e's text: an operator
// that follows e and binds more tightly would be taken into that operand.
func openLevel(e Expr) int {
	switch e := e.(type) {
	case *BinaryExpr:
		return min(binaryLevel(e.Op), openLevel(e.Right))
	case *UnaryExpr:
		return min(unaryLevel(e.Op), openLevel(e.Operand))
	case *BetweenExpr:
		return min(lvlLike, openLevel(e.Hi))
	case *LikeExpr:
		return min(lvlLike, openLevel(e.Pattern))
	}
	return lvlNone
}

func unaryLevel(op UnaryOp) int {
	if op == OpNot {
		return lvlNot
	}
	return lvlUnary
}

// expr prints e where the parser reads it in a loop of minimum level minLvl
// and where the operator of level follow (non-associative if nonassoc), if
// any, comes right after it. e is parenthesised when it would otherwise be
// read back as a different tree.
func (pr printer) expr(e Expr, minLvl, follow int, nonassoc bool) {
	open := openLevel(e)
	if leftLevel(e) < minLvl || open < follow || nonassoc && open == follow {
		pr.w("(")
		pr.exprInner(e, 0, 0, false)
		pr.w(")")
		return
	}
	pr.exprInner(e, minLvl, follow, nonassoc)
}

func (pr printer) exprList(es []Expr) {
	for i, e := range es {
		if i > 0 {
			pr.w(", ")
		}
		pr.expr(e, 0, 0, false)
	}
}

func (pr printer) exprInner(e Expr, minLvl, follow int, nonassoc bool) {
	if pr.arrayExpr(e, minLvl) || pr.groupingSet(e) {
		return
	}
	switch e := e.(type) {
	case *BinaryExpr:
		lvl := binaryLevel(e.Op)
		pr.expr(e.Left, minLvl, lvl, lvl == lvlCmp)
		pr.w(" " + e.Op.String() + " ")
		pr.expr(e.Right, lvl+1, follow, nonassoc)
	case *UnaryExpr:
		var sub strings.Builder
		printer{b: &sub}.expr(e.Operand, unaryLevel(e.Op)+1, follow, nonassoc)
		s := sub.String()
		switch e.Op {
		case OpNot:
			pr.w("NOT ")
		case OpNeg, OpPlus:
			pr.w(e.Op.String())
			if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
				pr.w(" ")
			}
		}
		pr.w(s)
	case *IsNullExpr:
		pr.expr(e.Expr, minLvl, lvlIs, false)
		if e.Not {
			pr.w(" IS NOT NULL")
		} else {
			pr.w(" IS NULL")
		}
	case *IsBoolExpr:
		pr.expr(e.Expr, minLvl, lvlIs, false)
		pr.w(" IS ")
		if e.Not {
			pr.w("NOT ")
		}
		if e.Value {
			pr.w("TRUE")
		} else {
			pr.w("FALSE")
		}
	case *BetweenExpr:
		pr.expr(e.Expr, minLvl, lvlLike, true)
		pr.w(not(e.Not) + " BETWEEN ")
		pr.expr(e.Lo, lvlOp, lvlAnd, false)
		pr.w(" AND ")
		pr.expr(e.Hi, lvlOp, follow, nonassoc)
	case *InExpr:
		pr.expr(e.Expr, minLvl, lvlLike, true)
		pr.w(not(e.Not) + " IN ")
		if len(e.List) == 1 {
			if sq, ok := e.List[0].(*SubqueryExpr); ok {
				pr.exprInner(sq, 0, 0, false)
				return
			}
		}
		pr.w("(")
		pr.exprList(e.List)
		pr.w(")")
	case *LikeExpr:
		pr.expr(e.Expr, minLvl, lvlLike, true)
		if e.CaseInsensitive {
			pr.w(not(e.Not) + " ILIKE ")
		} else {
			pr.w(not(e.Not) + " LIKE ")
		}
		pr.expr(e.Pattern, lvlOp, follow, nonassoc)
	case *CastExpr:
		if e.DoubleColon {
			pr.expr(e.Expr, minLvl, lvlCast, false)
			pr.w("::" + e.Type.SQL())
			return
		}
		pr.w("CAST(")
		pr.expr(e.Expr, 0, 0, false)
		pr.w(" AS " + e.Type.SQL() + ")")
	case *ColumnRef:
		if e.Table != nil {
			pr.w(ident(*e.Table) + ".")
		}
		pr.w(ident(e.Name))
	case *Literal:
		pr.literal(e)
	case *Param:
		pr.w("$" + strconv.Itoa(e.Index))
	case *FuncCall:
		pr.funcCall(e)
	case *CaseExpr:
		pr.w("CASE ")
		if e.Operand != nil {
			pr.expr(e.Operand, 0, 0, false)
			pr.w(" ")
		}
		for _, wh := range e.Whens {
			pr.w("WHEN ")
			pr.expr(wh.Cond, 0, 0, false)
			pr.w(" THEN ")
			pr.expr(wh.Result, 0, 0, false)
			pr.w(" ")
		}
		if e.Else != nil {
			pr.w("ELSE ")
			pr.expr(e.Else, 0, 0, false)
			pr.w(" ")
		}
		pr.w("END")
	case *ParenExpr:
		pr.w("(")
		pr.expr(e.Expr, 0, 0, false)
		pr.w(")")
	case *SubqueryExpr:
		if e.Exists {
			pr.w("EXISTS ")
		}
		pr.w("(")
		pr.query(e.Query)
		pr.w(")")
	}
}

func not(b bool) string {
	if b {
		return " NOT"
	}
	return ""
}

func (pr printer) literal(e *Literal) {
	switch e.Kind {
	case LitNull:
		pr.w("NULL")
	case LitBool:
		if e.Value == "true" {
			pr.w("TRUE")
		} else {
			pr.w("FALSE")
		}
	case LitInteger, LitDecimal:
		pr.w(e.Value)
	case LitString:
		pr.w(quoteString(e.Value))
	case LitTyped:
		if e.Type != nil {
			pr.w(e.Type.SQL() + " ")
		}
		pr.w(quoteString(e.Value))
	}
}

func (pr printer) funcCall(e *FuncCall) {
	name := e.Name.Value
	if !e.Name.Quoted && niladicFuncs[name] && len(e.Args) == 0 && !e.Star && !e.Distinct {
		pr.w(strings.ToUpper(name))
		return
	}
	if isPositionCall(e) {
		pr.w("position(")
		pr.expr(e.Args[1], lvlOp, lvlOp, false)
		pr.w(" IN ")
		pr.expr(e.Args[0], lvlOp, 0, false)
		pr.w(")")
		return
	}
	if e.Name.Quoted || !isPlainIdent(name) || reservedWords[name] || name == "extract" {
		name = quoteIdent(name)
	}
	pr.w(name + "(")
	switch {
	case e.Star:
		pr.w("*")
	default:
		if e.Distinct {
			pr.w("DISTINCT ")
		}
		pr.exprList(e.Args)
		if len(e.OrderBy) > 0 {
			pr.orderItems(e.OrderBy)
		}
	}
	pr.w(")")
	if e.Filter != nil {
		pr.w(" FILTER (WHERE ")
		pr.expr(e.Filter, 0, 0, false)
		pr.w(")")
	}
	if e.Over != nil {
		pr.over(e.Over)
	}
}

// ---------------------------------------------------------------- enum names

// String returns the operator as written in SQL.
func (o BinaryOp) String() string {
	switch o {
	case OpAdd:
		return "+"
	case OpSub:
		return "-"
	case OpMul:
		return "*"
	case OpDiv:
		return "/"
	case OpMod:
		return "%"
	case OpEq:
		return "="
	case OpNe:
		return "<>"
	case OpLt:
		return "<"
	case OpLe:
		return "<="
	case OpGt:
		return ">"
	case OpGe:
		return ">="
	case OpAnd:
		return "AND"
	case OpOr:
		return "OR"
	case OpConcat:
		return "||"
	case OpIsDistinctFrom:
		return "IS DISTINCT FROM"
	case OpIsNotDistinctFrom:
		return "IS NOT DISTINCT FROM"
	case OpRegexMatch:
		return "~"
	case OpRegexIMatch:
		return "~*"
	case OpNotRegexMatch:
		return "!~"
	case OpNotRegexIMatch:
		return "!~*"
	}
	return "op(" + strconv.Itoa(int(o)) + ")"
}

// String returns the operator as written in SQL.
func (o UnaryOp) String() string {
	switch o {
	case OpNot:
		return "NOT"
	case OpNeg:
		return "-"
	case OpPlus:
		return "+"
	}
	return "unary(" + strconv.Itoa(int(o)) + ")"
}

// String returns the join's key words.
func (k JoinKind) String() string {
	switch k {
	case JoinInner:
		return "JOIN"
	case JoinLeft:
		return "LEFT JOIN"
	case JoinRight:
		return "RIGHT JOIN"
	case JoinFull:
		return "FULL JOIN"
	case JoinCross:
		return "CROSS JOIN"
	}
	return "join(" + strconv.Itoa(int(k)) + ")"
}

// String returns the kind's key words as in DROP and SHOW CREATE.
func (k ObjectKind) String() string {
	switch k {
	case ObjStream:
		return "STREAM"
	case ObjTable:
		return "TABLE"
	case ObjView:
		return "MATERIALIZED VIEW"
	case ObjSink:
		return "SINK"
	case ObjPlainView:
		return "VIEW"
	}
	return "object(" + strconv.Itoa(int(k)) + ")"
}

// String returns the literal kind's name.
func (k LiteralKind) String() string {
	switch k {
	case LitNull:
		return "null"
	case LitBool:
		return "bool"
	case LitInteger:
		return "integer"
	case LitDecimal:
		return "decimal"
	case LitString:
		return "string"
	case LitTyped:
		return "typed"
	}
	return "literal(" + strconv.Itoa(int(k)) + ")"
}

// String returns what SHOW lists.
func (k ShowKind) String() string {
	switch k {
	case ShowStreams:
		return "streams"
	case ShowTables:
		return "tables"
	case ShowViews:
		return "views"
	case ShowSinks:
		return "sinks"
	case ShowPipelines:
		return "pipelines"
	case ShowVariable:
		return "variable"
	}
	return "show(" + strconv.Itoa(int(k)) + ")"
}

// String returns the key word CREATE used.
func (k SourceKind) String() string {
	if k == KindSource {
		return "SOURCE"
	}
	return "STREAM"
}
