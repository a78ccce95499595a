package format

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/weir-stream/weir/sql/types"
)

// testRegistry serves schemas by id like a Confluent schema registry,
// requiring basic auth user "u", password "p", and counts the lookups.
type testRegistry struct {
	schemas map[int]string
	gets    atomic.Int64
}

func (tr *testRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if u, p, ok := r.BasicAuth(); !ok || u != "u" || p != "p" {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error_code":40101,"message":"Unauthorized"}`)
		return
	}
	var id int
	if _, err := fmt.Sscanf(r.URL.Path, "/schemas/ids/%d", &id); err != nil || tr.schemas[id] == "" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error_code":40403,"message":"Schema not found"}`)
		return
	}
	tr.gets.Add(1)
	_ = json.NewEncoder(w).Encode(map[string]string{"schema": tr.schemas[id]})
}

const avroBidSchema = `{"type":"record","name":"Bid","fields":[
 {"name":"auction","type":"long"},
 {"name":"bidder","type":"int"},
 {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":3}},
 {"name":"channel","type":["null","string"]},
 {"name":"url","type":["string","null"]},
 {"name":"date_time","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"day","type":{"type":"int","logicalType":"date"}},
 {"name":"ts_us","type":["null",{"type":"long","logicalType":"timestamp-micros"}]},
 {"name":"ok","type":"boolean"},
 {"name":"ratio","type":"float"},
 {"name":"blob","type":"bytes"},
 {"name":"kind","type":{"type":"enum","name":"K","symbols":["A","B"]}},
 {"name":"ignored","type":{"type":"map","values":{"type":"array","items":"string"}}},
 {"name":"doc","type":"string"}
]}`

var avroColumns = types.Schema{
	{Name: "auction", Type: types.Int64Type},
	{Name: "BIDDER", Type: types.Int32Type},
	{Name: "price", Type: types.NumericType(12, 2), Nullable: true},
	{Name: "channel", Type: types.TextType, Nullable: true},
	{Name: "url", Type: types.TextType, Nullable: true},
	{Name: "date_time", Type: types.TSTZType},
	{Name: "day", Type: types.DateType, Nullable: true},
	{Name: "ts_us", Type: types.TSType, Nullable: true},
	{Name: "ok", Type: types.BoolType, Nullable: true},
	{Name: "ratio", Type: types.Float64Type, Nullable: true},
	{Name: "blob", Type: types.ByteaType, Nullable: true},
	{Name: "kind", Type: types.TextType, Nullable: true},
	{Name: "doc", Type: types.JSONBType, Nullable: true},
	{Name: "absent", Type: types.TextType, Nullable: true},
}

// frame returns rec encoded with schema text s in the Confluent framing
// under id.
func frame(t *testing.T, id uint32, s string, rec map[string]any) []byte {
	t.Helper()
	sch, err := avro.ParseWithCache(s, "", &avro.SchemaCache{})
	if err != nil {
		t.Fatal(err)
	}
	body, err := avro.Marshal(sch, rec)
	if err != nil {
		t.Fatal(err)
	}
	out := []byte{0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(out[1:], id)
	return append(out, body...)
}

func bidRecord(price string, channel any) map[string]any {
	r, _ := new(big.Rat).SetString(price)
	return map[string]any{
		"auction": int64(1000), "bidder": int32(2001), "price": r,
		"channel": channel, "url": "https://x/?a=1",
		"date_time": time.UnixMilli(1717243200123).UTC(),
		"day":       time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC),
		"ts_us":     time.UnixMicro(1717243200123456).UTC(),
		"ok":        true, "ratio": float32(0.5), "blob": []byte{0, 255},
		"kind": "B", "ignored": map[string]any{"k": []any{"v"}},
		"doc": `{"b":1, "a":[true]}`,
	}
}

