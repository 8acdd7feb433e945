package planner

// Flink's catalog statements beyond CREATE and DROP: SHOW COLUMNS, SHOW
// CREATE TABLE|VIEW, ALTER TABLE and ALTER VIEW, with the answers and
// errors Flink's SQL client gives.

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// likeMatcher returns a matcher of a SHOW ... [NOT] LIKE pattern (SQL LIKE:
// % any run, _ one character), or nil when no pattern was given.
func LikeMatcher(n *sql.Show) func(string) bool {
	if !n.HasLike {
		return nil
	}
	var re strings.Builder
	re.WriteString("^(?s")
	if n.ILike {
		re.WriteString("i")
	}
	re.WriteString(":")
	for _, r := range n.Like {
		switch r {
		case '%':
			re.WriteString(".*")
		case '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString(")$")
	m := regexp.MustCompile(re.String())
	return func(s string) bool { return m.MatchString(s) != n.NotLike }
}

// showColumns is SHOW COLUMNS FROM|IN t [[NOT] LIKE 'p'].
func (pl *Planner) ShowColumns(n *sql.Show) (*Result, error) {
	t, err := pl.FlinkObject(n.Of)
	if err != nil {
		return nil, err
	}
	return Describe(t, LikeMatcher(n)), nil
}

// flinkObject finds a table or view for SHOW and DESCRIBE, with Flink's
// error for a missing one.
func (pl *Planner) FlinkObject(name sql.Name) (*Table, error) {
	id, err := pl.objectID(name)
	if err != nil {
		return nil, err
	}
	t, ok := pl.Catalog.Find(id)
	if !ok {
		return nil, sql.Errorf(name.Pos, "Tables or views with the identifier '%s' doesn't exist.", id)
	}
	return t, nil
}

// showCreate is SHOW CREATE TABLE|VIEW name.
func (pl *Planner) ShowCreate(n *sql.Show) (*Result, error) {
	t, err := pl.FlinkObject(n.Of)
	if err != nil {
		return nil, err
	}
	view := n.What == "CREATE VIEW"
	switch {
	case view && t.Kind != sql.KindView:
		return nil, sql.Errorf(n.Of.Pos, "SHOW CREATE VIEW is only supported for views, but %s is a table. Please use SHOW CREATE TABLE instead.", t.ID().Quoted())
	case !view && t.Kind == sql.KindView:
		return nil, sql.Errorf(n.Of.Pos, "SHOW CREATE TABLE is only supported for tables, but %s is a view. Please use SHOW CREATE VIEW instead.", t.ID().Quoted())
	}
	text := createTableText(t)
	if view {
		text = createViewText(t)
	}
	return &Result{Kind: ResultTable, Columns: []string{"result"}, Rows: [][]string{{text}}}, nil
}

// flinkType renders a type as Flink prints it in DDL it generates
// (STRING is VARCHAR(2147483647), TIMESTAMP_LTZ is TIMESTAMP WITH LOCAL
// TIME ZONE).
func flinkType(t types.Type) string {
	var s string
	switch t.Kind {
	case types.String:
		switch {
		case t.Char:
			s = fmt.Sprintf("CHAR(%d)", t.Precision)
		case t.Precision > 0:
			s = fmt.Sprintf("VARCHAR(%d)", t.Precision)
		default:
			s = "VARCHAR(2147483647)"
		}
	case types.Bytes:
		if t.Precision > 0 {
			s = fmt.Sprintf("VARBINARY(%d)", t.Precision)
		} else {
			s = "VARBINARY(2147483647)"
		}
	case types.TimestampLTZ:
		s = fmt.Sprintf("TIMESTAMP(%d) WITH LOCAL TIME ZONE", t.Precision)
	case types.Array:
		s = "ARRAY<" + flinkType(*t.Elem) + ">"
	case types.Map:
		s = "MAP<" + flinkType(*t.Key) + ", " + flinkType(*t.Elem) + ">"
	case types.Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = sql.Backtick(f.Name) + " " + flinkType(f.Type)
		}
		s = "ROW<" + strings.Join(parts, ", ") + ">"
	default:
		return t.String()
	}
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}

// primaryKeyName is the constraint name Flink shows for a primary key.
func primaryKeyName(t *Table) string {
	if t.PrimaryKeyName != "" {
		return t.PrimaryKeyName
	}
	return "PK_" + strings.Join(t.PrimaryKey, "_")
}

func backticked(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = sql.Backtick(n)
	}
	return strings.Join(out, ", ")
}

