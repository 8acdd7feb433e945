package sql

import (
	"fmt"
	"strings"
)

// Parse splits text into statements (separated by ';'; the last one may
// lack it) and parses each in dialect d. Positions in the result and in
// errors are relative to the whole text. On error it returns the
// statements parsed before the failing one and an *Error. Parse is safe
// for concurrent use; it never panics.
//
// "BEGIN STATEMENT SET;" and "END;" come back as *StatementSet, and so
// does the prefix of "EXECUTE STATEMENT SET BEGIN INSERT ...", before
// its INSERT.
func Parse(text string, d Dialect) (stmts []Statement, err error) {
	defer func() {
		if r := recover(); r != nil {
			stmts = nil
			err = &Error{Pos: Pos{Line: 1, Col: 1}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	return parseText(text, d)
}

// ParseExpr parses a single expression, e.g. a computed column or a
// filter given on the command line. Errors are *Error; it is safe for
// concurrent use.
func ParseExpr(text string, d Dialect) (e Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e = nil
			err = &Error{Pos: Pos{Line: 1, Col: 1}, Msg: fmt.Sprintf("internal parser error: %v", r)}
		}
	}()
	return parseExprText(text, d)
}

// parseText is Parse without the safety net, so that tests and the fuzzer
// see panics.
func parseText(text string, d Dialect) ([]Statement, error) {
	toks, lerr := lex(text, 0, len(text))
	li := newLineIndex(text)
	pieces, tail, _ := splitPieces(toks)
	if lerr == nil && len(tail) > 0 {
		pieces = append(pieces, tail)
	}
	var out []Statement
	for _, pc := range pieces {
		p := newParser(text, li, d, pc)
		st, prefix, err := p.parseStatement()
		if err != nil {
			return out, err
		}
		if prefix != nil {
			out = append(out, prefix)
		}
		if st != nil {
			b := st.base()
			b.Warnings = append(b.Warnings, *p.notes...)
			out = append(out, st)
		}
	}
	if lerr != nil {
		return out, &Error{Pos: li.pos(lerr.off), Msg: lerr.msg, Near: nearText(text[lerr.off:])}
	}
	return out, nil
}

func parseExprText(text string, d Dialect) (Expr, error) {
	toks, lerr := lex(text, 0, len(text))
	li := newLineIndex(text)
	if lerr != nil {
		return nil, &Error{Pos: li.pos(lerr.off), Msg: lerr.msg, Near: nearText(text[lerr.off:])}
	}
	p := newParser(text, li, d, toks)
	var e Expr
	err := p.guard(func() {
		if p.peek().kind == tkEOF {
			p.fail(p.peek(), "expected an expression")
		}
		exprs := p.exprList(0, len(p.toks)-1)
		if len(exprs) != 1 {
			p.fail(p.toks[0], "expected one expression, found %d", len(exprs))
		}
		e = exprs[0]
	})
	return e, err
}

// parser parses one statement. It holds the statement's tokens, ended by
// a tkEOF token placed at the end of the statement text.
type parser struct {
	src   string // the whole input
	lines *lineIndex
	d     Dialect
	toks  []token
	i     int
	match []int // see brackets
	// notes collect the statement's Notes (shared by the parsers of its
	// hint comments).
	notes *[]string
}

// note records a warning about a part of the statement that has no
// effect, once.
func (p *parser) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, n := range *p.notes {
		if n == msg {
			return
		}
	}
	*p.notes = append(*p.notes, msg)
}

func newParser(src string, li *lineIndex, d Dialect, toks []token) *parser {
	end := 0
	if len(toks) > 0 {
		end = toks[len(toks)-1].end
	}
	all := make([]token, len(toks), len(toks)+1)
	copy(all, toks)
	all = append(all, token{kind: tkEOF, off: end, end: end})
	return &parser{src: src, lines: li, d: d, toks: all, notes: new([]string)}
}

// guard runs f and turns a parse failure raised inside it into an error.
func (p *parser) guard(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			err = pe.err
		}
	}()
	f()
	return nil
}

// parseStatement parses the statement held by p. A statement that starts
// a statement set as well (EXECUTE STATEMENT SET BEGIN INSERT ...) comes
// back with the BEGIN as its prefix.
func (p *parser) parseStatement() (st, prefix Statement, err error) {
	err = p.guard(func() {
		// Statement sets: BEGIN STATEMENT SET; ... END;
		switch {
		case p.peek().is("BEGIN") && p.peekAt(1).is("STATEMENT") && p.peekAt(2).is("SET") && p.peekAt(3).kind == tkEOF:
			st = &StatementSet{Base: p.base(p.i)}
			return
		case p.peek().is("END") && p.peekAt(1).kind == tkEOF:
			st = &StatementSet{Base: p.base(p.i), End: true}
			return
		case p.peek().is("EXECUTE") && p.peekAt(1).is("STATEMENT") && p.peekAt(2).is("SET") && p.peekAt(3).is("BEGIN"):
			prefix = &StatementSet{Base: p.base(p.i)}
			p.i += 4
		case p.peek().is("EXECUTE") && p.peekAt(1).isAny("INSERT", "SELECT"):
			p.i++
		}
		st = p.statement()
	})
	return st, prefix, err
}

