package sql

import "strings"

// parseCreate parses CREATE {STREAM|SOURCE|TABLE|MATERIALIZED VIEW|SINK}.
func (p *parser) parseCreate() (Statement, error) {
	t := p.next()
	pos := Pos(t.pos)
	switch {
	case p.acceptKw("stream"):
		return p.parseCreateStream(pos, KindStream)
	case p.acceptKw("source"):
		return p.parseCreateStream(pos, KindSource)
	case p.acceptKw("table"):
		return p.parseCreateTable(pos)
	case p.acceptKw("sink"):
		return p.parseCreateSink(pos)
	case p.acceptKw("materialized"):
		if err := p.expectKw("view"); err != nil {
			return nil, err
		}
		return p.parseCreateView(pos)
	case p.acceptKw("view"):
		return p.parseCreatePlainView(pos, false)
	case p.isKw("or") && isKwTok(p.peekAt(1), "replace") && isKwTok(p.peekAt(2), "view"):
		p.i += 3
		return p.parseCreatePlainView(pos, true)
	case p.isRoleKw():
		return p.parseCreateRole(pos)
	case p.acceptKw("function"):
		return p.parseCreateFunction(pos, false)
	case p.isKw("or") && isKwTok(p.peekAt(1), "replace") && isKwTok(p.peekAt(2), "function"):
		p.i += 3
		return p.parseCreateFunction(pos, true)
	}
	return nil, p.errUnexpected()
}

// parseIfNotExists parses an optional IF NOT EXISTS.
func (p *parser) parseIfNotExists() (bool, error) {
	if !p.isKw("if") || !isKwTok(p.peekAt(1), "not") {
		return false, nil
	}
	p.i += 2
	return true, p.expectKw("exists")
}

func (p *parser) parseCreateStream(pos Pos, kind SourceKind) (Statement, error) {
	s := &CreateStream{Pos: pos, Kind: kind}
	var err error
	if s.IfNotExists, err = p.parseIfNotExists(); err != nil {
		return nil, err
	}
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.isOp("(") {
		cols, pk, wm, err := p.parseColumnDefs()
		if err != nil {
			return nil, err
		}
		if pk != nil {
			return nil, p.errorf(int(pk[0].Pos), "a stream has no table-level PRIMARY KEY")
		}
		s.Columns, s.Watermark = cols, wm
	}
	for p.isKw("include") {
		t := p.next()
		w := p.next()
		switch {
		case w.kind == tkIdent && !w.quoted && (w.val == "key" || w.val == "partition" || w.val == "offset" || w.val == "timestamp"):
		default:
			return nil, p.errAt(w)
		}
		inc := IncludeColumn{Pos: Pos(t.pos), What: w.val}
		if p.acceptKw("as") {
			n, err := p.parseName()
			if err != nil {
				return nil, err
			}
			inc.Alias = &n
		}
		s.Includes = append(s.Includes, inc)
	}
	if s.Options, err = p.parseWith(); err != nil {
		return nil, err
	}
	return s, nil
}

func (p *parser) parseCreateTable(pos Pos) (Statement, error) {
	s := &CreateTable{Pos: pos}
	var err error
	if s.IfNotExists, err = p.parseIfNotExists(); err != nil {
		return nil, err
	}
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if s.Columns, s.PrimaryKey, s.Watermark, err = p.parseColumnDefs(); err != nil {
		return nil, err
	}
	if s.Options, err = p.parseWith(); err != nil {
		return nil, err
	}
	return s, nil
}

// parseColumnDefs parses (col type [NOT NULL | NULL | PRIMARY KEY]…,
// [PRIMARY KEY (a, b)], [WATERMARK FOR col AS expr]).
func (p *parser) parseColumnDefs() ([]ColumnDef, []Name, *WatermarkDef, error) {
	if err := p.expectOp("("); err != nil {
		return nil, nil, nil, err
	}
	var cols []ColumnDef
	var pk []Name
	var wm *WatermarkDef
	if p.acceptOp(")") {
		return nil, nil, nil, nil
	}
	for {
		if p.isWatermarkDef() {
			if wm != nil {
				return nil, nil, nil, p.errorf(p.peek().pos, "only one WATERMARK clause is allowed")
			}
			w, err := p.parseWatermarkDef()
			if err != nil {
				return nil, nil, nil, err
			}
			wm = w
		} else if t := p.peek(); isKwTok(t, "primary") {
			p.i++
			if err := p.expectKw("key"); err != nil {
				return nil, nil, nil, err
			}
			if pk != nil {
				return nil, nil, nil, p.errorf(t.pos, "multiple primary keys are not allowed")
			}
			names, err := p.parseNameList()
			if err != nil {
				return nil, nil, nil, err
			}
			pk = names
		} else {
			if len(cols) == MaxColumns {
				return nil, nil, nil, tooWide(p.peek().pos, tooManyColumns, "tables can have at most %d columns", MaxColumns)
			}
			c, err := p.parseColumnDef()
			if err != nil {
				return nil, nil, nil, err
			}
			cols = append(cols, c)
		}
		if !p.acceptOp(",") {
			break
		}
	}
	return cols, pk, wm, p.expectOp(")")
}

