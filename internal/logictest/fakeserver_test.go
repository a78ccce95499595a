package logictest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fakeResult is the canned answer of the fake server to one SQL text.
type fakeResult struct {
	cols []string
	oids []uint32
	rows [][]*string
	tag  string
	code string // an error when set
	msg  string
}

func str(s string) *string { return &s }

// fakeResponses is the fake server's whole repertoire. Unknown SQL fails with 42601.
var fakeResponses = map[string]fakeResult{
	"CREATE TABLE t (a BIGINT, b TEXT)":                 {tag: "CREATE TABLE"},
	"INSERT INTO t VALUES (1, 'x'), (2, NULL), (3, '')": {tag: "INSERT 0 3"},
	"SELECT 1":                        {cols: []string{"?column?"}, oids: []uint32{oidInt4}, rows: [][]*string{{str("1")}}, tag: "SELECT 1"},
	"SELECT a, b FROM t":              {cols: []string{"a", "b"}, oids: []uint32{oidInt8, 25}, rows: [][]*string{{str("3"), str("")}, {str("1"), str("x")}, {str("2"), nil}}, tag: "SELECT 3"},
	"SELECT a FROM t WHERE false":     {cols: []string{"a"}, oids: []uint32{oidInt8}, tag: "SELECT 0"},
	"SELECT avg(a) FROM t":            {cols: []string{"avg"}, oids: []uint32{oidFloat8}, rows: [][]*string{{str("2.0000000000000004")}}, tag: "SELECT 1"},
	"SELECT sum(a) FROM t":            {cols: []string{"sum"}, oids: []uint32{oidNumeric}, rows: [][]*string{{str("6")}}, tag: "SELECT 1"},
	"SELECT true AS yes, false AS no": {cols: []string{"yes", "no"}, oids: []uint32{oidBool, oidBool}, rows: [][]*string{{str("t"), str("f")}}, tag: "SELECT 1"},
	"SELECT * FROM nope":              {code: "42P01", msg: `relation "nope" does not exist`},
	"SELECT 1/0":                      {code: "22012", msg: "division by zero"},
	"DROP TABLE t":                    {code: "2BP01", msg: `cannot drop table t because other objects depend on it`},
}

// fakeServer is a Postgres-protocol server answering from fakeResponses. It
// also answers `SHOW conn` with the number of its connection and `SHOW
// protocol` with simple or extended. It is safe for concurrent connections.
type fakeServer struct {
	ln    net.Listener
	mu    sync.Mutex
	conns int
	wg    sync.WaitGroup
}

func startFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln}
	s.wg.Add(1)
	go s.accept()
	t.Cleanup(func() {
		ln.Close()
		s.wg.Wait()
	})
	return s
}

func (s *fakeServer) dsn() string {
	return fmt.Sprintf("postgres://weir@%s/weir?sslmode=disable", s.ln.Addr())
}

func (s *fakeServer) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns++
		n := s.conns
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			_ = serveFake(c, n)
		}()
	}
}

func serveFake(c net.Conn, connNo int) error {
	be := pgproto3.NewBackend(c, c)
	for {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		if _, ok := msg.(*pgproto3.SSLRequest); ok {
			if _, err := c.Write([]byte("N")); err != nil {
				return err
			}
			continue
		}
		break
	}
	be.Send(&pgproto3.AuthenticationOk{})
	be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: "16.0"})
	be.Send(&pgproto3.ParameterStatus{Name: "client_encoding", Value: "UTF8"})
	be.Send(&pgproto3.ParameterStatus{Name: "standard_conforming_strings", Value: "on"})
	be.Send(&pgproto3.BackendKeyData{ProcessID: uint32(connNo), SecretKey: []byte{0, 0, 0, 1}})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
	if err := be.Flush(); err != nil {
		return err
	}
	var parsed string // the unnamed prepared statement
	failed := false   // extended protocol: skip until Sync
	for {
		msg, err := be.Receive()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			res := lookupFake(m.String, connNo, "simple")
			if res.code != "" {
				be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: res.code, Message: res.msg})
			} else {
				sendFakeRows(be, res, true)
			}
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		case *pgproto3.Parse:
			if failed {
				continue
			}
			parsed = m.Query
			if res := lookupFake(parsed, connNo, "extended"); res.code != "" {
				be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: res.code, Message: res.msg})
				failed = true
				continue
			}
			be.Send(&pgproto3.ParseComplete{})
		case *pgproto3.Describe:
			if failed {
				continue
			}
			res := lookupFake(parsed, connNo, "extended")
			if m.ObjectType == 'S' {
				be.Send(&pgproto3.ParameterDescription{})
			}
			if res.cols == nil {
				be.Send(&pgproto3.NoData{})
			} else {
				be.Send(rowDescription(res))
			}
		case *pgproto3.Bind:
			if !failed {
				be.Send(&pgproto3.BindComplete{})
			}
		case *pgproto3.Execute:
			if !failed {
				sendFakeRows(be, lookupFake(parsed, connNo, "extended"), false)
			}
		case *pgproto3.Sync:
			failed = false
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		case *pgproto3.Close:
			be.Send(&pgproto3.CloseComplete{})
		case *pgproto3.Terminate:
			return nil
		default:
			return fmt.Errorf("fake server: unexpected %T", msg)
		}
		if err := be.Flush(); err != nil {
			return err
		}
	}
}

func lookupFake(sql string, connNo int, protocol string) fakeResult {
	switch sql {
	case "SHOW conn":
		return fakeResult{cols: []string{"conn"}, oids: []uint32{oidInt8}, rows: [][]*string{{str(fmt.Sprint(connNo))}}, tag: "SHOW"}
	case "SHOW protocol":
		return fakeResult{cols: []string{"protocol"}, oids: []uint32{25}, rows: [][]*string{{str(protocol)}}, tag: "SHOW"}
	}
	if res, ok := fakeResponses[sql]; ok {
		return res
	}
	return fakeResult{code: "42601", msg: fmt.Sprintf("fake server does not know %q", sql)}
}

func rowDescription(res fakeResult) *pgproto3.RowDescription {
	rd := &pgproto3.RowDescription{}
	for i, c := range res.cols {
		rd.Fields = append(rd.Fields, pgproto3.FieldDescription{Name: []byte(c), DataTypeOID: res.oids[i], DataTypeSize: -1, TypeModifier: -1})
	}
	return rd
}

func sendFakeRows(be *pgproto3.Backend, res fakeResult, describe bool) {
	if describe && res.cols != nil {
		be.Send(rowDescription(res))
	}
	for _, r := range res.rows {
		dr := &pgproto3.DataRow{}
		for _, v := range r {
			if v == nil {
				dr.Values = append(dr.Values, nil)
			} else {
				dr.Values = append(dr.Values, []byte(*v))
			}
		}
		be.Send(dr)
	}
	be.Send(&pgproto3.CommandComplete{CommandTag: []byte(res.tag)})
}