// statement parses the statement that starts at p.i and runs to the end.
func (p *parser) statement() Statement {
	t := p.peek()
	if t.kind == tkOp && t.text == "(" {
		return p.queryStatement()
	}
	if t.kind != tkWord {
		p.fail(t, "expected a statement, found %s", describe(t))
	}
	switch t.val {
	case "SELECT", "WITH":
		return p.queryStatement()
	case "CREATE":
		return p.create()
	case "DROP":
		return p.drop()
	case "INSERT":
		return p.insert()
	case "EXPLAIN":
		return p.explain()
	case "SET":
		return p.set()
	case "RESET", "UNSET":
		return p.reset()
	case "SHOW", "LIST":
		return p.show()
	case "DESCRIBE", "DESC":
		return p.describe()
	case "STOP":
		return p.stopJob()
	case "TERMINATE":
		return p.terminate()
	case "PRINT":
		return p.print()
	case "HELP":
		b := p.base(p.i)
		p.next()
		p.expectEnd()
		return &Help{Base: b}
	case "QUIT", "EXIT":
		b := p.base(p.i)
		p.next()
		p.expectEnd()
		return &Quit{Base: b}
	case "ALTER":
		return p.alter()
	case "USE":
		if p.d == Flink {
			return p.use()
		}
		p.fail(t, "%s statements are not supported", t.val)
	case "ADD", "REMOVE":
		if p.d == Flink && p.peekAt(1).is("JAR") {
			b := p.base(p.i)
			remove := p.next().is("REMOVE")
			p.next()
			j := &Jar{Base: b, Remove: remove, Path: p.stringLit("a jar path")}
			p.expectEnd()
			return j
		}
	case "LOAD", "UNLOAD":
		if p.d == Flink && p.peekAt(1).is("MODULE") {
			return p.module()
		}
		p.fail(t, "%s statements are not supported", t.val)
	case "DELETE", "UPDATE", "ANALYZE", "TRUNCATE", "CALL":
		p.fail(t, "%s statements are not supported", t.val)
	}
	if s := suggest(t.val); s != "" {
		p.fail(t, "unknown statement %s (did you mean %s?)", describe(t), s)
	}
	p.fail(t, "unknown statement %s", describe(t))
	return nil
}

// queryStatement is a bare query.
func (p *parser) queryStatement() Statement {
	b := p.base(p.i)
	q := p.query(p.i, len(p.toks)-1)
	p.i = len(p.toks) - 1
	return &Query{Base: b, Select: q}
}

// base makes the Base of a statement starting at token index i and running
// to the end of the tokens.
func (p *parser) base(i int) Base {
	last := len(p.toks) - 2
	if last < i {
		last = i
	}
	start := p.toks[i].off
	end := hintTail(p.src, p.toks[last].end)
	if end < start {
		end = start
	}
	return Base{Start: p.lines.pos(start), Text: p.src[start:end]}
}

func (p *parser) peek() token { return p.toks[p.i] }

func (p *parser) peekAt(k int) token {
	if p.i+k >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.i+k]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tkEOF {
		p.i++
	}
	return t
}

// accept consumes the word w (upper-case) if it comes next.
func (p *parser) accept(w string) bool {
	if p.peek().is(w) {
		p.i++
		return true
	}
	return false
}

// acceptSeq consumes the words ws if they all come next.
func (p *parser) acceptSeq(ws ...string) bool {
	for k, w := range ws {
		if !p.peekAt(k).is(w) {
			return false
		}
	}
	p.i += len(ws)
	return true
}

func (p *parser) acceptOp(op string) bool {
	if p.peek().isOp(op) {
		p.i++
		return true
	}
	return false
}

func (p *parser) expect(w string) token {
	t := p.peek()
	if !t.is(w) {
		p.unexpected(t, w)
	}
	p.i++
	return t
}

func (p *parser) expectOp(op string) token {
	t := p.peek()
	if !t.isOp(op) {
		p.unexpected(t, fmt.Sprintf("%q", op))
	}
	p.i++
	return t
}

