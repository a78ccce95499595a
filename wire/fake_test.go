package wire

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// fakeFactory opens fakeSessions whose canned results are built with mem.
// Statements (case-insensitive, one per ';'):
//
//	select 1            one INT column "?column?" with the value 1
//	types               every type: a row of values and a row of NULLs
//	gen N               N BIGINT rows 0..N-1 in batches of 3
//	create table ...    no rows, tag CREATE TABLE
//	notice              no rows, a notice
//	sleep               blocks until its context is cancelled
//	echo $1             the text form of parameter 1 (declared type or text)
//	anything else       42P01 at the byte offset of the last word
type fakeFactory struct {
	mem      memory.Allocator
	opened   atomic.Int64
	closed   atomic.Int64
	sleeping atomic.Int64 // statements blocked in "sleep"
}

func newFakeFactory(t *testing.T) *fakeFactory {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return &fakeFactory{mem: mem}
}

func (f *fakeFactory) NewSession(ctx context.Context, user, database string) (Session, error) {
	if user == "nobody" {
		return nil, sqlstate.Errorf(sqlstate.InvalidParameterValue, "role %q does not exist", user)
	}
	f.opened.Add(1)
	return &fakeSession{f: f}, nil
}

type fakeSession struct{ f *fakeFactory }

func (s *fakeSession) TxStatus() byte { return 'I' }

func (s *fakeSession) FailTransaction() {}

func (s *fakeSession) Close() error {
	s.f.closed.Add(1)
	return nil
}

