package privilege

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// discardWriter is an exec.StateWriter that keeps nothing: the tests need
// the catalog's roles, grants and objects, not their persisted form.
type discardWriter struct{}

func (discardWriter) Set(key, value []byte) error     { return nil }
func (discardWriter) Delete(key []byte) error         { return nil }
func (discardWriter) DeleteRange(lo, hi []byte) error { return nil }

// TestPrivilege runs the scripts in testdata/privilege over one catalog per
// file. Commands:
//
//	object kind=<table|stream|view|plainview|sink> name=N [owner=R] [uses=A,B]
//	    <definition>            adds an object (the definition is SHOW CREATE's)
//	function name=N owner=R     adds a SQL function N() owned by R
//	exec [user=R] [configured=R]
//	    <statements>            runs role statements (printing their tag and
//	                            notices) and authorizes the others ("ok");
//	                            without user, as a superuser that is no role
//	observe user=R              the objects R may see in system tables (and
//	                            "dropped": one that no longer exists)
//	show-create user=R name=N   what SHOW CREATE N prints for R
//	open user=R [password]      who a session of R is
//	owner-reads name=N          whether N's owner may still read what N reads
//	login user=R                whether R may log in with a password
//	configured-superuser name=R [password=P]
//	                            what the start puts for the configured superuser
//	roles                       the catalog's roles
//	grants name=N               the privileges granted on N
func TestPrivilege(t *testing.T) {
	datadriven.Walk(t, "testdata", func(t *testing.T, path string) {
		cat := catalog.New()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			arg := func(key string) string {
				for _, a := range d.CmdArgs {
					if a.Key == key && len(a.Vals) > 0 {
						return a.Vals[0]
					}
				}
				return ""
			}
			subject := Subject{Catalog: cat, User: arg("user"), Unbound: !d.HasArg("user")}
			switch d.Cmd {
			case "object":
				o := &catalog.Object{Name: arg("name"), Owner: arg("owner"), Definition: strings.TrimSpace(d.Input)}
				switch arg("kind") {
				case "table":
					o.Kind = catalog.Table
				case "stream":
					o.Kind = catalog.Stream
				case "view":
					o.Kind = catalog.View
				case "plainview":
					o.Kind = catalog.PlainView
				case "sink":
					o.Kind = catalog.Sink
				default:
					d.Fatalf(t, "unknown kind %q", arg("kind"))
				}
				if u := arg("uses"); u != "" {
					o.Uses = strings.Split(u, ",")
				}
				if err := cat.Add(discardWriter{}, o); err != nil {
					d.Fatalf(t, "%v", err)
				}
				return ""
			case "function":
				f := &catalog.Function{Name: arg("name"), Owner: arg("owner"), Returns: types.Int64Type, Body: "1"}
				if err := cat.PutFunction(discardWriter{}, f); err != nil {
					d.Fatalf(t, "%v", err)
				}
				return ""
			case "exec":
				stmts, err := sql.Parse(d.Input)
				if err != nil {
					return formatErr(err)
				}
				var out strings.Builder
				for _, st := range stmts {
					out.WriteString(run(subject, st, arg("configured")))
				}
				return out.String()
			case "observe":
				var seen []string
				for _, o := range cat.List(0) {
					if subject.MayObserve(o.Name) {
						seen = append(seen, o.Name)
					}
				}
				if subject.MayObserve("dropped") {
					seen = append(seen, "dropped")
				}
				return strings.Join(seen, " ") + "\n"
			case "show-create":
				o, ok := cat.Get(arg("name"))
				if !ok {
					d.Fatalf(t, "no object %s", arg("name"))
				}
				text, err := subject.CreateStatement(o, 5)
				if err != nil {
					return formatErr(err)
				}
				return text + "\n"
			case "open":
				unbound, err := Open(cat, arg("user"), d.HasArg("password"))
				switch {
				case err != nil:
					return formatErr(err)
				case unbound:
					return "superuser (no role)\n"
				}
				return "role\n"
			case "owner-reads":
				o, ok := cat.Get(arg("name"))
				if !ok {
					d.Fatalf(t, "no object %s", arg("name"))
				}
				if err := CheckOwnerReads(cat, o); err != nil {
					return formatErr(err)
				}
				return "ok\n"
			case "login":
				v, ok := LoginVerifier(cat, arg("user"))
				if !ok {
					return "refused\n"
				}
				return strings.SplitN(v, "$", 2)[0] + " verifier\n"
			case "configured-superuser":
				r, existed, err := ConfiguredSuperuser(cat, arg("name"), func() (string, error) {
					if pw := arg("password"); pw != "" {
						return pw, nil
					}
					return "", errors.New("no password configured")
				})
				switch {
				case err != nil:
					return fmt.Sprintf("existed=%v: %s", existed, formatErr(err))
				case r == nil:
					return "nothing to do\n"
				}
				if err := cat.PutRole(discardWriter{}, r); err != nil {
					d.Fatalf(t, "%v", err)
				}
				return fmt.Sprintf("put %s (existed=%v)\n", describeRole(r), existed)
			case "roles":
				var out strings.Builder
				for _, r := range cat.Roles() {
					out.WriteString(describeRole(r) + "\n")
				}
				return out.String()
			case "grants":
				p := cat.Grants(arg("name"))
				var out strings.Builder
				for _, r := range cat.Roles() {
					if len(p[r.Name]) > 0 {
						fmt.Fprintf(&out, "%s: %s\n", r.Name, strings.Join(p[r.Name], ", "))
					}
				}
				if len(p[catalog.PublicRole]) > 0 {
					fmt.Fprintf(&out, "%s: %s\n", catalog.PublicRole, strings.Join(p[catalog.PublicRole], ", "))
				}
				return out.String()
			}
			d.Fatalf(t, "unknown command %s", d.Cmd)
			return ""
		})
	})
}

// run runs one statement for exec: a role statement is decided and
// written, any other authorized.
func run(s Subject, st sql.Statement, configured string) string {
	switch st.(type) {
	case *sql.CreateRole, *sql.AlterRole, *sql.DropRole, *sql.Grant:
		c, err := s.RoleStatement(st, configured)
		if err != nil {
			return formatErr(err)
		}
		if err := c.Write(s.Catalog, discardWriter{}); err != nil {
			return formatErr(err)
		}
		out := c.Tag + "\n"
		for _, n := range c.Notices {
			out += "NOTICE: " + n + "\n"
		}
		return out
	}
	if err := s.Authorize(st); err != nil {
		return formatErr(err)
	}
	return "ok\n"
}

// formatErr prints err with its SQLSTATE, position and detail.
func formatErr(err error) string {
	var e *sqlstate.Error
	if !errors.As(err, &e) {
		return "error: " + err.Error() + "\n"
	}
	out := "ERROR " + e.Code
	if e.Position >= 0 {
		out += fmt.Sprintf(" at %d", e.Position)
	}
	out += ": " + e.Message + "\n"
	if e.Detail != "" {
		out += "DETAIL: " + e.Detail + "\n"
	}
	return out
}

// describeRole prints r's name, attributes and whether it has a password.
func describeRole(r *catalog.Role) string {
	out := r.Name
	if r.Superuser {
		out += " superuser"
	}
	if r.Login {
		out += " login"
	}
	if r.Password != "" {
		out += " password=" + strings.SplitN(r.Password, "$", 2)[0]
	}
	return out
}
