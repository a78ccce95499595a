package logictest

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// FloatTolerance is the relative difference within which two values of an R
// column are equal.
const FloatTolerance = 1e-9

// FormatValue returns the text a result value is compared as: raw is the
// value in Postgres text format, nil for SQL NULL. NULL prints as NULL, the
// empty string as (empty); anything else as the server sent it (bools are t
// and f, as psql shows them).
func FormatValue(raw []byte) string {
	switch {
	case raw == nil:
		return "NULL"
	case len(raw) == 0:
		return "(empty)"
	}
	return string(raw)
}

// FormatRow returns a row of formatted values as one result line: the values
// separated by a single space.
func FormatRow(values []string) string { return strings.Join(values, " ") }

// ResultLines returns the lines a query's rows are printed as, in the order
// they are compared: one line per row (sorted for RowSort), or one value per
// line, sorted, for ValueSort.
func ResultLines(rows [][]string, sort SortMode) []string {
	var lines []string
	switch sort {
	case ValueSort:
		for _, r := range rows {
			lines = append(lines, r...)
		}
		slices.Sort(lines)
	default:
		for _, r := range rows {
			lines = append(lines, FormatRow(r))
		}
		if sort == RowSort {
			slices.Sort(lines)
		}
	}
	return lines
}

// MatchResults compares a query's rows (formatted values) with the expected
// result lines of its record. Whitespace between values is not significant.
// Values of columns typed R are equal when they are within FloatTolerance of
// each other relatively. It returns nil on a match and otherwise an error
// describing the first difference.
func MatchResults(types string, sort SortMode, rows [][]string, expected []string) error {
	if sort == ValueSort {
		var got, want []string
		for _, r := range rows {
			for _, v := range r {
				got = append(got, strings.Fields(v)...)
			}
		}
		for _, l := range expected {
			want = append(want, strings.Fields(l)...)
		}
		slices.Sort(got)
		slices.Sort(want)
		if len(got) != len(want) {
			return fmt.Errorf("expected %d values, got %d", len(want), len(got))
		}
		float := strings.ContainsRune(types, 'R')
		for i := range got {
			if got[i] != want[i] && !(float && floatsEqual(got[i], want[i])) {
				return fmt.Errorf("value %d (sorted): expected %s, got %s", i+1, want[i], got[i])
			}
		}
		return nil
	}
	got := slices.Clone(rows)
	want := make([]string, len(expected))
	for i, l := range expected {
		want[i] = normalize(l)
	}
	if sort == RowSort {
		slices.SortFunc(got, func(a, b []string) int { return strings.Compare(normalize(FormatRow(a)), normalize(FormatRow(b))) })
		slices.Sort(want)
	}
	if len(got) != len(want) {
		return fmt.Errorf("expected %d rows, got %d", len(want), len(got))
	}
	for i := range got {
		if !rowMatches(types, got[i], want[i]) {
			return fmt.Errorf("row %d: expected %q, got %q", i+1, want[i], normalize(FormatRow(got[i])))
		}
	}
	return nil
}

// rowMatches reports whether a row of values matches an expected line. When
// the texts differ and the query has R columns, each value is matched against
// as many expected tokens as it has words, and single-word R values compare
// as numbers.
func rowMatches(types string, row []string, want string) bool {
	if normalize(FormatRow(row)) == want {
		return true
	}
	if !strings.ContainsRune(types, 'R') || len(row) != len(types) {
		return false
	}
	tokens := strings.Fields(want)
	for i, v := range row {
		words := strings.Fields(v)
		if len(words) > len(tokens) {
			return false
		}
		got := strings.Join(words, " ")
		exp := strings.Join(tokens[:len(words)], " ")
		tokens = tokens[len(words):]
		if got == exp {
			continue
		}
		if types[i] != 'R' || len(words) != 1 || !floatsEqual(got, exp) {
			return false
		}
	}
	return len(tokens) == 0
}

// floatsEqual reports whether a and b are numbers within FloatTolerance of
// each other, relatively.
func floatsEqual(a, b string) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	if x == y {
		return true
	}
	if math.IsNaN(x) || math.IsNaN(y) || math.IsInf(x, 0) || math.IsInf(y, 0) {
		return false
	}
	return math.Abs(x-y) <= FloatTolerance*math.Max(math.Abs(x), math.Abs(y))
}

func normalize(line string) string { return strings.Join(strings.Fields(line), " ") }

// Postgres type OIDs the column type letters are checked against.
const (
	oidBool    = 16
	oidInt8    = 20
	oidInt2    = 21
	oidInt4    = 23
	oidFloat4  = 700
	oidFloat8  = 701
	oidNumeric = 1700
)

// CheckColumnTypes checks a query's result columns (their type OIDs) against
// the record's type letters: there must be one letter per column; I requires
// smallint, integer or bigint; R real, double precision or numeric; B
// boolean. T and any other letter accept every type.
func CheckColumnTypes(types string, oids []uint32) error {
	if len(types) != len(oids) {
		return fmt.Errorf("query has %d column type letters (%s) but returned %d columns", len(types), types, len(oids))
	}
	for i, oid := range oids {
		var ok bool
		switch types[i] {
		case 'I':
			ok = oid == oidInt2 || oid == oidInt4 || oid == oidInt8
		case 'R':
			ok = oid == oidFloat4 || oid == oidFloat8 || oid == oidNumeric
		case 'B':
			ok = oid == oidBool
		default:
			ok = true
		}
		if !ok {
			return fmt.Errorf("column %d is typed %c but the server returned type OID %d", i+1, types[i], oid)
		}
	}
	return nil
}
