package sql

// ParseObjectName parses text as a name of a catalog object, as a statement
// would write it (name or schema.name; unquoted parts folded to lower case),
// for callers that are given a name outside a statement (Engine.Process).
func ParseObjectName(text string) (ObjectName, error) {
	toks, err := lex(text)
	if err != nil {
		return ObjectName{}, err
	}
	p := &parser{text: text, toks: toks}
	n, err := p.parseObjectName()
	if err != nil {
		return ObjectName{}, err
	}
	if p.peek().kind != tkEOF {
		return ObjectName{}, p.errUnexpected()
	}
	return n, nil
}