func (p *parser) parseColumnDef() (ColumnDef, error) {
	name, err := p.parseName()
	if err != nil {
		return ColumnDef{}, err
	}
	c, err := p.parseColumnType()
	c.Name = name
	return c, err
}

// parseColumnType parses what follows a column's name: its type and
// constraints (the result's Name is empty).
func (p *parser) parseColumnType() (ColumnDef, error) {
	tn, err := p.parseTypeName()
	if err != nil {
		return ColumnDef{}, err
	}
	c := ColumnDef{Type: tn}
	for {
		switch {
		case p.isKw("not") && isKwTok(p.peekAt(1), "null"):
			p.i += 2
			c.NotNull = true
		case p.acceptKw("null"):
		case p.acceptKw("primary"):
			if err := p.expectKw("key"); err != nil {
				return ColumnDef{}, err
			}
			c.PrimaryKey = true
		case p.isKw("as"):
			t := p.peekAt(1)
			if !isKwTok(t, "proctime") {
				return ColumnDef{}, p.errorf(t.pos, "only PROCTIME() can follow AS in a column definition")
			}
			p.i += 2
			if err := p.expectOp("("); err != nil {
				return ColumnDef{}, err
			}
			if err := p.expectOp(")"); err != nil {
				return ColumnDef{}, err
			}
			c.ProcTime = true
		default:
			return c, nil
		}
	}
}

// parseWith parses an optional WITH (key = value, …).
func (p *parser) parseWith() ([]Option, error) {
	if !p.acceptKw("with") {
		return nil, nil
	}
	if err := p.expectOp("("); err != nil {
		return nil, err
	}
	var opts []Option
	for {
		o, err := p.parseOption()
		if err != nil {
			return nil, err
		}
		opts = append(opts, o)
		if !p.acceptOp(",") {
			break
		}
	}
	return opts, p.expectOp(")")
}

// parseOption parses key = value; the key is words joined by dots (any word,
// reserved ones too, as in scan.startup.mode or properties.group.id), or a
// string, as Flink writes keys ('scan.topic-partition-discovery.interval').
func (p *parser) parseOption() (Option, error) {
	start := p.peek()
	var parts []string
	if start.kind == tkString {
		p.i++
		parts = append(parts, start.val)
	} else {
		for {
			t := p.peek()
			if t.kind != tkIdent {
				return Option{}, p.errUnexpected()
			}
			p.i++
			parts = append(parts, t.val)
			if !p.acceptOp(".") {
				break
			}
		}
	}
	if err := p.expectOp("="); err != nil {
		return Option{}, err
	}
	v, err := p.parseOptionValue()
	if err != nil {
		return Option{}, err
	}
	return Option{Pos: Pos(start.pos), Key: strings.Join(parts, "."), Value: v}, nil
}

// parseOptionValue parses a string, a signed number or a word, returning its text.
func (p *parser) parseOptionValue() (string, error) {
	sign := ""
	if p.isOp("-") || p.isOp("+") {
		if sign = p.next().val; sign == "+" {
			sign = ""
		}
		if k := p.peek().kind; k != tkInteger && k != tkDecimal {
			return "", p.errUnexpected()
		}
	}
	switch t := p.peek(); t.kind {
	case tkString, tkIdent, tkInteger, tkDecimal:
		p.i++
		return sign + t.val, nil
	}
	return "", p.errUnexpected()
}

