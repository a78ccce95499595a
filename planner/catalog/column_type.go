package catalog

import "fmt"

// TypeName is c's type as Postgres' format_type prints it, with the length
// of VARCHAR(n) and CHAR(n): what DESCRIBE shows.
func (c Column) TypeName() string {
	switch {
	case c.Length == 0:
		return c.Type.String()
	case c.Fixed:
		return fmt.Sprintf("character(%d)", c.Length)
	}
	return fmt.Sprintf("%s(%d)", c.Type, c.Length)
}
