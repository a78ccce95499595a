package weir

import (
	"strings"

	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/planner/catalog"
)

// uniqueColumns returns the positions among cols, a new stream's columns,
// of the columns its connector c says no two records share (Source.Unique),
// one set each: the catalog's record of them (catalog.Object.Unique).
func uniqueColumns(c *connector.Source, opts map[string]string, declared, cols []catalog.Column) [][]int {
	if c.Unique == nil {
		return nil
	}
	var out [][]int
	for _, name := range c.Unique(connectorOptions(opts), (&catalog.Object{Columns: declared}).Schema()) {
		for i, col := range cols {
			if !col.Hidden && strings.EqualFold(col.Name, name) {
				out = append(out, []int{i})
				break
			}
		}
	}
	return out
}