// createTableText is SHOW CREATE TABLE's answer: the table's DDL in
// Flink's canonical form.
func createTableText(t *Table) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if t.Temporary {
		b.WriteString("TEMPORARY ")
	}
	b.WriteString("TABLE " + t.ID().Quoted() + " (\n")
	var parts []string
	for _, c := range t.Columns {
		p := "  " + sql.Backtick(c.Name) + " "
		switch c.Kind {
		case sql.Computed:
			p += "AS " + exprText(c)
		case sql.Metadata:
			p += flinkType(c.Type) + " METADATA"
			if c.MetadataKey != c.Name {
				p += " FROM '" + c.MetadataKey + "'"
			}
			if c.Virtual {
				p += " VIRTUAL"
			}
		default:
			p += flinkType(c.Type)
		}
		if c.Comment != "" {
			p += " COMMENT " + quote(c.Comment)
		}
		parts = append(parts, p)
	}
	if t.Watermark != nil {
		parts = append(parts, "  WATERMARK FOR "+sql.Backtick(t.Watermark.Column)+" AS "+t.Watermark.Text)
	}
	if len(t.PrimaryKey) > 0 {
		parts = append(parts, fmt.Sprintf("  CONSTRAINT %s PRIMARY KEY (%s) NOT ENFORCED", sql.Backtick(primaryKeyName(t)), backticked(t.PrimaryKey)))
	}
	b.WriteString(strings.Join(parts, ",\n"))
	b.WriteString("\n)\n")
	if t.Comment != "" {
		b.WriteString("COMMENT " + quote(t.Comment) + "\n")
	}
	if len(t.PartitionedBy) > 0 {
		b.WriteString("PARTITIONED BY (" + backticked(t.PartitionedBy) + ")\n")
	}
	b.WriteString("WITH (\n")
	opts := make([]string, len(t.OptionKeys))
	for i, k := range t.OptionKeys {
		opts[i] = "  " + quote(k) + " = " + quote(t.Options[k])
	}
	b.WriteString(strings.Join(opts, ",\n"))
	b.WriteString("\n)\n")
	return b.String()
}

// createViewText is SHOW CREATE VIEW's answer: the column list and the
// query as written.
func createViewText(t *Table) string {
	var b strings.Builder
	b.WriteString("CREATE ")
	if t.Temporary {
		b.WriteString("TEMPORARY ")
	}
	b.WriteString("VIEW " + t.ID().Quoted() + " (\n")
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = "  " + sql.Backtick(c.Name)
	}
	b.WriteString(strings.Join(cols, ",\n"))
	b.WriteString("\n)\n")
	if t.Comment != "" {
		b.WriteString("COMMENT " + quote(t.Comment) + "\n")
	}
	b.WriteString("AS " + t.ViewText + "\n")
	return b.String()
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// definition turns a table back into the CREATE TABLE it stands for, so
// that ALTER TABLE can change it and build the table anew.
func definition(t *Table) *sql.CreateTable {
	ct := &sql.CreateTable{
		Kind: sql.KindTable, Name: sql.Name{Parts: []string{t.Name}},
		Temporary: t.Temporary, Comment: t.Comment,
		PrimaryKey: append([]string(nil), t.PrimaryKey...), PrimaryKeyName: t.PrimaryKeyName,
		PartitionedBy: t.PartitionedBy,
		Columns:       []sql.ColumnDef{},
	}
	for _, c := range t.Columns {
		d := c.Def
		d.Name = c.Name
		d.PrimaryKey = false
		ct.Columns = append(ct.Columns, d)
	}
	if t.Watermark != nil {
		ct.Watermark = &sql.Watermark{Column: t.Watermark.Column, Expr: t.Watermark.Expr}
	}
	for _, k := range t.OptionKeys {
		ct.Options = append(ct.Options, sql.Option{Key: k, Value: t.Options[k]})
	}
	return ct
}

