// Package catalog holds weir's schema objects (streams, tables, materialized
// views) and persists them in the state store's catalog key range, so a
// checkpoint of the state carries the DDL that explains it.
package catalog

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/sql/types"
	"github.com/weir-stream/weir/statestore"
)

// Kind is the kind of a catalog object.
type Kind uint8

// Object kinds.
const (
	Stream Kind = iota + 1
	Table
	View
	// Sink delivers a query's changes outside weir; it is not a relation.
	Sink
	// PlainView is CREATE VIEW: a named query without dataflow or state,
	// which queries naming it read as a subquery (Definition holds it).
	PlainView
)

func (k Kind) String() string {
	switch k {
	case Stream:
		return "stream"
	case Table:
		return "table"
	case View:
		return "materialized view"
	case Sink:
		return "sink"
	case PlainView:
		return "view"
	}
	return "object"
}

// Column is a column of an object. Hidden columns (a stream's _row_id, the key
// columns a view keeps that its query did not select) are stored and used as
// keys but never shown to users.
type Column struct {
	Name    string
	Type    types.T
	NotNull bool
	Hidden  bool
	// Length is n of VARCHAR(n) or CHAR(n) (0: no limit), which rows stored
	// into the column must respect; Fixed marks CHAR(n). Catalogs written
	// before they existed load with no limit.
	Length int32 `json:",omitempty"`
	Fixed  bool  `json:",omitempty"`
	// ProcTime marks a stream's processing-time column (AS PROCTIME()):
	// no connector reads it; each row gets the time of the epoch it was
	// read in (exec/watermarks.ProcTime), which is also its watermark.
	ProcTime bool `json:",omitempty"`
}

// Object is a stream, table or view. Objects are immutable once added: a
// change replaces the object.
type Object struct {
	Name    string
	Kind    Kind
	Columns []Column
	// Key holds the indexes of the columns that identify a row: a table's
	// primary key, a view's group key or inherited key, a stream's _row_id.
	Key []int
	// Options are a stream's WITH options (connector, path, format, …),
	// a table's (watermark.late_rows) and a view's (ttl, parallelism).
	Options map[string]string
	// Definition is the CREATE statement as weir prints it (SHOW CREATE).
	Definition string
	// Uses names the objects a view reads.
	Uses []string
	// StateTables are the state tables the object's dataflow owns; the first
	// one holds the object's rows (tables and views).
	StateTables []statestore.TableID
	// AppendOnly reports that the object's change stream never retracts.
	AppendOnly bool
	// Pipeline names the stream of a pipeline file (its state.operator_id)
	// the object was made for; empty for objects made with SQL.
	Pipeline string `json:",omitempty"`
	// PipelineKeys are the pipeline stream's state.custom_keys: names its
	// state is listed under (SHOW PIPELINES, weir checkpoint inspect).
	PipelineKeys []string `json:",omitempty"`
	// Owner is the role that created the object (roles.go); empty for
	// objects made before roles existed, which only superusers own.
	Owner string `json:",omitempty"`
	// Layout is the version of the layout of the state tables of the
	// object's dataflow (views, sinks): how StateTables after the first
	// are bound to the tables its plan declares.
	Layout Layout `json:",omitempty"`
	// Plan is the streaming plan of a view or sink and the binding of its
	// state tables, as exec/dataflow records it (docs/format/stored-plan.md):
	// what a restart runs, without planning Definition again. Empty for
	// objects recorded before plans were.
	Plan json.RawMessage `json:",omitempty"`
	// Watermark is a stream's or table's WATERMARK FOR clause; nil
	// without one.
	Watermark *Watermark `json:",omitempty"`
	// Unique lists sets of a stream's columns no two of its records ever
	// agree on, none of them NULL, as its connector declares them (a
	// Nexmark auction's id): the planner's proof that a join side has one
	// row per key (planner.StreamHashJoin.OnePerKey).
	Unique [][]int `json:",omitempty"`
}

// Layout numbers the ways a dataflow's state tables have been laid out.
type Layout int

// The state layouts.
const (
	// LayoutUnnumbered is a catalog entry written before layouts had
	// numbers: the engine works out which it is once, when it restarts
	// the object, and records it.
	LayoutUnnumbered Layout = iota
	// LayoutTwoTableAggregates binds the plan's declared tables in order,
	// except that aggregates own no expiry table (views made before TTLs).
	LayoutTwoTableAggregates
	// LayoutDeclared binds every table the plan declares, in order.
	LayoutDeclared
)

// Schema returns the visible columns of o.
func (o *Object) Schema() types.Schema {
	var s types.Schema
	for _, c := range o.Columns {
		if !c.Hidden {
			s = append(s, types.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull})
		}
	}
	return s
}

