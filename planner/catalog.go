// Package planner turns parsed statements into job specs: it owns the
// catalog (and the DDL that changes it), binding and typing through the
// dialect seam (planner/dialect), the logical and physical plan, the
// rules, changelog-mode inference, EXPLAIN and the build. A Planner does
// the work for one statement; the session package runs statements, jobs
// and result streams.
package planner

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// Column is a column of a catalog table.
type Column struct {
	Name        string
	Type        types.Type
	Kind        sql.ColumnKind
	MetadataKey string   // for metadata columns
	Virtual     bool     // metadata read but not written
	Expr        sql.Expr // computed columns
	ExprText    string
	Key         bool // ksqlDB KEY / PRIMARY KEY column (from the record key)
	Comment     string
	Proctime    bool // a view column that is a processing-time attribute
	// Def is the column as declared (Flink), which ALTER TABLE rewrites.
	Def sql.ColumnDef
}

// Table is a table, stream or view in the catalog.
type Table struct {
	Name string
	// Path is the catalog and database holding it (the zero Path: the
	// default database, where ksqlDB's objects all live).
	Path      Path
	Kind      sql.ObjectKind
	Dialect   sql.Dialect
	Columns   []Column
	Watermark *WatermarkDef
	// PrimaryKey lists primary-key columns (Flink) / key columns (ksqlDB).
	PrimaryKey []string
	Options    map[string]string
	OptionKeys []string // in written order
	// Statement is the statement that created the object.
	Statement string
	// View is the query of a view; ViewText its text. ViewPath is the
	// current catalog and database when the view was created: the names
	// its query leaves unqualified are looked up there.
	View     *sql.Select
	ViewText string
	ViewPath Path
	// KSQL holds ksqlDB source properties.
	KSQL *KSQLSource
	// Comment from COMMENT '...'.
	Comment string
	// Temporary marks a Flink TEMPORARY table or view: it lives in the
	// session's catalog beside, and in front of, a permanent object of the
	// same name.
	Temporary bool
	// PrimaryKeyName is the constraint's name (CONSTRAINT name PRIMARY
	// KEY); "" means Flink's PK_<columns>.
	PrimaryKeyName string
	// PartitionedBy is Flink's PARTITIONED BY columns.
	PartitionedBy []string
	// Defaults are connector defaults a front-end sets for a table it
	// makes (engine.TableSpec.Defaults), beside the planner's own.
	Defaults map[string]string
	// OptionsErr is set when ALTER TABLE left options that the connector
	// refuses; queries over the table report it (as Flink, which checks
	// options when a table is used).
	OptionsErr error
	// Hints are the options of a dynamic table options hint that made
	// this copy of a catalog table for one query (already merged into
	// Options); nil for catalog tables.
	Hints []sql.Option
}

// WatermarkDef is WATERMARK FOR Column AS Expr.
type WatermarkDef struct {
	Column string
	Expr   sql.Expr
	Text   string
}

// KSQLSource holds what ksqlDB keeps about a stream or table.
type KSQLSource struct {
	Topic           string
	KeyFormat       string
	ValueFormat     string
	TimestampColumn string
	TimestampFormat string
	Windowed        *engine.Window // windowed key (sink of a windowed aggregate)
	Partitions      int
	// Query is the id of the persistent query writing this source (CSAS/CTAS).
	Query  string
	IsSink bool
	// ReadOnly: created by CREATE SOURCE STREAM|TABLE.
	ReadOnly bool
}

// Connector returns the connector name ('connector' option).
func (t *Table) Connector() string { return t.Options["connector"] }

// Option returns an option value.
func (t *Table) Option(k string) string { return t.Options[k] }

// Column returns the named column or nil.
func (t *Table) Column(name string) *Column {
	for i := range t.Columns {
		if t.Columns[i].Name == name {
			return &t.Columns[i]
		}
	}
	return nil
}

// PhysicalSchema is the schema of the non-computed columns (what the
// connector reads), in declared order.
func (t *Table) PhysicalSchema() types.Schema {
	var s types.Schema
	for _, c := range t.Columns {
		if c.Kind != sql.Computed {
			s = append(s, types.Column{Name: c.Name, Type: c.Type})
		}
	}
	return s
}

// Schema is the full schema, computed columns included.
func (t *Table) Schema() types.Schema {
	s := make(types.Schema, len(t.Columns))
	for i, c := range t.Columns {
		s[i] = types.Column{Name: c.Name, Type: c.Type}
	}
	return s
}

// ID is the table's full name.
func (t *Table) ID() ObjectID { return t.Path.orDefault().Object(t.Name) }

