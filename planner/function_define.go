package planner

import (
	"slices"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// FunctionChange is what a CREATE or DROP FUNCTION changes in the catalog,
// decided by FunctionStatement and written by Write.
type FunctionChange struct {
	// Tag is the statement's command tag, Notices its notices.
	Tag     string
	Notices []string

	put  *catalog.Function
	drop []*catalog.Function
}

// Write applies c to cat and w. The caller holds whatever keeps the
// catalog from changing between FunctionStatement and Write (the engine's
// DDL lock).
func (c *FunctionChange) Write(cat *catalog.Catalog, w exec.StateWriter) error {
	if c.put != nil {
		if err := cat.PutFunction(w, c.put); err != nil {
			return err
		}
	}
	for _, f := range c.drop {
		if err := cat.RemoveFunction(w, f); err != nil {
			return err
		}
	}
	return nil
}

// FunctionStatement decides what st, a CREATE or DROP FUNCTION run by role
// user (a superuser or not), changes, as Postgres: CREATE checks the body
// against the catalog (its names, its type against RETURNS, and that it
// does not call itself, directly or through other functions); OR REPLACE
// keeps the result type and the parameters' names, and only the owner may
// replace or drop a function; DROP refuses a function a view, sink or view
// (CREATE VIEW) calls.
func FunctionStatement(cat *catalog.Catalog, st sql.Statement, user string, superuser bool) (*FunctionChange, error) {
	switch st := st.(type) {
	case *sql.CreateFunction:
		return createFunction(cat, st, user, superuser)
	case *sql.DropFunction:
		return dropFunctions(cat, st, user, superuser)
	}
	return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Position(), "statement %T is not a function statement", st)
}

func createFunction(cat *catalog.Catalog, st *sql.CreateFunction, user string, superuser bool) (*FunctionChange, error) {
	f := &catalog.Function{Name: st.Name.Last().Value, Returns: st.Returns.Type, Body: st.Body, Strict: st.Strict,
		Volatility: 'v', Definition: sql.String(st), Owner: user}
	if st.Volatility != "" {
		f.Volatility = strings.ToLower(st.Volatility)[0]
	}
	if expr.IsAggregateName(f.Name) || windowFuncs[f.Name] {
		return nil, sqlstate.ErrorfAt(sqlstate.DuplicateFunction, st.Name.Position(),
			"function \"%s\" already exists as a built-in aggregate or window function", f.Name)
	}
	for i, a := range st.Args {
		name := ""
		if a.Name != nil {
			name = a.Name.Value
			if slices.Contains(f.ArgNames, name) {
				return nil, sqlstate.ErrorfAt(sqlstate.InvalidFunctionDefinition, a.Name.Pos, "parameter name \"%s\" used more than once", name)
			}
		}
		f.ArgNames = append(f.ArgNames, name)
		f.ArgTypes = append(f.ArgTypes, st.Args[i].Type.Type)
	}
	old, exists := cat.Function(f.Name, f.ArgTypes)
	if exists {
		if !st.OrReplace {
			return nil, sqlstate.ErrorfAt(sqlstate.DuplicateFunction, st.Name.Position(),
				"function \"%s\" already exists with same argument types", f.Name)
		}
		if !superuser && old.Owner != user {
			return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, st.Name.Position(), "must be owner of function %s", f.Name)
		}
		if old.Returns != f.Returns {
			return nil, sqlstate.ErrorfAt(sqlstate.InvalidFunctionDefinition, st.Name.Position(), "cannot change return type of existing function").
				WithHint("Use DROP FUNCTION " + dependencySignature(old) + " first.")
		}
		for i, n := range old.ArgNames {
			if n != "" && n != f.ArgNames[i] {
				return nil, sqlstate.ErrorfAt(sqlstate.InvalidFunctionDefinition, st.Name.Position(), "cannot change name of input parameter \"%s\"", n).
					WithHint("Use DROP FUNCTION " + dependencySignature(old) + " first.")
			}
		}
		f.Owner = old.Owner
	}
	if err := checkBody(cat, f, st.BodyPos); err != nil {
		return nil, err
	}
	return &FunctionChange{Tag: "CREATE FUNCTION", put: f}, nil
}

// checkBody binds f's body with each parameter a NULL of its type, which
// checks its names, that its type is the result type or assigns to it
// (42P13 otherwise, as Postgres) and that it does not call f.
func checkBody(cat *catalog.Catalog, f *catalog.Function, pos sql.Pos) error {
	args := make([]sql.Expr, len(f.ArgTypes))
	for i, t := range f.ArgTypes {
		args[i] = &sql.CastExpr{Pos: pos, Expr: &sql.Literal{Pos: pos, Kind: sql.LitNull}, Type: sql.TypeName{Pos: pos, Type: t}}
	}
	body, err := inlineCall(f, pos, args, f.ArgTypes, false)
	if err != nil {
		return err
	}
	b := NewBinder(cat, nil)
	b.fn.defining = f
	bound, err := b.bindExpr(&exprContext{scope: &scope{}, clause: "a SQL function's body"}, body, f.Returns)
	if err != nil {
		return err
	}
	if t := bound.Type(); t != f.Returns && t.Family != types.Unknown {
		if _, err := expr.Coerce(bound, f.Returns); err != nil {
			return sqlstate.ErrorfAt(sqlstate.InvalidFunctionDefinition, pos, "return type mismatch in function declared to return %s", f.Returns).
				WithDetail("Actual return type is " + t.String() + ".")
		}
	}
	return nil
}

