package datagen

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/connector"
	"github.com/weir-stream/weir/sql"
	"github.com/weir-stream/weir/sql/types"
)

// Register adds the datagen source to r.
func Register(r *connector.Registry) {
	r.AddSource(connector.Source{Name: "datagen", Columns: columns, New: newSource})
}

// columns are a datagen stream's declared columns, which it needs.
func columns(st *sql.CreateStream, opts map[string]string, declared types.Schema) (types.Schema, error) {
	if err := connector.NoIncludes(st, "datagen"); err != nil {
		return nil, err
	}
	if err := connector.NeedColumns(st, declared, "datagen"); err != nil {
		return nil, err
	}
	if _, err := ParseOptions(opts, declared); err != nil {
		return nil, err
	}
	return declared, nil
}

func newSource(env connector.Env, s connector.SourceSpec) (exec.Source, error) {
	o, err := ParseOptions(s.Options, s.Schema)
	if err != nil {
		return nil, err
	}
	o.Key = s.Key
	return NewSource(o, env.Allocator())
}
