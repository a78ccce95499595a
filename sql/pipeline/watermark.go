package pipeline

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/weir-stream/weir/sql"
)

// InputWatermark is an input's `watermark:`, its stream's WATERMARK FOR:
//
//	watermark:
//	  column: ts            # the event-time column
//	  delay: 5 seconds      # an SQL interval: the watermark trails the largest ts by it (default none)
//	  idle_timeout: 5s      # the stream's watermark.idle_timeout (optional)
//	  late_rows: 10000      # the stream's watermark.late_rows (optional)
type InputWatermark struct {
	Line int
	// Def is the clause: column AS column [- INTERVAL 'delay'].
	Def         *sql.WatermarkDef
	IdleTimeout string
	LateRows    string
}

// watermark reads an input's watermark: mapping.
func (r *yamlReader) watermark(v *yaml.Node, key string) (*InputWatermark, error) {
	w := &InputWatermark{Line: v.Line}
	var column, delay string
	err := r.mapping(v, key, func(k string, x *yaml.Node) error {
		at := key + "." + k
		var err error
		switch k {
		case "column":
			column, err = r.str(x, at)
		case "delay":
			delay, err = r.str(x, at)
		case "idle_timeout":
			w.IdleTimeout, err = r.str(x, at)
		case "late_rows":
			var n int64
			if n, err = r.integer(x, at); err == nil {
				w.LateRows = strconv.FormatInt(n, 10)
			}
		default:
			err = r.unknown(x, at, "column, delay, idle_timeout, late_rows")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if column == "" {
		return nil, r.errorf(v.Line, key+".column", "missing: the watermark's column")
	}
	col := sql.Name{Value: column, Quoted: true}
	var e sql.Expr = &sql.ColumnRef{Name: col}
	if delay != "" {
		d, err := sql.ParseExpr("INTERVAL " + quote(delay))
		if err != nil {
			return nil, r.errorf(v.Line, key+".delay", "want an interval such as 5 seconds: %w", err)
		}
		e = &sql.BinaryExpr{Op: sql.OpSub, Left: e, Right: d}
	}
	w.Def = &sql.WatermarkDef{Column: col, Expr: e}
	return w, nil
}

// options returns the stream options w sets.
func (w *InputWatermark) options() []sql.Option {
	var opts []sql.Option
	if w.IdleTimeout != "" {
		opts = append(opts, sql.Option{Key: "watermark.idle_timeout", Value: w.IdleTimeout})
	}
	if w.LateRows != "" {
		opts = append(opts, sql.Option{Key: "watermark.late_rows", Value: w.LateRows})
	}
	return opts
}

// quote returns s as an SQL string literal.
func quote(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}
