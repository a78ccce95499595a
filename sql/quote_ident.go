package sql

// QuoteIdent returns name as an SQL identifier: as it is when it reads back
// as name unquoted, else double-quoted with '"' doubled (a name with upper
// case, spaces or other characters, or a reserved word), as Postgres'
// quote_ident and its catalog functions print names.
func QuoteIdent(name string) string { return ident(Name{Value: name}) }
