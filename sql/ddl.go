package sql

import (
	"strconv"
	"strings"
)

// DDL: CREATE TABLE|VIEW|FUNCTION (and ksqlDB's CREATE STREAM|TABLE [AS
// SELECT]), DROP and ALTER, with their columns, types and WITH options,
// parsed by recursive descent over the tokens. Expressions inside them
// (computed columns, watermarks) and queries are handed to exprList /
// query (select.go). INSERT is in insert.go, the utility statements in
// utility.go, ksqlDB's own syntax in ksql.go.

func (p *parser) create() Statement {
	b := p.base(p.i)
	p.expect("CREATE")
	orReplace := p.acceptSeq("OR", "REPLACE")
	temporary := p.accept("TEMPORARY")
	system := temporary && p.accept("SYSTEM")
	source := false
	if p.peek().is("SOURCE") {
		if p.d != KSQL {
			p.fail(p.peek(), "CREATE SOURCE is ksqlDB syntax")
		}
		p.next()
		source = true
	}
	t := p.peek()
	switch {
	case t.is("TABLE"):
		st := p.createTable(b, KindTable, orReplace, source)
		if ct, ok := st.(*CreateTable); ok {
			ct.Temporary = temporary
		}
		return st
	case t.is("STREAM"):
		if p.d != KSQL {
			p.fail(t, "CREATE STREAM is ksqlDB syntax; Flink uses CREATE TABLE")
		}
		return p.createTable(b, KindStream, orReplace, source)
	case t.is("VIEW"):
		cv := p.createView(b, orReplace)
		cv.Temporary = temporary
		return cv
	case t.is("FUNCTION"):
		cf := p.createFunction(b)
		cf.Temporary, cf.System = temporary, system
		return cf
	case t.is("CATALOG") && !orReplace && !temporary && p.d == Flink:
		return p.createCatalog(b)
	case t.is("DATABASE") && !orReplace && !temporary && p.d == Flink:
		return p.createDatabase(b)
	case t.isAny("CATALOG", "DATABASE", "TYPE", "CONNECTOR", "SINK"):
		p.fail(t, "CREATE %s is not supported", t.val)
	}
	p.unexpected(t, "TABLE, STREAM, VIEW or FUNCTION")
	return nil
}

func (p *parser) createTable(b Base, kind ObjectKind, orReplace, source bool) Statement {
	p.next() // TABLE | STREAM
	ifNotExists := p.acceptSeq("IF", "NOT", "EXISTS")
	ct := &CreateTable{
		Base: b, Kind: kind, OrReplace: orReplace, IfNotExists: ifNotExists, Source: source,
		Name: p.name("a table name"),
	}
	if p.peek().isOp("(") {
		p.columns(ct)
	}
	for {
		t := p.peek()
		switch {
		case t.is("COMMENT"):
			p.next()
			ct.Comment = p.stringLit("a comment string")
		case t.is("PARTITIONED"):
			p.next()
			p.expect("BY")
			ct.PartitionedBy = p.parenIdents()
		case t.is("WITH"):
			p.next()
			if ct.Options != nil {
				p.fail(t, "WITH given twice")
			}
			ct.Options = p.options()
		case t.is("LIKE"):
			p.next()
			n := p.name("a table name")
			ct.Like = &n
			if p.peek().isOp("(") {
				ct.LikeOptions = p.likeOptions()
			}
		case t.is("AS"):
			p.next()
			if ct.Columns != nil || ct.Watermark != nil || ct.PrimaryKey != nil {
				p.fail(t, "CREATE ... AS SELECT cannot declare columns; they come from the query")
			}
			q := p.query(p.i, len(p.toks)-1)
			return &CreateAs{
				Base: b, Kind: ct.Kind, Name: ct.Name, OrReplace: ct.OrReplace,
				IfNotExists: ct.IfNotExists, Options: ct.Options, Query: q,
			}
		default:
			p.expectEnd()
			return ct
		}
	}
}

