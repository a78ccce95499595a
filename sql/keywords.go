package sql

// reservedWords are Postgres' fully reserved key words: never a column,
// table, alias or function name unless double-quoted.
var reservedWords = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true,
	"array": true, "as": true, "asc": true, "asymmetric": true, "both": true,
	"case": true, "cast": true, "check": true, "collate": true, "column": true,
	"constraint": true, "create": true, "current_catalog": true, "current_date": true,
	"current_role": true, "current_time": true, "current_timestamp": true,
	"current_user": true, "default": true, "deferrable": true, "desc": true,
	"distinct": true, "do": true, "else": true, "end": true, "except": true,
	"false": true, "fetch": true, "for": true, "foreign": true, "from": true,
	"grant": true, "group": true, "having": true, "in": true, "initially": true,
	"intersect": true, "into": true, "lateral": true, "leading": true, "limit": true,
	"localtime": true, "localtimestamp": true, "not": true, "null": true,
	"offset": true, "on": true, "only": true, "or": true, "order": true,
	"placing": true, "primary": true, "references": true, "returning": true,
	"select": true, "session_user": true, "some": true, "symmetric": true,
	"system_user": true, "table": true, "then": true, "to": true, "trailing": true,
	"true": true, "union": true, "unique": true, "user": true, "using": true,
	"variadic": true, "when": true, "where": true, "window": true, "with": true,
}

// typeFuncWords are Postgres' key words that are reserved but may name a
// function (left(s, 2), right(s, 2)): not a column, table or alias name.
var typeFuncWords = map[string]bool{
	"authorization": true, "binary": true, "collation": true, "concurrently": true,
	"cross": true, "current_schema": true, "freeze": true, "full": true,
	"ilike": true, "inner": true, "is": true, "isnull": true, "join": true,
	"left": true, "like": true, "natural": true, "notnull": true, "outer": true,
	"overlaps": true, "right": true, "similar": true, "tablesample": true,
	"verbose": true,
}

// niladicFuncs are the reserved words that are function calls without
// parentheses (CURRENT_DATE). They parse to a FuncCall without arguments,
// and the printer prints such a call as the bare key word.
var niladicFuncs = map[string]bool{
	"current_date": true, "current_time": true, "current_timestamp": true,
	"localtime": true, "localtimestamp": true, "current_user": true,
	"session_user": true, "current_role": true, "current_catalog": true,
	"current_schema": true, "user": true,
}

// isPlainIdent reports whether s is spelled like an unquoted identifier after
// folding: a lower-case letter, '_' or non-ASCII byte, then those, digits or '$'.
func isPlainIdent(s string) bool {
	if s == "" || !isIdentStart(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isIdentCont(c) || c >= 'A' && c <= 'Z' {
			return false
		}
	}
	return true
}

// needsQuotes reports whether an identifier must be double-quoted to be read
// back as a column, table or alias name.
func needsQuotes(s string) bool {
	return !isPlainIdent(s) || reservedWords[s] || typeFuncWords[s]
}

// quoteIdent returns s double-quoted, with '"' doubled.
func quoteIdent(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return string(append(b, '"'))
}

// quoteString returns s as a SQL string literal, with ' doubled.
func quoteString(s string) string {
	b := make([]byte, 0, len(s)+2)
	b = append(b, '\'')
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			b = append(b, '\'')
		}
		b = append(b, s[i])
	}
	return string(append(b, '\''))
}
