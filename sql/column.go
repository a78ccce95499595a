package sql

import "strings"

// ParseColumnDef parses one column definition as CREATE TABLE and CREATE
// STREAM write it: name type [NOT NULL | NULL | PRIMARY KEY]…. Callers that
// take a relation's columns from elsewhere (a pipeline file's schema) use it
// to get them as AST nodes.
func ParseColumnDef(text string) (ColumnDef, error) {
	return parseColumn(text, (*parser).parseColumnDef)
}

// ParseColumnType parses a column definition without its name: type [NOT
// NULL | NULL | PRIMARY KEY]…. The result's Name is empty.
func ParseColumnType(text string) (ColumnDef, error) {
	return parseColumn(text, (*parser).parseColumnType)
}

// parseColumn parses all of text with parse.
func parseColumn(text string, parse func(*parser) (ColumnDef, error)) (ColumnDef, error) {
	toks, err := lex(text)
	if err != nil {
		return ColumnDef{}, err
	}
	p := &parser{text: text, toks: toks}
	c, err := parse(p)
	if err != nil {
		return ColumnDef{}, err
	}
	if p.peek().kind != tkEOF {
		return ColumnDef{}, p.errUnexpected()
	}
	return c, nil
}

// ColumnsString returns cols as CREATE TABLE's column list prints them,
// without the parentheses: `a BIGINT NOT NULL, "B" VARCHAR`.
func ColumnsString(cols []ColumnDef) string {
	var b strings.Builder
	printer{b: &b}.columns(cols)
	return b.String()
}
