package sql

import (
	"strings"
)

// Utility statements: EXPLAIN, SET, RESET, SHOW, DESCRIBE, STOP JOB (HELP
// and QUIT are parsed in statement).

// explainDetails are Flink's EXPLAIN detail words: "" for one Tumble's
// plan always shows, else why it has no effect (a note).
var explainDetails = map[string]string{
	"ESTIMATED_COST":      "Tumble's plan has no cost estimates",
	"CHANGELOG_MODE":      "",
	"JSON_EXECUTION_PLAN": "Tumble prints its plan as text only",
	"PLAN_ADVICE":         "Tumble gives no plan advice",
	"EXTENDED":            "",
}

func (p *parser) explain() Statement {
	b := p.base(p.i)
	p.expect("EXPLAIN")
	if !p.acceptSeq("PLAN", "FOR") {
		for p.peek().kind == tkWord {
			why, ok := explainDetails[p.peek().val]
			if !ok {
				break
			}
			if why != "" {
				p.note("EXPLAIN %s has no effect: %s.", p.peek().val, why)
			}
			p.next()
			if !p.acceptOp(",") {
				break
			}
		}
	}
	t := p.peek()
	if t.isAny("SELECT", "WITH", "INSERT", "CREATE", "EXECUTE") || t.isOp("(") {
		if t.is("EXECUTE") {
			p.next()
		}
		return &Explain{Base: b, Stmt: p.statement()}
	}
	if t.kind == tkEOF {
		p.unexpected(t, "a statement or a query id")
	}
	if !(t.isName() || t.kind == tkString) || p.peekAt(1).kind != tkEOF {
		p.unexpected(t, "a statement or a query id")
	}
	p.next()
	id := t.val
	if t.kind == tkWord {
		id = p.normIdent(t)
	}
	return &Explain{Base: b, QueryID: id}
}

func (p *parser) set() Statement {
	b := p.base(p.i)
	p.expect("SET")
	if p.peek().kind == tkEOF {
		return &Set{Base: b}
	}
	key := p.rawUntil("=", "a property name")
	eq := p.expectOp("=")
	if p.peek().kind == tkEOF {
		p.fail(eq, "SET %s needs a value", key)
	}
	return &Set{Base: b, Key: key, Value: p.rawUntil("", "a value")}
}

func (p *parser) reset() Statement {
	b := p.base(p.i)
	t := p.next()
	if p.peek().kind == tkEOF {
		if t.is("UNSET") {
			p.unexpected(p.peek(), "a property name")
		}
		return &Reset{Base: b}
	}
	return &Reset{Base: b, Key: p.rawUntil("", "a property name")}
}

// rawUntil returns the text from p.i up to the operator stop (or the end
// when stop is ""): the value of a lone string token, or the source text
// otherwise (for SET k = v without quotes).
func (p *parser) rawUntil(stop, what string) string {
	start := p.i
	for p.peek().kind != tkEOF && !(stop != "" && p.peek().isOp(stop)) {
		p.i++
	}
	if p.i == start {
		p.unexpected(p.peek(), what)
	}
	if p.i == start+1 && (p.toks[start].kind == tkString || p.toks[start].kind == tkQuoted) {
		return p.toks[start].val
	}
	return p.src[p.toks[start].off:p.toks[p.i-1].end]
}

