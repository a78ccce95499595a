package nexmark

import (
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// Register adds the nexmark source to r.
func Register(r *connector.Registry) {
	r.AddSource(connector.Source{Name: "nexmark", Columns: columns, New: newSource, Unique: unique})
}

// unique: a person's or auction's id is its event's number plus a
// constant, one per event, never NULL; declared as another type, it stays
// unique only where that type holds every BIGINT exactly.
func unique(opts map[string]string, declared types.Schema) []string {
	o, err := ParseOptions(opts, declared)
	if err != nil || o.Table != TablePerson && o.Table != TableAuction {
		return nil
	}
	for _, c := range declared {
		if strings.EqualFold(c.Name, "id") && c.Type.Family != types.Int64 {
			return nil
		}
	}
	return []string{"id"}
}

// columns: the declared columns must be fields of the table; with none
// declared, the stream has every column of the table.
func columns(st *sql.CreateStream, opts map[string]string, declared types.Schema) (types.Schema, error) {
	if err := connector.NoIncludes(st, "nexmark"); err != nil {
		return nil, err
	}
	o, err := ParseOptions(opts, declared)
	if err != nil {
		return nil, err
	}
	if len(declared) > 0 {
		return declared, nil
	}
	var cols types.Schema
	for _, c := range Columns(o.Table) {
		cols = append(cols, types.Column{Name: c.Name, Type: c.Type, Nullable: true})
	}
	return cols, nil
}

func newSource(env connector.Env, s connector.SourceSpec) (exec.Source, error) {
	o, err := ParseOptions(s.Options, s.Schema)
	if err != nil {
		return nil, err
	}
	o.Key = s.Key
	return NewSource(o, env.Allocator())
}