// likeOptions parses the merging options of a LIKE clause, as Flink's
// parser checks them: each feature once, and OVERWRITING neither for ALL
// nor for CONSTRAINTS or PARTITIONS.
func (p *parser) likeOptions() []LikeOption {
	open := p.expectOp("(")
	var out []LikeOption
	seen := map[string]bool{}
	for !p.acceptOp(")") {
		st := p.next()
		strategy := strings.ToUpper(st.val)
		if st.kind != tkWord || (strategy != "INCLUDING" && strategy != "EXCLUDING" && strategy != "OVERWRITING") {
			p.unexpected(st, "INCLUDING, EXCLUDING or OVERWRITING")
		}
		ft := p.next()
		feature := strings.ToUpper(ft.val)
		switch feature {
		case "ALL", "CONSTRAINTS", "GENERATED", "METADATA", "OPTIONS", "PARTITIONS", "WATERMARKS":
		default:
			p.unexpected(ft, "ALL, CONSTRAINTS, GENERATED, METADATA, OPTIONS, PARTITIONS or WATERMARKS")
		}
		if seen[feature] {
			p.fail(open, "Each like option feature can be declared only once.")
		}
		seen[feature] = true
		if strategy == "OVERWRITING" && (feature == "ALL" || feature == "CONSTRAINTS" || feature == "PARTITIONS") {
			p.fail(st, "Illegal merging strategy '%s' for '%s' option.", strategy, feature)
		}
		out = append(out, LikeOption{Strategy: strategy, Feature: feature, Pos: p.pos(st.off)})
	}
	return out
}

// columns parses the parenthesized column list of CREATE TABLE / STREAM.
func (p *parser) columns(ct *CreateTable) {
	p.expectOp("(")
	ct.Columns = []ColumnDef{}
	for {
		t := p.peek()
		switch {
		case t.is("WATERMARK") && p.peekAt(1).is("FOR"):
			p.i += 2
			if ct.Watermark != nil {
				p.fail(t, "only one WATERMARK may be declared")
			}
			col, ct2 := p.ident("a column name")
			p.expect("AS")
			lo := p.i
			hi := p.exprEnd(lo)
			ct.Watermark = &Watermark{Column: col, Pos: p.pos(ct2.off), Expr: p.oneExpr(lo, hi)}
			p.i = hi
		case t.is("PRIMARY") && p.peekAt(1).is("KEY"):
			p.i += 2
			p.setPrimaryKey(ct, t, p.parenIdents())
		case t.is("CONSTRAINT"):
			p.next()
			name, _ := p.ident("a constraint name")
			p.expect("PRIMARY")
			p.expect("KEY")
			p.setPrimaryKey(ct, t, p.parenIdents())
			ct.PrimaryKeyName = name
		default:
			ct.Columns = append(ct.Columns, p.column())
		}
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")")
		return
	}
}

func (p *parser) setPrimaryKey(ct *CreateTable, at token, cols []string) {
	p.notEnforced()
	if ct.PrimaryKey != nil {
		p.fail(at, "PRIMARY KEY declared twice")
	}
	ct.PrimaryKey = cols
}

// notEnforced accepts the NOT ENFORCED that Flink wants after a primary key.
func (p *parser) notEnforced() {
	if p.peek().is("NOT") && p.peekAt(1).is("ENFORCED") {
		p.i += 2
	}
}

