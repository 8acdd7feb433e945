package sql

import (
	"fmt"
	"strconv"
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	_ "github.com/pingcap/tidb/pkg/parser/test_driver" // literal values for tidb's AST
)

// A query goes through four steps:
//  1. ksqlDB only: the WINDOW, EMIT and PARTITION BY clauses are parsed here
//     and left out of the text (ksqlClauses);
//  2. the tokens are rewritten into MySQL that tidb accepts (rewrite.go);
//  3. tidb parses it (parseTiDB), its errors mapped back to the user's text;
//  4. tidb's AST is converted into ours (convert.go).

// tidbParsers holds tidb parsers; a *tidb.Parser keeps scratch state and
// must not be shared by goroutines, so each parse takes its own.

// valuesRows parses "VALUES (a, b), (c, d)" filling toks[lo:hi].
func (p *parser) valuesRows(lo, hi int) [][]Expr {
	save := p.i
	defer func() { p.i = save }()
	p.i = lo
	p.expect("VALUES")
	var rows [][]Expr
	for {
		open := p.expectOp("(")
		close := p.matching(p.i - 1)
		if close == p.i {
			p.fail(p.toks[close], "a VALUES row needs at least one value")
		}
		row := p.exprList(p.i, close)
		if len(rows) > 0 && len(row) != len(rows[0]) {
			p.fail(open, "VALUES rows have %d and %d values", len(rows[0]), len(row))
		}
		rows = append(rows, row)
		p.i = close + 1
		if p.i >= hi || !p.acceptOp(",") {
			break
		}
	}
	if p.i != hi {
		p.unexpected(p.toks[p.i], "\",\" or the end of VALUES")
	}
	return rows
}

// query parses toks[lo:hi] as a query.
func (p *parser) query(lo, hi int) *Select {
	first := p.toks[lo]
	// VALUES ... or (VALUES ...) alone is SELECT * FROM (VALUES ...).
	vlo, vhi := lo, hi
	for p.toks[vlo].isOp("(") && p.brackets()[vlo] == vhi-1 {
		vlo, vhi = vlo+1, vhi-1
	}
	if p.toks[vlo].is("VALUES") {
		v := &Values{Rows: p.valuesRows(vlo, vhi), Pos: p.pos(p.toks[vlo].off)}
		return &Select{Pos: v.Pos, Items: []SelectItem{{Star: true, Pos: v.Pos}}, From: v}
	}
	if !first.isAny("SELECT", "WITH") && !first.isOp("(") {
		p.unexpected(first, "SELECT")
	}
	r := newRewriter(p)
	r.endOff = p.toks[hi].off
	var kc ksqlClauses
	if p.d == KSQL {
		kc = p.ksqlClauses(lo, hi, r)
	}
	r.level(lo, hi, levelCtx{})
	node := r.parseTiDB()
	c := &converter{p: p, r: r}
	var sel *Select
	switch n := node.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		sel = c.query(n)
	default:
		p.fail(first, "expected a query")
	}
	sel.Window = kc.window
	sel.Emit = kc.emit
	if kc.pbHi > kc.pbLo {
		sel.PartitionBy = p.exprList(kc.pbLo, kc.pbHi)
	}
	return sel
}

// exprList parses toks[lo:hi] as a comma-separated list of expressions.
func (p *parser) exprList(lo, hi int) []Expr {
	if lo >= hi {
		p.fail(p.toks[lo], "expected an expression, found %s", describe(p.toks[lo]))
	}
	r := newRewriter(p)
	r.endOff = p.toks[hi].off
	r.emit("SELECT", p.toks[lo].off, false)
	r.level(lo, hi, levelCtx{})
	node := r.parseTiDB()
	sel, ok := node.(*ast.SelectStmt)
	if !ok || sel.From != nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Limit != nil || sel.Distinct || sel.Fields == nil {
		p.fail(p.toks[lo], "expected an expression")
	}
	c := &converter{p: p, r: r}
	var out []Expr
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil || f.Expr == nil {
			p.fail(p.toks[lo], "expected an expression, found *")
		}
		if f.AsName.O != "" {
			c.fail(f.Offset, "unexpected alias %q", f.AsName.O)
		}
		out = append(out, c.expr(f.Expr))
	}
	return out
}

