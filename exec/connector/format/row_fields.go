package format

import (
	"errors"
	"strings"

	"github.com/weir-stream/weir/sql/sqlstate"
)

// AppendFields parses fields, the text of one value per column of the
// schema (nulls[i]: field i is NULL), and appends them as one row. On error
// nothing is appended, and the error is a *FieldError whose Err is a
// *sqlstate.Error in Postgres' words (22P02 invalid input syntax, 22003 out
// of range, 22007 and 22008 for dates and times).
func (b *RowBuilder) AppendFields(fields [][]byte, nulls []bool) error {
	for i, c := range b.schema {
		v := &b.vals[i]
		if nulls[i] {
			v.null = true
			continue
		}
		if err := parseText(c.Type, fields[i], v); err != nil {
			return &FieldError{Column: c.Name, Err: pgInputError(c.Type.String(), fields[i], err)}
		}
	}
	b.commit()
	return nil
}

// pgInputError words err, the failure to parse s as a value of the type
// named typ, as Postgres' input functions do.
func pgInputError(typ string, s []byte, err error) *sqlstate.Error {
	switch msg := err.Error(); {
	case errors.Is(err, errUTF8):
		return sqlstate.Errorf(sqlstate.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	case strings.HasSuffix(msg, "out of range"):
		return sqlstate.Errorf(sqlstate.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, typ)
	case strings.Contains(msg, "field value out of range"):
		return sqlstate.Errorf(sqlstate.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
	}
	return sqlstate.Errorf(sqlstate.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, s)
}