// alterFailed is Flink's wording for a schema change it refuses.
func alterFailed(pos sql.Pos, format string, args ...any) error {
	return sql.Errorf(pos, "Failed to execute ALTER TABLE statement.\n"+format, args...)
}

// execAlter runs ALTER TABLE and ALTER VIEW.
func (pl *Planner) Alter(n *sql.AlterTable) (*Result, error) {
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nil, err
	}
	t, ok := pl.Catalog.PermanentAt(id)
	if !ok || (n.View != (t.Kind == sql.KindView)) {
		if n.IfExists {
			return ok2(), nil
		}
		what := "Table"
		if n.View {
			what = "View"
		}
		return nil, sql.Errorf(n.Name.Pos, "%s %s doesn't exist or is a temporary %s.", what, id.Quoted(), strings.ToLower(what))
	}
	if n.View {
		return pl.alterView(n, t)
	}
	if n.RenameTo != nil {
		to, err := pl.renameTarget(t, n.RenameTo)
		if err != nil {
			return nil, err
		}
		nt := *t
		nt.Name = to.Name
		nt.Statement = createTableText(&nt)
		pl.Catalog.Remove(id)
		pl.Catalog.Put(&nt)
		return ok2(), nil
	}
	def := definition(t)
	col := func(c string) int {
		for i, d := range def.Columns {
			if d.Name == c {
				return i
			}
		}
		return -1
	}
	switch {
	case n.Set != nil:
		for _, o := range n.Set {
			replaced := false
			for i := range def.Options {
				if def.Options[i].Key == o.Key {
					def.Options[i].Value, replaced = o.Value, true
				}
			}
			if !replaced {
				def.Options = append(def.Options, o)
			}
		}
	case n.Reset != nil:
		if len(n.Reset) == 0 {
			return nil, sql.Errorf(n.Start, "ALTER TABLE RESET does not support empty key")
		}
		for _, k := range n.Reset {
			if k == "connector" {
				return nil, sql.Errorf(n.Start, "ALTER TABLE RESET does not support changing 'connector'")
			}
			for i := range def.Options {
				if def.Options[i].Key == k {
					def.Options = append(def.Options[:i], def.Options[i+1:]...)
					break
				}
			}
		}
	case n.RenameColumn[0] != "":
		old, neu := n.RenameColumn[0], n.RenameColumn[1]
		i := col(old)
		if i < 0 {
			return nil, alterFailed(n.Start, "The column `%s` does not exist in the base table.", old)
		}
		if col(neu) >= 0 {
			return nil, alterFailed(n.Start, "The column `%s` already existed in table schema.", neu)
		}
		for _, d := range def.Columns {
			if d.Kind == sql.Computed && mentions(d.Expr, old) {
				return nil, alterFailed(n.Start, "The column `%s` is referenced by computed column `%s`.", old, d.Name)
			}
		}
		if def.Watermark != nil && mentions(def.Watermark.Expr, old) && def.Watermark.Column != old {
			return nil, alterFailed(n.Start, "The column `%s` is referenced by the watermark expression.", old)
		}
		def.Columns[i].Name = neu
		if def.Watermark != nil && def.Watermark.Column == old {
			def.Watermark.Column = neu
			def.Watermark.Expr = renameIdent(def.Watermark.Expr, old, neu)
		}
		for k, c := range def.PrimaryKey {
			if c == old {
				def.PrimaryKey[k] = neu
			}
		}
	case n.Add != nil, n.Modify != nil:
		ch, adding := n.Add, n.Add != nil
		if !adding {
			ch = n.Modify
		}
		for _, pc := range ch.Columns {
			i := col(pc.Column.Name)
			switch {
			case adding && i >= 0:
				return nil, alterFailed(pc.Column.Pos, "Column `%s` already exists in the table.", pc.Column.Name)
			case !adding && i < 0:
				return nil, alterFailed(pc.Column.Pos, "Column `%s` does not exist in the table.", pc.Column.Name)
			}
			if pc.After != "" && col(pc.After) < 0 {
				return nil, alterFailed(pc.Column.Pos, "Referenced column `%s` by 'AFTER' does not exist in the table.", pc.After)
			}
			d := pc.Column
			if d.PrimaryKey {
				if len(def.PrimaryKey) > 0 && adding {
					return nil, alterFailed(d.Pos, "The base table has already defined the primary key constraint [%s]. You might want to drop it before adding a new one.", backticked(def.PrimaryKey))
				}
				def.PrimaryKey, def.PrimaryKeyName = []string{d.Name}, ""
				d.PrimaryKey = false
			}
			if i >= 0 {
				if !pc.First && pc.After == "" {
					def.Columns[i] = d
					continue
				}
				def.Columns = append(def.Columns[:i], def.Columns[i+1:]...)
			}
			at := len(def.Columns)
			switch {
			case pc.First:
				at = 0
			case pc.After != "":
				at = col(pc.After) + 1
			}
			def.Columns = append(def.Columns[:at], append([]sql.ColumnDef{d}, def.Columns[at:]...)...)
		}
		if ch.Watermark != nil {
			switch {
			case adding && def.Watermark != nil:
				return nil, alterFailed(ch.Watermark.Pos, "The base table has already defined the watermark strategy `%s` AS %s. You might want to drop it before adding a new one.", def.Watermark.Column, sql.SQL(def.Watermark.Expr))
			case !adding && def.Watermark == nil:
				return nil, alterFailed(ch.Watermark.Pos, "The base table does not define any watermark. You might want to add a new one.")
			}
			def.Watermark = ch.Watermark
		}
		if ch.PrimaryKey != nil {
			switch {
			case adding && len(def.PrimaryKey) > 0:
				return nil, alterFailed(n.Start, "The base table has already defined the primary key constraint [%s]. You might want to drop it before adding a new one.", backticked(def.PrimaryKey))
			case !adding && len(def.PrimaryKey) == 0:
				return nil, alterFailed(n.Start, "The base table does not define any primary key constraint. You might want to add a new one.")
			}
			def.PrimaryKey, def.PrimaryKeyName = ch.PrimaryKey, ch.PrimaryKeyName
		}
	case n.Drop != nil:
		d := n.Drop
		switch {
		case d.PrimaryKey, d.Constraint != "":
			if len(def.PrimaryKey) == 0 {
				return nil, alterFailed(n.Start, "The base table does not define any primary key.")
			}
			if d.Constraint != "" && d.Constraint != primaryKeyName(t) {
				return nil, alterFailed(n.Start, "The base table does not define a primary key constraint named '%s'. Available constraint name: ['%s'].", d.Constraint, primaryKeyName(t))
			}
			def.PrimaryKey, def.PrimaryKeyName = nil, ""
		case d.Watermark:
			if def.Watermark == nil {
				return nil, alterFailed(n.Start, "The base table does not define any watermark strategy.")
			}
			def.Watermark = nil
		default:
			drop := map[string]bool{}
			for _, c := range d.Columns {
				if col(c) < 0 {
					return nil, alterFailed(n.Start, "The column `%s` does not exist in the base table.", c)
				}
				drop[c] = true
			}
			for _, c := range def.PrimaryKey {
				if drop[c] {
					return nil, alterFailed(n.Start, "The column `%s` is used as the primary key.", c)
				}
			}
			if def.Watermark != nil && (drop[def.Watermark.Column] || mentionsAny(def.Watermark.Expr, drop)) {
				return nil, alterFailed(n.Start, "The column `%s` is referenced by watermark expression.", def.Watermark.Column)
			}
			var keep []sql.ColumnDef
			for _, c := range def.Columns {
				if drop[c.Name] {
					continue
				}
				if c.Kind == sql.Computed && mentionsAny(c.Expr, drop) {
					return nil, alterFailed(n.Start, "The column `%s` is referenced by computed column `%s`.", firstMentioned(c.Expr, drop), c.Name)
				}
				keep = append(keep, c)
			}
			if len(keep) == 0 {
				return nil, alterFailed(n.Start, "The table must have at least one column.")
			}
			def.Columns = keep
		}
	}
	nt, err := pl.buildTable(def)
	if err != nil {
		return nil, withAlterPos(err, n.Start)
	}
	nt.Path = t.Path
	nt.Statement = createTableText(nt)
	pl.Catalog.Put(nt)
	return ok2(), nil
}

