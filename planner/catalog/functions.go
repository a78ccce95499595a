package catalog

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Function is a SQL function (CREATE FUNCTION … LANGUAGE SQL): one
// expression over its arguments, which the binder inlines where it is
// called. Functions are a record kind of their own, not Objects: they are
// no relations and own no dataflow. Functions are immutable once put.
type Function struct {
	Name string
	// ArgNames are the arguments' names ("" for one without), ArgTypes
	// their types; a function is identified by Name and ArgTypes.
	ArgNames []string
	ArgTypes []types.T
	Returns  types.T
	// Body is the body's expression as the printer writes it, over the
	// arguments by name or as $1, $2, ….
	Body string
	// Volatility is 'i' (IMMUTABLE), 's' (STABLE) or 'v' (VOLATILE), as
	// pg_proc.provolatile.
	Volatility byte
	// Strict makes a call NULL when an argument is NULL.
	Strict bool
	// Definition is the CREATE FUNCTION statement as weir prints it.
	Definition string
	// Owner is the role that created the function.
	Owner string `json:",omitempty"`
}

// Signature returns f's name and argument types as Postgres names a
// function in messages: count_char(character varying, character varying).
func (f *Function) Signature() string { return Signature(f.Name, f.ArgTypes) }

// Signature returns name(types) as Postgres writes a function's identity.
func Signature(name string, args []types.T) string {
	parts := make([]string, len(args))
	for i, t := range args {
		parts[i] = t.String()
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// Functions returns the SQL functions named name (every one when name is
// empty), by signature.
func (c *Catalog) Functions(name string) []*Function {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Function
	for _, f := range c.functions {
		if name == "" || f.Name == name {
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Signature() < out[j].Signature() })
	return out
}

// Function returns the SQL function named name taking exactly args.
func (c *Catalog) Function(name string, args []types.T) (*Function, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	f, ok := c.functions[Signature(name, args)]
	return f, ok
}

// PutFunction records f (new, or replacing the one of its signature) in
// the catalog and in w.
func (c *Catalog) PutFunction(w exec.StateWriter, f *Function) error {
	data, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("catalog: encode function %s: %w", f.Name, err)
	}
	if err := w.Set(functionKey(f.Signature()), data); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.functions == nil {
		c.functions = map[string]*Function{}
	}
	c.functions[f.Signature()] = f
	c.gen++
	return nil
}

// RemoveFunction deletes f from the catalog and from w.
func (c *Catalog) RemoveFunction(w exec.StateWriter, f *Function) error {
	if err := w.Delete(functionKey(f.Signature())); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.functions, f.Signature())
	c.gen++
	return nil
}

// SameArgs reports whether f takes exactly args.
func (f *Function) SameArgs(args []types.T) bool { return slices.Equal(f.ArgTypes, args) }

// loadFunctions reads the functions persisted in r into c.
func (c *Catalog) loadFunctions(r exec.StateReader) error {
	lo, hi := prefixSpan('f')
	return r.Scan(lo, hi, func(_, v []byte) (bool, error) {
		f := &Function{}
		if err := json.Unmarshal(v, f); err != nil {
			return false, fmt.Errorf("catalog: decode function: %w", err)
		}
		if c.functions == nil {
			c.functions = map[string]*Function{}
		}
		c.functions[f.Signature()] = f
		return true, nil
	})
}

// Functions live beside the objects in statestore.CatalogTable, vnode 0:
// 'f' + signature.
func functionKey(signature string) []byte {
	return statestore.AppendKey(nil, statestore.CatalogTable, 0, append([]byte{'f'}, signature...))
}
