package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/watermarks"
	"github.com/weir-stream/weir/planner"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/statestore"
)

// watermarkOf checks the WATERMARK FOR clause def of a new stream or
// table called name with columns cols (without _row_id) and its options,
// and returns what the catalog keeps of it (nil without a clause).
func (e *Engine) watermarkOf(name string, cols []catalog.Column, def *sql.WatermarkDef, opts map[string]string) (*catalog.Watermark, error) {
	if def == nil {
		for _, k := range []string{watermarks.OptIdleTimeout, watermarks.OptLateRows} {
			if _, ok := opts[k]; ok {
				return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "option %s needs a WATERMARK FOR clause", k)
			}
		}
		return nil, nil
	}
	if _, _, err := watermarks.Options(opts); err != nil {
		return nil, err
	}
	return planner.DefineWatermark(e.cat, e.mem, name, cols, def)
}

// watermarked returns src wrapped with stream s's watermark (exec/
// watermarks), whose state lives in the source's state table; src itself
// and nil when s has no WATERMARK FOR.
func (e *Engine) watermarked(s *catalog.Object, src exec.Source, table statestore.TableID) (exec.Source, *watermarks.Source, error) {
	w := s.Watermark
	if w == nil {
		return src, nil, nil
	}
	col := w.ColumnIndex(s)
	if col < 0 {
		return nil, nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "stream %s: watermark column \"%s\" does not exist", s.Name, w.Column)
	}
	spec, err := planner.WatermarkSpec(e.cat, e.mem, s, col, table)
	if err != nil {
		return nil, nil, err
	}
	if spec.IdleTimeout == 0 {
		spec.IdleTimeout = watermarks.DefaultIdleTimeout
		if s.Options["connector"] == "kafka" {
			spec.IdleTimeout = watermarks.DefaultKafkaIdleTimeout
		}
	}
	spec.IdleTimeout = max(spec.IdleTimeout, 0)
	ws := watermarks.New(src, spec)
	return ws, ws, nil
}

// tableWatermark returns the operator of table o's WATERMARK FOR, whose
// state is o's second state table.
func (e *Engine) tableWatermark(o *catalog.Object) (*watermarks.Table, error) {
	w := o.Watermark
	col := w.ColumnIndex(o)
	if col < 0 || len(o.StateTables) < 2 {
		return nil, sqlstate.Errorf(sqlstate.Internal, "table %s: its watermark has no column or no state table", o.Name)
	}
	spec, err := planner.WatermarkSpec(e.cat, e.mem, o, col, o.StateTables[1])
	if err != nil {
		return nil, err
	}
	return watermarks.NewTable(spec), nil
}