// buildTable builds a table from a definition that ALTER TABLE produced.
// As Flink, it checks the schema now and the connector's options only when
// the table is used (OptionsErr).
func (pl *Planner) buildTable(def *sql.CreateTable) (*Table, error) {
	t, err := pl.createTableChecked(def, false)
	if err != nil {
		return nil, err
	}
	t.Statement = createTableText(t)
	if err := pl.validateConnector(t, def); err != nil {
		var se *sql.Error
		if errors.As(err, &se) {
			err = errors.New(se.Msg)
		}
		t.OptionsErr = err
	}
	return t, nil
}

// withAlterPos places an error about a rebuilt definition at the ALTER
// statement (positions inside the definition are not the user's text).
func withAlterPos(err error, pos sql.Pos) error {
	if se, ok := err.(*sql.Error); ok {
		return sql.Errorf(pos, "%s", se.Msg)
	}
	return err
}

// alterView runs ALTER VIEW v RENAME TO w and ALTER VIEW v AS query.
func (pl *Planner) alterView(n *sql.AlterTable, t *Table) (*Result, error) {
	if n.RenameTo != nil {
		to, err := pl.renameTarget(t, n.RenameTo)
		if err != nil {
			return nil, err
		}
		nv := *t
		nv.Name = to.Name
		pl.Catalog.Remove(t.ID())
		pl.Catalog.Put(&nv)
		return ok2(), nil
	}
	_, text := n.Span()
	cv := &sql.CreateView{Name: n.Name, Query: n.ViewQuery, OrReplace: true}
	cv.Base = sql.Base{Start: n.Start, Text: text}
	return pl.CreateView(cv)
}

