package planner

import (
	"fmt"
	"strings"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// SessionWindow is a bound SESSION(rel [PARTITION BY key], ts, gap): per
// value of the partition columns, rows whose times are less than Gap
// apart are one session, which spans from its first row's time to its
// last row's time plus Gap (Flink's session windows). A row without a
// time is in no session: its window_start and window_end are NULL. Its
// columns are its input's, then window_start and window_end, of the time
// column's type. Ad-hoc queries run it in DuckDB (ExpandWindowTVFs); a
// view runs StreamSession.
type SessionWindow struct {
	Input     Node
	Qual      string
	TimeCol   int
	Partition []int
	// Gap is in microseconds.
	Gap  int64
	Cols []Col
}

// Columns returns the input's columns, then window_start and window_end.
func (n *SessionWindow) Columns() []Col { return n.Cols }

// Children returns the input.
func (n *SessionWindow) Children() []Node { return []Node{n.Input} }

// explain returns the node's EXPLAIN line.
func (n *SessionWindow) explain() string {
	in := n.Input.Columns()
	s := fmt.Sprintf("Session { time: %s, gap: %s", in[n.TimeCol].Name, micros(n.Gap))
	if len(n.Partition) > 0 {
		var part []string
		for _, i := range n.Partition {
			part = append(part, in[i].Name)
		}
		s += ", partition: [" + strings.Join(part, ", ") + "]"
	}
	return s + " }"
}

// bindSessionTVF checks SESSION f: its relation, time column, partition
// columns and one positive gap.
func (b *Binder) bindSessionTVF(f *sql.WindowTVF) (*SessionWindow, error) {
	in, qual, ts, err := b.bindWindowInput(f)
	if err != nil {
		return nil, err
	}
	if len(f.Args) != 1 {
		return nil, sqlstate.ErrorfAt(sqlstate.UndefinedFunction, f.Func.Pos,
			"function session takes a relation, a time column and a gap interval")
	}
	gap, err := b.windowInterval(f.Args[0])
	if err != nil {
		return nil, err
	}
	if gap <= 0 {
		return nil, sqlstate.ErrorfAt(sqlstate.InvalidParameterValue, f.Args[0].Position(),
			"session gap %s must be positive", micros(gap))
	}
	s := &SessionWindow{Input: in, Qual: qual, TimeCol: ts, Gap: gap}
	cols := in.Columns()
	tt := cols[ts].Type
	for _, c := range cols {
		c.Table = qual
		s.Cols = append(s.Cols, c)
	}
	s.Cols = append(s.Cols, Col{Table: qual, Name: "window_start", Type: tt}, Col{Table: qual, Name: "window_end", Type: tt})
	for _, p := range f.Partition {
		i := -1
		for j, c := range cols {
			if !c.Hidden && c.Name == p.Value {
				i = j
				break
			}
		}
		if i < 0 {
			return nil, sqlstate.ErrorfAt(sqlstate.UndefinedColumn, p.Pos, "column \"%s\" does not exist", p.Value)
		}
		s.Partition = append(s.Partition, i)
	}
	return s, nil
}

// duckSessionQuery returns the subquery DuckDB runs for SESSION w: a
// row starts a session when the previous row of its partition by time is
// Gap or more before it (or there is none); a running sum of those starts
// numbers the sessions, whose first time and last time plus Gap are
// window_start and window_end. The sum's frame is the default one, up to
// the row's last peer, so that rows of the same time, which lag and sum
// may order differently, get one number.
func duckSessionQuery(cat *catalog.Catalog, w *sql.WindowTVF) (*sql.Subquery, error) {
	s, err := NewBinder(cat, nil).bindSessionTVF(w)
	if err != nil {
		return nil, err
	}
	in := s.Input.Columns()
	var part []string
	for _, i := range s.Partition {
		part = append(part, quotedName(in[i].Name))
	}
	partBy := ""
	if len(part) > 0 {
		partBy = "PARTITION BY " + strings.Join(part, ", ")
	}
	sessionBy := strings.Join(append(part, "weir_session"), ", ")
	ts := quotedName(in[s.TimeCol].Name)
	var b strings.Builder
	b.WriteString("SELECT ")
	for _, c := range in {
		if !c.Hidden {
			b.WriteString(quotedName(c.Name) + ", ")
		}
	}
	fmt.Fprintf(&b, "CASE WHEN %s IS NOT NULL THEN min(%s) OVER (PARTITION BY %s) END AS window_start, ", ts, ts, sessionBy)
	fmt.Fprintf(&b, "CASE WHEN %s IS NOT NULL THEN max(%s) OVER (PARTITION BY %s) + to_microseconds(%d) END AS window_end ", ts, ts, sessionBy, s.Gap)
	fmt.Fprintf(&b, "FROM (SELECT *, sum(weir_starts) OVER (%s ORDER BY %s) AS weir_session ", partBy, ts)
	fmt.Fprintf(&b, "FROM (SELECT *, CASE WHEN epoch_us(%s) - epoch_us(lag(%s) OVER (%s ORDER BY %s)) < %d THEN 0 ELSE 1 END AS weir_starts ", ts, ts, partBy, ts, s.Gap)
	b.WriteString("FROM weir_input) AS weir_gaps) AS weir_sessions")
	stmts, err := sql.Parse(b.String())
	if err != nil {
		return nil, err
	}
	q := stmts[0].(*sql.Select)
	inner := q.From[0].(*sql.Subquery).Query.From[0].(*sql.Subquery).Query
	inner.From[0] = w.Input
	return &sql.Subquery{Pos: w.Pos, Query: q, Alias: &sql.Name{Pos: w.Pos, Value: s.Qual, Quoted: true}, Columns: w.Columns}, nil
}
