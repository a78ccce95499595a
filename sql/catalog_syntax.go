package sql

import "strings"

// catalogSchema is the schema of Postgres' system catalog, which every
// builtin function, operator and type is in: a name qualified with it names
// the same thing as the bare name.
const catalogSchema = "pg_catalog"

// foldCatalogSyntax rewrites the spellings of Postgres' catalog queries (psql's,
// drivers') into the tokens weir's grammar has, in place:
//
//   - OPERATOR(pg_catalog.~) (or OPERATOR(~)) becomes the operator ~;
//   - pg_catalog.f( and ::pg_catalog.t become f( and ::t: builtins are all
//     in pg_catalog;
//   - pg_catalog.rel.col (SQLAlchemy's column references) becomes rel.col,
//     the column of the relation pg_catalog.rel, whose name is rel in the
//     query;
//   - COLLATE "default", "C" or "POSIX" (also pg_catalog-qualified) is
//     dropped: weir compares text by its bytes, as those collations do; any
//     other collation is an error (42704), as it is in a database without it.
func foldCatalogSyntax(toks []token) ([]token, error) {
	out := make([]token, 0, len(toks))
	isOp := func(i int, v string) bool { return i < len(toks) && toks[i].kind == tkOp && toks[i].val == v }
	isWord := func(i int, v string) bool {
		return i < len(toks) && toks[i].kind == tkIdent && !toks[i].quoted && toks[i].val == v
	}
	qualified := func(i int) bool { return isWord(i, catalogSchema) && isOp(i+1, ".") }
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		switch {
		case isWord(i, "operator") && isOp(i+1, "("):
			j := i + 2
			if qualified(j) {
				j += 2
			}
			if j < len(toks) && toks[j].kind == tkOp && isOp(j+1, ")") {
				op := toks[j]
				op.pos = t.pos
				out = append(out, op)
				i = j + 1
				continue
			}
		case isWord(i, "collate"):
			j := i + 1
			if qualified(j) {
				j += 2
			}
			if j < len(toks) && toks[j].kind == tkIdent {
				switch name := toks[j].val; {
				case strings.EqualFold(name, "default") || name == "C" || name == "POSIX" || name == "c" && !toks[j].quoted:
					i = j
					continue
				default:
					return nil, &Error{Pos: Pos(toks[j].pos), Code: "42704", Msg: "collation \"" + name + "\" for encoding \"UTF8\" does not exist"}
				}
			}
		case qualified(i) && i+2 < len(toks) && toks[i+2].kind == tkIdent && (isOp(i+3, "(") || i > 0 && isOp(i-1, "::") || isOp(i+3, ".")):
			i++ // the schema and its dot
			continue
		case isWord(i, "information_schema") && isOp(i+1, ".") && isWord(i+2, "_pg_expandarray") && isOp(i+3, "("):
			i++ // information_schema's one function pgjdbc calls, which exec/adhoc writes
			continue
		}
		out = append(out, t)
	}
	return out, nil
}
