package wire

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// statement is a Parse'd statement of the extended protocol. prep is nil
// for an empty query string.
type statement struct {
	text string
	prep *session.Prepared
}

func (s *statement) paramTypes() []types.T {
	if s.prep == nil {
		return nil
	}
	return s.prep.ParamTypes
}

func (s *statement) columns() types.Schema {
	if s.prep == nil {
		return nil
	}
	return s.prep.Columns
}

// portal is a bound statement. It runs at its first Execute; its Result
// then stays open, under its own context, until it is exhausted or closed,
// so that an Execute with a row limit can be resumed by the next one.
type portal struct {
	stmt    *statement
	params  []session.Param
	formats []int16 // one per column of the statement

	ctx    context.Context
	cancel context.CancelFunc
	res    *session.Result
	rows   rowStream
	done   bool
	tag    string // the completed portal's command tag
}

// close releases the portal's result and cancels its context.
func (p *portal) close() {
	p.rows.close()
	if p.res != nil && p.res.Rows != nil {
		p.res.Rows.Release()
	}
	p.res = nil
	if p.cancel != nil {
		p.cancel()
	}
}

// extendedError reports a failed extended-protocol message; the messages up
// to the next Sync are then skipped, as Postgres does.
func (c *conn) extendedError(err error, text string) {
	c.sendError(err, text)
	c.ignoreTillSync = true
}

func (c *conn) closePortals() {
	for name, p := range c.portals {
		p.close()
		delete(c.portals, name)
	}
}

// isEmptyQuery reports whether text holds no statement at all.
func isEmptyQuery(text string) bool {
	return strings.TrimLeft(text, " \t\n\r\f;") == ""
}

func (c *conn) parse(m *pgproto3.Parse) {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			c.extendedError(sqlstate.Errorf(sqlstate.DuplicateObject, "prepared statement %q already exists", m.Name), "")
			return
		}
	}
	paramTypes := make([]types.T, len(m.ParameterOIDs))
	for i, oid := range m.ParameterOIDs {
		t, ok := types.FromOID(oid)
		if !ok {
			c.extendedError(sqlstate.Errorf(sqlstate.FeatureNotSupported,
				"parameter $%d has unsupported type OID %d", i+1, oid), "")
			return
		}
		paramTypes[i] = t
	}
	if err := c.checkStatement(m.Query); err != nil {
		c.extendedError(err, "")
		return
	}
	st := &statement{text: m.Query}
	if !isEmptyQuery(m.Query) {
		ctx, cancel := c.beginQuery(c.ctx)
		prep, err := c.sess.Prepare(ctx, m.Query, paramTypes)
		c.setQueryCancel(nil)
		cancel()
		if err != nil {
			c.extendedError(err, m.Query)
			return
		}
		st.prep = prep
	}
	c.stmts[m.Name] = st
	c.send(&pgproto3.ParseComplete{})
}

func (c *conn) bind(m *pgproto3.Bind) {
	st, ok := c.stmts[m.PreparedStatement]
	if !ok {
		c.extendedError(sqlstate.Errorf(sqlstate.UndefinedObject,
			"prepared statement %q does not exist", m.PreparedStatement), "")
		return
	}
	if old, ok := c.portals[m.DestinationPortal]; ok {
		if m.DestinationPortal != "" {
			c.extendedError(sqlstate.Errorf(sqlstate.DuplicateObject,
				"portal %q already exists", m.DestinationPortal), "")
			return
		}
		old.close()
		delete(c.portals, "")
	}
	params, err := decodeParams(st.paramTypes(), m.ParameterFormatCodes, m.Parameters)
	if err == nil {
		err = checkParams(params)
	}
	if err != nil {
		c.extendedError(err, "")
		return
	}
	cols := st.columns()
	formats := make([]int16, len(cols))
	switch n := len(m.ResultFormatCodes); {
	case n == 1:
		for i := range formats {
			formats[i] = m.ResultFormatCodes[0]
		}
	case n == len(cols):
		copy(formats, m.ResultFormatCodes)
	case n != 0:
		c.extendedError(sqlstate.Errorf(sqlstate.ProtocolViolation,
			"bind message has %d result formats but query has %d columns", n, len(cols)), "")
		return
	}
	for _, f := range formats {
		if f != formatText && f != formatBinary {
			c.extendedError(sqlstate.Errorf(sqlstate.ProtocolViolation, "unsupported format code: %d", f), "")
			return
		}
	}
	c.portals[m.DestinationPortal] = &portal{stmt: st, params: params, formats: formats}
	c.send(&pgproto3.BindComplete{})
}

