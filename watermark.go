package weir

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/expr"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// The stream options of its watermark (engine options: connectors do not
// see them).
const (
	// optIdleTimeout is how long a split reads nothing before it leaves
	// the watermark's minimum ('0s': never).
	optIdleTimeout = "watermark.idle_timeout"
	// optLateRows is how many late rows each view's source keeps in
	// weir_late_rows (the newest).
	optLateRows = "watermark.late_rows"
)

// The default idle timeouts: a Kafka partition may be silent for a while
// between bursts; a generator's or a file's single split is idle as soon
// as it stops.
const (
	defaultIdleTimeout      = 5 * time.Second
	defaultKafkaIdleTimeout = 60 * time.Second
)

// watermarkOf checks the WATERMARK FOR clause def of a new stream called
// name with columns cols (without _row_id) and returns what the catalog
// keeps of it (nil without a clause): the column must exist and be a
// timestamp, date or integer, and the expression must be the column, or
// the column minus (or plus) a constant without months.
func (e *Engine) watermarkOf(name string, cols []catalog.Column, def *sql.WatermarkDef, opts map[string]string) (*catalog.Watermark, error) {
	if def == nil {
		for _, k := range []string{optIdleTimeout, optLateRows} {
			if _, ok := opts[k]; ok {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "option %s needs a WATERMARK FOR clause", k)
			}
		}
		return nil, nil
	}
	if _, _, err := watermarkOptions(opts); err != nil {
		return nil, err
	}
	w := &catalog.Watermark{Column: def.Column.Value, Expr: sql.String(def.Expr)}
	o := &catalog.Object{Name: name, Kind: catalog.Stream, Columns: cols}
	col := w.ColumnIndex(o)
	if col < 0 || cols[col].Hidden {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, def.Column.Pos, "column \"%s\" does not exist", def.Column.Value)
	}
	if t := cols[col].Type; !expr.WatermarkValue(t) {
		return nil, sqlstate.ErrorfAt(sqlstate.DatatypeMismatch, def.Column.Pos,
			"watermark column \"%s\" must be of type timestamp, timestamp with time zone, date or an integer type, not %s", def.Column.Value, t)
	}
	if _, err := e.watermarkDelay(o, w, def.Expr, def.ExprPos); err != nil {
		return nil, err
	}
	return w, nil
}

// watermarkDelay binds w's expression over o's columns and returns how far
// the watermark trails the column.
func (e *Engine) watermarkDelay(o *catalog.Object, w *catalog.Watermark, x sql.Expr, pos sql.Pos) (int64, error) {
	col := w.ColumnIndex(o)
	bound, err := planner.NewBinder(e.cat, nil).BindScalar(o, x, o.Columns[col].Type, "WATERMARK")
	if err != nil {
		return 0, planner.At(err, pos)
	}
	off, ok := expr.ConstantOffset(context.Background(), e.mem, bound, col)
	if !ok {
		return 0, sqlstate.ErrorfAt(sqlstate.FeatureNotSupported, pos,
			"the watermark expression must be %s itself or %s minus a constant interval", w.Column, w.Column).
			WithHint("Write WATERMARK FOR " + w.Column + " AS " + w.Column + " - INTERVAL '5 seconds'.")
	}
	return -off, nil
}

// watermarkOptions returns a stream's watermark options: the idle timeout
// (0: the connector's default; negative: never idle) and the late rows
// kept.
func watermarkOptions(opts map[string]string) (idle time.Duration, keep int, err error) {
	keep = watermarks.DefaultKeepLate
	if v, ok := opts[optIdleTimeout]; ok {
		d, err := expr.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for option %s: \"%s\"", optIdleTimeout, v).
				WithHint("Give a duration such as '5s' or '1 minute'; '0s' never counts a split idle.")
		}
		idle = d
		if d == 0 {
			idle = -1
		}
	}
	if v, ok := opts[optLateRows]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return 0, 0, sqlstate.Errorf(sqlstate.InvalidParameterValue, "invalid value for option %s: \"%s\"", optLateRows, v).
				WithHint("Give how many late rows to keep per view, 0 or more.")
		}
		keep = n
	}
	return idle, keep, nil
}

// watermarked returns src wrapped with stream s's watermark (exec/
// watermarks), whose state lives in the source's state table; src itself
// and nil when s has no WATERMARK FOR.
func (e *Engine) watermarked(s *catalog.Object, src exec.Source, table statestore.TableID) (exec.Source, *watermarks.Source, error) {
	w := s.Watermark
	if w == nil {
		return src, nil, nil
	}
	x, err := sql.ParseExpr(w.Expr)
	if err != nil {
		return nil, nil, err
	}
	col := w.ColumnIndex(s)
	if col < 0 {
		return nil, nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "stream %s: watermark column \"%s\" does not exist", s.Name, w.Column)
	}
	delay, err := e.watermarkDelay(s, w, x, 0)
	if err != nil {
		return nil, nil, err
	}
	idle, keep, err := watermarkOptions(s.Options)
	if err != nil {
		return nil, nil, err
	}
	if idle == 0 {
		idle = defaultIdleTimeout
		if s.Options["connector"] == "kafka" {
			idle = defaultKafkaIdleTimeout
		}
	}
	t := s.Columns[col].Type
	ws := watermarks.New(src, watermarks.Spec{Stream: s.Name, Column: col, Delay: delay, IdleTimeout: max(idle, 0),
		KeepLate: keep, Table: table, Mem: e.mem, Format: func(v int64) string { return watermarkText(t, v) }})
	return ws, ws, nil
}

// watermarkText prints watermark value v of a column of type t as the
// column's values print: timestamps in UTC, with +00 for TIMESTAMPTZ.
func watermarkText(t types.T, v int64) string {
	switch t.Family {
	case types.Timestamp, types.TimestampTZ:
		s := time.UnixMicro(v).UTC().Format("2006-01-02 15:04:05.999999")
		if t.Family == types.TimestampTZ {
			s += "+00"
		}
		return s
	case types.Date:
		return time.Unix(v*86400, 0).UTC().Format("2006-01-02")
	}
	return strconv.FormatInt(v, 10)
}

// watermarkColumnType returns the type of stream s's watermark column.
func watermarkColumnType(s *catalog.Object) types.T {
	if s.Watermark == nil {
		return types.T{}
	}
	if i := s.Watermark.ColumnIndex(s); i >= 0 {
		return s.Columns[i].Type
	}
	return types.T{}
}

// tableWatermark returns the operator of table o's WATERMARK FOR, whose
// state is o's second state table.
func (e *Engine) tableWatermark(o *catalog.Object) (*watermarks.Table, error) {
	w := o.Watermark
	col := w.ColumnIndex(o)
	if col < 0 || len(o.StateTables) < 2 {
		return nil, sqlstate.Errorf(sqlstate.Internal, "table %s: its watermark has no column or no state table", o.Name)
	}
	x, err := sql.ParseExpr(w.Expr)
	if err != nil {
		return nil, err
	}
	delay, err := e.watermarkDelay(o, w, x, 0)
	if err != nil {
		return nil, err
	}
	t := o.Columns[col].Type
	return watermarks.NewTable(watermarks.Spec{Stream: o.Name, Column: col, Delay: delay, KeepLate: watermarks.DefaultKeepLate,
		Table: o.StateTables[1], Mem: e.mem, Format: func(v int64) string { return watermarkText(t, v) }}), nil
}
