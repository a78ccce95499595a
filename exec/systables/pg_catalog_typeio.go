package systables

import (
	"github.com/apache/arrow-go/v18/arrow/array"
)

// OIDs of the pseudo-types in the signatures of typeIOProcs.
const oidCstring, oidInternal, oidAnyArray = 2275, 2281, 2277

// typeIOPrefix returns what the names of the input, output, receive and
// send functions of the type typname start with, as Postgres names them:
// int4 for int4in … int4send, numeric_ for numeric_in … numeric_send,
// array_ for every array type.
func typeIOPrefix(typname string) string {
	switch typname {
	case "numeric", "date", "timestamp", "timestamptz", "interval", "jsonb", "array":
		return typname + "_"
	}
	return typname
}

// typeIOProc is a row of pg_proc for a type's input, output, receive or
// send function, the functions pg_type's typinput, typoutput, typreceive
// and typsend name.
type typeIOProc struct {
	name     string
	arg, ret int64
	stable   bool // reads DateStyle, IntervalStyle or the time zone
}

// typeIOProcs returns the input, output, receive and send functions of
// pgTypes and of arrays (array_in … array_send, one set for them all).
func typeIOProcs() []typeIOProc {
	var out []typeIOProc
	add := func(typname string, oid int64, stable bool) {
		p := typeIOPrefix(typname)
		out = append(out,
			typeIOProc{p + "in", oidCstring, oid, stable}, typeIOProc{p + "out", oid, oidCstring, stable},
			typeIOProc{p + "recv", oidInternal, oid, false}, typeIOProc{p + "send", oid, oidBytea, false})
	}
	for _, t := range pgTypes {
		add(t.name, t.oid, t.category == "D" || t.category == "T")
	}
	add("array", oidAnyArray, true)
	return out
}

// oid returns p's OID: a hash of its name, as builtinProc's is of its
// signature.
func (p typeIOProc) oid() int64 { return ObjectOID("p", "pg_catalog."+p.name) }

// appendTypeIOProcs appends typeIOProcs to pg_proc, in pg_catalog, owned
// as appendBuiltinProcs' are, language internal (12) and strict.
func appendTypeIOProcs(b *rowBuilder, e Engine) {
	owner := ownerOID(e, "")
	for _, p := range typeIOProcs() {
		b.int64(p.oid())
		b.text(p.name)
		b.int64(OIDPgCatalog)
		b.int64(owner)
		b.int64(12) // internal
		b.text("f")
		b.bool(false)
		b.bool(true)
		b.text(map[bool]string{true: "s", false: "i"}[p.stable])
		b.next().(*array.Int16Builder).Append(1)
		b.int64(p.ret)
		lb := b.next().(*array.ListBuilder)
		lb.Append(true)
		lb.ValueBuilder().(*array.Int64Builder).Append(p.arg)
		b.null() // proargnames
		b.text(p.name)
		b.text("s")
		b.null()
		b.bool(false)
		b.bool(false)
		b.end()
	}
}
