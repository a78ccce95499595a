package systables

import (
	"testing"

	"github.com/weir-stream/weir/exec/expr"
)

// TestBuiltinProcsResolve checks that every function pg_proc lists as a
// built-in is one weir's expressions evaluate with that signature: called
// with arguments of its argument types, it resolves to its result type.
func TestBuiltinProcsResolve(t *testing.T) {
	for _, p := range builtinProcs {
		if p.kind != "f" {
			continue
		}
		args := make([]expr.Expr, len(p.args))
		for i, a := range p.args {
			ty, ok := typeOf(a)
			if !ok {
				t.Fatalf("%s: no type %d", p.name, a)
			}
			args[i] = expr.Null(ty.t)
		}
		e, err := expr.Func(p.name, args)
		if err != nil {
			t.Errorf("%s%v: %v", p.name, p.args, err)
			continue
		}
		// weir's one text type is varchar and text both.
		if ret, _ := typeOf(p.ret); e.Type().Family != ret.t.Family {
			t.Errorf("%s%v returns %s, pg_proc says %d", p.name, p.args, e.Type(), p.ret)
		}
	}
}
