package sql

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/weir-stream/weir/sql/types"
)

// typeStartWords are the words a type name can start with.
var typeStartWords = map[string]bool{
	"boolean": true, "bool": true, "smallint": true, "int2": true, "int": true,
	"integer": true, "int4": true, "bigint": true, "int8": true, "real": true,
	"float4": true, "float8": true, "float": true, "double": true, "numeric": true,
	"decimal": true, "dec": true, "varchar": true, "character": true, "char": true,
	"text": true, "string": true, "bpchar": true, "date": true, "timestamp": true,
	"timestamptz": true, "interval": true, "bytea": true, "jsonb": true, "json": true,
}

// simpleTypes are the type words that take no modifiers.
var simpleTypes = map[string]types.T{
	"boolean": types.BoolType, "bool": types.BoolType,
	"smallint": types.Int16Type, "int2": types.Int16Type,
	"int": types.Int32Type, "integer": types.Int32Type, "int4": types.Int32Type,
	"bigint": types.Int64Type, "int8": types.Int64Type,
	"real": types.Float32Type, "float4": types.Float32Type, "float8": types.Float64Type,
	"text": types.TextType, "string": types.TextType,
	"date": types.DateType, "interval": types.IntervalT, "bytea": types.ByteaType,
	"jsonb": types.JSONBType, "json": types.JSONBType,
	// Postgres' object identifier types, which weir's catalog relations
	// (pg_catalog) hold as bigint: a cast to one keeps the number, and
	// Written tells which it was (exec/adhoc writes 'name'::regclass as the
	// relation's oid).
	"oid": types.Int64Type, "regclass": types.Int64Type, "regtype": types.Int64Type,
	"regnamespace": types.Int64Type, "regproc": types.Int64Type, "regprocedure": types.Int64Type, "regrole": types.Int64Type,
}

// MaxCharLength is the largest n of VARCHAR(n) and CHAR(n), as in Postgres.
const MaxCharLength = 10485760

// SQL returns the type as the printer writes it: Type.SQL() with the length
// of VARCHAR(n) and CHAR(n).
func (tn TypeName) SQL() string {
	// No length (BPCHAR too, printed as VARCHAR, which DuckDB knows).
	if tn.Type.Family != types.Text || tn.Length == 0 {
		return tn.Type.SQL()
	}
	name := "VARCHAR"
	if tn.Fixed {
		name = "CHAR"
	}
	return fmt.Sprintf("%s(%d)", name, tn.Length)
}

