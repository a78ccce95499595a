package sql

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/weir-stream/weir/sql/types"
)

var (
	posType      = reflect.TypeFor[Pos]()
	typeNameType = reflect.TypeFor[TypeName]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
)

// EqualIgnoringPos reports whether two ASTs are equal ignoring positions
// (every Pos field) and the informational TypeName.Written; a nil slice
// equals an empty one.
func EqualIgnoringPos(a, b Node) bool {
	return equalValues(reflect.ValueOf(&a).Elem(), reflect.ValueOf(&b).Elem())
}

func equalValues(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Kind() {
	case reflect.Interface, reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equalValues(a.Elem(), b.Elem())
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !equalValues(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			f := a.Type().Field(i)
			if f.Type == posType || a.Type() == typeNameType && f.Name == "Written" {
				continue
			}
			if !equalValues(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	}
	return a.Equal(b)
}

// Dump returns an indented tree of n, one node per line, without positions:
// a debugging aid that shows how the parser grouped an expression.
func Dump(n Node) string {
	var b strings.Builder
	dumpValue(&b, reflect.ValueOf(n), 0, "")
	return b.String()
}

// inlineValue formats v on one line if it is a leaf (a scalar, a name or a
// type); ok is false for values that are dumped as subtrees.
func inlineValue(v reflect.Value) (s string, ok bool) {
	switch x := v.Interface().(type) {
	case Name:
		return ident(x), true
	case *Name:
		if x == nil {
			return "", true
		}
		return ident(*x), true
	case ObjectName:
		return objectName(x), true
	case TypeName:
		return x.SQL(), true
	case *TypeName:
		if x == nil {
			return "", true
		}
		return x.SQL(), true
	case types.T:
		return x.SQL(), true
	case *bool:
		if x == nil {
			return "", true
		}
		return fmt.Sprint(*x), true
	case fmt.Stringer:
		return x.String(), true
	case string:
		return fmt.Sprintf("%q", x), true
	case bool, int:
		return fmt.Sprint(x), true
	}
	if v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeFor[Name]() {
		names := v.Interface().([]Name)
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = ident(n)
		}
		return "(" + strings.Join(parts, ", ") + ")", true
	}
	return "", false
}

func dumpValue(b *strings.Builder, v reflect.Value, depth int, label string) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	indent := strings.Repeat("  ", depth)
	if v.Kind() == reflect.Slice {
		for i := 0; i < v.Len(); i++ {
			dumpValue(b, v.Index(i), depth, fmt.Sprintf("%s[%d]", label, i))
		}
		return
	}
	if v.Kind() != reflect.Struct {
		return
	}
	b.WriteString(indent)
	if label != "" {
		b.WriteString(label + ": ")
	}
	b.WriteString(v.Type().Name())
	type child struct {
		label string
		v     reflect.Value
	}
	var children []child
	for i := 0; i < v.NumField(); i++ {
		f, fv := v.Type().Field(i), v.Field(i)
		isEnum := fv.Kind() == reflect.Uint8 && f.Type.Implements(stringerType)
		if f.Type == posType || f.Name == "Written" || fv.IsZero() && !isEnum {
			continue
		}
		if s, ok := inlineValue(fv); ok {
			fmt.Fprintf(b, " %s=%s", f.Name, s)
			continue
		}
		children = append(children, child{f.Name, fv})
	}
	b.WriteString("\n")
	for _, c := range children {
		dumpValue(b, c.v, depth+1, c.label)
	}
}
