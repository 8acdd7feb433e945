package planner

import (
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/tumble/tumble/sql"
)

// Flink's catalogs and databases: every table lives in a database of a
// catalog, and a session has a current catalog and database (USE) that
// complete the names it leaves unqualified. Tumble's catalogs are Flink's
// 'generic_in_memory' ones: their databases and tables live as long as the
// process (the server keeps them in its command log like other DDL).

// The default catalog and database, which every session starts in.
const (
	DefaultCatalog  = "default_catalog"
	DefaultDatabase = "default_database"
)

// Path names a database of a catalog; the zero Path is DefaultPath.
type Path struct{ Catalog, Database string }

// DefaultPath is the default catalog's default database.
var DefaultPath = Path{DefaultCatalog, DefaultDatabase}

func (p Path) orDefault() Path {
	if p.Catalog == "" {
		return DefaultPath
	}
	return p
}

// Object is the full name of the object called name in p.
func (p Path) Object(name string) ObjectID {
	p = p.orDefault()
	return ObjectID{Catalog: p.Catalog, Database: p.Database, Name: name}
}

func (p Path) String() string {
	p = p.orDefault()
	return p.Catalog + "." + p.Database
}

// ObjectID is the full name of a table, view or function.
type ObjectID struct{ Catalog, Database, Name string }

// Path is the database holding the object.
func (id ObjectID) Path() Path { return Path{id.Catalog, id.Database} }

// String is catalog.database.name, as Flink's messages print it.
func (id ObjectID) String() string { return id.Catalog + "." + id.Database + "." + id.Name }

// Quoted is `catalog`.`database`.`name`, as Flink prints DDL.
func (id ObjectID) Quoted() string {
	return sql.Backtick(id.Catalog) + "." + sql.Backtick(id.Database) + "." + sql.Backtick(id.Name)
}

// CatalogInfo is what CREATE CATALOG declared.
type CatalogInfo struct {
	Name    string
	Comment string
	// Options are the WITH options, 'type' included (ALTER CATALOG
	// changes the others).
	Options map[string]string
	// Builtin marks the default catalog: Tumble made it, so it has no
	// options to show (as Flink's has no descriptor).
	Builtin         bool
	DefaultDatabase string
	Databases       map[string]*DatabaseInfo
}

// DatabaseInfo is what CREATE DATABASE declared.
type DatabaseInfo struct {
	Name    string
	Comment string
	Options map[string]string
}

// catalogTypes are the catalog types CREATE CATALOG accepts, with the
// options each takes besides 'type'.
var catalogTypes = map[string][]string{
	"generic_in_memory": {"default-database"},
}

// CatalogNames returns the catalogs' names, sorted.
func (c *Catalog) CatalogNames() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.catalogs))
}

// CatalogNamed returns a copy of the catalog called name.
func (c *Catalog) CatalogNamed(name string) (CatalogInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci, ok := c.catalogs[name]
	if !ok {
		return CatalogInfo{}, false
	}
	cp := *ci
	cp.Options = copyOptions(ci.Options)
	cp.Databases = nil
	return cp, true
}

// DatabaseNames returns the databases of a catalog, sorted.
func (c *Catalog) DatabaseNames(catalog string) ([]string, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci, ok := c.catalogs[catalog]
	if !ok {
		return nil, false
	}
	return slices.Sorted(maps.Keys(ci.Databases)), true
}

// HasDatabase reports whether database p exists.
func (c *Catalog) HasDatabase(p Path) bool {
	p = p.orDefault()
	c.mu.RLock()
	defer c.mu.RUnlock()
	ci, ok := c.catalogs[p.Catalog]
	return ok && ci.Databases[p.Database] != nil
}

