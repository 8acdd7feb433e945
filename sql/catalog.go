package sql

import "strings"

// Flink's statements over catalogs and databases: CREATE, DROP and ALTER
// CATALOG and DATABASE, USE [CATALOG], DESCRIBE CATALOG. (SHOW CATALOGS,
// SHOW DATABASES and SHOW CURRENT ... are SHOW statements, utility.go.)

// CreateCatalog is CREATE CATALOG [IF NOT EXISTS] name [COMMENT '...']
// [WITH (...)] (the options must name the catalog's 'type').
type CreateCatalog struct {
	Base
	Name        Name // one part
	IfNotExists bool
	Comment     string
	Options     []Option
}

// CreateDatabase is CREATE DATABASE [IF NOT EXISTS] [catalog.]name
// [COMMENT '...'] [WITH (...)].
type CreateDatabase struct {
	Base
	Name        Name
	IfNotExists bool
	Comment     string
	Options     []Option
}

// DropCatalog is DROP CATALOG [IF EXISTS] name.
type DropCatalog struct {
	Base
	Name     Name
	IfExists bool
}

// DropDatabase is DROP DATABASE [IF EXISTS] [catalog.]name [RESTRICT |
// CASCADE].
type DropDatabase struct {
	Base
	Name     Name
	IfExists bool
	Cascade  bool
}

// AlterCatalog is ALTER CATALOG name SET (...) | RESET (...) | COMMENT
// '...'. Exactly one of Set, Reset (non-nil when given) and Comment
// (non-nil) is set.
type AlterCatalog struct {
	Base
	Name    Name
	Set     []Option
	Reset   []string
	Comment *string
}

// AlterDatabase is ALTER DATABASE [catalog.]name SET (...).
type AlterDatabase struct {
	Base
	Name Name
	Set  []Option
}

// Use is USE CATALOG name (Catalog set) or USE [catalog.]database.
type Use struct {
	Base
	Name    Name
	Catalog bool
}

// DescribeCatalog is DESCRIBE|DESC CATALOG [EXTENDED] name.
type DescribeCatalog struct {
	Base
	Name     Name
	Extended bool
}

// createCatalog parses CREATE CATALOG after CREATE.
func (p *parser) createCatalog(b Base) Statement {
	p.expect("CATALOG")
	cc := &CreateCatalog{Base: b, IfNotExists: p.acceptSeq("IF", "NOT", "EXISTS")}
	s, t := p.ident("a catalog name")
	cc.Name = Name{Parts: []string{s}, Pos: p.pos(t.off)}
	if p.accept("COMMENT") {
		cc.Comment = p.stringLit("a comment string")
	}
	switch t := p.peek(); {
	case t.is("WITH"):
		p.next()
		cc.Options = p.options()
	case t.kind != tkEOF:
		// Flink's parser names what may follow the catalog's name.
		p.encountered(t, `<EOF>`, `"WITH" ...`, `"COMMENT" ...`, `";" ...`)
	}
	p.expectEnd()
	return cc
}

// encountered fails at t the way Flink's parser words it: Encountered
// "x" at line L, column C. Was expecting one of: ...
func (p *parser) encountered(t token, expecting ...string) {
	pos := p.pos(t.off)
	what := t.text
	if t.kind == tkEOF {
		what = "<EOF>"
	}
	msg := "Encountered \"" + what + "\" at " + pos.String() + ".\nWas expecting one of:"
	for _, e := range expecting {
		msg += "\n    " + e
	}
	p.fail(t, "%s", msg)
}

// createDatabase parses CREATE DATABASE after CREATE.
func (p *parser) createDatabase(b Base) Statement {
	p.expect("DATABASE")
	cd := &CreateDatabase{Base: b, IfNotExists: p.acceptSeq("IF", "NOT", "EXISTS")}
	cd.Name = p.databaseName()
	if p.accept("COMMENT") {
		cd.Comment = p.stringLit("a comment string")
	}
	if p.accept("WITH") {
		cd.Options = p.options()
	}
	p.expectEnd()
	return cd
}

// databaseName parses [catalog.]database.
func (p *parser) databaseName() Name {
	at := p.peek()
	n := p.name("a database name")
	if len(n.Parts) > 2 {
		p.fail(at, "a database is named database or catalog.database, not %s", n)
	}
	return n
}

