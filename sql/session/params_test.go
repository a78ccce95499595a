package session_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/sql/session"
	"github.com/weir-stream/weir/sql/sqlstate"
)

// TestParams runs testdata/params: a session's parameters through SET, SET
// LOCAL, RESET ALL, SHOW and the transaction block's Begin, Rollback and End.
//
//	new [sync=off] [user=name] [superuser=false]   a session that opens
//	set | local                                    SET / SET LOCAL, one "name = value" a line
//	reset-all                                      RESET ALL
//	begin [readonly] | rollback | end              the transaction block
//	show                                           SHOW, one name a line
//	columns                                        SHOW's columns, one name a line
//	effects                                        statement_timeout, synchronous_commit, client_min_messages
//	reported                                       the parameters clients track
func TestParams(t *testing.T) {
	var p *session.Params
	datadriven.RunTest(t, "testdata/params", func(t *testing.T, d *datadriven.TestData) string {
		if p == nil && d.Cmd != "new" {
			d.Fatalf(t, "no session: start with new")
		}
		var out strings.Builder
		switch d.Cmd {
		case "new":
			env := session.Env{User: "weir"}
			superuser := true
			for _, a := range d.CmdArgs {
				switch a.Key {
				case "sync":
					env.SynchronousCommit = a.Vals[0]
				case "user":
					env.User = a.Vals[0]
				case "superuser":
					superuser = a.Vals[0] == "true"
				default:
					d.Fatalf(t, "unknown argument %s", a.Key)
				}
			}
			env.Superuser = func() bool { return superuser }
			p = session.NewParams(env)
		case "set", "local":
			for _, line := range lines(d.Input) {
				name, value, ok := strings.Cut(line, "=")
				if !ok {
					d.Fatalf(t, "want name = value, got %q", line)
				}
				run := p.Set
				if d.Cmd == "local" {
					run = p.Local
				}
				res, err := run(strings.TrimSpace(name), strings.TrimSpace(value))
				fmt.Fprintf(&out, "%s: %s", line, answer(res, err))
			}
		case "reset-all":
			out.WriteString(answer(p.ResetAll(), nil))
		case "begin":
			p.Begin(d.HasArg("readonly"))
		case "rollback":
			p.Rollback()
		case "end":
			p.End()
		case "show":
			for _, name := range lines(d.Input) {
				rows, err := p.Show(name)
				if err != nil {
					fmt.Fprintf(&out, "%s: %s", name, answer(nil, err))
					continue
				}
				if len(rows) == 1 {
					fmt.Fprintf(&out, "%s: %v\n", name, rows[0][0])
					continue
				}
				for _, row := range rows {
					fmt.Fprintf(&out, "%v = %v\n", row[0], row[1])
				}
			}
		case "columns":
			for _, name := range lines(d.Input) {
				var cols []string
				for _, c := range session.ShowColumns(name) {
					cols = append(cols, c.Name)
				}
				fmt.Fprintf(&out, "%s: %s\n", name, strings.Join(cols, ", "))
			}
		case "reported":
			out.WriteString(strings.Join(session.ReportedParams(), ", ") + "\n")
		case "effects":
			res := &session.Result{Notices: []string{"a notice"}, Warnings: []session.Warning{{Code: "01000", Message: "a warning"}}}
			p.FilterMessages(res)
			fmt.Fprintf(&out, "statement timeout: %v\nsynchronous commit: %v\nnotices: %d, warnings: %d\n",
				p.StatementTimeout(), p.SynchronousCommit(), len(res.Notices), len(res.Warnings))
		default:
			d.Fatalf(t, "unknown command %s", d.Cmd)
		}
		return out.String()
	})
}

// lines are the non-empty lines of input.
func lines(input string) []string {
	var out []string
	for _, l := range strings.Split(input, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// answer prints what a statement answered: its tag, notices and reports,
// or its error with SQLSTATE, detail and hint.
func answer(res *session.Result, err error) string {
	var b strings.Builder
	if err != nil {
		var se *sqlstate.Error
		if !errors.As(err, &se) {
			return fmt.Sprintf("error without SQLSTATE: %v\n", err)
		}
		fmt.Fprintf(&b, "ERROR %s %s\n", se.Code, se.Message)
		if se.Detail != "" {
			fmt.Fprintf(&b, "  DETAIL %s\n", se.Detail)
		}
		if se.Hint != "" {
			fmt.Fprintf(&b, "  HINT %s\n", se.Hint)
		}
		if se.Position >= 0 {
			fmt.Fprintf(&b, "  POSITION %d\n", se.Position)
		}
		return b.String()
	}
	b.WriteString(res.Tag + "\n")
	for _, n := range res.Notices {
		fmt.Fprintf(&b, "  NOTICE %s\n", n)
	}
	for _, r := range res.Reports {
		fmt.Fprintf(&b, "  REPORT %s = %s\n", r.Name, r.Value)
	}
	return b.String()
}
