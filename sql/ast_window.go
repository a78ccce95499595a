package sql

// WindowSpec is the window of a window function call, `OVER (…)` or
// `OVER name`, and the definition of a named window, `WINDOW name AS (…)`.
// Name is set only for `OVER name`, whose other fields are then empty;
// Ref is the name of an existing window `OVER (ref …)` refines (its
// PARTITION BY and ORDER BY are the referenced window's when not given
// here, as in Postgres).
type WindowSpec struct {
	Pos         Pos
	Name        *Name
	Ref         *Name
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *WindowFrame // nil: the default frame
}

// NamedWindow is one `name AS (…)` of a SELECT's WINDOW clause.
type NamedWindow struct {
	Name Name
	Spec *WindowSpec
}

// FrameMode says what a window frame's offsets count.
type FrameMode uint8

// Frame modes.
const (
	FrameRows   FrameMode = iota // ROWS: physical rows
	FrameRange                   // RANGE: peers and ORDER BY values
	FrameGroups                  // GROUPS: peer groups
)

// FrameExclude is a window frame's EXCLUDE clause.
type FrameExclude uint8

// Frame exclusions; the zero value is EXCLUDE NO OTHERS, the default.
const (
	ExcludeNoOthers FrameExclude = iota
	ExcludeCurrentRow
	ExcludeGroup
	ExcludeTies
)

// FrameBoundKind is the kind of one end of a window frame.
type FrameBoundKind uint8

// Frame bound kinds, in the order Postgres requires a frame's start to
// come no later than its end.
const (
	BoundUnboundedPreceding FrameBoundKind = iota
	BoundPreceding                         // n PRECEDING
	BoundCurrentRow
	BoundFollowing // n FOLLOWING
	BoundUnboundedFollowing
)

// FrameBound is one end of a window frame; Offset is n of n PRECEDING and
// n FOLLOWING, nil otherwise.
type FrameBound struct {
	Kind   FrameBoundKind
	Offset Expr
}

// WindowFrame is `{ROWS|RANGE|GROUPS} start` or `{ROWS|RANGE|GROUPS}
// BETWEEN start AND end`, then an optional EXCLUDE clause; End is nil for
// the first form, whose end is the current row.
type WindowFrame struct {
	Pos     Pos
	Mode    FrameMode
	Start   FrameBound
	End     *FrameBound
	Exclude FrameExclude
}

// Position returns where the window starts: OVER's parenthesis or name.
func (w *WindowSpec) Position() Pos { return w.Pos }

// Position returns where the frame's ROWS or RANGE key word starts.
func (f *WindowFrame) Position() Pos { return f.Pos }

// String returns the frame mode's key word.
func (m FrameMode) String() string {
	switch m {
	case FrameRange:
		return "RANGE"
	case FrameGroups:
		return "GROUPS"
	}
	return "ROWS"
}
