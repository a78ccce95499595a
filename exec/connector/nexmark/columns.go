package nexmark

import (
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// field is one column of a Nexmark table, as generated.
type field struct {
	name string
	typ  types.T // BIGINT, VARCHAR or TIMESTAMP
}

// The fields of each table, in RisingWave's column order. The constants are
// the fields' positions, which index event.ints and event.strs.
const (
	personID = iota
	personName
	personEmail
	personCard
	personCity
	personState
	personDateTime
	personExtra
)

const (
	auctionID = iota
	auctionItemName
	auctionDescription
	auctionInitialBid
	auctionReserve
	auctionDateTime
	auctionExpires
	auctionSeller
	auctionCategory
	auctionExtra
)

const (
	bidAuction = iota
	bidBidder
	bidPrice
	bidChannel
	bidURL
	bidDateTime
	bidExtra
)

// maxFields is the number of fields of the widest table.
const maxFields = 10

var personFields = []field{
	{"id", types.Int64Type}, {"name", types.TextType}, {"email_address", types.TextType},
	{"credit_card", types.TextType}, {"city", types.TextType}, {"state", types.TextType},
	{"date_time", types.TSType}, {"extra", types.TextType},
}

var auctionFields = []field{
	{"id", types.Int64Type}, {"item_name", types.TextType}, {"description", types.TextType},
	{"initial_bid", types.Int64Type}, {"reserve", types.Int64Type}, {"date_time", types.TSType},
	{"expires", types.TSType}, {"seller", types.Int64Type}, {"category", types.Int64Type},
	{"extra", types.TextType},
}

var bidFields = []field{
	{"auction", types.Int64Type}, {"bidder", types.Int64Type}, {"price", types.Int64Type},
	{"channel", types.TextType}, {"url", types.TextType}, {"date_time", types.TSType},
	{"extra", types.TextType},
}

// columnsOf returns the fields of a table (lower-case name), or nil.
func columnsOf(table string) []field {
	switch table {
	case TablePerson:
		return personFields
	case TableAuction:
		return auctionFields
	case TableBid:
		return bidFields
	}
	return nil
}

// outKind is how a field's value is appended to a declared column's builder.
type outKind uint8

const (
	outInt64 outKind = iota
	outFloat64
	outNumeric
	outText
	outTimestamp
)

// column maps a declared column to the field it shows.
type column struct {
	field int
	kind  outKind
	scale int32 // outNumeric only
}

// resolve maps each declared column to a field of table. An empty schema
// means every field, as Columns declares them.
func resolve(table string, schema types.Schema) ([]column, error) {
	fs := columnsOf(table)
	if fs == nil {
		return nil, bad("nexmark.table", "unknown nexmark table %q", table)
	}
	if len(schema) == 0 {
		schema = Columns(table)
	}
	out := make([]column, len(schema))
	for i, c := range schema {
		if strings.EqualFold(c.Name, RowIDColumn) {
			return nil, sqlstate.Errorf(sqlstate.DuplicateColumn, "column name %q is reserved by the nexmark source", c.Name)
		}
		f := -1
		for j := range fs {
			if strings.EqualFold(fs[j].name, c.Name) {
				f = j
				break
			}
		}
		if f < 0 {
			return nil, sqlstate.Errorf(sqlstate.UndefinedColumn, "column %q does not exist in nexmark table %q", c.Name, table).
				WithHint("the columns of " + table + " are " + names(fs))
		}
		k, ok := compatible(fs[f].typ, c.Type)
		if !ok {
			return nil, sqlstate.Errorf(sqlstate.DatatypeMismatch, "column %q is declared %s, but nexmark %s.%s is %s",
				c.Name, c.Type.SQL(), table, fs[f].name, fs[f].typ.SQL())
		}
		out[i] = column{field: f, kind: k, scale: c.Type.Scale}
	}
	return out, nil
}

// compatible reports how a field of type from is stored in a column of type
// to: BIGINT fields fit BIGINT, DOUBLE PRECISION and NUMERIC with at least 19
// integer digits; VARCHAR fields fit VARCHAR; TIMESTAMP fields fit TIMESTAMP
// and TIMESTAMPTZ (read as UTC).
func compatible(from, to types.T) (outKind, bool) {
	switch from.Family {
	case types.Int64:
		switch {
		case to.Family == types.Int64:
			return outInt64, true
		case to.Family == types.Float64:
			return outFloat64, true
		case to.Family == types.Numeric && to.Precision-to.Scale >= 19:
			return outNumeric, true
		}
	case types.Text:
		if to.Family == types.Text {
			return outText, true
		}
	case types.Timestamp:
		if to.Family == types.Timestamp || to.Family == types.TimestampTZ {
			return outTimestamp, true
		}
	}
	return 0, false
}

func names(fs []field) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.name)
	}
	return b.String()
}