// column parses one column definition.
func (p *parser) column() ColumnDef {
	name, nt := p.ident("a column name")
	col := ColumnDef{Name: name, Pos: p.pos(nt.off)}
	if p.accept("AS") {
		col.Kind = Computed
		lo := p.i
		hi := p.exprEnd(lo)
		col.Expr = p.oneExpr(lo, hi)
		p.i = hi
		if p.accept("COMMENT") {
			col.Comment = p.stringLit("a comment string")
		}
		return col
	}
	col.Type = p.parseType()
	for {
		t := p.peek()
		switch {
		case t.is("NOT") && p.peekAt(1).is("NULL"):
			p.i += 2
			col.Type.NotNull = true
		case t.is("NULL"):
			p.next()
		case t.is("PRIMARY") && p.peekAt(1).is("KEY"):
			p.i += 2
			p.notEnforced()
			col.PrimaryKey = true
		case t.is("CONSTRAINT"):
			p.next()
			p.ident("a constraint name")
			p.expect("PRIMARY")
			p.expect("KEY")
			p.notEnforced()
			col.PrimaryKey = true
		case t.is("KEY"):
			p.next()
			col.Key = true
		case t.is("HEADERS"):
			p.next()
			col.Kind = Metadata
			col.MetadataKey = "headers"
		case t.is("HEADER"):
			p.next()
			p.expectOp("(")
			k := p.stringLit("a header key")
			p.expectOp(")")
			col.Kind = Metadata
			col.MetadataKey = "header:" + k
		case t.is("METADATA"):
			p.next()
			col.Kind = Metadata
			if p.accept("FROM") {
				col.MetadataKey = p.stringLit("a metadata key")
			}
			if p.accept("VIRTUAL") {
				col.Virtual = true
			}
		case t.is("COMMENT"):
			p.next()
			col.Comment = p.stringLit("a comment string")
		default:
			return col
		}
	}
}

// exprEnd returns the index ending the expression that starts at lo: the
// first ',' or unmatched ')' at depth 0, a COMMENT 'text' at depth 0, or
// the end of the statement.
func (p *parser) exprEnd(lo int) int {
	depth := 0
	for j := lo; j < len(p.toks); j++ {
		t := p.toks[j]
		switch {
		case t.kind == tkEOF:
			return j
		case t.isOp("(") || t.isOp("["):
			depth++
		case t.isOp(")") || t.isOp("]"):
			if depth == 0 {
				return j
			}
			depth--
		case depth == 0 && t.isOp(","):
			return j
		case depth == 0 && t.is("COMMENT") && j+1 < len(p.toks) && p.toks[j+1].kind == tkString:
			return j
		case depth == 0 && j > lo && j+1 < len(p.toks) && placeWord(t, p.toks[j+1]):
			// ALTER TABLE ADD c AS expr FIRST | AFTER col
			return j
		}
	}
	return len(p.toks) - 1
}

// placeWord reports whether t, followed by next, is FIRST or AFTER col
// ending a column of ALTER TABLE ADD|MODIFY.
func placeWord(t, next token) bool {
	switch {
	case t.is("FIRST"):
		return next.kind == tkEOF || next.isOp(",") || next.isOp(")")
	case t.is("AFTER"):
		return next.kind == tkWord || next.kind == tkQuoted
	}
	return false
}

// oneExpr parses toks[lo:hi] as a single expression.
func (p *parser) oneExpr(lo, hi int) Expr {
	if lo >= hi {
		p.fail(p.toks[lo], "expected an expression, found %s", describe(p.toks[lo]))
	}
	es := p.exprList(lo, hi)
	if len(es) != 1 {
		p.fail(p.toks[lo], "expected one expression, found %d", len(es))
	}
	return es[0]
}

// parenIdents parses "(a, b, ...)"; the parentheses may be left out for a
// single name.
func (p *parser) parenIdents() []string {
	if !p.peek().isOp("(") {
		s, _ := p.ident("a column name")
		return []string{s}
	}
	p.next()
	var out []string
	for {
		s, _ := p.ident("a column name")
		out = append(out, s)
		if p.acceptOp(",") {
			continue
		}
		if t := p.peek(); p.d == Flink && !t.isOp(")") {
			// Flink's parser names what may follow a name of the list.
			p.encountered(t, `")" ...`, `"," ...`)
		}
		p.expectOp(")")
		return out
	}
}

func (p *parser) stringLit(what string) string {
	t := p.peek()
	if t.kind != tkString {
		p.unexpected(t, what)
	}
	p.i++
	return t.val
}

