package sql

import (
	"fmt"
	"strconv"
	"strings"
)

// Format renders a statement as an indented S-expression, one node per
// line when it does not fit in 100 columns. The output is deterministic;
// the golden tests and debugging use it. Positions are not shown.
func Format(s Statement) string {
	var b strings.Builder
	stmtSx(s).pretty(&b, 0)
	return b.String()
}

// FormatExpr renders an expression as a one-line S-expression.
func FormatExpr(e Expr) string { return exprSx(e).flat() }

// FormatType renders a type as SQL, e.g. MAP<STRING, ARRAY<INT>> NOT NULL.
func FormatType(t TypeName) string {
	var b strings.Builder
	switch {
	case t.Elem != nil && t.Key != nil:
		fmt.Fprintf(&b, "%s<%s, %s>", t.Name, FormatType(*t.Key), FormatType(*t.Elem))
	case t.Elem != nil:
		fmt.Fprintf(&b, "%s<%s>", t.Name, FormatType(*t.Elem))
	case t.Fields != nil:
		b.WriteString(t.Name + "<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(f.Name) + " " + FormatType(f.Type))
		}
		b.WriteString(">")
	default:
		b.WriteString(t.Name)
		if len(t.Params) > 0 {
			ps := make([]string, len(t.Params))
			for i, p := range t.Params {
				ps[i] = strconv.Itoa(p)
			}
			b.WriteString("(" + strings.Join(ps, ", ") + ")")
		}
	}
	if t.NotNull {
		b.WriteString(" NOT NULL")
	}
	return b.String()
}

// sx is an S-expression: an atom or a list.
type sx struct {
	atom string
	list []*sx
}

func atom(s string) *sx { return &sx{atom: s} }

// lst makes a list headed by the atom head; nil items are dropped.
func lst(head string, items ...*sx) *sx {
	l := &sx{list: []*sx{atom(head)}}
	for _, it := range items {
		if it != nil {
			l.list = append(l.list, it)
		}
	}
	return l
}

// flagSx is an atom when on, nothing otherwise.
func flagSx(on bool, s string) *sx {
	if on {
		return atom(s)
	}
	return nil
}

func (s *sx) flat() string {
	if s.list == nil {
		return s.atom
	}
	parts := make([]string, len(s.list))
	for i, x := range s.list {
		parts[i] = x.flat()
	}
	return "(" + strings.Join(parts, " ") + ")"
}

func (s *sx) pretty(b *strings.Builder, indent int) {
	f := s.flat()
	if s.list == nil || indent+len(f) <= 100 {
		b.WriteString(f)
		return
	}
	b.WriteString("(" + s.list[0].flat())
	rest := s.list[1:]
	for len(rest) > 0 && rest[0].list == nil {
		b.WriteString(" " + rest[0].atom)
		rest = rest[1:]
	}
	for _, x := range rest {
		b.WriteString("\n" + strings.Repeat("  ", indent/2+1))
		x.pretty(b, indent+2)
	}
	b.WriteString(")")
}