// tvfParams are the parameters of the window TVFs after DATA and TIMECOL;
// the required ones come first.
var tvfParams = map[string]struct {
	params   []string
	required int
}{
	"TUMBLE":   {[]string{"SIZE", "OFFSET"}, 1},
	"HOP":      {[]string{"SLIDE", "SIZE", "OFFSET"}, 2},
	"CUMULATE": {[]string{"STEP", "SIZE", "OFFSET"}, 2},
	"SESSION":  {[]string{"GAP"}, 1},
}

// windowTVF parses the call TUMBLE|HOP|CUMULATE|SESSION(args) whose name
// is at fn and whose parentheses are at open / close.
func (p *parser) windowTVF(r *rewriter, fn, open, close int) *WindowTVF {
	save := p.i
	defer func() { p.i = save }()
	ft := p.toks[fn]
	spec := tvfParams[ft.val]
	w := &WindowTVF{Func: ft.val}
	args := map[string]Expr{}
	haveData, haveTime := false, false
	positional := 0
	for _, a := range r.commas(open+1, close) {
		lo, hi := a[0], a[1]
		if lo == hi {
			p.unexpected(p.toks[lo], "an argument")
		}
		param := ""
		if p.toks[lo].isName() && lo+1 < hi && p.toks[lo+1].isOp("=>") {
			param = strings.ToUpper(p.toks[lo].val)
			lo += 2
		} else if positional < 0 {
			p.fail(p.toks[lo], "positional argument after a named one")
		}
		if param == "" {
			switch positional {
			case 0:
				param = "DATA"
			case 1:
				param = "TIMECOL"
			default:
				if positional-2 >= len(spec.params) {
					p.fail(p.toks[lo], "too many arguments for %s", w.Func)
				}
				param = spec.params[positional-2]
			}
			positional++
		} else {
			positional = -1
		}
		switch param {
		case "DATA":
			if haveData {
				p.fail(p.toks[lo], "DATA given twice")
			}
			haveData = true
			w.Input, w.PartitionBy = p.tvfData(lo, hi)
		case "TIMECOL":
			if haveTime {
				p.fail(p.toks[lo], "TIMECOL given twice")
			}
			haveTime = true
			p.i = lo
			p.expect("DESCRIPTOR")
			p.expectOp("(")
			name, nt := p.ident("a time column")
			w.Descriptor, w.DescPos = name, p.pos(nt.off)
			p.expectOp(")")
			if p.i != hi {
				p.unexpected(p.toks[p.i], "\",\"")
			}
		default:
			known := false
			for _, s := range spec.params {
				known = known || s == param
			}
			if !known {
				p.fail(p.toks[max(lo-2, open+1)], "%s has no parameter %s (it takes DATA, TIMECOL, %s)", w.Func, param, strings.Join(spec.params, ", "))
			}
			if args[param] != nil {
				p.fail(p.toks[lo], "%s given twice", param)
			}
			args[param] = p.oneExpr(lo, hi)
		}
	}
	if !haveData || !haveTime {
		p.fail(ft, "%s needs a table (TABLE t) and a time column (DESCRIPTOR(c))", w.Func)
	}
	for k, s := range spec.params {
		e := args[s]
		if e == nil {
			if k < spec.required {
				p.fail(ft, "%s needs %s", w.Func, s)
			}
			continue
		}
		w.Args = append(w.Args, e)
		w.Named = append(w.Named, s)
	}
	return w
}

// tvfData parses the DATA argument of a window TVF: TABLE name [PARTITION
// BY cols] or a parenthesized query.
func (p *parser) tvfData(lo, hi int) (From, []string) {
	t := p.toks[lo]
	if t.isOp("(") {
		m := p.matching(lo)
		if m != hi-1 {
			p.unexpected(p.toks[m+1], "\",\"")
		}
		return &Subquery{Query: p.query(lo+1, m)}, nil
	}
	p.i = lo
	p.expect("TABLE")
	if p.peek().isOp("(") {
		m := p.matching(p.i)
		if m != hi-1 {
			p.unexpected(p.toks[m+1], "\",\"")
		}
		return &Subquery{Query: p.query(p.i+1, m)}, nil
	}
	ref := &TableRef{Name: p.name("a table name")}
	var part []string
	if p.acceptSeq("PARTITION", "BY") {
		// PARTITION BY a, b would be read as two arguments: several
		// columns need parentheses.
		part = p.parenIdents()
	}
	if p.i != hi {
		p.unexpected(p.toks[p.i], "\",\"")
	}
	return ref, part
}

