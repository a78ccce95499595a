package sql

// isRoleKw reports whether the next token is USER or ROLE (after CREATE,
// ALTER or DROP).
func (p *parser) isRoleKw() bool { return p.isKw("user") || p.isKw("role") }

// parseCreateRole parses the rest of CREATE {USER | ROLE} name [[WITH] option …].
func (p *parser) parseCreateRole(pos Pos) (Statement, error) {
	user := p.next().val == "user"
	name, err := p.parseName()
	if err != nil {
		return nil, err
	}
	opts, err := p.parseRoleOptions()
	if err != nil {
		return nil, err
	}
	return &CreateRole{Pos: pos, User: user, Name: name, Options: opts}, nil
}

// parseAlterRole parses ALTER {USER | ROLE} name [WITH] option ….
func (p *parser) parseAlterRole() (Statement, error) {
	t := p.next()
	if !p.isRoleKw() {
		return nil, p.errUnexpected()
	}
	user := p.next().val == "user"
	name, err := p.parseName()
	if err != nil {
		return nil, err
	}
	opts, err := p.parseRoleOptions()
	if err != nil {
		return nil, err
	}
	if len(opts) == 0 {
		return nil, p.errUnexpected()
	}
	return &AlterRole{Pos: Pos(t.pos), User: user, Name: name, Options: opts}, nil
}

// parseRoleOptions parses [WITH] option … up to the end of the statement.
func (p *parser) parseRoleOptions() ([]RoleOption, error) {
	p.acceptKw("with")
	var opts []RoleOption
	for {
		t := p.peek()
		if t.kind != tkIdent || t.quoted {
			return opts, nil
		}
		opt := RoleOption{Pos: Pos(t.pos)}
		switch t.val {
		case "encrypted", "password":
			p.i++
			if t.val == "encrypted" {
				if err := p.expectKw("password"); err != nil {
					return nil, err
				}
			}
			opt.Kind = RolePassword
			switch pw := p.peek(); {
			case pw.kind == tkString:
				p.i++
				text := pw.val
				opt.Password = &text
			case t.val == "password" && isKwTok(pw, "null"):
				p.i++
			default:
				return nil, p.errUnexpected()
			}
		case "superuser":
			p.i++
			opt.Kind = RoleSuperuser
		case "nosuperuser":
			p.i++
			opt.Kind = RoleNoSuperuser
		case "login":
			p.i++
			opt.Kind = RoleLogin
		case "nologin":
			p.i++
			opt.Kind = RoleNoLogin
		default:
			return nil, p.errUnexpected()
		}
		opts = append(opts, opt)
	}
}

// parseDropRole parses the rest of DROP {USER | ROLE} [IF EXISTS] name [, …].
func (p *parser) parseDropRole(pos Pos) (Statement, error) {
	d := &DropRole{Pos: pos, User: p.next().val == "user"}
	if p.isKw("if") && isKwTok(p.peekAt(1), "exists") {
		p.i += 2
		d.IfExists = true
	}
	for {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		d.Names = append(d.Names, n)
		if !p.acceptOp(",") {
			return d, nil
		}
	}
}

// parseGrant parses GRANT privileges ON [TABLE] name [, …] TO role [, …]
// and REVOKE privileges ON [TABLE] name [, …] FROM role [, …].
func (p *parser) parseGrant() (Statement, error) {
	t := p.next()
	g := &Grant{Pos: Pos(t.pos), Revoke: t.val == "revoke"}
	if p.acceptKw("all") {
		p.acceptKw("privileges")
	} else {
		for {
			w := p.peek()
			var priv Privilege
			switch {
			case isKwTok(w, "select"):
				priv = PrivSelect
			case isKwTok(w, "insert"):
				priv = PrivInsert
			case isKwTok(w, "update"):
				priv = PrivUpdate
			case isKwTok(w, "delete"):
				priv = PrivDelete
			default:
				return nil, p.errUnexpected()
			}
			p.i++
			g.Privileges = append(g.Privileges, priv)
			if !p.acceptOp(",") {
				break
			}
		}
	}
	if err := p.expectKw("on"); err != nil {
		return nil, err
	}
	p.acceptKw("table")
	for {
		n, err := p.parseObjectName()
		if err != nil {
			return nil, err
		}
		g.Objects = append(g.Objects, n)
		if !p.acceptOp(",") {
			break
		}
	}
	to := "to"
	if g.Revoke {
		to = "from"
	}
	if err := p.expectKw(to); err != nil {
		return nil, err
	}
	for {
		n, err := p.parseName()
		if err != nil {
			return nil, err
		}
		g.Roles = append(g.Roles, n)
		if !p.acceptOp(",") {
			return g, nil
		}
	}
}

// roleStmt prints the statements of this file.
func (pr printer) roleStmt(s Statement) {
	noun := func(user bool) string {
		if user {
			return "USER "
		}
		return "ROLE "
	}
	switch s := s.(type) {
	case *CreateRole:
		pr.w("CREATE " + noun(s.User) + ident(s.Name))
		pr.roleOptions(s.Options)
	case *AlterRole:
		pr.w("ALTER " + noun(s.User) + ident(s.Name))
		pr.roleOptions(s.Options)
	case *DropRole:
		pr.w("DROP " + noun(s.User))
		if s.IfExists {
			pr.w("IF EXISTS ")
		}
		pr.names(s.Names)
	case *Grant:
		if s.Revoke {
			pr.w("REVOKE ")
		} else {
			pr.w("GRANT ")
		}
		if s.Privileges == nil {
			pr.w("ALL")
		}
		for i, priv := range s.Privileges {
			if i > 0 {
				pr.w(", ")
			}
			pr.w(string(priv))
		}
		pr.w(" ON TABLE ")
		for i, o := range s.Objects {
			if i > 0 {
				pr.w(", ")
			}
			pr.w(objectName(o))
		}
		if s.Revoke {
			pr.w(" FROM ")
		} else {
			pr.w(" TO ")
		}
		pr.names(s.Roles)
	}
}

func (pr printer) roleOptions(opts []RoleOption) {
	if len(opts) > 0 {
		pr.w(" WITH")
	}
	for _, o := range opts {
		switch o.Kind {
		case RolePassword:
			if o.Password == nil {
				pr.w(" PASSWORD NULL")
			} else {
				pr.w(" PASSWORD " + quoteString(*o.Password))
			}
		case RoleSuperuser:
			pr.w(" SUPERUSER")
		case RoleNoSuperuser:
			pr.w(" NOSUPERUSER")
		case RoleLogin:
			pr.w(" LOGIN")
		case RoleNoLogin:
			pr.w(" NOLOGIN")
		}
	}
}