func (s *fakeSession) ExecuteScript(ctx context.Context, text string, emit func(*session.Result) error) error {
	off := 0
	for _, stmt := range strings.Split(text, ";") {
		start := off
		off += len(stmt) + 1
		lead := len(stmt) - len(strings.TrimLeft(stmt, " \t\n"))
		stmt = strings.TrimSpace(stmt)
		if stmt == "" || strings.HasPrefix(stmt, "--") { // pgx's Ping sends "-- ping"
			continue
		}
		res, err := s.run(ctx, stmt, nil)
		if err != nil {
			var se *sqlstate.Error
			if errors.As(err, &se) && se.Position >= 0 {
				c := *se
				c.Position += start + lead
				return &c
			}
			return err
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	return nil
}

func (s *fakeSession) Prepare(ctx context.Context, text string, paramTypes []types.T) (*session.Prepared, error) {
	p := &session.Prepared{Text: text, ParamTypes: paramTypes}
	if strings.HasPrefix(strings.ToLower(text), "echo") {
		if len(paramTypes) == 0 {
			p.ParamTypes = []types.T{types.TextType}
		} else if paramTypes[0] == types.UnknownType {
			p.ParamTypes = []types.T{types.TextType}
		}
		p.Columns = types.Schema{{Name: "v", Type: types.TextType, Nullable: true}}
		return p, nil
	}
	cols, err := s.columns(text)
	if err != nil {
		return nil, err
	}
	p.Columns = cols
	return p, nil
}

func (s *fakeSession) Execute(ctx context.Context, p *session.Prepared, params []session.Param) (*session.Result, error) {
	return s.run(ctx, p.Text, params)
}

// columns returns the schema of a statement's result without running it.
func (s *fakeSession) columns(text string) (types.Schema, error) {
	res, err := s.run(context.Background(), text, nil)
	if err != nil {
		return nil, err
	}
	if res.Rows != nil {
		res.Rows.Release()
	}
	return res.Columns, nil
}

var allTypes = types.Schema{
	{Name: "b", Type: types.BoolType, Nullable: true},
	{Name: "i2", Type: types.Int16Type, Nullable: true},
	{Name: "i4", Type: types.Int32Type, Nullable: true},
	{Name: "i8", Type: types.Int64Type, Nullable: true},
	{Name: "f4", Type: types.Float32Type, Nullable: true},
	{Name: "f8", Type: types.Float64Type, Nullable: true},
	{Name: "n", Type: types.NumericType(10, 2), Nullable: true},
	{Name: "t", Type: types.TextType, Nullable: true},
	{Name: "d", Type: types.DateType, Nullable: true},
	{Name: "ts", Type: types.TSType, Nullable: true},
	{Name: "tz", Type: types.TSTZType, Nullable: true},
	{Name: "iv", Type: types.IntervalT, Nullable: true},
	{Name: "by", Type: types.ByteaType, Nullable: true},
	{Name: "j", Type: types.JSONBType, Nullable: true},
}

// allTypesText is row 0 of "types" as Postgres prints it.
var allTypesText = []string{"t", "-2", "40000", "1099511627776", "1.5", "0.1", "12.50", "héllo",
	"2024-01-02", "2024-01-02 03:04:05.123456", "2024-01-02 03:04:05.123456+00",
	"1 year 2 mons 3 days 04:05:06", `\x0102`, `{"a": 1}`}

var typesTS = time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)

func (s *fakeSession) typesBatch() arrow.RecordBatch {
	b := array.NewRecordBuilder(s.f.mem, allTypes.Arrow())
	defer b.Release()
	b.Field(0).(*array.BooleanBuilder).Append(true)
	b.Field(1).(*array.Int16Builder).Append(-2)
	b.Field(2).(*array.Int32Builder).Append(40000)
	b.Field(3).(*array.Int64Builder).Append(1 << 40)
	b.Field(4).(*array.Float32Builder).Append(1.5)
	b.Field(5).(*array.Float64Builder).Append(0.1)
	b.Field(6).(*array.Decimal128Builder).Append(decimal128.FromI64(1250))
	b.Field(7).(*array.StringBuilder).Append("héllo")
	b.Field(8).(*array.Date32Builder).Append(arrow.Date32FromTime(typesTS))
	b.Field(9).(*array.TimestampBuilder).Append(arrow.Timestamp(typesTS.UnixMicro()))
	b.Field(10).(*array.TimestampBuilder).Append(arrow.Timestamp(typesTS.UnixMicro()))
	b.Field(11).(*array.MonthDayNanoIntervalBuilder).Append(arrow.MonthDayNanoInterval{Months: 14, Days: 3, Nanoseconds: (4*3600 + 5*60 + 6) * 1e9})
	b.Field(12).(*array.BinaryBuilder).Append([]byte{1, 2})
	b.Field(13).(*array.StringBuilder).Append(`{"a": 1}`)
	for i := range allTypes {
		b.Field(i).AppendNull()
	}
	return b.NewRecordBatch()
}

func (s *fakeSession) reader(cols types.Schema, batches ...arrow.RecordBatch) array.RecordReader {
	rd, err := array.NewRecordReader(cols.Arrow(), batches)
	for _, b := range batches {
		b.Release()
	}
	if err != nil {
		panic(err) // the fake's own batches always match their schema
	}
	return rd
}

func (s *fakeSession) run(ctx context.Context, text string, params []session.Param) (*session.Result, error) {
	lower := strings.ToLower(strings.TrimSpace(text))
	fields := strings.Fields(lower)
	switch {
	case lower == "select 1":
		cols := types.Schema{{Name: "?column?", Type: types.Int32Type}}
		b := array.NewInt32Builder(s.f.mem)
		defer b.Release()
		b.Append(1)
		col := b.NewArray()
		defer col.Release()
		rec := array.NewRecordBatch(cols.Arrow(), []arrow.Array{col}, 1)
		return &session.Result{Columns: cols, Rows: s.reader(cols, rec), Tag: "SELECT"}, nil
	case lower == "types":
		return &session.Result{Columns: allTypes, Rows: s.reader(allTypes, s.typesBatch()), Tag: "SELECT"}, nil
	case len(fields) == 2 && fields[0] == "gen":
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			return nil, sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "bad count %q", fields[1])
		}
		cols := types.Schema{{Name: "n", Type: types.Int64Type}}
		var batches []arrow.RecordBatch
		for i := 0; i < n; i += 3 {
			b := array.NewInt64Builder(s.f.mem)
			for k := i; k < min(i+3, n); k++ {
				b.Append(int64(k))
			}
			col := b.NewArray()
			batches = append(batches, array.NewRecordBatch(cols.Arrow(), []arrow.Array{col}, int64(col.Len())))
			col.Release()
			b.Release()
		}
		return &session.Result{Columns: cols, Rows: s.reader(cols, batches...), Tag: "SELECT"}, nil
	case strings.HasPrefix(lower, "create table"):
		return &session.Result{Tag: "CREATE TABLE"}, nil
	case lower == "notice":
		return &session.Result{Tag: "SET", Notices: []string{"just so you know"}}, nil
	case lower == "sleep":
		s.f.sleeping.Add(1)
		defer s.f.sleeping.Add(-1)
		<-ctx.Done()
		return nil, ctx.Err()
	case strings.HasPrefix(lower, "echo"):
		cols := types.Schema{{Name: "v", Type: types.TextType, Nullable: true}}
		b := array.NewStringBuilder(s.f.mem)
		defer b.Release()
		if len(params) == 0 || params[0] == nil {
			b.AppendNull()
		} else {
			b.Append(*params[0])
		}
		col := b.NewArray()
		defer col.Release()
		rec := array.NewRecordBatch(cols.Arrow(), []arrow.Array{col}, 1)
		return &session.Result{Columns: cols, Rows: s.reader(cols, rec), Tag: "SELECT"}, nil
	}
	last := strings.LastIndexByte(strings.TrimSpace(text), ' ') + 1
	word := strings.TrimSpace(text)[last:]
	lead := len(text) - len(strings.TrimLeft(text, " \t\n"))
	return nil, sqlstate.ErrorfAt(sqlstate.UndefinedTable, sql.Pos(lead+last), "relation %q does not exist", word)
}