func (p *parser) show() Statement {
	b := p.base(p.i)
	p.next()
	first := p.peek()
	switch {
	case first.is("COLUMNS"):
		// SHOW COLUMNS FROM|IN t [[NOT] LIKE 'pattern']
		p.next()
		if !p.accept("FROM") {
			p.expect("IN")
		}
		sh := &Show{Base: b, What: "COLUMNS", Of: p.name("a table or view name")}
		p.showLike(sh)
		p.expectEnd()
		return sh
	case first.is("CREATE") && p.peekAt(1).is("CATALOG") && p.d == Flink:
		p.i += 2
		s, t := p.ident("a catalog name")
		sh := &Show{Base: b, What: "CREATE CATALOG", Of: Name{Parts: []string{s}, Pos: p.pos(t.off)}}
		p.expectEnd()
		return sh
	case first.is("CREATE") && p.peekAt(1).isAny("TABLE", "VIEW"):
		p.next()
		what := "CREATE " + p.next().val
		sh := &Show{Base: b, What: what, Of: p.name("a name")}
		p.expectEnd()
		return sh
	}
	var words []string
	extended := false
	var sh *Show
	for p.peek().kind != tkEOF {
		t := p.peek()
		if t.isAny("LIKE", "ILIKE", "FROM", "IN") || t.is("NOT") && p.peekAt(1).isAny("LIKE", "ILIKE") {
			break
		}
		p.next()
		if t.kind != tkWord {
			p.unexpected(t, "what to show")
		}
		if t.is("EXTENDED") && p.peek().kind == tkEOF {
			extended = true
			break
		}
		words = append(words, t.val)
	}
	what := strings.Join(words, " ")
	if !showTargets[what] {
		if what == "" {
			p.unexpected(first, "what to show (TABLES, VIEWS, JOBS, STREAMS, QUERIES, ...)")
		}
		p.fail(first, "cannot show %q (try TABLES, VIEWS, JOBS, FUNCTIONS, STREAMS, QUERIES or TOPICS)", p.src[first.off:p.toks[len(p.toks)-2].end])
	}
	sh = &Show{Base: b, What: what, Extended: extended}
	if p.peek().isAny("FROM", "IN") {
		// SHOW TABLES|VIEWS|FUNCTIONS FROM|IN [catalog.]database, SHOW
		// DATABASES FROM|IN catalog.
		p.next()
		at := p.peek()
		sh.Of = p.name("a database name")
		switch {
		case what == "DATABASES" && len(sh.Of.Parts) > 1:
			p.fail(at, "Show databases from/in identifier [ %s ] format error, catalog must be a single part identifier.", sh.Of)
		case len(sh.Of.Parts) > 2:
			p.fail(at, "a database is named database or catalog.database, not %s", sh.Of)
		}
	}
	p.showLike(sh)
	p.expectEnd()
	return sh
}

// showLike parses an optional [NOT] LIKE 'pattern' of SHOW.
func (p *parser) showLike(sh *Show) {
	if p.peek().is("NOT") && p.peekAt(1).isAny("LIKE", "ILIKE") {
		p.next()
		sh.NotLike = true
	}
	if p.peek().is("ILIKE") {
		sh.ILike = true
	}
	if p.accept("LIKE") || p.accept("ILIKE") {
		sh.Like = p.stringLit("a LIKE pattern string")
		sh.HasLike = true
	}
}

func (p *parser) describe() Statement {
	b := p.base(p.i)
	p.next()
	ext := p.accept("EXTENDED")
	if p.peek().isAny("STREAMS", "TABLES") && (p.peekAt(1).kind == tkEOF || p.peekAt(1).is("EXTENDED") && p.peekAt(2).kind == tkEOF) {
		what := p.next().val
		ext = p.accept("EXTENDED") || ext
		return &Show{Base: b, What: what, Extended: ext}
	}
	if p.d == Flink && p.peek().is("CATALOG") && p.peekAt(1).kind != tkEOF {
		p.next()
		dc := &DescribeCatalog{Base: b, Extended: p.accept("EXTENDED") || ext}
		s, t := p.ident("a catalog name")
		dc.Name = Name{Parts: []string{s}, Pos: p.pos(t.off)}
		p.expectEnd()
		return dc
	}
	if p.peek().isAny("FUNCTION", "CONNECTOR") && p.peekAt(1).kind != tkEOF {
		p.fail(p.peek(), "DESCRIBE %s is not supported", p.peek().val)
	}
	n := p.name("a table or stream name")
	if p.accept("EXTENDED") {
		ext = true
	}
	p.expectEnd()
	return &Describe{Base: b, Name: n, Extended: ext}
}

func (p *parser) stopJob() Statement {
	b := p.base(p.i)
	p.expect("STOP")
	p.expect("JOB")
	t := p.peek()
	if t.kind != tkString && !t.isName() {
		p.unexpected(t, "a job id string")
	}
	p.next()
	sj := &StopJob{Base: b, ID: t.val}
	if t.kind == tkWord {
		sj.ID = t.text
	}
	for p.accept("WITH") {
		switch t := p.next(); {
		case t.is("SAVEPOINT"):
			sj.Savepoint = true
		case t.is("DRAIN"):
			sj.Drain = true
		default:
			p.unexpected(t, "SAVEPOINT or DRAIN")
		}
	}
	p.expectEnd()
	return sj
}