// options parses WITH ('k' = 'v', ...) / WITH (k = v, ...) after WITH.
func (p *parser) options() []Option {
	p.expectOp("(")
	opts := []Option{}
	if p.acceptOp(")") {
		return opts
	}
	seen := map[string]bool{}
	for {
		kt := p.peek()
		var key string
		switch kt.kind {
		case tkString:
			key = kt.val
			p.i++
		case tkWord, tkQuoted:
			// Unquoted keys may be dotted (connector.type = ...).
			start := p.i
			p.i++
			for p.peek().isOp(".") && p.peekAt(1).isName() {
				p.i += 2
			}
			if p.i == start+1 && kt.kind == tkQuoted {
				key = kt.val
			} else {
				key = p.src[kt.off:p.toks[p.i-1].end]
			}
		default:
			p.unexpected(kt, "an option name")
		}
		if p.d == KSQL {
			key = strings.ToLower(key)
		}
		p.expectOp("=")
		val := p.optionValue()
		if seen[key] {
			p.fail(kt, "option %q given twice", key)
		}
		seen[key] = true
		opts = append(opts, Option{Key: key, Value: val, Pos: p.pos(kt.off)})
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")")
		return opts
	}
}

func (p *parser) optionValue() string {
	t := p.peek()
	switch t.kind {
	case tkString, tkQuoted:
		p.i++
		return t.val
	case tkNumber, tkWord:
		p.i++
		return t.text
	case tkOp:
		if (t.text == "-" || t.text == "+") && p.peekAt(1).kind == tkNumber {
			p.i += 2
			return strings.TrimPrefix(t.text, "+") + p.toks[p.i-1].text
		}
	}
	p.unexpected(t, "an option value")
	return ""
}

// parseType parses a column or CAST type at p.i.
func (p *parser) parseType() TypeName {
	t := p.peek()
	if t.kind != tkWord {
		p.unexpected(t, "a type")
	}
	p.i++
	tn := TypeName{Pos: p.pos(t.off), Name: t.val}
	switch t.val {
	case "STRING", "BOOLEAN", "TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DATE", "BYTES":
	case "BOOL":
		tn.Name = "BOOLEAN"
	case "INTEGER":
		tn.Name = "INT"
	case "REAL":
		tn.Name = "FLOAT"
	case "DOUBLE":
		p.accept("PRECISION")
	case "VARCHAR", "CHAR", "BINARY", "VARBINARY":
		tn.Params = p.typeParams(1)
	case "CHARACTER":
		tn.Name = "CHAR"
		if p.accept("VARYING") {
			tn.Name = "VARCHAR"
		}
		tn.Params = p.typeParams(1)
	case "DECIMAL", "DEC", "NUMERIC":
		tn.Name = "DECIMAL"
		tn.Params = p.typeParams(2)
	case "TIME":
		tn.Params = p.typeParams(1)
		p.acceptSeq("WITHOUT", "TIME", "ZONE")
	case "TIMESTAMP":
		tn.Params = p.typeParams(1)
		switch {
		case p.acceptSeq("WITHOUT", "TIME", "ZONE"):
		case p.acceptSeq("WITH", "LOCAL", "TIME", "ZONE"):
			tn.Name = "TIMESTAMP_LTZ"
		case p.peek().is("WITH") && p.peekAt(1).is("TIME"):
			p.fail(p.peek(), "TIMESTAMP WITH TIME ZONE is not supported; use TIMESTAMP_LTZ")
		}
	case "TIMESTAMP_LTZ":
		tn.Params = p.typeParams(1)
	case "ARRAY", "MULTISET":
		p.expectOp("<")
		e := p.parseType()
		tn.Elem = &e
		p.expectOp(">")
	case "MAP":
		p.expectOp("<")
		k := p.parseType()
		p.expectOp(",")
		v := p.parseType()
		p.expectOp(">")
		tn.Key, tn.Elem = &k, &v
	case "ROW", "STRUCT":
		closer := ">"
		if p.acceptOp("(") {
			closer = ")"
		} else {
			p.expectOp("<")
		}
		tn.Fields = []FieldDef{}
		if !p.acceptOp(closer) {
			for {
				name, _ := p.ident("a field name")
				ft := p.parseType()
				if p.peek().kind == tkString { // Flink field description
					p.next()
				}
				tn.Fields = append(tn.Fields, FieldDef{Name: name, Type: ft})
				if p.acceptOp(",") {
					continue
				}
				p.expectOp(closer)
				break
			}
		}
	default:
		p.fail(t, "unknown type %s", describe(t))
	}
	if p.peek().is("NOT") && p.peekAt(1).is("NULL") {
		p.i += 2
		tn.NotNull = true
	} else if p.peek().is("NULL") {
		p.i++
	}
	return tn
}

