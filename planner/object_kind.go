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

// DropNoun returns what DROP's command tag and notices call the objects of
// kind k: SOURCE, TABLE, MATERIALIZED VIEW, VIEW or SINK.
func DropNoun(k sql.ObjectKind) string {
	switch k {
	case sql.ObjStream:
		return "SOURCE"
	case sql.ObjTable:
		return "TABLE"
	case sql.ObjView:
		return "MATERIALIZED VIEW"
	case sql.ObjPlainView:
		return "VIEW"
	}
	return "SINK"
}
