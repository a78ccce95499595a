package wire

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// rawClient speaks the protocol message by message, to test sequences no
// driver produces on its own.
type rawClient struct {
	t  *testing.T
	nc net.Conn
	fe *pgproto3.Frontend
}

// dialRaw connects and completes the startup phase.
func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	rc := &rawClient{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
	rc.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "weir", "database": "weir"}})
	rc.untilReady()
	return rc
}

func (rc *rawClient) send(msgs ...pgproto3.FrontendMessage) {
	rc.t.Helper()
	for _, m := range msgs {
		rc.fe.Send(m)
	}
	if err := rc.fe.Flush(); err != nil {
		rc.t.Fatal(err)
	}
}

// untilReady returns the messages received up to ReadyForQuery, one short
// line each.
func (rc *rawClient) untilReady() string {
	rc.t.Helper()
	var out []string
	rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		msg, err := rc.fe.Receive()
		if err != nil {
			rc.t.Fatalf("after %v: %v", out, err)
		}
		out = append(out, describeMsg(msg))
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return strings.Join(out, "\n")
		}
	}
}

func describeMsg(msg pgproto3.BackendMessage) string {
	switch m := msg.(type) {
	case *pgproto3.DataRow:
		vals := make([]string, len(m.Values))
		for i, v := range m.Values {
			if v == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = fmt.Sprintf("%q", v)
			}
		}
		return "DataRow " + strings.Join(vals, " ")
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return fmt.Sprintf("ErrorResponse %s %s %s pos=%d", m.Severity, m.Code, m.Message, m.Position)
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.RowDescription:
		var f []string
		for _, fd := range m.Fields {
			f = append(f, fmt.Sprintf("%s:%d/%d/%d/%d", fd.Name, fd.DataTypeOID, fd.DataTypeSize, fd.TypeModifier, fd.Format))
		}
		return "RowDescription " + strings.Join(f, " ")
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.NoticeResponse:
		return "NoticeResponse " + m.Message
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}

