// Package file is the file connector: the source, a stream whose records are
// the lines of a local file (CSV or JSON lines), read from a remembered byte
// offset and followed as the file grows; and the sink, which writes each
// delivery as one file in a directory.
package file

import (
	"log/slog"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// RowIDColumn is the name of the hidden BIGINT column the source appends to
// the declared columns: the byte offset of the row's line in the file, which
// is stable across restarts and so keys an append-only stream's rows.
const RowIDColumn = "_row_id"

// DefaultBatchRows is the most lines a chunk holds unless batch_rows says otherwise.
const DefaultBatchRows = 4096

// Options configures a Source.
type Options struct {
	// Path is the file to read.
	Path string
	// Format is "csv" or "json" (JSON lines).
	Format string
	// Header says the first line of a CSV file names its columns.
	Header bool
	// Delimiter separates CSV fields.
	Delimiter rune
	// Schema is the stream's declared columns (without RowIDColumn).
	Schema types.Schema
	// BatchRows is the most lines a chunk holds.
	BatchRows int
	// Key is the state key the source records its offset under.
	Key []byte
	// Logger receives the source's warnings; nil means slog.Default().
	Logger *slog.Logger
	// Resolve, when set, checks Path each time the source opens the file
	// and returns the path to open (the engine confines files to its
	// server.file_roots); an error stops the source.
	Resolve func(path string) (string, error)
}

// ParseOptions validates the WITH options of CREATE STREAM ... WITH
// (connector = 'file', ...) against the declared schema. Keys are
// case-insensitive. Errors are *sqlstate.Error 22023 naming the option.
// Key and Logger are left for the caller to set.
func ParseOptions(opts map[string]string, schema types.Schema) (Options, error) {
	o := Options{Header: true, Delimiter: ',', Schema: schema, BatchRows: DefaultBatchRows}
	var csvOnly []string
	for k, v := range opts {
		switch key := strings.ToLower(k); key {
		case "connector":
			if !strings.EqualFold(v, "file") {
				return Options{}, bad("connector", "the file source needs connector = 'file', not %q", v)
			}
		case "path":
			o.Path = v
		case "format":
			o.Format = strings.ToLower(v)
		case "csv.header":
			b, err := strconv.ParseBool(strings.ToLower(v))
			if err != nil {
				return Options{}, bad(key, "csv.header must be true or false, not %q", v)
			}
			o.Header = b
			csvOnly = append(csvOnly, key)
		case "csv.delimiter":
			d, err := parseDelimiter(v)
			if err != nil {
				return Options{}, err
			}
			o.Delimiter = d
			csvOnly = append(csvOnly, key)
		case "batch_rows":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1<<20 {
				return Options{}, bad(key, "batch_rows must be an integer between 1 and 1048576, not %q", v)
			}
			o.BatchRows = n
		default:
			return Options{}, bad(k, "unknown option %q for the file source", k)
		}
	}
	if o.Path == "" {
		return Options{}, bad("path", "the file source needs a path option")
	}
	switch o.Format {
	case "csv":
	case "json":
		if len(csvOnly) > 0 {
			return Options{}, bad(csvOnly[0], "option %q applies only to format 'csv'", csvOnly[0])
		}
	case "":
		return Options{}, bad("format", "the file source needs a format option ('csv' or 'json')")
	default:
		return Options{}, bad("format", "format must be 'csv' or 'json', not %q", o.Format)
	}
	if len(schema) == 0 {
		return Options{}, sqlstate.Errorf(sqlstate.InvalidParameterValue, "a file stream needs at least one column")
	}
	for _, c := range schema {
		if strings.EqualFold(c.Name, RowIDColumn) {
			return Options{}, sqlstate.Errorf(sqlstate.DuplicateColumn, "column name %q is reserved by the file source", c.Name)
		}
	}
	return o, nil
}

func parseDelimiter(v string) (rune, error) {
	switch strings.ToLower(v) {
	case `\t`, "tab":
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(v)
	if n == 0 || n != len(v) || r == utf8.RuneError || r == '"' || r == '\n' || r == '\r' {
		return 0, bad("csv.delimiter", "csv.delimiter must be one character other than a quote or a newline, not %q", v)
	}
	return r, nil
}

func bad(key, format string, args ...any) error {
	e := sqlstate.Errorf(sqlstate.InvalidParameterValue, format, args...)
	return e.WithDetail("option: " + key)
}
