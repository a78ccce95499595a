package logictest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestCompare runs testdata/compare:
//
//	compare types=<letters> [sort=rowsort|valuesort|nosort]
//	<result rows: values separated by |, \N is NULL, nothing is the empty string>
//	==
//	<expected lines as in a logic test>
//
// prints the result lines as the runner prints them and whether they match.
//
//	check-types types=<letters> oids=<oid>,…
//
// prints whether the column type letters accept the OIDs.
//
//	match-error
//	<expectation as written after `error`, or (any) for nothing>
//	<the error: `SQLSTATE message`, `client message`, or `none`>
//
// prints whether the error matches.
func TestCompare(t *testing.T) {
	datadriven.RunTest(t, "testdata/compare", func(t *testing.T, d *datadriven.TestData) string {
		switch d.Cmd {
		case "compare":
			var types, sortName string
			d.ScanArgs(t, "types", &types)
			if d.HasArg("sort") {
				d.ScanArgs(t, "sort", &sortName)
			}
			sort := map[string]SortMode{"": NoSort, "nosort": NoSort, "rowsort": RowSort, "valuesort": ValueSort}[sortName]
			got, want, ok := strings.Cut(d.Input, "==")
			if !ok {
				d.Fatalf(t, "input needs a == line")
			}
			var rows [][]string
			for _, l := range nonEmptyLines(got) {
				var row []string
				for _, v := range strings.Split(l, "|") {
					switch v = strings.TrimSpace(v); v {
					case `\N`:
						row = append(row, FormatValue(nil))
					default:
						row = append(row, FormatValue([]byte(v)))
					}
				}
				rows = append(rows, row)
			}
			var b strings.Builder
			for _, l := range ResultLines(rows, sort) {
				fmt.Fprintf(&b, "%s\n", l)
			}
			if err := MatchResults(types, sort, rows, nonEmptyLines(want)); err != nil {
				fmt.Fprintf(&b, "mismatch: %v\n", err)
			} else {
				b.WriteString("ok\n")
			}
			return b.String()
		case "check-types":
			var types, oidList string
			d.ScanArgs(t, "types", &types)
			d.ScanArgs(t, "oids", &oidList)
			var oids []uint32
			for _, s := range strings.Split(oidList, ",") {
				n, err := strconv.ParseUint(s, 10, 32)
				if err != nil {
					d.Fatalf(t, "bad oid %q", s)
				}
				oids = append(oids, uint32(n))
			}
			if err := CheckColumnTypes(types, oids); err != nil {
				return "error: " + err.Error() + "\n"
			}
			return "ok\n"
		case "match-error":
			lines := strings.Split(strings.TrimRight(d.Input, "\n"), "\n")
			if len(lines) != 2 {
				d.Fatalf(t, "match-error wants two lines")
			}
			exp, err := parseErrorExpectation(strings.TrimSpace(strings.TrimPrefix(lines[0], "(any)")))
			if err != nil {
				return "error: " + err.Error() + "\n"
			}
			var got error
			code, msg, _ := strings.Cut(lines[1], " ")
			switch code {
			case "none":
			case "client":
				got = fmt.Errorf("connecting: %w", errors.New(msg))
			default:
				got = fmt.Errorf("wrapped: %w", &pgconn.PgError{Severity: "ERROR", Code: code, Message: msg})
			}
			if err := MatchError(exp, got); err != nil {
				return "mismatch: " + err.Error() + "\n"
			}
			return "ok\n"
		}
		d.Fatalf(t, "unknown command %s", d.Cmd)
		return ""
	})
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