// dropCatalogOrDatabase parses DROP CATALOG|DATABASE after DROP.
func (p *parser) dropCatalogOrDatabase(b Base) Statement {
	if p.accept("CATALOG") {
		d := &DropCatalog{Base: b, IfExists: p.acceptSeq("IF", "EXISTS")}
		s, t := p.ident("a catalog name")
		d.Name = Name{Parts: []string{s}, Pos: p.pos(t.off)}
		p.expectEnd()
		return d
	}
	p.expect("DATABASE")
	d := &DropDatabase{Base: b, IfExists: p.acceptSeq("IF", "EXISTS")}
	d.Name = p.databaseName()
	switch {
	case p.accept("CASCADE"):
		d.Cascade = true
	case p.accept("RESTRICT"):
	}
	p.expectEnd()
	return d
}

// alterCatalogOrDatabase parses ALTER CATALOG|DATABASE after ALTER.
func (p *parser) alterCatalogOrDatabase(b Base) Statement {
	if p.accept("DATABASE") {
		ad := &AlterDatabase{Base: b, Name: p.databaseName()}
		p.expect("SET")
		ad.Set = p.options()
		p.expectEnd()
		return ad
	}
	p.expect("CATALOG")
	ac := &AlterCatalog{Base: b}
	s, t := p.ident("a catalog name")
	ac.Name = Name{Parts: []string{s}, Pos: p.pos(t.off)}
	switch t := p.next(); {
	case t.is("SET"):
		ac.Set = p.options()
	case t.is("RESET"):
		ac.Reset = p.resetKeys()
	case t.is("COMMENT"):
		c := p.stringLit("a comment string")
		ac.Comment = &c
	default:
		p.unexpected(t, "SET, RESET or COMMENT")
	}
	p.expectEnd()
	return ac
}

// resetKeys parses ('k', ...) after RESET; it is never nil.
func (p *parser) resetKeys() []string {
	p.expectOp("(")
	keys := []string{}
	if p.acceptOp(")") {
		return keys
	}
	for {
		keys = append(keys, p.stringLit("an option name string"))
		if p.acceptOp(",") {
			continue
		}
		p.expectOp(")")
		return keys
	}
}

// use parses USE CATALOG name and USE [catalog.]database.
func (p *parser) use() Statement {
	b := p.base(p.i)
	p.expect("USE")
	if p.peek().is("CATALOG") && p.peekAt(1).kind != tkEOF {
		p.next()
		s, t := p.ident("a catalog name")
		p.expectEnd()
		return &Use{Base: b, Catalog: true, Name: Name{Parts: []string{s}, Pos: p.pos(t.off)}}
	}
	if p.peek().is("MODULES") && p.peekAt(1).kind != tkEOF {
		p.next()
		um := &UseModules{Base: b}
		for {
			n, t := p.moduleName()
			um.Names, um.Pos = append(um.Names, n), append(um.Pos, p.pos(t.off))
			if !p.acceptOp(",") {
				break
			}
		}
		p.expectEnd()
		return um
	}
	u := &Use{Base: b, Name: p.databaseName()}
	p.expectEnd()
	return u
}

// module parses LOAD MODULE name [WITH (...)] and UNLOAD MODULE name.
func (p *parser) module() Statement {
	b := p.base(p.i)
	load := p.next().is("LOAD")
	p.expect("MODULE")
	name, t := p.moduleName()
	if !load {
		p.expectEnd()
		return &UnloadModule{Base: b, Name: name, NamePos: p.pos(t.off)}
	}
	lm := &LoadModule{Base: b, Name: name, NamePos: p.pos(t.off)}
	if p.accept("WITH") {
		lm.Options = p.options()
	}
	p.expectEnd()
	return lm
}

// moduleName is a module's name: an identifier, as Flink's parser takes
// it (a string literal is refused in its words).
func (p *parser) moduleName() (string, token) {
	t := p.peek()
	if !t.isName() {
		if t.kind == tkString {
			t.text = strings.ReplaceAll(t.text, "'", "\\'")
		}
		p.encountered(t, "<BRACKET_QUOTED_IDENTIFIER> ...", "<QUOTED_IDENTIFIER> ...", "<BACK_QUOTED_IDENTIFIER> ...",
			"<BIG_QUERY_BACK_QUOTED_IDENTIFIER> ...", "<HYPHENATED_IDENTIFIER> ...", "<IDENTIFIER> ...", "<UNICODE_QUOTED_IDENTIFIER> ...")
	}
	return p.ident("a module name")
}