func quoteIdent(s string) string {
	if isPlainIdent(s) {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func nameSx(n Name) *sx {
	parts := make([]string, len(n.Parts))
	for i, p := range n.Parts {
		parts[i] = quoteIdent(p)
	}
	return atom(strings.Join(parts, "."))
}

func identsSx(head string, ids []string) *sx {
	if ids == nil {
		return nil
	}
	l := lst(head)
	for _, id := range ids {
		l.list = append(l.list, atom(quoteIdent(id)))
	}
	return l
}

func optionsSx(opts []Option) *sx {
	if opts == nil {
		return nil
	}
	l := lst("with")
	for _, o := range opts {
		l.list = append(l.list, lst(quoteString(o.Key), atom(quoteString(o.Value))))
	}
	return l
}

func stmtSx(s Statement) *sx {
	switch s := s.(type) {
	case *CreateTable:
		head := "create-table"
		if s.Kind == KindStream {
			head = "create-stream"
		}
		l := lst(head, nameSx(s.Name), flagSx(s.OrReplace, "or-replace"), flagSx(s.IfNotExists, "if-not-exists"),
			flagSx(s.Temporary, "temporary"), flagSx(s.Source, "source"))
		if s.Columns != nil {
			cols := lst("columns")
			for _, c := range s.Columns {
				cols.list = append(cols.list, columnSx(c))
			}
			l.list = append(l.list, cols)
		}
		if s.Watermark != nil {
			l.list = append(l.list, lst("watermark", atom(quoteIdent(s.Watermark.Column)), exprSx(s.Watermark.Expr)))
		}
		l.list = append(l.list, nonNil(identsSx("primary-key", s.PrimaryKey), identsSx("partitioned-by", s.PartitionedBy))...)
		if s.Comment != "" {
			l.list = append(l.list, lst("comment", atom(quoteString(s.Comment))))
		}
		if s.Like != nil {
			like := lst("like", nameSx(*s.Like))
			for _, o := range s.LikeOptions {
				like.list = append(like.list, atom(strings.ToLower(o.Strategy+"-"+o.Feature)))
			}
			l.list = append(l.list, like)
		}
		if o := optionsSx(s.Options); o != nil {
			l.list = append(l.list, o)
		}
		return l
	case *CreateAs:
		return lst("create-"+strings.ToLower(s.Kind.String())+"-as", nameSx(s.Name), flagSx(s.OrReplace, "or-replace"),
			flagSx(s.IfNotExists, "if-not-exists"), optionsSx(s.Options), selectSx(s.Query))
	case *CreateView:
		return lst("create-view", nameSx(s.Name), flagSx(s.OrReplace, "or-replace"), flagSx(s.IfNotExists, "if-not-exists"),
			flagSx(s.Temporary, "temporary"), identsSx("columns", s.Columns), selectSx(s.Query))
	case *CreateFunction:
		var lang *sx
		if s.Language != "" {
			lang = lst("language", atom(s.Language))
		}
		return lst("create-function", nameSx(s.Name), flagSx(s.IfNotExists, "if-not-exists"), flagSx(s.Temporary, "temporary"),
			flagSx(s.System, "system"), atom(quoteString(s.Class)), lang)
	case *Drop:
		return lst("drop", atom(s.Kind.String()), nameSx(s.Name), flagSx(s.IfExists, "if-exists"), flagSx(s.Temporary, "temporary"),
			flagSx(s.DeleteTopic, "delete-topic"))
	case *Insert:
		l := lst("insert", nameSx(s.Table), flagSx(s.Overwrite, "overwrite"), identsSx("columns", s.Columns))
		if s.Query != nil {
			l.list = append(l.list, selectSx(s.Query))
		}
		if s.Values != nil {
			vs := lst("values")
			for _, row := range s.Values {
				vs.list = append(vs.list, exprsSx("row", row))
			}
			l.list = append(l.list, vs)
		}
		return l
	case *Query:
		return lst("query", selectSx(s.Select))
	case *Explain:
		if s.Stmt == nil {
			return lst("explain-query", atom(quoteIdent(s.QueryID)))
		}
		return lst("explain", stmtSx(s.Stmt))
	case *Set:
		if s.Key == "" {
			return lst("set")
		}
		return lst("set", atom(quoteString(s.Key)), atom(quoteString(s.Value)))
	case *Reset:
		if s.Key == "" {
			return lst("reset")
		}
		return lst("reset", atom(quoteString(s.Key)))
	case *Show:
		l := lst("show", atom(quoteString(s.What)), flagSx(s.Extended, "extended"))
		if len(s.Of.Parts) > 0 {
			l.list = append(l.list, nameSx(s.Of))
		}
		if s.HasLike {
			l.list = append(l.list, lst(pick(s.NotLike, "not-", "")+pick(s.ILike, "ilike", "like"), atom(quoteString(s.Like))))
		}
		return l
	case *CreateCatalog:
		return lst("create-catalog", nameSx(s.Name), flagSx(s.IfNotExists, "if-not-exists"), commentSx(s.Comment), optionsSx(s.Options))
	case *CreateDatabase:
		return lst("create-database", nameSx(s.Name), flagSx(s.IfNotExists, "if-not-exists"), commentSx(s.Comment), optionsSx(s.Options))
	case *DropCatalog:
		return lst("drop-catalog", nameSx(s.Name), flagSx(s.IfExists, "if-exists"))
	case *DropDatabase:
		return lst("drop-database", nameSx(s.Name), flagSx(s.IfExists, "if-exists"), flagSx(s.Cascade, "cascade"))
	case *AlterCatalog:
		l := lst("alter-catalog", nameSx(s.Name), optionsSx(s.Set))
		if s.Reset != nil {
			l.list = append(l.list, identsSx("reset", s.Reset))
		}
		if s.Comment != nil {
			l.list = append(l.list, lst("comment", atom(quoteString(*s.Comment))))
		}
		return l
	case *AlterDatabase:
		return lst("alter-database", nameSx(s.Name), optionsSx(s.Set))
	case *Use:
		return lst(pick(s.Catalog, "use-catalog", "use"), nameSx(s.Name))
	case *DescribeCatalog:
		return lst("describe-catalog", nameSx(s.Name), flagSx(s.Extended, "extended"))
	case *AlterTable:
		return alterSx(s)
	case *Describe:
		return lst("describe", nameSx(s.Name), flagSx(s.Extended, "extended"))
	case *StopJob:
		if s.All {
			return lst("stop-job", atom("all"))
		}
		return lst("stop-job", atom(quoteString(s.ID)), flagSx(s.Savepoint, "savepoint"), flagSx(s.Drain, "drain"))
	case *Print:
		l := lst("print", atom(quoteString(s.Topic)), flagSx(s.FromBeginning, "from-beginning"))
		if s.Interval != 0 {
			l.list = append(l.list, lst("interval", atom(strconv.Itoa(s.Interval))))
		}
		if s.Limit != 0 {
			l.list = append(l.list, lst("limit", atom(strconv.Itoa(s.Limit))))
		}
		return l
	case *Help:
		return lst("help")
	case *Quit:
		return lst("quit")
	case *StatementSet:
		return lst(pick(s.End, "end-statement-set", "begin-statement-set"))
	case *Jar:
		return lst(pick(s.Remove, "remove-jar", "add-jar"), atom(quoteString(s.Path)))
	case *LoadModule:
		return lst("load-module", atom(s.Name), optionsSx(s.Options))
	case *UnloadModule:
		return lst("unload-module", atom(s.Name))
	case *UseModules:
		l := lst("use-modules")
		for _, n := range s.Names {
			l.list = append(l.list, atom(n))
		}
		return l
	}
	return atom(fmt.Sprintf("<%T>", s))
}

func alterSx(s *AlterTable) *sx {
	l := lst(pick(s.View, "alter-view", "alter-table"), nameSx(s.Name), flagSx(s.IfExists, "if-exists"))
	add := func(x *sx) { l.list = append(l.list, x) }
	change := func(head string, c *SchemaChange) {
		x := lst(head)
		for _, pc := range c.Columns {
			cx := columnSx(pc.Column)
			if pc.First {
				cx.list = append(cx.list, atom("first"))
			}
			if pc.After != "" {
				cx.list = append(cx.list, lst("after", atom(quoteIdent(pc.After))))
			}
			x.list = append(x.list, cx)
		}
		if c.Watermark != nil {
			x.list = append(x.list, lst("watermark", atom(quoteIdent(c.Watermark.Column)), exprSx(c.Watermark.Expr)))
		}
		if c.PrimaryKey != nil {
			pk := identsSx("primary-key", c.PrimaryKey)
			if c.PrimaryKeyName != "" {
				pk.list = append(pk.list, lst("constraint", atom(quoteIdent(c.PrimaryKeyName))))
			}
			x.list = append(x.list, pk)
		}
		add(x)
	}
	switch {
	case s.RenameTo != nil:
		add(lst("rename-to", nameSx(*s.RenameTo)))
	case s.RenameColumn[0] != "":
		add(lst("rename-column", atom(quoteIdent(s.RenameColumn[0])), atom(quoteIdent(s.RenameColumn[1]))))
	case s.Set != nil:
		add(lst("set", optionsSx(s.Set)))
	case s.Reset != nil:
		x := lst("reset")
		for _, k := range s.Reset {
			x.list = append(x.list, atom(quoteString(k)))
		}
		add(x)
	case s.Add != nil:
		change("add", s.Add)
	case s.Modify != nil:
		change("modify", s.Modify)
	case s.Drop != nil:
		x := identsSx("drop", s.Drop.Columns)
		if x == nil {
			x = lst("drop")
		}
		x.list = append(x.list, flagSx(s.Drop.PrimaryKey, "primary-key"), flagSx(s.Drop.Watermark, "watermark"))
		if s.Drop.Constraint != "" {
			x.list = append(x.list, lst("constraint", atom(quoteIdent(s.Drop.Constraint))))
		}
		x.list = nonNil(x.list...)
		add(x)
	case s.ViewQuery != nil:
		add(selectSx(s.ViewQuery))
	}
	return l
}

func nonNil(xs ...*sx) []*sx {
	var out []*sx
	for _, x := range xs {
		if x != nil {
			out = append(out, x)
		}
	}
	return out
}

func columnSx(c ColumnDef) *sx {
	l := lst("col", atom(quoteIdent(c.Name)))
	if c.Kind == Computed {
		l.list = append(l.list, lst("as", exprSx(c.Expr)))
	} else {
		l.list = append(l.list, atom(FormatType(c.Type)))
	}
	if c.Kind == Metadata {
		m := lst("metadata")
		if c.MetadataKey != "" {
			m.list = append(m.list, atom(quoteString(c.MetadataKey)))
		}
		l.list = append(l.list, m)
	}
	l.list = append(l.list, nonNil(flagSx(c.Virtual, "virtual"), flagSx(c.Key, "key"), flagSx(c.PrimaryKey, "primary-key"))...)
	if c.Comment != "" {
		l.list = append(l.list, lst("comment", atom(quoteString(c.Comment))))
	}
	return l
}

func windowSx(w *WindowSpec) *sx {
	if w == nil {
		return nil
	}
	l := lst("window", atom(w.Kind))
	ms := func(name string, v int64) {
		l.list = append(l.list, lst(name, atom(strconv.FormatInt(v, 10)+"ms")))
	}
	if w.Kind == "WITHIN" {
		ms("before", w.Before)
		ms("after", w.After)
	} else {
		ms("size", w.Size)
	}
	if w.Advance != 0 {
		ms("advance", w.Advance)
	}
	if w.Grace >= 0 {
		ms("grace", w.Grace)
	}
	if w.Retention >= 0 {
		ms("retention", w.Retention)
	}
	return l
}

func selectSx(s *Select) *sx {
	if s == nil {
		return atom("<nil>")
	}
	l := lst("select", flagSx(s.Distinct, "distinct"))
	items := lst("items")
	for _, it := range s.Items {
		var x *sx
		switch {
		case it.Star && it.StarQualifier != "":
			x = atom(quoteIdent(it.StarQualifier) + ".*")
		case it.Star:
			x = atom("*")
		case it.Alias != "":
			x = lst("as", exprSx(it.Expr), atom(quoteIdent(it.Alias)))
		default:
			x = exprSx(it.Expr)
		}
		items.list = append(items.list, x)
	}
	l.list = append(l.list, items)
	if s.From != nil {
		l.list = append(l.list, lst("from", fromSx(s.From)))
	}
	l.list = append(l.list, nonNil(windowSx(s.Window))...)
	if s.Where != nil {
		l.list = append(l.list, lst("where", exprSx(s.Where)))
	}
	if s.GroupBy != nil {
		l.list = append(l.list, exprsSx("group-by", s.GroupBy))
	}
	if s.Having != nil {
		l.list = append(l.list, lst("having", exprSx(s.Having)))
	}
	if s.PartitionBy != nil {
		l.list = append(l.list, exprsSx("partition-by", s.PartitionBy))
	}
	if s.OrderBy != nil {
		l.list = append(l.list, orderSx(s.OrderBy))
	}
	switch s.Emit {
	case EmitChanges:
		l.list = append(l.list, lst("emit", atom("changes")))
	case EmitFinal:
		l.list = append(l.list, lst("emit", atom("final")))
	}
	if s.Limit != nil {
		l.list = append(l.list, lst("limit", exprSx(s.Limit)))
	}
	if s.UnionAll != nil && onlyUnionAll(s) {
		u := lst("union-all")
		for _, x := range s.UnionAll {
			u.list = append(u.list, selectSx(x))
		}
		l.list = append(l.list, u)
	} else if s.UnionAll != nil {
		for k, x := range s.UnionAll {
			l.list = append(l.list, lst(strings.ToLower(strings.ReplaceAll(setOp(s, k), " ", "-")), selectSx(x)))
		}
	}
	return l
}

func orderSx(items []OrderItem) *sx {
	l := lst("order-by")
	for _, o := range items {
		if o.Desc {
			l.list = append(l.list, lst("desc", exprSx(o.Expr)))
		} else {
			l.list = append(l.list, exprSx(o.Expr))
		}
	}
	return l
}

func aliasSx(x *sx, alias string) *sx {
	if alias == "" {
		return x
	}
	return lst("as", x, atom(quoteIdent(alias)))
}

func fromSx(f From) *sx {
	switch f := f.(type) {
	case *TableRef:
		x := nameSx(f.Name)
		if f.ForSystemTime != nil {
			x = lst("table", x, lst("for-system-time-as-of", exprSx(f.ForSystemTime)))
		}
		if f.Options != nil {
			x = lst("table", x, optionsSx(f.Options))
		}
		return aliasSx(x, f.Alias)
	case *WindowTVF:
		l := lst(f.Func, lst("data", fromSx(f.Input)), identsSx("partition-by", f.PartitionBy),
			lst("descriptor", atom(quoteIdent(f.Descriptor))))
		for i, a := range f.Args {
			name := "arg"
			if i < len(f.Named) {
				name = strings.ToLower(f.Named[i])
			}
			l.list = append(l.list, lst(name, exprSx(a)))
		}
		return aliasSx(l, f.Alias)
	case *Subquery:
		return aliasSx(lst("subquery", selectSx(f.Query)), f.Alias)
	case *Values:
		l := lst("values")
		for _, row := range f.Rows {
			l.list = append(l.list, exprsSx("row", row))
		}
		if f.Columns != nil {
			return lst("as", l, atom(quoteIdent(f.Alias)), identsSx("columns", f.Columns))
		}
		return aliasSx(l, f.Alias)
	case *Join:
		l := lst("join", atom(f.Type), fromSx(f.Left), fromSx(f.Right))
		if f.On != nil {
			l.list = append(l.list, lst("on", exprSx(f.On)))
		}
		l.list = append(l.list, nonNil(identsSx("using", f.Using), windowSx(f.Within))...)
		return l
	}
	return atom(fmt.Sprintf("<%T>", f))
}

func exprsSx(head string, es []Expr) *sx {
	l := lst(head)
	for _, e := range es {
		l.list = append(l.list, exprSx(e))
	}
	return l
}

func exprSx(e Expr) *sx {
	switch e := e.(type) {
	case nil:
		return atom("<nil>")
	case *Ident:
		parts := make([]string, len(e.Parts))
		for i, p := range e.Parts {
			parts[i] = quoteIdent(p)
		}
		return atom(strings.Join(parts, "."))
	case *Literal:
		switch e.Kind {
		case LitString:
			return atom(quoteString(e.Text))
		case LitDate:
			return lst("date", atom(quoteString(e.Text)))
		case LitTime:
			return lst("time", atom(quoteString(e.Text)))
		case LitTimestamp:
			return lst("timestamp", atom(quoteString(e.Text)))
		case LitBytes:
			return atom("X'" + e.Text + "'")
		}
		return atom(e.Text)
	case *Interval:
		return lst("interval", atom(quoteString(e.Value)), atom(e.Unit))
	case *Call:
		l := lst(e.Name, flagSx(e.Distinct, "distinct"), flagSx(e.Star, "*"))
		for _, a := range e.Args {
			l.list = append(l.list, exprSx(a))
		}
		if e.Filter != nil {
			l.list = append(l.list, lst("filter", exprSx(e.Filter)))
		}
		if e.Over != nil {
			o := lst("over")
			if e.Over.PartitionBy != nil {
				o.list = append(o.list, exprsSx("partition-by", e.Over.PartitionBy))
			}
			if e.Over.OrderBy != nil {
				o.list = append(o.list, orderSx(e.Over.OrderBy))
			}
			if fr := e.Over.Frame; fr != nil {
				unit := "range"
				if fr.Rows {
					unit = "rows"
				}
				o.list = append(o.list, lst(unit, boundSx(fr.Start), boundSx(fr.End)))
			}
			l.list = append(l.list, o)
		}
		return l
	case *Binary:
		return lst(e.Op, exprSx(e.L), exprSx(e.R))
	case *Unary:
		return lst(e.Op, exprSx(e.X))
	case *Case:
		l := lst("case")
		if e.Operand != nil {
			l.list = append(l.list, exprSx(e.Operand))
		}
		for _, w := range e.Whens {
			l.list = append(l.list, lst("when", exprSx(w.Cond), exprSx(w.Result)))
		}
		if e.Else != nil {
			l.list = append(l.list, lst("else", exprSx(e.Else)))
		}
		return l
	case *Cast:
		head := "cast"
		if e.Try {
			head = "try-cast"
		}
		return lst(head, exprSx(e.X), atom(FormatType(e.Type)))
	case *IsNull:
		return lst(pick(e.Not, "is-not-null", "is-null"), exprSx(e.X))
	case *IsBool:
		return lst(pick(e.Not, "is-not-", "is-")+strings.ToLower(strconv.FormatBool(e.Value)), exprSx(e.X))
	case *In:
		return lst(pick(e.Not, "not-in", "in"), exprSx(e.X), exprsSx("list", e.List))
	case *InSubquery:
		return lst(pick(e.Not, "not-in", "in"), exprSx(e.X), selectSx(e.Query))
	case *Exists:
		return lst(pick(e.Not, "not-exists", "exists"), selectSx(e.Query))
	case *GroupingSets:
		l := lst(strings.ToLower(strings.ReplaceAll(e.Kind, " ", "-")))
		for _, set := range e.Sets {
			l.list = append(l.list, exprsSx("set", set))
		}
		return l
	case *Between:
		return lst(pick(e.Not, "not-between", "between"), exprSx(e.X), exprSx(e.Lo), exprSx(e.Hi))
	case *Like:
		l := lst(pick(e.Not, "not-like", "like"), exprSx(e.X), exprSx(e.Pattern))
		if e.Escape != nil {
			l.list = append(l.list, lst("escape", exprSx(e.Escape)))
		}
		return l
	case *Subscript:
		return lst("index", exprSx(e.X), exprSx(e.Index))
	case *FieldAccess:
		return lst("->", exprSx(e.X), atom(quoteIdent(e.Field)))
	case *Lambda:
		l := lst("lambda")
		for _, p := range e.Params {
			l.list = append(l.list, atom(quoteIdent(p)))
		}
		if e.Body != nil {
			l.list = append(l.list, exprSx(e.Body))
		}
		return l
	case *ArrayCtor:
		return exprsSx("array", e.Elems)
	case *MapCtor:
		l := lst("map")
		for i := range e.Keys {
			l.list = append(l.list, exprSx(e.Keys[i]), exprSx(e.Vals[i]))
		}
		return l
	case *StructCtor:
		named := false
		for _, n := range e.Names {
			named = named || n != ""
		}
		if !named {
			return exprsSx("row", e.Vals)
		}
		l := lst("struct")
		for i, v := range e.Vals {
			l.list = append(l.list, lst(quoteIdent(e.Names[i]), exprSx(v)))
		}
		return l
	}
	return atom(fmt.Sprintf("<%T>", e))
}

func boundSx(b FrameBound) *sx {
	k := strings.ToLower(strings.ReplaceAll(b.Kind, " ", "-"))
	if b.Offset != nil {
		return lst(k, exprSx(b.Offset))
	}
	return atom(k)
}

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

func commentSx(c string) *sx {
	if c == "" {
		return nil
	}
	return lst("comment", atom(quoteString(c)))
}
