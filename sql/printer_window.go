package sql

// over prints a window function call's " OVER …".
func (pr printer) over(w *WindowSpec) {
	pr.w(" OVER ")
	if w.Name != nil {
		pr.w(ident(*w.Name))
		return
	}
	pr.windowSpec(w)
}

// windowSpec prints a window specification in parentheses.
func (pr printer) windowSpec(w *WindowSpec) {
	pr.w("(")
	sep := ""
	if w.Ref != nil {
		pr.w(ident(*w.Ref))
		sep = " "
	}
	if len(w.PartitionBy) > 0 {
		pr.w(sep + "PARTITION BY ")
		pr.exprList(w.PartitionBy)
		sep = " "
	}
	if len(w.OrderBy) > 0 {
		if sep == "" {
			pr.w("ORDER BY ")
			pr.orderList(w.OrderBy)
		} else {
			pr.orderItems(w.OrderBy)
		}
		sep = " "
	}
	if f := w.Frame; f != nil {
		pr.w(sep + f.Mode.String() + " ")
		if f.End == nil {
			pr.frameBound(f.Start)
		} else {
			pr.w("BETWEEN ")
			pr.frameBound(f.Start)
			pr.w(" AND ")
			pr.frameBound(*f.End)
		}
		if f.Exclude != ExcludeNoOthers {
			pr.w(" EXCLUDE " + excludeSQL[f.Exclude])
		}
	}
	pr.w(")")
}

// excludeSQL is the SQL of each frame exclusion, after EXCLUDE.
var excludeSQL = map[FrameExclude]string{ExcludeNoOthers: "NO OTHERS", ExcludeCurrentRow: "CURRENT ROW", ExcludeGroup: "GROUP", ExcludeTies: "TIES"}

// frameBound prints one end of a window frame.
func (pr printer) frameBound(b FrameBound) {
	switch b.Kind {
	case BoundUnboundedPreceding:
		pr.w("UNBOUNDED PRECEDING")
	case BoundCurrentRow:
		pr.w("CURRENT ROW")
	case BoundUnboundedFollowing:
		pr.w("UNBOUNDED FOLLOWING")
	case BoundPreceding:
		pr.expr(b.Offset, lvlOp, 0, false)
		pr.w(" PRECEDING")
	case BoundFollowing:
		pr.expr(b.Offset, lvlOp, 0, false)
		pr.w(" FOLLOWING")
	}
}

// windowClause prints a SELECT's " WINDOW name AS (…), …".
func (pr printer) windowClause(ws []NamedWindow) {
	for i, nw := range ws {
		if i == 0 {
			pr.w(" WINDOW ")
		} else {
			pr.w(", ")
		}
		pr.w(ident(nw.Name) + " AS ")
		pr.windowSpec(nw.Spec)
	}
}
