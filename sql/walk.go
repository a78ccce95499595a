package sql

import "reflect"

// Walk calls visit on n and on every node under it (expressions, table
// expressions, queries, names), in the order they are written, each before
// the nodes under it; visit reports whether to go under the node it is
// given. It reaches every exported field, so a node added to the AST is
// walked without a change here. Statements nest at most MaxDepth, so the
// recursion is bounded.
func Walk(n Node, visit func(Node) bool) {
	if n == nil {
		return
	}
	walkValue(reflect.ValueOf(n), visit)
}

// WalkTableNames calls fn on every table name n reads: in FROM clauses,
// joins and subqueries, those of expressions included (a scalar subquery in
// the select list, WHERE, HAVING, ORDER BY or a join condition), in the
// order they are written.
func WalkTableNames(n Node, fn func(*TableName)) {
	Walk(n, func(n Node) bool {
		if t, ok := n.(*TableName); ok {
			fn(t)
			return false
		}
		return true
	})
}

// walkValue walks v, a value of the AST's shapes: pointers, interfaces,
// structs and slices. A node is visited once, where a pointer or an
// interface holds it.
func walkValue(v reflect.Value, visit func(Node) bool) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		e := v.Elem()
		if e.Kind() != reflect.Pointer {
			if n, ok := e.Interface().(Node); ok && !visit(n) {
				return
			}
		}
		walkValue(e, visit)
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if n, ok := v.Interface().(Node); ok && !visit(n) {
			return
		}
		walkValue(v.Elem(), visit)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkValue(v.Field(i), visit)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkValue(v.Index(i), visit)
		}
	}
}

// RewriteExprs calls fn on every expression under n that stands where an
// expression goes (an operand, an argument, a select item, a condition, a
// LIMIT), in the order they are written, each after the expressions under
// it; when fn returns an expression other than the one it was given, that
// one takes its place (and is not walked). It returns the function that
// puts back every expression it replaced, so that the caller can show the
// tree rewritten (print it) and then restore it. When fn fails, RewriteExprs
// puts back what it replaced, stops and returns fn's error.
func RewriteExprs(n Node, fn func(Expr) (Expr, error)) (undo func(), err error) {
	var undos []func()
	undo = func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
		undos = nil
	}
	if n != nil {
		err = rewriteValue(reflect.ValueOf(n), fn, &undos)
	}
	if err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// rewriteValue is RewriteExprs over v; undos gets what puts back each
// replacement, in the order they were made.
func rewriteValue(v reflect.Value, fn func(Expr) (Expr, error), undos *[]func()) error {
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		if err := rewriteValue(v.Elem(), fn, undos); err != nil {
			return err
		}
		if v.Kind() != reflect.Interface || !v.CanSet() {
			return nil
		}
		old, ok := v.Interface().(Expr)
		if !ok {
			return nil
		}
		e, err := fn(old)
		if err != nil {
			return err
		}
		if e == nil || e == old || !reflect.TypeOf(e).AssignableTo(v.Type()) {
			return nil
		}
		v.Set(reflect.ValueOf(e))
		*undos = append(*undos, func() { v.Set(reflect.ValueOf(old)) })
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				if err := rewriteValue(v.Field(i), fn, undos); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			if err := rewriteValue(v.Index(i), fn, undos); err != nil {
				return err
			}
		}
	}
	return nil
}