func ok2() *Result { return ok("Execute statement succeeded.") }

// mentions reports whether e refers to column c.
func mentions(e sql.Expr, c string) bool {
	return mentionsAny(e, map[string]bool{c: true})
}

func mentionsAny(e sql.Expr, cols map[string]bool) bool {
	return firstMentioned(e, cols) != ""
}

// firstMentioned returns the first of cols that e refers to, or "".
func firstMentioned(e sql.Expr, cols map[string]bool) string {
	found := ""
	walkSQL(e, func(x sql.Expr) {
		if id, ok := x.(*sql.Ident); ok && found == "" && cols[id.Parts[len(id.Parts)-1]] {
			found = id.Parts[len(id.Parts)-1]
		}
	})
	return found
}

// renameIdent returns a copy of e with references to column old renamed
// to neu.
func renameIdent(e sql.Expr, old, neu string) sql.Expr {
	cp := sql.CloneExpr(e)
	walkSQL(cp, func(x sql.Expr) {
		if id, ok := x.(*sql.Ident); ok && len(id.Parts) == 1 && id.Parts[0] == old {
			id.Parts = []string{neu}
		}
	})
	return cp
}

// renameTarget checks the new name of ALTER TABLE|VIEW ... RENAME TO: an
// object of the same database that does not exist yet.
func (pl *Planner) renameTarget(t *Table, n *sql.Name) (ObjectID, error) {
	to, err := pl.objectID(*n)
	if err != nil {
		return ObjectID{}, err
	}
	if to.Path() != t.ID().Path() {
		return ObjectID{}, sql.Errorf(n.Pos, "The catalog name and database name of the new name must be the same as those of %s.", t.ID().Quoted())
	}
	if _, exists := pl.Catalog.Find(to); exists {
		return ObjectID{}, sql.Errorf(n.Pos, "Table %s already exists in Catalog %s.", to.Quoted(), to.Catalog)
	}
	return to, nil
}
