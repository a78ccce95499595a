package logictest

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// ParseError is a malformed line of a logic test file.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// Parse reads a logic test file and returns its records in order. name is
// the file name used in positions. It stops at the first malformed line and
// returns a *ParseError for it.
func Parse(r io.Reader, name string) ([]Record, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	p := &parser{name: name, lines: lines}
	return p.parse()
}

func readLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), " \t\r"))
	}
	return lines, sc.Err()
}

type parser struct {
	name  string
	lines []string
	i     int // next line, 0-based
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return &ParseError{File: p.name, Line: line, Msg: fmt.Sprintf(format, args...)}
}

var modeDirective = regexp.MustCompile(`^#\s*mode\s+(\S+)\s*$`)

func (p *parser) parse() ([]Record, error) {
	var records []Record
	// Prefix lines (connection, skipif, onlyif) waiting for their record.
	var pending Record
	pendingLine := 0
	for p.i < len(p.lines) {
		line := p.lines[p.i]
		lineNo := p.i + 1
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			p.i++
			continue
		}
		if strings.HasPrefix(trimmed, "#") {
			p.i++
			if m := modeDirective.FindStringSubmatch(trimmed); m != nil {
				rec := Record{Kind: KindMode, File: p.name, Line: lineNo, Count: -1}
				switch m[1] {
				case "simple":
					rec.Protocol = Simple
				case "extended":
					rec.Protocol = Extended
				default:
					return nil, p.errorf(lineNo, "unknown mode %q (want simple or extended)", m[1])
				}
				records = append(records, rec)
			}
			continue
		}
		fields := strings.Fields(trimmed)
		rest := strings.TrimSpace(strings.TrimPrefix(trimmed, fields[0]))
		switch fields[0] {
		case "connection", "skipif", "onlyif":
			if len(fields) != 2 {
				return nil, p.errorf(lineNo, "%s takes exactly one name", fields[0])
			}
			if pendingLine == 0 {
				pendingLine = lineNo
			}
			switch fields[0] {
			case "connection":
				pending.Conn = fields[1]
			case "skipif":
				pending.SkipIf = append(pending.SkipIf, fields[1])
			default:
				pending.OnlyIf = append(pending.OnlyIf, fields[1])
			}
			p.i++
			continue
		case "statement", "query":
			rec := pending
			rec.File, rec.Line, rec.Count = p.name, lineNo, -1
			pending, pendingLine = Record{}, 0
			var err error
			if fields[0] == "statement" {
				err = p.statement(&rec, fields, rest)
			} else {
				err = p.query(&rec, fields, rest)
			}
			if err != nil {
				return nil, err
			}
			records = append(records, rec)
			continue
		}
		if pendingLine != 0 {
			return nil, p.errorf(pendingLine, "connection, skipif and onlyif must precede a statement or query")
		}
		p.i++
		switch fields[0] {
		case "halt":
			records = append(records, Record{Kind: KindHalt, File: p.name, Line: lineNo, Count: -1})
		case "include":
			if rest == "" {
				return nil, p.errorf(lineNo, "include needs a file pattern")
			}
			records = append(records, Record{Kind: KindInclude, File: p.name, Line: lineNo, Count: -1, Pattern: rest})
		case "hash-threshold":
			// Part of the original sqllogictest format; results are never hashed here.
		case "sleep":
			return nil, p.errorf(lineNo, "sleep is not allowed: make the test deterministic with FLUSH")
		default:
			return nil, p.errorf(lineNo, "unknown directive %q", fields[0])
		}
	}
	if pendingLine != 0 {
		return nil, p.errorf(pendingLine, "connection, skipif and onlyif must precede a statement or query")
	}
	return records, nil
}

// statement parses `statement ok|count N|error …` and its SQL.
func (p *parser) statement(rec *Record, fields []string, rest string) error {
	rec.Kind = KindStatement
	if len(fields) < 2 {
		return p.errorf(rec.Line, "statement needs ok, count or error")
	}
	switch fields[1] {
	case "ok":
		if len(fields) > 2 && fields[2] == "warning" {
			_, pattern, _ := strings.Cut(rest, "warning")
			re, err := regexp.Compile(strings.TrimSpace(pattern))
			if err != nil || strings.TrimSpace(pattern) == "" {
				return p.errorf(rec.Line, "statement ok warning needs a regular expression")
			}
			rec.Warning = re
		} else if len(fields) != 2 {
			return p.errorf(rec.Line, "unexpected %q after statement ok", fields[2])
		}
	case "count":
		if len(fields) != 3 {
			return p.errorf(rec.Line, "statement count needs one number")
		}
		n, err := strconv.ParseInt(fields[2], 10, 64)
		if err != nil || n < 0 {
			return p.errorf(rec.Line, "statement count: bad number %q", fields[2])
		}
		rec.Count = n
	case "error":
		exp, err := parseErrorExpectation(strings.TrimSpace(strings.TrimPrefix(rest, "error")))
		if err != nil {
			return p.errorf(rec.Line, "%v", err)
		}
		rec.Error = exp
	default:
		return p.errorf(rec.Line, "statement needs ok, count or error, not %q", fields[1])
	}
	p.i++
	if err := p.sql(rec); err != nil {
		return err
	}
	if rec.Separator {
		return p.errorf(rec.SQLEnd+1, "a statement has no expected results: remove ----")
	}
	return nil
}

