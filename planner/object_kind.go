package planner

import (
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/sql"
)

// CatalogKind returns the catalog kind of the objects a DROP, SHOW or SHOW
// CREATE of kind k names (0 for none).
func CatalogKind(k sql.ObjectKind) catalog.Kind {
	switch k {
	case sql.ObjStream:
		return catalog.Stream
	case sql.ObjTable:
		return catalog.Table
	case sql.ObjView:
		return catalog.View
	case sql.ObjSink:
		return catalog.Sink
	case sql.ObjPlainView:
		return catalog.PlainView
	}
	return 0
}