// parseTiDB hands the rewritten text to tidb and maps its errors back.
func (r *rewriter) parseTiDB() (node ast.StmtNode) {
	text := string(r.out)
	// A fresh parser per statement: tidb's AST nodes point into the
	// parser's scratch state, so a pooled parser reused by another goroutine
	// would write into nodes this one is still converting.
	tp := tidb.New()
	mode := mysql.ModePipesAsConcat | mysql.ModeNoBackslashEscapes
	if r.p.d == KSQL {
		mode |= mysql.ModeANSIQuotes
	}
	tp.SetSQLMode(mode)
	var stmts []ast.StmtNode
	var err error
	func() {
		defer func() {
			if x := recover(); x != nil {
				err = fmt.Errorf("tidb parser failed: %v", x)
			}
		}()
		stmts, _, err = tp.ParseSQL(text)
	}()
	if err != nil {
		panic(parseError{r.translate(err, text)})
	}
	if len(stmts) != 1 {
		panic(parseError{r.p.errAt(r.origOf(0), "expected one statement")})
	}
	return stmts[0]
}

// translate turns tidb's error `line L column C near "rest of text"` into
// an *Error at the offending token of the user's text.
func (r *rewriter) translate(err error, text string) *Error {
	msg := err.Error()
	k := strings.Index(msg, ` near "`)
	if !strings.HasPrefix(msg, "line ") || k < 0 {
		// Not a syntax error, e.g. "[types:1367]Illegal double '1e400'
		// value found during parsing": drop the code, find the token.
		if j := strings.Index(msg, "]"); strings.HasPrefix(msg, "[") && j > 0 {
			msg = msg[j+1:]
		}
		off := r.origOf(0)
		if a := strings.Index(msg, "'"); a >= 0 {
			if b := strings.Index(msg[a+1:], "'"); b > 0 {
				quoted := msg[a+1 : a+1+b]
				for _, t := range r.p.toks {
					if t.text == quoted && t.off >= off {
						off = t.off
						break
					}
				}
			}
		}
		return r.p.errAt(off, "%s", msg)
	}
	rest := msg[k+len(` near "`):]
	off := -1
	if j := strings.LastIndex(rest, "(total length "); j >= 0 {
		if n, e := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest[j+len("(total length "):]), ")")); e == nil && n <= len(text) {
			off = len(text) - n
		}
	}
	if off < 0 {
		// near holds the text from the bad token to the end.
		for c := 0; c <= len(text); c++ {
			if n := len(text) - c; len(rest) > n && rest[n] == '"' && rest[:n] == text[c:] {
				off = c
				break
			}
		}
	}
	if off < 0 {
		return r.p.errAt(r.origOf(0), "syntax error")
	}
	for off < len(text) && text[off] == ' ' {
		off++
	}
	orig := r.origOf(off)
	if off >= len(text) && len(r.segs) > 0 {
		// tidb hit the end of its text; in the user's text that is where
		// the last token we passed on ends (before any clause parsed
		// elsewhere, like EMIT CHANGES).
		last := r.segs[len(r.segs)-1]
		orig = last.orig
		for _, t := range r.p.toks {
			if t.off == last.orig {
				orig = t.end
				break
			}
		}
	}
	// Find the user's token there, and see whether it or the word before
	// it is a misspelt keyword (SELECT a FORM t fails at t).
	idx := -1
	for i, t := range r.p.toks {
		if t.off <= orig && orig < t.end || t.kind == tkEOF && t.off == orig {
			idx = i
			break
		}
		if t.off > orig {
			idx = i
			break
		}
	}
	if idx < 0 {
		idx = len(r.p.toks) - 1
	}
	t := r.p.toks[idx]
	if t.kind == tkWord {
		if s := suggest(t.val); s != "" {
			return r.p.errAt(t.off, "syntax error (did you mean %s?)", s)
		}
	}
	if idx > 0 {
		if pt := r.p.toks[idx-1]; pt.kind == tkWord && !tidbReserved[pt.val] {
			if s := suggest(pt.val); s != "" {
				return r.p.errAt(pt.off, "syntax error (did you mean %s?)", s)
			}
		}
	}
	if t.kind == tkEOF {
		return r.p.errAt(t.off, "unexpected end of statement")
	}
	return r.p.errAt(t.off, "syntax error")
}