func copyOptions(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// addCatalog adds a catalog with its default database; exists says one
// of that name was there (and nothing changed).
func (c *Catalog) addCatalog(ci *CatalogInfo) (exists bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.catalogs[ci.Name]; ok {
		return true
	}
	ci.Databases = map[string]*DatabaseInfo{ci.DefaultDatabase: {Name: ci.DefaultDatabase}}
	c.catalogs[ci.Name] = ci
	return false
}

// removeCatalog removes a catalog and the permanent objects of its
// databases (an in-memory catalog's contents go with it).
func (c *Catalog) removeCatalog(name string) (found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.catalogs[name]; !ok {
		return false
	}
	delete(c.catalogs, name)
	for id := range c.tables {
		if id.Catalog == name {
			delete(c.tables, id)
		}
	}
	return true
}

// alterCatalog changes a catalog in place under the lock.
func (c *Catalog) alterCatalog(name string, f func(*CatalogInfo)) (found bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, ok := c.catalogs[name]
	if ok {
		f(ci)
	}
	return ok
}

// objectsIn counts the objects, temporary ones included, of database p.
func (c *Catalog) objectsIn(p Path) int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for id := range c.tables {
		if id.Path() == p {
			n++
		}
	}
	return n
}

// errCatalogMissing is Flink's ValidationException for a catalog a
// statement names that does not exist.
func errCatalogMissing(pos sql.Pos, name string) error {
	return sql.Errorf(pos, "Catalog %s does not exist", name)
}