// Catalog holds Flink's catalogs, their databases, and the tables,
// streams and views in them. The zero Path (ksqlDB's objects, and the
// methods without a path) is the default database of the default
// catalog. Safe for concurrent use; which catalog and database are
// current is a session's (Planner.Path), not the Catalog's.
type Catalog struct {
	mu       sync.RWMutex
	catalogs map[string]*CatalogInfo
	tables   map[ObjectID]*Table
	temps    map[ObjectID]*Table // Flink TEMPORARY objects, found first
	queries  int                 // ksqlDB query ids: CSAS_X_<n>
	// funcs are Flink's catalog functions (CREATE FUNCTION), by their id
	// with the name lower-cased; systemFuncs the TEMPORARY SYSTEM ones,
	// by lower-cased name. Each is the Java class it names.
	funcs       map[ObjectID]string
	systemFuncs map[string]string
}

// SawQueryID moves the query counter past an id like CSAS_X_7 that a
// replayed statement reuses, so new ids never collide with it.
func (c *Catalog) SawQueryID(id string) {
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return
	}
	n, err := strconv.Atoi(id[i+1:])
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n >= c.queries {
		c.queries = n + 1
	}
}

// nextQueryNumber returns the number of the next ksqlDB query id.
func (c *Catalog) nextQueryNumber() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.queries
	c.queries++
	return n
}

// NewCatalog returns a catalog holding the default catalog with its
// default database, both empty.
func NewCatalog() *Catalog {
	c := &Catalog{catalogs: map[string]*CatalogInfo{}, tables: map[ObjectID]*Table{}, temps: map[ObjectID]*Table{}}
	c.catalogs[DefaultCatalog] = &CatalogInfo{Name: DefaultCatalog, Builtin: true, DefaultDatabase: DefaultDatabase,
		Databases: map[string]*DatabaseInfo{DefaultDatabase: {Name: DefaultDatabase}}}
	return c
}

// ErrNotFound is returned for unknown objects.
var ErrNotFound = fmt.Errorf("not found")

// Find returns the object id names, a temporary one first.
func (c *Catalog) Find(id ObjectID) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if t, ok := c.temps[id]; ok {
		return t, true
	}
	t, ok := c.tables[id]
	return t, ok
}

// FindFold is Find, then (with ci) a match of the name ignoring case
// within the same database (ksqlDB's quoted and unquoted names).
func (c *Catalog) FindFold(id ObjectID, ci bool) (*Table, bool) {
	if t, ok := c.Find(id); ok || !ci {
		return t, ok
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for k, t := range c.tables {
		if k.Path() == id.Path() && strings.EqualFold(k.Name, id.Name) {
			return t, true
		}
	}
	return nil, false
}

// PermanentAt returns the permanent object id names, even when a
// temporary one hides it.
func (c *Catalog) PermanentAt(id ObjectID) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.tables[id]
	return t, ok
}

// TemporaryAt returns the temporary object id names.
func (c *Catalog) TemporaryAt(id ObjectID) (*Table, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.temps[id]
	return t, ok
}

// Put adds or replaces an object (a temporary one among the temporary
// objects) in its database.
func (c *Catalog) Put(t *Table) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Temporary {
		c.temps[t.ID()] = t
		return
	}
	c.tables[t.ID()] = t
}

// Remove removes the permanent object id names.
func (c *Catalog) Remove(id ObjectID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tables, id)
}

// RemoveTemporary removes the temporary object id names.
func (c *Catalog) RemoveTemporary(id ObjectID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.temps, id)
}

// ListIn returns the objects of database p sorted by name; a temporary
// object hides a permanent one of the same name.
func (c *Catalog) ListIn(p Path) []*Table {
	p = p.orDefault()
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []*Table
	for id, t := range c.temps {
		if id.Path() == p {
			out = append(out, t)
		}
	}
	for id, t := range c.tables {
		if _, hidden := c.temps[id]; !hidden && id.Path() == p {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// All returns every object of every database, temporary ones included,
// sorted by full name.
func (c *Catalog) All() []*Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Table, 0, len(c.tables)+len(c.temps))
	for _, t := range c.temps {
		out = append(out, t)
	}
	for id, t := range c.tables {
		if _, hidden := c.temps[id]; !hidden {
			out = append(out, t)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID().String() < out[j].ID().String() })
	return out
}

// The methods without a path act on the default database (ksqlDB's,
// Spark's and the tools' one namespace).

// Get returns the object named name in the default database.
func (c *Catalog) Get(name string) (*Table, bool) { return c.Find(DefaultPath.Object(name)) }

// Lookup finds a table of the default database by name, trying an exact
// match first, then a case-insensitive one when ci is set (ksqlDB
// quoted/unquoted mixing).
func (c *Catalog) Lookup(name string, ci bool) (*Table, bool) {
	return c.FindFold(DefaultPath.Object(name), ci)
}

// Delete removes a permanent object of the default database.
func (c *Catalog) Delete(name string) { c.Remove(DefaultPath.Object(name)) }

// List returns the objects of the default database sorted by name.
func (c *Catalog) List() []*Table { return c.ListIn(DefaultPath) }

// Names returns the object names of the default database (for
// completion).
func (c *Catalog) Names() []string {
	var out []string
	for _, t := range c.List() {
		out = append(out, t.Name)
	}
	return out
}