func (c *conn) describe(m *pgproto3.Describe) {
	switch m.ObjectType {
	case 'S':
		st, ok := c.stmts[m.Name]
		if !ok {
			c.extendedError(sqlstate.Errorf(sqlstate.UndefinedObject, "prepared statement %q does not exist", m.Name), "")
			return
		}
		pts := st.paramTypes()
		oids := make([]uint32, len(pts))
		for i, t := range pts {
			oids[i] = t.OID()
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids})
		c.describeRows(st.columns(), nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if cs, isCursor := c.sess.(cursorSession); !ok && isCursor {
			// A cursor is a portal too: psycopg's named cursors describe
			// theirs after DECLARE.
			if cols, found := cs.CursorColumns(m.Name); found {
				c.describeRows(cols, nil)
				return
			}
		}
		if !ok {
			c.extendedError(sqlstate.Errorf(sqlstate.UndefinedObject, "portal %q does not exist", m.Name), "")
			return
		}
		c.describeRows(p.stmt.columns(), p.formats)
	default:
		c.extendedError(sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType), "")
	}
}

// cursorSession is a session with cursors (DECLARE … CURSOR), which
// Describe of a portal names as Postgres' clients expect.
type cursorSession interface {
	CursorColumns(name string) (types.Schema, bool)
}

func (c *conn) describeRows(cols types.Schema, formats []int16) {
	if cols == nil {
		c.send(&pgproto3.NoData{})
		return
	}
	c.sendRowDescription(cols, formats)
}

func (c *conn) execute(m *pgproto3.Execute) {
	p, ok := c.portals[m.Portal]
	if !ok {
		c.extendedError(sqlstate.Errorf(sqlstate.UndefinedObject, "portal %q does not exist", m.Portal), "")
		return
	}
	if p.stmt.prep == nil {
		c.send(&pgproto3.EmptyQueryResponse{})
		return
	}
	if p.done {
		c.commandComplete(p.tag, 0)
		return
	}
	if p.ctx == nil {
		p.ctx, p.cancel = context.WithCancel(c.ctx)
	}
	c.setQueryCancel(p.cancel)
	defer c.setQueryCancel(nil)
	if p.res == nil {
		res, err := c.sess.Execute(session.WithPreparedStatements(session.WithCopyIn(p.ctx, &copyIn{c: c}), c), p.stmt.prep, p.params)
		if err != nil {
			c.failPortal(m.Portal, p, err)
			return
		}
		p.res = res
		c.sendNotices(res)
		if res.CopyOut != nil {
			if err := c.sendCopyOut(p.ctx, res); err != nil {
				c.failPortal(m.Portal, p, err)
				return
			}
			p.done, p.tag = true, "COPY"
			p.close()
			return
		}
		if !res.HasRows() {
			c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)})
			p.done, p.tag = true, res.Tag
			p.close()
			return
		}
		p.rows = rowStream{rd: res.Rows, cols: res.Columns, formats: p.formats}
	}
	sent, done, err := c.sendRows(p.ctx, &p.rows, int64(m.MaxRows))
	if err != nil {
		c.failPortal(m.Portal, p, err)
		return
	}
	if !done {
		c.send(&pgproto3.PortalSuspended{})
		return
	}
	// Like Postgres, the count is that of this Execute's rows.
	c.commandComplete(p.res.Tag, sent)
	p.done, p.tag = true, p.res.Tag
	p.close()
}

// failPortal reports err for portal p and drops it.
func (c *conn) failPortal(name string, p *portal, err error) {
	if c.terminating() {
		c.fatalTerminated()
		return
	}
	p.close()
	delete(c.portals, name)
	c.extendedError(err, p.stmt.text)
}

func (c *conn) closeMsg(m *pgproto3.Close) {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		if p, ok := c.portals[m.Name]; ok {
			p.close()
			delete(c.portals, m.Name)
		}
	default:
		c.extendedError(sqlstate.Errorf(sqlstate.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType), "")
		return
	}
	c.send(&pgproto3.CloseComplete{})
}