func (p *parser) parseCreateView(pos Pos) (Statement, error) {
	s := &CreateView{Pos: pos}
	var err error
	if s.IfNotExists, err = p.parseIfNotExists(); err != nil {
		return nil, err
	}
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if s.Options, err = p.parseWith(); err != nil {
		return nil, err
	}
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	if !p.atQuery() {
		return nil, p.errUnexpected()
	}
	if s.Query, err = p.parseQuery(); err != nil {
		return nil, err
	}
	s.EmitOnWindowClose, s.EmitPos, err = p.parseEmitOnWindowClose()
	return s, err
}

// parseCreateSink parses the rest of CREATE SINK: a name, then FROM a
// relation WITH (…), or AS a SELECT, with the WITH clause before AS or
// after the SELECT (not both).
func (p *parser) parseCreateSink(pos Pos) (Statement, error) {
	s := &CreateSink{Pos: pos}
	var err error
	if s.IfNotExists, err = p.parseIfNotExists(); err != nil {
		return nil, err
	}
	if s.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.acceptKw("from") {
		if s.From, err = p.parseObjectName(); err != nil {
			return nil, err
		}
		if s.Options, err = p.parseWith(); err != nil {
			return nil, err
		}
		return s, nil
	}
	if s.Options, err = p.parseWith(); err != nil {
		return nil, err
	}
	if err := p.expectKw("as"); err != nil {
		return nil, err
	}
	if !p.atQuery() {
		return nil, p.errUnexpected()
	}
	if s.Query, err = p.parseQuery(); err != nil {
		return nil, err
	}
	if s.Options == nil && p.isKw("with") {
		if s.Options, err = p.parseWith(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseObjectKind parses STREAM | SOURCE | TABLE | MATERIALIZED VIEW | SINK.
func (p *parser) parseObjectKind() (ObjectKind, error) {
	switch {
	case p.acceptKw("stream"), p.acceptKw("source"):
		return ObjStream, nil
	case p.acceptKw("table"):
		return ObjTable, nil
	case p.acceptKw("materialized"):
		return ObjView, p.expectKw("view")
	case p.acceptKw("sink"):
		return ObjSink, nil
	case p.acceptKw("view"):
		return ObjPlainView, nil
	}
	return 0, p.errUnexpected()
}

func (p *parser) parseDrop() (Statement, error) {
	t := p.next()
	if p.isRoleKw() {
		return p.parseDropRole(Pos(t.pos))
	}
	if p.acceptKw("function") {
		return p.parseDropFunction(Pos(t.pos))
	}
	kind, err := p.parseObjectKind()
	if err != nil {
		return nil, err
	}
	d := &Drop{Pos: Pos(t.pos), Kind: kind}
	if p.isKw("if") && isKwTok(p.peekAt(1), "exists") {
		p.i += 2
		d.IfExists = true
	}
	if d.Name, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.acceptKw("cascade") {
		d.Cascade = true
	} else {
		p.acceptKw("restrict")
	}
	return d, nil
}

func (p *parser) parseInsert() (Statement, error) {
	t := p.next()
	if err := p.expectKw("into"); err != nil {
		return nil, err
	}
	ins := &Insert{Pos: Pos(t.pos)}
	var err error
	if ins.Table, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.isOp("(") && !p.atQuery() {
		if ins.Columns, err = p.parseNameList(); err != nil {
			return nil, err
		}
	}
	switch {
	case p.acceptKw("values"):
		for {
			if err := p.expectOp("("); err != nil {
				return nil, err
			}
			row, err := p.parseExprList()
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			ins.Values = append(ins.Values, row)
			if !p.acceptOp(",") {
				return ins, nil
			}
		}
	case p.atQuery():
		if ins.Query, err = p.parseQuery(); err != nil {
			return nil, err
		}
		return ins, nil
	}
	return nil, p.errUnexpected()
}

func (p *parser) parseUpdate() (Statement, error) {
	t := p.next()
	u := &Update{Pos: Pos(t.pos)}
	var err error
	if u.Table, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if err := p.expectKw("set"); err != nil {
		return nil, err
	}
	for {
		col, err := p.parseName()
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		v, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		u.Set = append(u.Set, Assignment{Column: col, Value: v})
		if !p.acceptOp(",") {
			break
		}
	}
	if p.acceptKw("where") {
		if u.Where, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	return u, nil
}

func (p *parser) parseDelete() (Statement, error) {
	t := p.next()
	if err := p.expectKw("from"); err != nil {
		return nil, err
	}
	d := &Delete{Pos: Pos(t.pos)}
	var err error
	if d.Table, err = p.parseObjectName(); err != nil {
		return nil, err
	}
	if p.acceptKw("where") {
		if d.Where, err = p.parseExpr(); err != nil {
			return nil, err
		}
	}
	return d, nil
}

// showWords are the words after SHOW that are not variable names; the printer
// quotes a variable spelled like one of them.
var showWords = map[string]bool{
	"streams": true, "sources": true, "tables": true, "sinks": true, "views": true, "pipelines": true,
	"materialized": true, "create": true, "all": true, "transaction": true, "time": true,
}

func (p *parser) parseShow() (Statement, error) {
	t := p.next()
	pos := Pos(t.pos)
	show := func(k ShowKind) (Statement, error) { return &Show{Pos: pos, What: k}, nil }
	switch {
	case p.acceptKw("streams"), p.acceptKw("sources"):
		return show(ShowStreams)
	case p.acceptKw("tables"):
		return show(ShowTables)
	case p.acceptKw("views"):
		return show(ShowViews)
	case p.acceptKw("sinks"):
		return show(ShowSinks)
	case p.acceptKw("pipelines"):
		return show(ShowPipelines)
	case p.isKw("materialized"):
		p.i++
		if err := p.expectKw("views"); err != nil {
			return nil, err
		}
		return show(ShowViews)
	case p.acceptKw("create"):
		kind, err := p.parseObjectKind()
		if err != nil {
			return nil, err
		}
		name, err := p.parseObjectName()
		if err != nil {
			return nil, err
		}
		return &ShowCreate{Pos: pos, Kind: kind, Name: name}, nil
	case p.acceptKw("all"):
		return &Show{Pos: pos, What: ShowVariable, Variable: "all"}, nil
	case p.acceptKw("transaction"):
		if err := p.expectKw("isolation"); err != nil {
			return nil, err
		}
		if err := p.expectKw("level"); err != nil {
			return nil, err
		}
		return &Show{Pos: pos, What: ShowVariable, Variable: "transaction_isolation"}, nil
	case p.acceptKw("time"):
		if err := p.expectKw("zone"); err != nil {
			return nil, err
		}
		return &Show{Pos: pos, What: ShowVariable, Variable: "timezone"}, nil
	}
	name, err := p.parseVarName()
	if err != nil {
		return nil, err
	}
	return &Show{Pos: pos, What: ShowVariable, Variable: name}, nil
}

// parseVarName parses a configuration variable name: words joined by dots.
func (p *parser) parseVarName() (string, error) {
	var parts []string
	for {
		n, err := p.parseName()
		if err != nil {
			return "", err
		}
		parts = append(parts, n.Value)
		if !p.acceptOp(".") {
			return strings.Join(parts, "."), nil
		}
	}
}

// setWords are the words after SET that are not variable names.
var setWords = map[string]bool{"session": true, "local": true, "time": true, "transaction": true}

func (p *parser) parseSet() (Statement, error) {
	t := p.next()
	s := &Set{Pos: Pos(t.pos)}
	if !p.acceptKw("session") {
		s.Local = p.acceptKw("local")
	}
	switch {
	case p.isKw("time") && isKwTok(p.peekAt(1), "zone"):
		p.i += 2
		s.Name = "timezone"
		if p.acceptKw("local") || p.acceptKw("default") {
			s.Value = "DEFAULT"
			return s, nil
		}
		v, err := p.parseSetValue()
		if err != nil {
			return nil, err
		}
		s.Value = v
		return s, nil
	case p.isKw("characteristics") && isKwTok(p.peekAt(1), "as"):
		p.i += 2
		if !p.isKw("transaction") {
			return nil, p.errUnexpected()
		}
		fallthrough
	case p.isKw("transaction"):
		p.i++
		if err := p.expectKw("isolation"); err != nil {
			return nil, err
		}
		if err := p.expectKw("level"); err != nil {
			return nil, err
		}
		lvl, err := p.parseIsolationLevel()
		if err != nil {
			return nil, err
		}
		s.Name, s.Value = "transaction_isolation", lvl
		return s, nil
	}
	name, err := p.parseVarName()
	if err != nil {
		return nil, err
	}
	s.Name = name
	if !p.acceptOp("=") && !p.acceptKw("to") {
		return nil, p.errUnexpected()
	}
	if p.acceptKw("default") {
		s.Value = "DEFAULT"
		return s, nil
	}
	var vals []string
	for {
		v, err := p.parseSetValue()
		if err != nil {
			return nil, err
		}
		vals = append(vals, v)
		if !p.acceptOp(",") {
			break
		}
	}
	s.Value = strings.Join(vals, ", ")
	return s, nil
}

// parseReset parses RESET name and RESET ALL into the Set they mean.
func (p *parser) parseReset() (Statement, error) {
	t := p.next()
	s := &Set{Pos: Pos(t.pos), Value: "DEFAULT"}
	switch {
	case p.acceptKw("all"):
		s.Name = "all"
	case p.isKw("time") && isKwTok(p.peekAt(1), "zone"):
		p.i += 2
		s.Name = "timezone"
	default:
		name, err := p.parseVarName()
		if err != nil {
			return nil, err
		}
		s.Name = name
	}
	return s, nil
}

// parseSetValue parses one value of SET: a string, a signed number or a word.
func (p *parser) parseSetValue() (string, error) {
	if p.isKw("default") {
		return "", p.errUnexpected()
	}
	return p.parseOptionValue()
}

// parseIsolationLevel parses SERIALIZABLE | REPEATABLE READ | READ {COMMITTED|UNCOMMITTED}.
func (p *parser) parseIsolationLevel() (string, error) {
	switch {
	case p.acceptKw("serializable"):
		return "serializable", nil
	case p.acceptKw("repeatable"):
		return "repeatable read", p.expectKw("read")
	case p.acceptKw("read"):
		switch {
		case p.acceptKw("committed"):
			return "read committed", nil
		case p.acceptKw("uncommitted"):
			return "read uncommitted", nil
		}
	}
	return "", p.errUnexpected()
}

// parseTransaction parses BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK,
// ABORT, SAVEPOINT, RELEASE and ROLLBACK TO.
func (p *parser) parseTransaction() (Statement, error) {
	t := p.next()
	s := &Transaction{Pos: Pos(t.pos)}
	switch t.val {
	case "begin", "start":
		s.Verb = "BEGIN"
		if t.val == "start" {
			if err := p.expectKw("transaction"); err != nil {
				return nil, err
			}
		} else if !p.acceptKw("work") {
			p.acceptKw("transaction")
		}
		return s, p.parseTransactionModes(s)
	case "savepoint":
		s.Verb = "SAVEPOINT"
		return s, p.parseSavepointName(s)
	case "release":
		s.Verb = "RELEASE"
		p.acceptKw("savepoint")
		return s, p.parseSavepointName(s)
	case "commit", "end":
		s.Verb = "COMMIT"
	default:
		s.Verb = "ROLLBACK"
	}
	if !p.acceptKw("work") {
		p.acceptKw("transaction")
	}
	if t.val == "rollback" && p.acceptKw("to") {
		s.Verb = "ROLLBACK TO"
		p.acceptKw("savepoint")
		return s, p.parseSavepointName(s)
	}
	if t.val != "end" && t.val != "abort" && p.acceptKw("and") {
		p.acceptKw("no")
		if err := p.expectKw("chain"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// parseSavepointName parses the name of a savepoint statement into s.
func (p *parser) parseSavepointName(s *Transaction) error {
	n, err := p.parseName()
	if err != nil {
		return err
	}
	s.Savepoint = n.Value
	return nil
}

// parseTransactionModes parses [mode [[,] mode]…] where mode is ISOLATION
// LEVEL l, READ WRITE, READ ONLY or [NOT] DEFERRABLE.
func (p *parser) parseTransactionModes(s *Transaction) error {
	for first := true; ; first = false {
		comma := !first && p.acceptOp(",")
		switch {
		case p.acceptKw("isolation"):
			if err := p.expectKw("level"); err != nil {
				return err
			}
			level, err := p.parseIsolationLevel()
			if err != nil {
				return err
			}
			s.Isolation = level
		case p.acceptKw("read"):
			switch {
			case p.acceptKw("write"):
				s.ReadOnly = false
			case p.acceptKw("only"):
				s.ReadOnly = true
			default:
				return p.errUnexpected()
			}
		case p.acceptKw("deferrable"):
		case p.isKw("not") && isKwTok(p.peekAt(1), "deferrable"):
			p.i += 2
		default:
			if comma {
				return p.errUnexpected()
			}
			return nil
		}
	}
}
