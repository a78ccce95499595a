package sql

// CreateRole is CREATE {USER | ROLE} name [[WITH] option …]. CREATE USER
// makes a role that may log in unless NOLOGIN is given.
type CreateRole struct {
	Pos     Pos
	User    bool // written CREATE USER
	Name    Name
	Options []RoleOption
}

// AlterRole is ALTER {USER | ROLE} name [WITH] option ….
type AlterRole struct {
	Pos     Pos
	User    bool // written ALTER USER
	Name    Name
	Options []RoleOption
}

// DropRole is DROP {USER | ROLE} [IF EXISTS] name [, …].
type DropRole struct {
	Pos      Pos
	User     bool // written DROP USER
	IfExists bool
	Names    []Name
}

// RoleOptionKind is an attribute a CREATE or ALTER ROLE sets.
type RoleOptionKind uint8

// Role options.
const (
	RolePassword    RoleOptionKind = iota + 1 // [ENCRYPTED] PASSWORD 'text' | NULL
	RoleSuperuser                             // SUPERUSER
	RoleNoSuperuser                           // NOSUPERUSER
	RoleLogin                                 // LOGIN
	RoleNoLogin                               // NOLOGIN
)

// RoleOption is one option of CREATE or ALTER ROLE.
type RoleOption struct {
	Pos  Pos
	Kind RoleOptionKind
	// Password is the PASSWORD option's text; nil for PASSWORD NULL.
	Password *string
}

// Privilege is a privilege GRANT and REVOKE name.
type Privilege string

// Privileges on relations.
const (
	PrivSelect Privilege = "SELECT"
	PrivInsert Privilege = "INSERT"
	PrivUpdate Privilege = "UPDATE"
	PrivDelete Privilege = "DELETE"
)

// AllPrivileges are the privileges ALL [PRIVILEGES] grants, in the order
// Postgres lists them.
var AllPrivileges = []Privilege{PrivInsert, PrivSelect, PrivUpdate, PrivDelete}

// Grant is GRANT privileges ON [TABLE] name [, …] TO role [, …], or with
// Revoke, REVOKE privileges ON [TABLE] name [, …] FROM role [, …].
type Grant struct {
	Pos    Pos
	Revoke bool
	// Privileges are those named; nil means ALL [PRIVILEGES].
	Privileges []Privilege
	Objects    []ObjectName
	Roles      []Name
}

// Position returns where the statement starts.
func (s *CreateRole) Position() Pos { return s.Pos }

// Position returns where the statement starts.
func (s *AlterRole) Position() Pos { return s.Pos }

// Position returns where the statement starts.
func (s *DropRole) Position() Pos { return s.Pos }

// Position returns where the statement starts.
func (s *Grant) Position() Pos { return s.Pos }

func (*CreateRole) statementNode() {}
func (*AlterRole) statementNode()  {}
func (*DropRole) statementNode()   {}
func (*Grant) statementNode()      {}