// query parses `query <types> [options] [label]` or `query error …`, its SQL
// and its expected results.
func (p *parser) query(rec *Record, fields []string, rest string) error {
	rec.Kind = KindQuery
	if len(fields) < 2 {
		return p.errorf(rec.Line, "query needs column types or error")
	}
	if fields[1] == "error" {
		exp, err := parseErrorExpectation(strings.TrimSpace(strings.TrimPrefix(rest, "error")))
		if err != nil {
			return p.errorf(rec.Line, "%v", err)
		}
		rec.Error = exp
	} else {
		rec.Types = fields[1]
		for _, c := range rec.Types {
			if c < 'A' || c > 'Z' {
				return p.errorf(rec.Line, "bad column type %q in %q (want letters such as I, T, R, B)", c, rec.Types)
			}
		}
		for _, f := range fields[2:] {
			for _, opt := range strings.Split(f, ",") {
				switch opt {
				case "":
				case "nosort":
					rec.Sort = NoSort
				case "rowsort":
					rec.Sort = RowSort
				case "valuesort":
					rec.Sort = ValueSort
				case "colnames":
					rec.ColNames = true
				default:
					if rec.Label != "" || strings.Contains(f, ",") {
						return p.errorf(rec.Line, "unknown query option %q", opt)
					}
					rec.Label = opt
				}
			}
		}
	}
	p.i++
	if err := p.sql(rec); err != nil {
		return err
	}
	if rec.Error != nil && rec.Separator {
		return p.errorf(rec.SQLEnd+1, "query error has no expected results: remove ----")
	}
	if rec.Separator {
		rec.ResultStart = rec.SQLEnd + 1
		for p.i = rec.ResultStart; p.i < len(p.lines) && strings.TrimSpace(p.lines[p.i]) != ""; p.i++ {
			rec.Expected = append(rec.Expected, p.lines[p.i])
		}
		rec.ResultEnd = p.i
	} else {
		rec.ResultStart, rec.ResultEnd = rec.SQLEnd, rec.SQLEnd
	}
	return nil
}

// sql reads SQL lines up to a blank line, a `----` line or the end of the
// file. Comment lines inside the SQL are dropped.
func (p *parser) sql(rec *Record) error {
	var b strings.Builder
	for ; p.i < len(p.lines); p.i++ {
		line := p.lines[p.i]
		t := strings.TrimSpace(line)
		if t == "" {
			break
		}
		if t == "----" {
			rec.Separator = true
			break
		}
		if strings.HasPrefix(t, "#") {
			if modeDirective.MatchString(t) {
				return p.errorf(p.i+1, "a mode directive must be separated from the record before it by a blank line")
			}
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(line)
	}
	rec.SQLEnd = p.i
	if rec.Separator {
		p.i++
	}
	rec.SQL = b.String()
	if rec.SQL == "" {
		return p.errorf(rec.Line, "missing SQL")
	}
	return nil
}

var sqlstatePattern = regexp.MustCompile(`^[0-9A-Z]{5}$`)

// parseErrorExpectation parses what follows `error`: a SQLSTATE, a regex, or
// `pgcode <SQLSTATE> [regex]`. An empty text expects any error.
func parseErrorExpectation(text string) (*ErrorExpectation, error) {
	exp := &ErrorExpectation{}
	if strings.HasPrefix(text, "pgcode ") || text == "pgcode" {
		f := strings.Fields(text)
		if len(f) < 2 || !sqlstatePattern.MatchString(f[1]) {
			return nil, fmt.Errorf("pgcode needs a SQLSTATE of 5 characters [0-9A-Z]")
		}
		exp.Code = f[1]
		text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(text, "pgcode")), f[1]))
	} else if sqlstatePattern.MatchString(text) {
		exp.Code = text
		return exp, nil
	}
	if text != "" {
		re, err := regexp.Compile(text)
		if err != nil {
			return nil, fmt.Errorf("bad error regex: %w", err)
		}
		exp.Regex = re
	}
	return exp, nil
}