// typeParams parses an optional "(n)" or "(p, s)" with up to max numbers.
func (p *parser) typeParams(max int) []int {
	if !p.peek().isOp("(") {
		return nil
	}
	p.next()
	var out []int
	for {
		t := p.peek()
		if t.kind != tkNumber {
			p.unexpected(t, "a number")
		}
		n, err := strconv.Atoi(t.text)
		if err != nil || n < 0 {
			p.fail(t, "bad type parameter %s", describe(t))
		}
		p.i++
		out = append(out, n)
		if len(out) < max && p.acceptOp(",") {
			continue
		}
		p.expectOp(")")
		return out
	}
}

func (p *parser) createView(b Base, orReplace bool) *CreateView {
	p.expect("VIEW")
	cv := &CreateView{Base: b, OrReplace: orReplace, IfNotExists: p.acceptSeq("IF", "NOT", "EXISTS")}
	cv.Name = p.name("a view name")
	if p.peek().isOp("(") {
		cv.Columns = p.parenIdents()
	}
	if p.accept("COMMENT") {
		cv.Comment = p.stringLit("a comment string")
	}
	p.expect("AS")
	cv.Query = p.query(p.i, len(p.toks)-1)
	return cv
}

func (p *parser) createFunction(b Base) *CreateFunction {
	p.expect("FUNCTION")
	cf := &CreateFunction{Base: b, IfNotExists: p.acceptSeq("IF", "NOT", "EXISTS")}
	cf.Name = p.name("a function name")
	p.expect("AS")
	cf.Class = p.stringLit("a class name string")
	if p.accept("LANGUAGE") {
		t := p.peek()
		if !t.isAny("JAVA", "SCALA", "PYTHON") {
			p.unexpected(t, "JAVA, SCALA or PYTHON")
		}
		p.next()
		cf.Language = t.val
	}
	if p.acceptSeq("USING", "JAR") {
		p.stringLit("a jar path")
		for p.acceptOp(",") {
			p.expect("JAR")
			p.stringLit("a jar path")
		}
	}
	p.expectEnd()
	return cf
}

func (p *parser) drop() Statement {
	b := p.base(p.i)
	p.expect("DROP")
	if p.d == Flink && p.peek().isAny("CATALOG", "DATABASE") {
		return p.dropCatalogOrDatabase(b)
	}
	temporary := p.accept("TEMPORARY")
	t := p.next()
	d := &Drop{Base: b, Temporary: temporary}
	switch {
	case t.is("TABLE"):
		d.Kind = KindTable
	case t.is("STREAM"):
		d.Kind = KindStream
	case t.is("VIEW"):
		d.Kind = KindView
	default:
		p.unexpected(t, "TABLE, STREAM or VIEW")
	}
	d.IfExists = p.acceptSeq("IF", "EXISTS")
	d.Name = p.name("a name")
	d.DeleteTopic = p.acceptSeq("DELETE", "TOPIC")
	p.expectEnd()
	return d
}

// showTargets lists what SHOW / LIST may show.
var showTargets = map[string]bool{
	"TABLES": true, "VIEWS": true, "JOBS": true, "FUNCTIONS": true, "USER FUNCTIONS": true,
	"CATALOGS": true, "DATABASES": true, "MODULES": true, "FULL MODULES": true,
	"CURRENT CATALOG": true, "CURRENT DATABASE": true, "JARS": true,
	"STREAMS": true, "QUERIES": true, "TOPICS": true, "ALL TOPICS": true, "PROPERTIES": true,
	"TYPES": true, "CONNECTORS": true, "SOURCE CONNECTORS": true, "SINK CONNECTORS": true,
	"VARIABLES": true,
}

var unitMillis = map[string]int64{
	"MILLISECOND": 1, "SECOND": 1000, "MINUTE": 60 * 1000, "HOUR": 3600 * 1000, "DAY": 24 * 3600 * 1000,
}