// parseTypeName parses a type name in any of its spellings and resolves it
// to a types.T. Errors name the type's position.
func (p *parser) parseTypeName() (TypeName, error) {
	t := p.peek()
	if t.kind != tkIdent {
		return TypeName{}, p.errUnexpected()
	}
	if t.quoted || !typeStartWords[t.val] && simpleTypes[t.val] == (types.T{}) {
		if !t.quoted && reservedWords[t.val] {
			return TypeName{}, p.errUnexpected()
		}
		return TypeName{}, p.errorf(t.pos, fmt.Sprintf("type %q does not exist", t.val))
	}
	p.i++
	tn := TypeName{Pos: Pos(t.pos)}
	words := []string{t.val}
	word := t.val
	if typ, ok := simpleTypes[word]; ok {
		tn.Type = typ
		tn.Written = strings.ToUpper(word)
		return p.parseArrayTypeSuffix(tn)
	}
	switch word {
	case "double":
		if p.acceptKw("precision") {
			words = append(words, "precision")
		}
		tn.Type = types.Float64Type
	case "float":
		mods, err := p.parseTypeMods(1)
		if err != nil {
			return TypeName{}, err
		}
		tn.Type = types.Float64Type
		if len(mods) == 1 {
			switch {
			case mods[0] < 1:
				return TypeName{}, p.errorf(t.pos, "precision for type float must be at least 1 bit")
			case mods[0] <= 24:
				tn.Type = types.Float32Type
			case mods[0] > 53:
				return TypeName{}, p.errorf(t.pos, "precision for type float must be less than 54 bits")
			}
		}
		words = appendMods(words, mods)
	case "numeric", "decimal", "dec":
		mods, err := p.parseTypeMods(2)
		if err != nil {
			return TypeName{}, err
		}
		tn.Type = types.DefaultNumeric
		if len(mods) > 0 {
			prec, scale := mods[0], int64(0)
			if len(mods) == 2 {
				scale = mods[1]
			}
			if prec < 1 || prec > types.NumericMaxPrecision {
				return TypeName{}, p.errorf(t.pos, fmt.Sprintf("NUMERIC precision %d must be between 1 and %d", prec, types.NumericMaxPrecision))
			}
			if scale < 0 || scale > prec {
				return TypeName{}, p.errorf(t.pos, fmt.Sprintf("NUMERIC scale %d must be between 0 and precision %d", scale, prec))
			}
			tn.Type = types.NumericType(int32(prec), int32(scale))
		}
		words = appendMods(words, mods)
	case "varchar", "character", "char", "bpchar":
		varying := word == "varchar"
		if (word == "character" || word == "char") && p.acceptKw("varying") {
			words = append(words, "varying")
			varying = true
		}
		mods, err := p.parseTypeMods(1)
		if err != nil {
			return TypeName{}, err
		}
		if len(mods) == 1 && mods[0] < 1 {
			return TypeName{}, p.errorf(t.pos, fmt.Sprintf("length for type %s must be at least 1", word))
		}
		if len(mods) == 1 && mods[0] > MaxCharLength {
			return TypeName{}, p.errorf(t.pos, fmt.Sprintf("length for type %s cannot exceed %d", word, MaxCharLength))
		}
		tn.Type = types.TextType
		if len(mods) == 1 {
			tn.Length = int32(mods[0])
		}
		// CHAR and CHARACTER without a length are CHAR(1), as in Postgres;
		// BPCHAR without one has no limit.
		if !varying {
			tn.Fixed = true
			if tn.Length == 0 && word != "bpchar" {
				tn.Length = 1
			}
		}
		words = appendMods(words, mods)
	case "timestamp", "timestamptz":
		mods, err := p.parseTypeMods(1)
		if err != nil {
			return TypeName{}, err
		}
		if len(mods) == 1 && (mods[0] < 0 || mods[0] > 6) {
			return TypeName{}, p.errorf(t.pos, fmt.Sprintf("TIMESTAMP(%d) precision must be between 0 and 6", mods[0]))
		}
		words = appendMods(words, mods)
		tn.Type = types.TSType
		if word == "timestamptz" {
			tn.Type = types.TSTZType
		} else if (p.isKw("with") || p.isKw("without")) && isKwTok(p.peekAt(1), "time") && isKwTok(p.peekAt(2), "zone") {
			w := p.next().val
			p.i += 2
			words = append(words, w, "time", "zone")
			if w == "with" {
				tn.Type = types.TSTZType
			}
		}
	}
	tn.Written = strings.ToUpper(strings.Join(words, " "))
	return p.parseArrayTypeSuffix(tn)
}

// appendMods appends "(a,b)" to the last of words when mods is not empty.
func appendMods(words []string, mods []int64) []string {
	if len(mods) == 0 {
		return words
	}
	s := make([]string, len(mods))
	for i, m := range mods {
		s[i] = strconv.FormatInt(m, 10)
	}
	words[len(words)-1] += "(" + strings.Join(s, ",") + ")"
	return words
}

// parseTypeMods parses an optional (n[, m]) of at most max integers.
func (p *parser) parseTypeMods(max int) ([]int64, error) {
	if !p.acceptOp("(") {
		return nil, nil
	}
	var mods []int64
	for {
		neg := p.acceptOp("-")
		t := p.peek()
		if t.kind != tkInteger || len(mods) == max {
			return nil, p.errUnexpected()
		}
		p.i++
		v, err := strconv.ParseInt(t.val, 10, 32)
		if err != nil {
			return nil, p.errorf(t.pos, "type modifier is out of range")
		}
		if neg {
			v = -v
		}
		mods = append(mods, v)
		if !p.acceptOp(",") {
			break
		}
	}
	return mods, p.expectOp(")")
}