func expectMsgs(t *testing.T, got, want string) {
	t.Helper()
	want = strings.TrimSpace(want)
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestExtendedDescribeAndPortals(t *testing.T) {
	ts := startServer(t, Options{})
	rc := dialRaw(t, ts.addr)

	rc.send(
		&pgproto3.Parse{Name: "s1", Query: "gen 7"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1", ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 3},
		&pgproto3.Execute{Portal: "p1", MaxRows: 3},
		&pgproto3.Execute{Portal: "p1", MaxRows: 3},
		&pgproto3.Sync{},
	)
	expectMsgs(t, rc.untilReady(), `
ParseComplete
ParameterDescription []
RowDescription n:20/8/-1/0
BindComplete
RowDescription n:20/8/-1/1
DataRow "\x00\x00\x00\x00\x00\x00\x00\x00"
DataRow "\x00\x00\x00\x00\x00\x00\x00\x01"
DataRow "\x00\x00\x00\x00\x00\x00\x00\x02"
PortalSuspended
DataRow "\x00\x00\x00\x00\x00\x00\x00\x03"
DataRow "\x00\x00\x00\x00\x00\x00\x00\x04"
DataRow "\x00\x00\x00\x00\x00\x00\x00\x05"
PortalSuspended
DataRow "\x00\x00\x00\x00\x00\x00\x00\x06"
CommandComplete SELECT 1
ReadyForQuery I`)

	// The portal is gone after Sync; the named statement stays. A statement
	// without rows gets NoData; an empty one EmptyQueryResponse.
	rc.send(
		&pgproto3.Bind{DestinationPortal: "p1", PreparedStatement: "s1"},
		&pgproto3.Execute{Portal: "p1", MaxRows: 2},
		&pgproto3.Close{ObjectType: 'P', Name: "p1"},
		&pgproto3.Parse{Query: "create table t (a int)"},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "  "},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Sync{},
	)
	expectMsgs(t, rc.untilReady(), `
BindComplete
DataRow "0"
DataRow "1"
PortalSuspended
CloseComplete
ParseComplete
BindComplete
NoData
CommandComplete CREATE TABLE
ParseComplete
BindComplete
EmptyQueryResponse
CloseComplete
ReadyForQuery I`)
}

func TestExtendedErrorSkipsToSync(t *testing.T) {
	ts := startServer(t, Options{})
	rc := dialRaw(t, ts.addr)
	rc.send(
		&pgproto3.Parse{Query: "select 1"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "select * from nope"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Parse{Query: "select 1"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	expectMsgs(t, rc.untilReady(), `
ParseComplete
BindComplete
DataRow "1"
CommandComplete SELECT 1
ErrorResponse ERROR 42P01 relation "nope" does not exist pos=15
ReadyForQuery I`)

	// Errors of Bind, Describe and Execute are skipped to Sync too.
	rc.send(
		&pgproto3.Bind{PreparedStatement: "missing"},
		&pgproto3.Describe{ObjectType: 'S', Name: "missing"},
		&pgproto3.Sync{},
		&pgproto3.Parse{Name: "e", Query: "echo $1"},
		&pgproto3.Bind{PreparedStatement: "e"},
		&pgproto3.Sync{},
		&pgproto3.Bind{PreparedStatement: "e", Parameters: [][]byte{[]byte("x")}, ResultFormatCodes: []int16{0, 1}},
		&pgproto3.Sync{},
		&pgproto3.Parse{Name: "e", Query: "echo $1"},
		&pgproto3.Sync{},
		&pgproto3.Execute{Portal: "nope"},
		&pgproto3.Sync{},
		&pgproto3.Bind{PreparedStatement: "e", Parameters: [][]byte{nil}},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	expectMsgs(t, rc.untilReady(), `
ErrorResponse ERROR 42704 prepared statement "missing" does not exist pos=0
ReadyForQuery I`)
	expectMsgs(t, rc.untilReady(), `
ParseComplete
ErrorResponse ERROR 08P01 bind message supplies 0 parameters, but prepared statement requires 1 pos=0
ReadyForQuery I`)
	expectMsgs(t, rc.untilReady(), `
ErrorResponse ERROR 08P01 bind message has 2 result formats but query has 1 columns pos=0
ReadyForQuery I`)
	expectMsgs(t, rc.untilReady(), `
ErrorResponse ERROR 42710 prepared statement "e" already exists pos=0
ReadyForQuery I`)
	expectMsgs(t, rc.untilReady(), `
ErrorResponse ERROR 42704 portal "nope" does not exist pos=0
ReadyForQuery I`)
	expectMsgs(t, rc.untilReady(), `
BindComplete
DataRow NULL
CommandComplete SELECT 1
ReadyForQuery I`)
}

func TestSimpleQueryRowsAndNotices(t *testing.T) {
	ts := startServer(t, Options{})
	rc := dialRaw(t, ts.addr)
	rc.send(&pgproto3.Query{String: "types; notice"})
	expectMsgs(t, rc.untilReady(), `
RowDescription b:16/1/-1/0 i2:21/2/-1/0 i4:23/4/-1/0 i8:20/8/-1/0 f4:700/4/-1/0 f8:701/8/-1/0 n:1700/-1/655366/0 t:1043/-1/-1/0 d:1082/4/-1/0 ts:1114/8/-1/0 tz:1184/8/-1/0 iv:1186/16/-1/0 by:17/-1/-1/0 j:3802/-1/-1/0
DataRow "t" "-2" "40000" "1099511627776" "1.5" "0.1" "12.50" "héllo" "2024-01-02" "2024-01-02 03:04:05.123456" "2024-01-02 03:04:05.123456+00" "1 year 2 mons 3 days 04:05:06" "\\x0102" "{\"a\": 1}"
DataRow NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL NULL
CommandComplete SELECT 2
NoticeResponse just so you know
CommandComplete SET
ReadyForQuery I`)
	rc.send(&pgproto3.Query{String: ""})
	expectMsgs(t, rc.untilReady(), `
EmptyQueryResponse
ReadyForQuery I`)
}

func TestProtocolViolation(t *testing.T) {
	ts := startServer(t, Options{})
	rc := dialRaw(t, ts.addr)
	// 'Z' is not a frontend message.
	if _, err := rc.nc.Write([]byte{'Z', 0, 0, 0, 4}); err != nil {
		t.Fatal(err)
	}
	rc.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg, err := rc.fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if got := describeMsg(msg); !strings.HasPrefix(got, "ErrorResponse FATAL 08P01") {
		t.Fatalf("got %s", got)
	}
	if _, err := rc.fe.Receive(); err == nil {
		t.Fatal("connection still open")
	}
}