// alter parses ALTER TABLE and ALTER VIEW.
func (p *parser) alter() Statement {
	b := p.base(p.i)
	p.expect("ALTER")
	if p.d == Flink && p.peek().isAny("CATALOG", "DATABASE") {
		return p.alterCatalogOrDatabase(b)
	}
	at := &AlterTable{Base: b}
	switch t := p.next(); {
	case t.is("TABLE"):
	case t.is("VIEW"):
		at.View = true
	default:
		p.unexpected(t, "TABLE or VIEW")
	}
	at.IfExists = !at.View && p.acceptSeq("IF", "EXISTS")
	at.Name = p.name("a name")
	t := p.next()
	switch {
	case t.is("RENAME"):
		if p.accept("TO") {
			n := p.name("a new name")
			at.RenameTo = &n
			break
		}
		if at.View {
			p.unexpected(p.peek(), "TO")
		}
		old, _ := p.ident("a column name")
		p.expect("TO")
		neu, _ := p.ident("a new column name")
		at.RenameColumn = [2]string{old, neu}
	case at.View && t.is("AS"):
		at.ViewQuery = p.query(p.i, len(p.toks)-1)
		return at
	case !at.View && t.is("SET"):
		at.Set = p.options()
	case !at.View && t.is("RESET"):
		p.expectOp("(")
		at.Reset = []string{}
		for !p.acceptOp(")") {
			k := p.peek()
			if k.kind != tkString && k.kind != tkWord {
				p.unexpected(k, "an option key")
			}
			p.next()
			at.Reset = append(at.Reset, k.val)
			if !p.acceptOp(",") {
				p.expectOp(")")
				break
			}
		}
	case !at.View && t.is("ADD"):
		at.Add = p.schemaChange()
	case !at.View && t.is("MODIFY"):
		at.Modify = p.schemaChange()
	case !at.View && t.is("DROP"):
		at.Drop = &SchemaDrop{}
		switch {
		case p.acceptSeq("PRIMARY", "KEY"):
			at.Drop.PrimaryKey = true
		case p.accept("CONSTRAINT"):
			at.Drop.Constraint, _ = p.ident("a constraint name")
		case p.accept("WATERMARK"):
			at.Drop.Watermark = true
		default:
			at.Drop.Columns = p.parenIdents()
		}
	default:
		if at.View {
			p.unexpected(t, "RENAME TO or AS")
		}
		p.unexpected(t, "RENAME, SET, RESET, ADD, MODIFY or DROP")
	}
	p.expectEnd()
	return at
}

// schemaChange parses the part or the parenthesized part list of ALTER
// TABLE ADD|MODIFY.
func (p *parser) schemaChange() *SchemaChange {
	sc := &SchemaChange{}
	paren := p.acceptOp("(")
	for {
		t := p.peek()
		switch {
		case t.is("WATERMARK") && p.peekAt(1).is("FOR"):
			p.i += 2
			if sc.Watermark != nil {
				p.fail(t, "only one WATERMARK may be declared")
			}
			col, ct := p.ident("a column name")
			p.expect("AS")
			lo := p.i
			hi := p.exprEnd(lo)
			sc.Watermark = &Watermark{Column: col, Pos: p.pos(ct.off), Expr: p.oneExpr(lo, hi)}
			p.i = hi
		case t.is("PRIMARY") && p.peekAt(1).is("KEY"), t.is("CONSTRAINT"):
			if p.accept("CONSTRAINT") {
				sc.PrimaryKeyName, _ = p.ident("a constraint name")
			}
			p.expect("PRIMARY")
			p.expect("KEY")
			sc.PrimaryKey = p.parenIdents()
			p.notEnforced()
		default:
			c := PlacedColumn{Column: p.column()}
			if p.accept("FIRST") {
				c.First = true
			} else if p.accept("AFTER") {
				c.After, _ = p.ident("a column name")
			}
			sc.Columns = append(sc.Columns, c)
		}
		if !paren {
			return sc
		}
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")")
		return sc
	}
}
