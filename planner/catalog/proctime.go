package catalog

import "github.com/weir-stream/weir/sql/types"

// ProcTimeColumn returns the index of stream o's processing-time column
// (declared AS PROCTIME()), -1 without one.
func (o *Object) ProcTimeColumn() int {
	for i, c := range o.Columns {
		if c.ProcTime {
			return i
		}
	}
	return -1
}

// ConnectorSchema is the schema of the columns stream o's connector reads:
// its columns without _row_id and without its processing-time column,
// which is filled in after the connector.
func (o *Object) ConnectorSchema() types.Schema {
	full := o.FullSchema()
	if i := o.ProcTimeColumn(); i >= 0 {
		full = append(full[:i:i], full[i+1:]...)
	}
	return full[:len(full)-1]
}