func TestAvro(t *testing.T) {
	reg := &testRegistry{schemas: map[int]string{
		7: avroBidSchema,
		8: `{"type":"record","name":"R","fields":[{"name":"auction","type":"string"}]}`,
		9: `{"type":"record","name":"R","fields":[{"name":"auction","type":["null","long","string"]}]}`,
		10: `{"type":"record","name":"R","fields":[{"name":"other","type":"long"},{"name":"BIDDER","type":"long"},
		     {"name":"auction","type":"long"},{"name":"date_time","type":{"type":"long","logicalType":"timestamp-micros"}}]}`,
		11: `"long"`,
	}}
	srv := httptest.NewServer(reg)
	defer srv.Close()
	client, err := NewRegistryClient(strings.Replace(srv.URL, "http://", "http://u:p@", 1), srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	dec := NewAvroDecoder(client, avroColumns)
	inputs := [][]byte{
		frame(t, 7, avroBidSchema, bidRecord("12.345", "Google")),
		frame(t, 7, avroBidSchema, bidRecord("-0.004", nil)),
		frame(t, 7, avroBidSchema, bidRecord("12345678901.5", "x")), // overflows NUMERIC(12,2)
		frame(t, 8, `{"type":"record","name":"R","fields":[{"name":"auction","type":"string"}]}`, map[string]any{"auction": "1"}),
		frame(t, 9, `{"type":"record","name":"R","fields":[{"name":"auction","type":["null","long","string"]}]}`, map[string]any{"auction": nil}),
		frame(t, 10, reg.schemas[10], map[string]any{"other": int64(1), "BIDDER": int64(5), "auction": int64(2), "date_time": time.UnixMicro(1).UTC()}),
		frame(t, 10, reg.schemas[10], map[string]any{"other": int64(1), "BIDDER": int64(1 << 40), "auction": int64(2), "date_time": time.UnixMicro(1).UTC()}),
		{0, 0, 0, 0, 11},
		{0, 0, 0, 0, 12},
		frame(t, 7, avroBidSchema, bidRecord("1", "x"))[:20], // truncated
		{1, 0, 0, 0, 7},
	}
	var lines []string
	for _, in := range inputs {
		lines = append(lines, string(in))
	}
	got := decodeLines(t, dec, avroColumns, lines)
	want := `line 3: error: column "price": numeric field overflow
line 4: error: column "auction": Avro type string cannot be read as bigint
line 5: error: column "auction": Avro union ["null","long","string"] is not a nullable union ["null", T]
line 7: error: column "BIDDER": integer out of range
line 8: error: avro: writer schema is a long, not a record
line 9: error: avro: schema 12: registry answered 404 Not Found: Schema not found
line 10: error: avro: malformed record: unexpected EOF
line 11: error: avro: not a Confluent-framed record (want magic byte 0 and a 4-byte schema id)
auction=1000 | BIDDER=2001 | price=12.35 | channel=Google | url=https://x/?a=1 | date_time=2024-06-01T12:00:00.123Z | day=2024-06-01 | ts_us=2024-06-01T12:00:00.123456 | ok=true | ratio=0.5 | blob=AP8= | kind=B | doc={"a": [true], "b": 1} | absent=NULL
auction=1000 | BIDDER=2001 | price=0.00 | channel=NULL | url=https://x/?a=1 | date_time=2024-06-01T12:00:00.123Z | day=2024-06-01 | ts_us=2024-06-01T12:00:00.123456 | ok=true | ratio=0.5 | blob=AP8= | kind=B | doc={"a": [true], "b": 1} | absent=NULL
auction=2 | BIDDER=5 | price=NULL | channel=NULL | url=NULL | date_time=1970-01-01T00:00:00.000001Z | day=NULL | ts_us=NULL | ok=NULL | ratio=NULL | blob=NULL | kind=NULL | doc=NULL | absent=NULL
`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if n := reg.gets.Load(); n != 5 {
		t.Errorf("registry served %d schemas, want 5 (one per id)", n)
	}
}

func TestRegistryClientErrors(t *testing.T) {
	reg := &testRegistry{schemas: map[int]string{1: `"long"`}}
	srv := httptest.NewServer(reg)
	defer srv.Close()
	c, err := NewRegistryClient(srv.URL, nil) // no credentials
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SchemaByID(t.Context(), 1); err == nil || !strings.Contains(err.Error(), "Unauthorized") {
		t.Errorf("SchemaByID without auth = %v, want Unauthorized", err)
	}
	for _, bad := range []string{"ftp://x", "::", "http://"} {
		if _, err := NewRegistryClient(bad, nil); err == nil {
			t.Errorf("NewRegistryClient(%q) succeeded", bad)
		}
	}
}
