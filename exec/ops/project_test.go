package ops_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/internal/exectest"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// pfOps maps the operators the project/filter tests write to sql.BinaryOp.
var pfOps = map[string]sql.BinaryOp{
	"+": sql.OpAdd, "-": sql.OpSub, "*": sql.OpMul, "/": sql.OpDiv,
	"=": sql.OpEq, "<>": sql.OpNe, "<": sql.OpLt, "<=": sql.OpLe, ">": sql.OpGt, ">=": sql.OpGe,
	"AND": sql.OpAnd, "OR": sql.OpOr,
}

// pfParseExpr parses the tiny expression language of the tests: operands
// (a column name, an integer, 'text', NULL) joined left to right by binary
// operators separated by spaces, e.g. "a + b" or "a > 1".
func pfParseExpr(schema types.Schema, text string) (expr.Expr, error) {
	toks := strings.Fields(text)
	if len(toks)%2 == 0 {
		return nil, fmt.Errorf("bad expression %q", text)
	}
	e, err := pfOperand(schema, toks[0])
	if err != nil {
		return nil, err
	}
	for i := 1; i < len(toks); i += 2 {
		op, ok := pfOps[toks[i]]
		if !ok {
			return nil, fmt.Errorf("unknown operator %q", toks[i])
		}
		r, err := pfOperand(schema, toks[i+1])
		if err != nil {
			return nil, err
		}
		if e, err = expr.Binary(op, e, r); err != nil {
			return nil, err
		}
	}
	return e, nil
}

func pfOperand(schema types.Schema, tok string) (expr.Expr, error) {
	if i := schema.Index(tok); i >= 0 {
		return expr.Column(i, tok, schema[i].Type), nil
	}
	switch {
	case tok == "NULL":
		return expr.Null(types.UnknownType), nil
	case strings.HasPrefix(tok, "'"):
		return expr.Constant(strings.Trim(tok, "'"), types.TextType)
	}
	var v int64
	if _, err := fmt.Sscan(tok, &v); err != nil {
		return nil, fmt.Errorf("unknown operand %q", tok)
	}
	return expr.Constant(v, types.Int64Type)
}

// pfChunks parses the chunks of d.Input, separated by lines "--".
func pfChunks(mem memory.Allocator, schema types.Schema, input string) ([]exec.Chunk, error) {
	var chunks []exec.Chunk
	for _, part := range strings.Split(input, "\n--\n") {
		c, err := exectest.ParseChunk(mem, schema, part)
		if err != nil {
			for _, c := range chunks {
				c.Release()
			}
			return nil, err
		}
		chunks = append(chunks, c)
	}
	return chunks, nil
}

// pfRun pushes every chunk of d.Input through op and prints what it emits.
func pfRun(t *testing.T, mem memory.Allocator, schema types.Schema, op exec.Operator, input string) string {
	chunks, err := pfChunks(mem, schema, input)
	if err != nil {
		return fmt.Sprintf("error: %v\n", err)
	}
	out := &exectest.Collector{}
	defer out.Release()
	var b strings.Builder
	for _, c := range chunks {
		err := op.ProcessChunk(context.Background(), 0, c, out)
		c.Release()
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n", err)
		}
	}
	if cs := out.Chunks(); len(cs) > 0 {
		b.WriteString(exectest.FormatHeader(cs[0].Batch.Schema()) + "\n")
	}
	b.WriteString(out.Take())
	if b.Len() == 0 {
		return "(nothing)\n"
	}
	return b.String()
}

func TestProject(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	datadriven.RunTest(t, "testdata/project", func(t *testing.T, d *datadriven.TestData) string {
		schema, err := exectest.SchemaArg(d, "schema")
		if err != nil {
			return fmt.Sprintf("error: %v\n", err)
		}
		var exprs []expr.Expr
		var names []string
		for _, a := range d.CmdArgs {
			if a.Key != "exprs" {
				continue
			}
			for _, v := range a.Vals {
				e, err := pfParseExpr(schema, v)
				if err != nil {
					return fmt.Sprintf("error: %v\n", err)
				}
				exprs = append(exprs, e)
				names = append(names, strings.ReplaceAll(v, " ", ""))
			}
		}
		return pfRun(t, mem, schema, ops.NewProject(mem, exprs, names), d.Input)
	})
}