// CreateCatalog is CREATE CATALOG.
func (pl *Planner) CreateCatalog(n *sql.CreateCatalog) (*Result, error) {
	name := n.Name.Last()
	opts := map[string]string{}
	var typ string
	var typPos sql.Pos
	for _, o := range n.Options {
		opts[o.Key] = o.Value
		if o.Key == "type" {
			typ, typPos = o.Value, o.Pos
		}
	}
	if typ == "" {
		return nil, sql.Errorf(n.Name.Pos, "Catalog options do not contain an option key 'type' for discovering a catalog.")
	}
	accepted, known := catalogTypes[typ]
	if !known {
		return nil, sql.Errorf(typPos, "Could not find any factory for identifier '%s' that implements 'org.apache.flink.table.factories.CatalogFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s", typ, strings.Join(slices.Sorted(maps.Keys(catalogTypes)), "\n"))
	}
	var unknown []string
	for _, o := range n.Options {
		if o.Key != "type" && !slices.Contains(accepted, o.Key) {
			unknown = append(unknown, o.Key)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, sql.Errorf(n.Name.Pos, "Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s\n\nSupported options:\n\n%s",
			typ, strings.Join(unknown, "\n"), strings.Join(append(append([]string{}, accepted...), "property-version", "type"), "\n"))
	}
	def := "default"
	if v, ok := opts["default-database"]; ok {
		def = v
	}
	if exists := pl.Catalog.addCatalog(&CatalogInfo{Name: name, Comment: n.Comment, Options: opts, DefaultDatabase: def}); exists && !n.IfNotExists {
		return nil, sql.Errorf(n.Name.Pos, "Catalog %s already exists.", name)
	}
	return ok("Execute statement succeeded."), nil
}

// DropCatalog is DROP CATALOG.
func (pl *Planner) DropCatalog(n *sql.DropCatalog) (*Result, error) {
	name := n.Name.Last()
	if name == pl.Path.orDefault().Catalog {
		return nil, sql.Errorf(n.Name.Pos, "Cannot drop a catalog which is currently in use.")
	}
	if !pl.Catalog.removeCatalog(name) && !n.IfExists {
		return nil, sql.Errorf(n.Name.Pos, "Catalog %s does not exist.", name)
	}
	return ok("Execute statement succeeded."), nil
}

// AlterCatalog is ALTER CATALOG ... SET | RESET | COMMENT.
func (pl *Planner) AlterCatalog(n *sql.AlterCatalog) (*Result, error) {
	name := n.Name.Last()
	ci, found := pl.Catalog.CatalogNamed(name)
	if !found {
		return nil, errCatalogMissing(n.Name.Pos, name)
	}
	if ci.Builtin && (n.Set != nil || n.Reset != nil) {
		return nil, sql.Errorf(n.Name.Pos, "Cannot alter the options of catalog %s: it was not made by CREATE CATALOG.", name)
	}
	switch {
	case n.Reset != nil:
		if len(n.Reset) == 0 {
			return nil, sql.Errorf(n.Start, "ALTER CATALOG RESET does not support empty key")
		}
		for _, k := range n.Reset {
			if k == "type" {
				return nil, sql.Errorf(n.Start, "ALTER CATALOG RESET does not support changing 'type'")
			}
		}
	case n.Set != nil:
		accepted := catalogTypes[ci.Options["type"]]
		for _, o := range n.Set {
			if o.Key == "type" && o.Value != ci.Options["type"] {
				return nil, sql.Errorf(o.Pos, "ALTER CATALOG SET does not support changing 'type'")
			}
			if o.Key != "type" && !slices.Contains(accepted, o.Key) {
				return nil, sql.Errorf(o.Pos, "Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s", ci.Options["type"], o.Key)
			}
		}
	}
	pl.Catalog.alterCatalog(name, func(ci *CatalogInfo) {
		switch {
		case n.Comment != nil:
			ci.Comment = *n.Comment
		case n.Reset != nil:
			for _, k := range n.Reset {
				delete(ci.Options, k)
			}
		default:
			for _, o := range n.Set {
				ci.Options[o.Key] = o.Value
			}
		}
	})
	return ok("Execute statement succeeded."), nil
}

// DescribeCatalog is DESCRIBE CATALOG [EXTENDED].
func (pl *Planner) DescribeCatalog(n *sql.DescribeCatalog) (*Result, error) {
	name := n.Name.Last()
	ci, found := pl.Catalog.CatalogNamed(name)
	if !found || ci.Builtin {
		return nil, sql.Errorf(n.Name.Pos, "Cannot obtain metadata information from Catalog %s.", name)
	}
	r := &Result{Kind: ResultTable, Columns: []string{"info name", "info value"}, Rows: [][]string{
		{"name", name}, {"type", ci.Options["type"]}, {"comment", ci.Comment},
	}}
	if n.Extended {
		for _, k := range slices.Sorted(maps.Keys(ci.Options)) {
			if k != "type" {
				r.Rows = append(r.Rows, []string{"option:" + k, ci.Options[k]})
			}
		}
	}
	return r, nil
}

// ShowCreateCatalog is SHOW CREATE CATALOG.
func (pl *Planner) ShowCreateCatalog(n *sql.Show) (*Result, error) {
	name := n.Of.Last()
	ci, found := pl.Catalog.CatalogNamed(name)
	if !found || ci.Builtin {
		return nil, sql.Errorf(n.Of.Pos, "Cannot obtain metadata information from Catalog %s.", name)
	}
	var b strings.Builder
	b.WriteString("CREATE CATALOG " + sql.Backtick(name) + "\n")
	if ci.Comment != "" {
		b.WriteString("COMMENT " + quoteString(ci.Comment) + "\n")
	}
	b.WriteString("WITH (\n")
	keys := slices.Sorted(maps.Keys(ci.Options))
	for i, k := range keys {
		b.WriteString("  " + quoteString(k) + " = " + quoteString(ci.Options[k]))
		if i < len(keys)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString(")\n")
	return &Result{Kind: ResultTable, Columns: []string{"result"}, Rows: [][]string{{b.String()}}}, nil
}

// databasePath is the database a [catalog.]database name names.
func (pl *Planner) databasePath(n sql.Name) Path {
	cur := pl.Path.orDefault()
	if len(n.Parts) == 2 {
		return Path{n.Parts[0], n.Parts[1]}
	}
	return Path{cur.Catalog, n.Last()}
}

// CreateDatabase is CREATE DATABASE.
func (pl *Planner) CreateDatabase(n *sql.CreateDatabase) (*Result, error) {
	p := pl.databasePath(n.Name)
	opts := map[string]string{}
	for _, o := range n.Options {
		opts[o.Key] = o.Value
	}
	var missing, exists bool
	pl.Catalog.mu.Lock()
	ci, found := pl.Catalog.catalogs[p.Catalog]
	switch {
	case !found:
		missing = true
	case ci.Databases[p.Database] != nil:
		exists = true
	default:
		ci.Databases[p.Database] = &DatabaseInfo{Name: p.Database, Comment: n.Comment, Options: opts}
	}
	pl.Catalog.mu.Unlock()
	switch {
	case missing:
		return nil, errCatalogMissing(n.Name.Pos, p.Catalog)
	case exists && !n.IfNotExists:
		return nil, sql.Errorf(n.Name.Pos, "Database %s already exists in Catalog %s.", p.Database, p.Catalog)
	}
	return ok("Execute statement succeeded."), nil
}

// DropDatabase is DROP DATABASE [RESTRICT | CASCADE].
func (pl *Planner) DropDatabase(n *sql.DropDatabase) (*Result, error) {
	p := pl.databasePath(n.Name)
	if p == pl.Path.orDefault() {
		return nil, sql.Errorf(n.Name.Pos, "Cannot drop a database which is currently in use.")
	}
	if _, found := pl.Catalog.CatalogNamed(p.Catalog); !found {
		return nil, sql.Errorf(n.Name.Pos, "Catalog %s does not exist.", p.Catalog)
	}
	if !pl.Catalog.HasDatabase(p) {
		if n.IfExists {
			return ok("Execute statement succeeded."), nil
		}
		return nil, sql.Errorf(n.Name.Pos, "Database %s does not exist in Catalog %s.", p.Database, p.Catalog)
	}
	if !n.Cascade && pl.Catalog.objectsIn(p) > 0 {
		return nil, sql.Errorf(n.Name.Pos, "Database %s in catalog %s is not empty.", p.Database, p.Catalog)
	}
	c := pl.Catalog
	c.mu.Lock()
	if ci, found := c.catalogs[p.Catalog]; found {
		delete(ci.Databases, p.Database)
	}
	for id := range c.tables {
		if id.Path() == p {
			delete(c.tables, id)
		}
	}
	c.mu.Unlock()
	return ok("Execute statement succeeded."), nil
}

// AlterDatabase is ALTER DATABASE ... SET (...).
func (pl *Planner) AlterDatabase(n *sql.AlterDatabase) (*Result, error) {
	p := pl.databasePath(n.Name)
	c := pl.Catalog
	c.mu.Lock()
	defer c.mu.Unlock()
	ci, found := c.catalogs[p.Catalog]
	if !found {
		return nil, errCatalogMissing(n.Name.Pos, p.Catalog)
	}
	db := ci.Databases[p.Database]
	if db == nil {
		return nil, sql.Errorf(n.Name.Pos, "Database %s does not exist in Catalog %s.", p.Database, p.Catalog)
	}
	opts := copyOptions(db.Options)
	for _, o := range n.Set {
		opts[o.Key] = o.Value
	}
	ci.Databases[p.Database] = &DatabaseInfo{Name: db.Name, Comment: db.Comment, Options: opts}
	return ok("Execute statement succeeded."), nil
}

// Use checks USE [CATALOG] and returns the session's new current
// database.
func (pl *Planner) Use(n *sql.Use) (Path, error) {
	if n.Catalog {
		name := n.Name.Last()
		ci, found := pl.Catalog.CatalogNamed(name)
		if !found {
			return Path{}, sql.Errorf(n.Name.Pos, "A catalog with name [%s] does not exist.", name)
		}
		return Path{name, ci.DefaultDatabase}, nil
	}
	p := pl.databasePath(n.Name)
	if _, found := pl.Catalog.CatalogNamed(p.Catalog); !found {
		return Path{}, sql.Errorf(n.Name.Pos, "A catalog with name [%s] does not exist.", p.Catalog)
	}
	if !pl.Catalog.HasDatabase(p) {
		return Path{}, sql.Errorf(n.Name.Pos, "A database with name [%s] does not exist in the catalog: [%s].", p.Database, p.Catalog)
	}
	return p, nil
}

// ShowCatalogs is SHOW CATALOGS [[NOT] LIKE|ILIKE 'p'], SHOW CURRENT
// CATALOG, SHOW DATABASES [FROM|IN catalog] [[NOT] LIKE|ILIKE 'p'] and
// SHOW CURRENT DATABASE.
func (pl *Planner) ShowCatalogs(n *sql.Show) (*Result, error) {
	cur := pl.Path.orDefault()
	like := LikeMatcher(n)
	list := func(col string, names []string) *Result {
		r := &Result{Kind: ResultTable, Columns: []string{col}}
		for _, s := range names {
			if like == nil || like(s) {
				r.Rows = append(r.Rows, []string{s})
			}
		}
		return r
	}
	switch n.What {
	case "CURRENT CATALOG":
		return list("current catalog name", []string{cur.Catalog}), nil
	case "CURRENT DATABASE":
		return list("current database name", []string{cur.Database}), nil
	case "CATALOGS":
		return list("catalog name", pl.Catalog.CatalogNames()), nil
	}
	catalog := cur.Catalog
	if len(n.Of.Parts) > 0 {
		catalog = n.Of.Last()
	}
	names, found := pl.Catalog.DatabaseNames(catalog)
	if !found {
		pos := n.Of.Pos
		if len(n.Of.Parts) == 0 {
			pos = n.Start
		}
		return nil, errCatalogMissing(pos, catalog)
	}
	return list("database name", names), nil
}

// ShowTables is SHOW TABLES|VIEWS [FROM|IN [catalog.]database] [[NOT]
// LIKE|ILIKE 'p']: SHOW TABLES lists views too, as Flink's does.
func (pl *Planner) ShowTables(n *sql.Show) (*Result, error) {
	p := pl.Path.orDefault()
	if len(n.Of.Parts) > 0 {
		p = pl.databasePath(n.Of)
		if _, ok := pl.Catalog.CatalogNamed(p.Catalog); !ok {
			return nil, errCatalogMissing(n.Of.Pos, p.Catalog)
		}
		if !pl.Catalog.HasDatabase(p) {
			return nil, sql.Errorf(n.Of.Pos, "Database '%s' does not exist in catalog '%s'.", p.Database, p.Catalog)
		}
	}
	r := &Result{Kind: ResultTable, Columns: []string{"table name"}}
	if n.What == "VIEWS" {
		r.Columns = []string{"view name"}
	}
	like := LikeMatcher(n)
	for _, t := range pl.Catalog.ListIn(p) {
		if (n.What == "TABLES" || t.Kind == sql.KindView) && (like == nil || like(t.Name)) {
			r.Rows = append(r.Rows, []string{t.Name})
		}
	}
	return r, nil
}

// objectID is the full name a table or view name stands for: the parts
// it leaves out are the current catalog's and database's.
func (pl *Planner) objectID(n sql.Name) (ObjectID, error) {
	cur := pl.Path.orDefault()
	switch len(n.Parts) {
	case 1:
		return cur.Object(n.Parts[0]), nil
	case 2:
		return ObjectID{cur.Catalog, n.Parts[0], n.Parts[1]}, nil
	case 3:
		return ObjectID{n.Parts[0], n.Parts[1], n.Parts[2]}, nil
	}
	return ObjectID{}, sql.Errorf(n.Pos, "Object identifier %s has more than 3 parts", n)
}

// checkDatabase fails unless the database of id exists (before an
// object is created there).
func (pl *Planner) checkDatabase(id ObjectID, pos sql.Pos) error {
	if _, ok := pl.Catalog.CatalogNamed(id.Catalog); !ok {
		return errCatalogMissing(pos, id.Catalog)
	}
	if !pl.Catalog.HasDatabase(id.Path()) {
		return sql.Errorf(pos, "Could not execute CreateTable in path %s: Database %s does not exist in Catalog %s.", id.Quoted(), id.Database, id.Catalog)
	}
	return nil
}

// notFoundWithin is Calcite's message for a name that finds nothing.
func notFoundWithin(n sql.Name, msg string) error {
	if len(n.Parts) <= 1 {
		return sql.Errorf(n.Pos, msg, n.Last())
	}
	return sql.Errorf(n.Pos, "Object '%s' not found within '%s'", n.Last(), strings.Join(n.Parts[:len(n.Parts)-1], "."))
}

// quoteString is a string literal as Flink prints it: 'it”s'.
func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// Namespaces describes every catalog and database the user made (not the
// default ones), each by a key ("catalog c", "database c.d") and a value
// that changes when ALTER changes it: what a server compares before and
// after a statement to know what to record.
func (c *Catalog) Namespaces() map[string]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := map[string]string{}
	describe := func(comment string, opts map[string]string) string {
		s := quoteString(comment)
		for _, k := range slices.Sorted(maps.Keys(opts)) {
			s += " " + quoteString(k) + "=" + quoteString(opts[k])
		}
		return s
	}
	for name, ci := range c.catalogs {
		if !ci.Builtin {
			out["catalog "+name] = describe(ci.Comment, ci.Options)
		}
		for dbName, db := range ci.Databases {
			if (ci.Builtin && dbName == DefaultDatabase) || (!ci.Builtin && dbName == ci.DefaultDatabase) {
				continue
			}
			out["database "+name+"."+dbName] = describe(db.Comment, db.Options)
		}
	}
	return out
}