// dependencySignature is the function as Postgres names it in dependency
// messages and hints: name(type,type).
func dependencySignature(f *catalog.Function) string {
	parts := make([]string, len(f.ArgTypes))
	for i, t := range f.ArgTypes {
		parts[i] = t.String()
	}
	return f.Name + "(" + strings.Join(parts, ",") + ")"
}

func dropFunctions(cat *catalog.Catalog, st *sql.DropFunction, user string, superuser bool) (*FunctionChange, error) {
	if st.Cascade {
		return nil, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, st.Pos, "DROP FUNCTION … CASCADE is not supported").
			WithHint("Drop the views that call the function first.")
	}
	c := &FunctionChange{Tag: "DROP FUNCTION"}
	for _, ref := range st.Functions {
		name := ref.Name.Last().Value
		var f *catalog.Function
		if ref.ArgsWritten {
			args := make([]types.T, len(ref.Args))
			for i, a := range ref.Args {
				args[i] = a.Type.Type
			}
			var ok bool
			if f, ok = cat.Function(name, args); !ok {
				if st.IfExists {
					c.Notices = append(c.Notices, "function "+catalog.Signature(name, args)+" does not exist, skipping")
					continue
				}
				return nil, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, ref.Name.Position(), "function %s does not exist", catalog.Signature(name, args))
			}
		} else {
			switch fns := cat.Functions(name); len(fns) {
			case 0:
				if st.IfExists {
					c.Notices = append(c.Notices, "function "+name+"() does not exist, skipping")
					continue
				}
				return nil, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, ref.Name.Position(), "could not find a function named \"%s\"", name)
			case 1:
				f = fns[0]
			default:
				return nil, sqlstate.ErrorfAt(sqlstate.AmbiguousFunction, ref.Name.Position(), "function name \"%s\" is not unique", name).
					WithHint("Specify the argument list to select the function unambiguously.")
			}
		}
		if !superuser && f.Owner != user {
			return nil, sqlstate.ErrorfAt(sqlstate.InsufficientPrivilege, ref.Name.Position(), "must be owner of function %s", f.Name)
		}
		if o := callerOf(cat, f); o != nil {
			return nil, sqlstate.ErrorfAt(sqlstate.DependentObjectsStillExist, ref.Name.Position(),
				"cannot drop function %s because other objects depend on it", dependencySignature(f)).
				WithDetail(o.Kind.String() + " " + o.Name + " depends on function " + dependencySignature(f)).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
		if !slices.Contains(c.drop, f) {
			c.drop = append(c.drop, f)
		}
	}
	return c, nil
}

// callerOf returns a view (materialized or not) or sink whose query calls
// f, or nil. Its Definition is bound again (with the views it names
// expanded): the functions it inlines are those it calls. A definition
// that no longer binds calls f if it calls a function of f's name with as
// many arguments.
func callerOf(cat *catalog.Catalog, f *catalog.Function) *catalog.Object {
	sig := f.Signature()
	for _, o := range cat.List(0) {
		var q *sql.Select
		st, err := sql.ParseOne(o.Definition)
		if err != nil {
			continue
		}
		switch st := st.(type) {
		case *sql.CreateView:
			q = st.Query
		case *sql.CreatePlainView:
			q = st.Query
		case *sql.CreateSink:
			q = st.Select()
		}
		if q == nil {
			continue
		}
		if calls, err := functionsCalled(cat, q); err == nil {
			if slices.Contains(calls, sig) {
				return o
			}
			continue
		}
		found := false
		sql.Walk(q, func(n sql.Node) bool {
			if c, ok := n.(*sql.FuncCall); ok && c.Name.Value == f.Name && len(c.Args) == len(f.ArgTypes) {
				found = true
			}
			return !found
		})
		if found {
			return o
		}
	}
	return nil
}

// functionsCalled returns the signatures of the SQL functions q calls,
// with the views it names expanded.
func functionsCalled(cat *catalog.Catalog, q *sql.Select) ([]string, error) {
	undo, err := ExpandPlainViews(cat, q)
	if err != nil {
		return nil, err
	}
	defer undo()
	b := NewBinder(cat, nil)
	if _, err := b.BindSelect(q); err != nil {
		return nil, err
	}
	return b.fn.called, nil
}