// FullSchema returns every column of o, hidden ones included.
func (o *Object) FullSchema() types.Schema {
	s := make(types.Schema, len(o.Columns))
	for i, c := range o.Columns {
		s[i] = types.Column{Name: c.Name, Type: c.Type, Nullable: !c.NotNull}
	}
	return s
}

// KeyTypes returns the types of o's key columns.
func (o *Object) KeyTypes() []types.T {
	ts := make([]types.T, len(o.Key))
	for i, k := range o.Key {
		ts[i] = o.Columns[k].Type
	}
	return ts
}

// RowTable is the state table holding o's rows.
func (o *Object) RowTable() statestore.TableID { return o.StateTables[0] }

// Catalog is the set of objects. It is safe for concurrent use; writers
// (DDL) are serialised by the engine.
type Catalog struct {
	mu        sync.RWMutex
	objects   map[string]*Object
	nextTable statestore.TableID
	roles     map[string]*Role      // roles.go
	grants    map[string]Privileges // by object name
	functions map[string]*Function  // by signature (functions.go)
	// gen counts the changes to objects and functions (Generation).
	gen uint64
}

// Generation returns a number that changes whenever an object or a
// function is added, replaced or removed: a plan bound at one generation
// still binds the same at the same generation.
func (c *Catalog) Generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// New returns an empty catalog.
func New() *Catalog {
	return &Catalog{objects: map[string]*Object{}, nextTable: statestore.FirstUserTable, roles: map[string]*Role{}, grants: map[string]Privileges{}}
}

// Get returns the object named name.
func (c *Catalog) Get(name string) (*Object, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	o, ok := c.objects[name]
	return o, ok
}

// List returns the objects of kind k (every object when k is 0) by name.
func (c *Catalog) List(k Kind) []*Object {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Object
	for _, o := range c.objects {
		if k == 0 || o.Kind == k {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Dependents returns the objects that use the object named name.
func (c *Catalog) Dependents(name string) []*Object {
	var out []*Object
	for _, o := range c.List(0) {
		for _, u := range o.Uses {
			if u == name {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// AllocTables reserves n fresh state table ids and records the new high-water
// mark in w.
func (c *Catalog) AllocTables(w exec.StateWriter, n int) ([]statestore.TableID, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]statestore.TableID, n)
	for i := range ids {
		ids[i] = c.nextTable
		c.nextTable++
	}
	var v [4]byte
	binary.BigEndian.PutUint32(v[:], uint32(c.nextTable))
	return ids, w.Set(nextTableKey(), v[:])
}

// Add records o in the catalog and in w.
func (c *Catalog) Add(w exec.StateWriter, o *Object) error {
	data, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("catalog: encode %s: %w", o.Name, err)
	}
	if err := w.Set(objectKey(o.Name), data); err != nil {
		return err
	}
	c.mu.Lock()
	c.objects[o.Name] = o
	c.gen++
	c.mu.Unlock()
	return nil
}

// Remove deletes the object named name, and the privileges granted on it,
// from the catalog and from w.
func (c *Catalog) Remove(w exec.StateWriter, name string) error {
	if err := w.Delete(objectKey(name)); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.objects, name)
	c.gen++
	return c.writeGrants(w, name, nil)
}

// Load reads the catalog persisted in r.
func Load(r exec.StateReader) (*Catalog, error) {
	c := New()
	if v, ok, err := r.Get(nextTableKey()); err != nil {
		return nil, err
	} else if ok && len(v) == 4 {
		c.nextTable = statestore.TableID(binary.BigEndian.Uint32(v))
	}
	lo, hi := objectSpan()
	err := r.Scan(lo, hi, func(_, v []byte) (bool, error) {
		o := &Object{}
		if err := json.Unmarshal(v, o); err != nil {
			return false, fmt.Errorf("catalog: decode object: %w", err)
		}
		c.objects[o.Name] = o
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	if err := c.loadFunctions(r); err != nil {
		return nil, err
	}
	return c, c.loadRoles(r)
}

// Catalog keys live in statestore.CatalogTable, vnode 0: 'o' + name for
// objects, 'n' for the next free state table id.
func objectKey(name string) []byte {
	return statestore.AppendKey(nil, statestore.CatalogTable, 0, append([]byte{'o'}, name...))
}

func objectSpan() (lo, hi []byte) {
	lo = statestore.AppendKey(nil, statestore.CatalogTable, 0, []byte{'o'})
	return lo, statestore.PrefixEnd(lo)
}

func nextTableKey() []byte {
	return statestore.AppendKey(nil, statestore.CatalogTable, 0, []byte{'n'})
}