func (p *parser) expectEnd() {
	if t := p.peek(); t.kind != tkEOF {
		p.unexpected(t, "end of statement")
	}
}

// unexpected fails at t, saying what was expected.
func (p *parser) unexpected(t token, expected string) {
	msg := fmt.Sprintf("unexpected %s, expected %s", describe(t), expected)
	if t.kind == tkWord {
		if s := suggest(t.val); s != "" && strings.Contains(expected, s) {
			msg += fmt.Sprintf(" (did you mean %s?)", s)
		}
	}
	p.fail(t, "%s", msg)
}

// fail aborts the statement with an error at token t.
func (p *parser) fail(t token, format string, args ...any) {
	panic(parseError{p.errAt(t.off, format, args...)})
}

// errAt makes an *Error at byte offset off of the user's text, with the
// token found there as Near.
func (p *parser) errAt(off int, format string, args ...any) *Error {
	e := &Error{Pos: p.lines.pos(off), Msg: fmt.Sprintf(format, args...)}
	for _, t := range p.toks {
		if t.off == off && t.kind != tkEOF {
			e.Near = nearText(t.text)
			break
		}
	}
	return e
}

// pos is the position of byte offset off.
func (p *parser) pos(off int) Pos { return p.lines.pos(off) }

// normIdent is the name a word or quoted identifier stands for: ksqlDB
// upper-cases unquoted identifiers, Flink keeps them as written.
func (p *parser) normIdent(t token) string {
	if t.kind == tkQuoted {
		return t.val
	}
	if p.d == KSQL {
		return strings.ToUpper(t.text)
	}
	return t.text
}

// ident consumes an identifier.
func (p *parser) ident(what string) (string, token) {
	t := p.peek()
	if !t.isName() {
		p.unexpected(t, what)
	}
	p.i++
	return p.normIdent(t), t
}

// name consumes a possibly qualified name a.b.c.
func (p *parser) name(what string) Name {
	s, t := p.ident(what)
	n := Name{Parts: []string{s}, Pos: p.pos(t.off)}
	for p.peek().isOp(".") && p.peekAt(1).isName() {
		p.i++
		s, _ := p.ident(what)
		n.Parts = append(n.Parts, s)
	}
	return n
}

// matching returns the index of the bracket matching the one at i; it
// fails if the statement's brackets are unbalanced.
func (p *parser) matching(i int) int {
	m := p.brackets()[i]
	if m < 0 {
		p.fail(p.toks[i], "unexpected %s", describe(p.toks[i]))
	}
	return m
}

// DetectDialect guesses the dialect of text: KSQL if it shows ksqlDB-only
// syntax (CREATE STREAM, kafka_topic / value_format options, EMIT
// CHANGES, WINDOW TUMBLING|HOPPING|SESSION, PRINT, TERMINATE, SHOW|LIST
// STREAMS|QUERIES|TOPICS, ...), Flink otherwise. Words inside strings
// and comments do not count, except option names written as strings.
func DetectDialect(text string) Dialect {
	toks, _ := lex(text, 0, len(text))
	stmtStart := true
	for i, t := range toks {
		nextIs := func(k int, ws ...string) bool {
			return i+k < len(toks) && toks[i+k].isAny(ws...)
		}
		switch {
		case t.isOp(";"):
			stmtStart = true
			continue
		case t.kind == tkWord || t.kind == tkString:
			v := strings.ToUpper(t.val)
			switch v {
			case "KAFKA_TOPIC", "VALUE_FORMAT", "KEY_FORMAT":
				return KSQL
			}
			if t.kind != tkWord {
				break
			}
			switch {
			case v == "STREAM" && i > 0 && toks[i-1].isAny("CREATE", "REPLACE", "SOURCE", "DROP"):
				return KSQL
			case v == "SOURCE" && i > 0 && toks[i-1].isAny("CREATE", "REPLACE") && nextIs(1, "TABLE", "STREAM"):
				return KSQL
			case v == "EMIT" && nextIs(1, "CHANGES", "FINAL"):
				return KSQL
			case v == "WINDOW" && (nextIs(1, "TUMBLING", "HOPPING", "SESSION") || nextIs(2, "TUMBLING", "HOPPING", "SESSION")):
				return KSQL
			case stmtStart && (v == "PRINT" || v == "TERMINATE" || v == "UNSET" || v == "LIST"):
				return KSQL
			case stmtStart && (v == "SHOW" || v == "DESCRIBE") && nextIs(1, "STREAMS", "QUERIES", "TOPICS", "PROPERTIES", "ALL", "CONNECTORS", "TYPES", "VARIABLES"):
				return KSQL
			}
		case t.isOp("->"):
			return KSQL
		}
		stmtStart = false
	}
	return Flink
}
