package sql

import (
	"sort"
	"strconv"
	"strings"

	tidb "github.com/pingcap/tidb/pkg/parser"
)

// The rewriter turns the tokens of a query (or of an expression list) into
// text that tidb's MySQL parser accepts. Everything tidb does not know is
// handled here and replaced by a placeholder: an identifier "__tbN" (for a
// table, a window TVF, an INTERVAL, a typed literal, ...) or a function
// call "__tbN(...)" (for every function call, CAST, EXTRACT, ->, [i],
// ARRAY[..], MAP(..), STRUCT(..), FILTER). The placeholder's meaning is
// kept in r.phs[N], and the converter puts it back.
//
// The rewritten text is not laid out like the user's: tokens are joined by
// single spaces. Instead every piece of output records the user offset it
// came from (segments), so an offset reported by tidb, in an error or in
// OriginTextPosition, maps back to the user's text exactly.

// phKind is what a placeholder stands for.
type phKind int

const (
	phExpr     phKind = iota // identifier standing for expr (INTERVAL, typed literal, CURRENT_TIMESTAMP)
	phCall                   // __tbN(args): a function call
	phCast                   // __tbN(x): CAST / TRY_CAST
	phExtract                // __tbN(x): EXTRACT(unit FROM x)
	phField                  // __tbN(x): x->field
	phIndex                  // __tbN(x, i): x[i]
	phArray                  // __tbN(elems): ARRAY[...]
	phMap                    // __tbN(k, v, ...): MAP[...] / MAP(k := v)
	phStruct                 // __tbN(vals): STRUCT(a := x, ...)
	phRow                    // __tbN(vals): ROW(x, y)
	phFilter                 // __tbN(call, cond): call FILTER (WHERE cond)
	phTable                  // table name
	phTVF                    // window table-valued function in FROM
	phValues                 // (VALUES ...) in FROM
	phGrouping               // __tbN(elems): GROUPING SETS / ROLLUP / CUBE; name is the kind
	phGroupSet               // __tbN(exprs): a parenthesized set inside one
)

type placeholder struct {
	kind     phKind
	off      int // user offset of the construct
	expr     Expr
	name     string // phCall: function name; phField: field; phExtract: unit
	written  string // phCall: the function name as written
	typ      TypeName
	try      bool
	distinct bool
	star     bool
	names    []string
	argOff   int // phExtract: the unit
	table    *TableRef
	tvf      *WindowTVF
	values   *Values
}

const phPrefix = "__tb"

// segment maps out[out:out+n] to the user's text at orig. For an exact
// segment the bytes are the same; otherwise every offset inside maps to
// orig.
type segment struct {
	out, orig, n int
	exact        bool
}

type rewriter struct {
	// stateTTL are the STATE_TTL hints of each SELECT, by the offset of its
	// keyword.
	stateTTL map[int][]Option
	p        *parser
	toks     []token
	match    []int // index of the bracket matching toks[i], or -1
	out      []byte
	segs     []segment
	phs      []*placeholder
	// selects holds the output and user offsets of each SELECT keyword.
	selects [][2]int
	// limits holds the user offsets of LIMIT counts, in text order (tidb
	// gives them no position).
	limits []int
	// starWindow holds output offsets of native window calls written f(*).
	starWindow map[int]bool
	blank      map[int]bool     // tokens left out (ksqlDB clauses parsed elsewhere)
	prefix     map[int][]string // text inserted before a token (postfix operators), innermost first
	prefixDone map[int]bool
	replace    map[int]string // replacement text of a token
	skip       map[int]bool   // tokens swallowed by a replacement
	subscript  map[int]bool   // '[' tokens that index
	endOff     int            // user offset of the end of the rewritten range
}

func newRewriter(p *parser) *rewriter {
	r := &rewriter{
		p: p, toks: p.toks,
		starWindow: map[int]bool{}, blank: map[int]bool{}, prefix: map[int][]string{},
		prefixDone: map[int]bool{}, replace: map[int]string{}, skip: map[int]bool{},
		subscript: map[int]bool{},
	}
	r.match = p.brackets()
	return r
}

// brackets returns, for each token, the index of the bracket matching it
// (-1 for other tokens), computed once per statement; it fails on
// unbalanced brackets.
func (p *parser) brackets() []int {
	if p.match != nil {
		return p.match
	}
	match := make([]int, len(p.toks))
	var stack []int
	for i, t := range p.toks {
		match[i] = -1
		if t.kind != tkOp {
			continue
		}
		switch t.text {
		case "(", "[":
			stack = append(stack, i)
		case ")", "]":
			if len(stack) == 0 {
				p.fail(t, "unbalanced %q", t.text)
			}
			o := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if (p.toks[o].text == "(") != (t.text == ")") {
				p.fail(t, "%q does not match %q", t.text, p.toks[o].text)
			}
			match[o], match[i] = i, o
		}
	}
	if len(stack) > 0 {
		p.fail(p.toks[stack[len(stack)-1]], "%q is never closed", p.toks[stack[len(stack)-1]].text)
	}
	p.match = match
	return match
}

// emit appends s, which stands for the user's text at orig. Pieces are
// separated by a space, except around '.'.
func (r *rewriter) emit(s string, orig int, exact bool) {
	if len(r.out) > 0 && r.out[len(r.out)-1] != '.' && !strings.HasPrefix(s, ".") {
		r.out = append(r.out, ' ')
	}
	r.segs = append(r.segs, segment{out: len(r.out), orig: orig, n: len(s), exact: exact})
	r.out = append(r.out, s...)
}

// copyTok emits token t as written (ksqlDB words upper-cased).
func (r *rewriter) copyTok(t token) {
	s := t.text
	if t.kind == tkWord && r.p.d == KSQL {
		s = strings.ToUpper(s)
	}
	r.emit(s, t.off, len(s) == len(t.text))
}

// origOf maps an offset of the output to the user's text.
func (r *rewriter) origOf(out int) int {
	if out >= len(r.out) {
		return r.endOff
	}
	k := sort.Search(len(r.segs), func(i int) bool { return r.segs[i].out > out }) - 1
	if k < 0 {
		return r.segs[0].orig
	}
	s := r.segs[k]
	if out >= s.out+s.n {
		if k+1 < len(r.segs) {
			return r.segs[k+1].orig
		}
		return r.endOff
	}
	if s.exact {
		return s.orig + out - s.out
	}
	return s.orig
}

func (r *rewriter) newPH(kind phKind, off int) (*placeholder, string) {
	ph := &placeholder{kind: kind, off: off}
	r.phs = append(r.phs, ph)
	return ph, phPrefix + strconv.Itoa(len(r.phs)-1)
}

// lookupName reports whether a user's word looks like a placeholder.
func (r *rewriter) lookupName(w string) bool {
	if len(w) <= len(phPrefix) || !strings.EqualFold(w[:len(phPrefix)], phPrefix) {
		return false
	}
	_, err := strconv.Atoi(w[len(phPrefix):])
	return err == nil
}

// lookup returns the placeholder named name, or nil.
func (r *rewriter) lookup(name string) *placeholder {
	if len(name) <= len(phPrefix) || !strings.EqualFold(name[:len(phPrefix)], phPrefix) {
		return nil
	}
	n, err := strconv.Atoi(name[len(phPrefix):])
	if err != nil || n < 0 || n >= len(r.phs) {
		return nil
	}
	return r.phs[n]
}

func (r *rewriter) tok(i, hi int) token {
	if i >= 0 && i < hi && i < len(r.toks) {
		return r.toks[i]
	}
	return token{kind: tkEOF, off: r.toks[max(0, min(i, len(r.toks)-1))].off}
}

// levelCtx says what a bracketed level is.
type levelCtx struct {
	over      bool // inside OVER (...)
	assign    bool // ':=' separates keys and values (MAP(k := v))
	fromStart bool // a parenthesized FROM item: starts expecting a table
}

// levelState follows the clauses of one bracket level.
type levelState struct {
	inFrom      bool
	expectTable bool
	byClause    bool // in GROUP BY / ORDER BY
	groupBy     bool // in GROUP BY
	lastTable   *TableRef
	prevWord    string // GROUP / ORDER before BY
}

// level rewrites toks[lo:hi], one bracket level.
func (r *rewriter) level(lo, hi int, ctx levelCtx) {
	starts := r.postfix(lo, hi)
	r.lambdas(lo, hi)
	st := levelState{}
	if ctx.fromStart && !r.tok(lo, hi).isAny("SELECT", "WITH", "VALUES") {
		st.inFrom, st.expectTable = true, true
	}
	for i := lo; i < hi; {
		if r.blank[i] {
			i++
			continue
		}
		if pre := r.prefix[i]; len(pre) > 0 && !r.prefixDone[i] {
			r.prefixDone[i] = true
			// The last operator found wraps the others: emit it first.
			for k := len(pre) - 1; k >= 0; k-- {
				r.emit(pre[k], r.toks[i].off, false)
			}
		}
		if rep, ok := r.replace[i]; ok {
			r.emit(rep, r.toks[i].off, false)
			i++
			for i < hi && r.skip[i] {
				i++
			}
			continue
		}
		i = r.token(i, hi, ctx, &st)
	}
	for _, i := range starts {
		if !r.prefixDone[i] {
			r.p.fail(r.toks[i], "cannot apply -> or [] here")
		}
	}
}

// postfix finds the postfix operators x->f and x[i] of one level and
// records the text to insert before their operand. It returns the tokens
// that got a prefix.
func (r *rewriter) postfix(lo, hi int) []int {
	var starts []int
	// chain[j] is the operand start of a postfix chain ending at token j,
	// so that a->b->c->... stays linear.
	chain := map[int]int{}
	start := func(j int) int {
		if s, ok := chain[j]; ok {
			return s
		}
		return r.operandStart(j, lo)
	}
	for i := lo; i < hi; i++ {
		t := r.toks[i]
		if r.blank[i] {
			continue
		}
		switch {
		case t.isOp("("):
			i = r.match[i]
		case t.isOp("["):
			if i > lo && r.endsOperand(i-1) && !r.toks[i-1].isAny("ARRAY", "MAP") {
				s := start(i - 1)
				_, name := r.newPH(phIndex, r.toks[s].off)
				r.prefix[s] = append(r.prefix[s], name+"(")
				r.subscript[i] = true
				starts = append(starts, s)
				chain[r.match[i]] = s
			}
			i = r.match[i]
		case t.isOp("->"):
			if i == lo || !r.endsOperand(i-1) {
				r.p.fail(t, "-> needs a struct value on its left")
			}
			f := r.tok(i+1, hi)
			star := f.isOp("*") && r.p.d == KSQL // s->*: every field, in a select list
			if !star && (!f.isName() || f.kind == tkWord && (tableStop[f.val] || notOperand[f.val])) {
				r.p.unexpected(f, "a field name after ->")
			}
			s := start(i - 1)
			ph, name := r.newPH(phField, r.toks[s].off)
			ph.name = "*"
			if !star {
				ph.name = r.p.normIdent(f)
			}
			r.prefix[s] = append(r.prefix[s], name+"(")
			r.replace[i] = ")"
			r.skip[i+1] = true
			starts = append(starts, s)
			chain[i+1] = s
			i++
		}
	}
	return starts
}

// notOperand are words that cannot end an operand.
var notOperand = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "LIKE": true, "BETWEEN": true,
	"SELECT": true, "WHERE": true, "ON": true, "WHEN": true, "THEN": true, "ELSE": true, "CASE": true,
	"BY": true, "FROM": true, "AS": true, "HAVING": true, "DISTINCT": true, "ALL": true,
	"ARRAY": true, "MAP": true, "XOR": true, "ESCAPE": true, "LIMIT": true,
}

func (r *rewriter) endsOperand(j int) bool {
	t := r.toks[j]
	switch t.kind {
	case tkQuoted, tkString, tkNumber, tkHex:
		return true
	case tkWord:
		return !notOperand[t.val]
	case tkOp:
		return t.text == ")" || t.text == "]"
	}
	return false
}

// operandStart returns the first token of the operand that ends at j.
func (r *rewriter) operandStart(j, lo int) int {
	for {
		t := r.toks[j]
		switch {
		case t.isOp(")"):
			o := r.match[j]
			if o-1 >= lo && r.toks[o-1].kind == tkWord && !notOperand[r.toks[o-1].val] {
				return o - 1
			}
			return o
		case t.isOp("]"):
			o := r.match[j]
			if o-1 >= lo && r.toks[o-1].isAny("ARRAY", "MAP") {
				return o - 1
			}
			if o-1 < lo || !r.endsOperand(o-1) {
				r.p.fail(r.toks[o], "unexpected [")
			}
			j = o - 1
		case t.isName():
			if j-2 >= lo && (r.toks[j-1].isOp(".") || r.toks[j-1].isOp("->")) && r.endsOperand(j-2) {
				j -= 2
				continue
			}
			return j
		default:
			return j
		}
	}
}

// tidbReserved are the words tidb refuses as identifiers.
var tidbReserved = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range tidb.Keywords {
		if k.Reserved {
			m[strings.ToUpper(k.Word)] = true
		}
	}
	return m
}()

// syntaxWords are reserved words that tidb must see as keywords.
var syntaxWords = map[string]bool{
	"SELECT": true, "FROM": true, "WHERE": true, "GROUP": true, "BY": true, "HAVING": true,
	"ORDER": true, "LIMIT": true, "UNION": true, "ALL": true, "DISTINCT": true, "AS": true,
	"ON": true, "JOIN": true, "OUTER": true, "NATURAL": true, "USING": true,
	"AND": true, "OR": true, "NOT": true, "IN": true, "IS": true, "NULL": true, "TRUE": true,
	"FALSE": true, "LIKE": true, "BETWEEN": true, "CASE": true, "WHEN": true, "THEN": true,
	"ELSE": true, "EXISTS": true, "ASC": true, "DESC": true, "OVER": true, "INTERSECT": true,
	"EXCEPT": true, "WITH": true, "RECURSIVE": true, "VALUES": true,
}

// joinWords are keywords only when a join follows.
var joinWords = map[string]bool{"LEFT": true, "RIGHT": true, "INNER": true, "CROSS": true, "FULL": true}

// overWords are keywords inside OVER (...).
var overWords = map[string]bool{
	"PARTITION": true, "ROWS": true, "RANGE": true, "UNBOUNDED": true, "PRECEDING": true,
	"FOLLOWING": true, "CURRENT": true, "ROW": true,
}

// notFunc are words that may stand before '(' without being a function.
var notFunc = map[string]bool{
	"IN": true, "EXISTS": true, "AND": true, "OR": true, "NOT": true, "XOR": true, "VALUES": true,
	"AS": true, "ON": true, "FROM": true, "JOIN": true, "USING": true, "SELECT": true, "WHERE": true,
	"HAVING": true, "OVER": true, "FILTER": true, "TABLE": true, "LATERAL": true, "ANY": true,
	"ALL": true, "SOME": true, "BY": true, "THEN": true, "ELSE": true, "WHEN": true, "IS": true,
	"LIKE": true, "BETWEEN": true, "DISTINCT": true, "CASE": true, "UNION": true, "INTERSECT": true,
	"EXCEPT": true, "LIMIT": true, "OFFSET": true, "ESCAPE": true, "WITH": true,
	"RECURSIVE": true, "INTO": true, "SET": true, "ORDER": true, "GROUP": true, "PARTITION": true,
	"WINDOW": true, "END": true, "NULL": true, "OF": true, "FOR": true, "ASC": true, "DESC": true,
	"UNNEST": true, "PRECEDING": true, "FOLLOWING": true, "ROWS": true, "RANGE": true,
	"OUTER": true, "NATURAL": true, "CROSS": true, "INNER": true, "WITHIN": true,
}

// windowFuncs may be followed by OVER; they are left to tidb then.
var windowFuncs = map[string]bool{
	"ROW_NUMBER": true, "RANK": true, "DENSE_RANK": true, "PERCENT_RANK": true, "CUME_DIST": true,
	"NTILE": true, "LEAD": true, "LAG": true, "FIRST_VALUE": true, "LAST_VALUE": true,
	"NTH_VALUE": true, "COUNT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
}

// tableStop are words that cannot be a table name after FROM / JOIN: the
// syntax words and these.
var tableStop = func() map[string]bool {
	m := map[string]bool{
		"INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true,
		"WINDOW": true, "EMIT": true, "PARTITION": true,
	}
	for w := range syntaxWords {
		m[w] = true
	}
	return m
}()

var tvfNames = map[string]bool{"TUMBLE": true, "HOP": true, "CUMULATE": true, "SESSION": true}

// niladic are functions written without parentheses.
var niladic = map[string]bool{
	"CURRENT_TIMESTAMP": true, "CURRENT_DATE": true, "CURRENT_TIME": true, "LOCALTIME": true,
	"LOCALTIMESTAMP": true,
}

// token rewrites the token at i and returns the index of the next one.
func (r *rewriter) token(i, hi int, ctx levelCtx, st *levelState) int {
	t := r.toks[i]
	switch t.kind {
	case tkWord:
		return r.word(i, hi, ctx, st)
	case tkQuoted:
		if st.inFrom && st.expectTable {
			return r.tableName(i, hi, st)
		}
		if r.tok(i+1, hi).isOp("(") {
			return r.call(i, hi)
		}
		r.emitQuoted(t)
		return i + 1
	case tkNumber:
		if i > 0 && r.toks[i-1].is("LIMIT") {
			r.limits = append(r.limits, t.off)
		}
		if st.byClause && i > 0 && (r.toks[i-1].is("BY") || r.toks[i-1].isOp(",")) {
			if n := r.tok(i+1, hi); n.kind == tkEOF || n.isOp(",") || n.kind == tkWord {
				// tidb reads GROUP BY 1 as a column position; SQL means the
				// constant.
				r.emit("(", t.off, false)
				r.copyTok(t)
				r.emit(")", t.off, false)
				return i + 1
			}
		}
		r.copyTok(t)
		return i + 1
	case tkString, tkHex:
		r.copyTok(t)
		return i + 1
	}
	switch t.text {
	case "(":
		if st.inFrom && st.expectTable && r.tok(i+1, hi).is("VALUES") {
			return r.valuesTable(i, hi, st)
		}
		m := r.match[i]
		inner := levelCtx{}
		if i > 0 && r.toks[i-1].is("OVER") {
			inner.over = true
		}
		if st.inFrom && st.expectTable {
			inner.fromStart = true
		}
		r.emit("(", t.off, true)
		r.level(i+1, m, inner)
		r.emit(")", r.toks[m].off, true)
		st.expectTable = false
		return m + 1
	case "[":
		if !r.subscript[i] {
			r.p.fail(t, "unexpected [")
		}
		m := r.match[i]
		if m == i+1 {
			r.p.fail(r.toks[m], "expected an index")
		}
		r.emit(",", t.off, false)
		r.level(i+1, m, levelCtx{})
		r.emit(")", r.toks[m].off, false)
		return m + 1
	case ":=":
		if ctx.assign {
			r.emit(",", t.off, false)
			return i + 1
		}
		r.p.fail(t, "':=' is only allowed in MAP(...) and STRUCT(...)")
	case "=>":
		if r.p.d == KSQL {
			r.p.fail(t, "lambda functions (x => ...) are not supported")
		}
		r.p.fail(t, "'=>' is only allowed in window function arguments")
	case "::":
		r.p.fail(t, "'::' casts are not supported; use CAST(x AS type)")
	case "{", "}", "$":
		r.p.fail(t, "unexpected %q (unreplaced template variable?)", t.text)
	case ",":
		if st.inFrom {
			st.expectTable = true
		}
	}
	r.copyTok(t)
	return i + 1
}

func (r *rewriter) emitQuoted(t token) {
	r.emit("`"+strings.ReplaceAll(t.val, "`", "``")+"`", t.off, false)
}

// word rewrites a word at i.
func (r *rewriter) word(i, hi int, ctx levelCtx, st *levelState) int {
	t := r.toks[i]
	v := t.val
	next := r.tok(i+1, hi)
	if r.lookupName(v) {
		r.p.fail(t, "names like %s0 are reserved", phPrefix)
	}
	if r.p.d == Flink && (v == "WINDOW" && next.isAny("TUMBLING", "HOPPING", "SESSION") || v == "EMIT" && next.isAny("CHANGES", "FINAL")) {
		r.p.fail(t, "%s %s is ksqlDB syntax; Flink uses window TVFs: FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '3' SECONDS))", v, next.val)
	}
	if st.inFrom && st.expectTable {
		switch {
		case v == "TABLE" && next.isOp("("):
			return r.tvf(i, hi, st, true)
		case tvfNames[v] && next.isOp("(") && (r.tok(i+2, hi).is("TABLE") || r.tok(i+3, hi).isOp("=>")):
			return r.tvf(i, hi, st, false)
		case v == "LATERAL" || v == "UNNEST":
			r.p.fail(t, "%s is not supported", v)
		case !tableStop[v]:
			return r.tableName(i, hi, st)
		}
	}
	switch v {
	case "SELECT":
		r.copyTok(t)
		r.selects = append(r.selects, [2]int{r.segs[len(r.segs)-1].out, t.off})
		r.queryHints(t.off, t.end)
		st.inFrom, st.byClause, st.groupBy = false, false, false
		return i + 1
	case "FROM":
		st.inFrom, st.expectTable, st.byClause, st.groupBy = true, true, false, false
	case "JOIN", "STRAIGHT_JOIN":
		if st.inFrom {
			st.expectTable = true
		}
	case "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "INTERSECT", "EXCEPT":
		st.inFrom, st.byClause, st.groupBy = false, false, false
		st.prevWord = v
	case "BY":
		st.byClause = st.prevWord == "GROUP" || st.prevWord == "ORDER"
		st.groupBy = st.prevWord == "GROUP"
		st.prevWord = ""
	case "FULL":
		if next.is("JOIN") || next.is("OUTER") && r.tok(i+2, hi).is("JOIN") {
			r.emit("STRAIGHT_JOIN", t.off, false)
			st.expectTable = true
			if next.is("JOIN") {
				return i + 2
			}
			return i + 3
		}
	case "FOR":
		if next.is("SYSTEM_TIME") && r.tok(i+2, hi).is("AS") && r.tok(i+3, hi).is("OF") {
			return r.forSystemTime(i, hi, st)
		}
	case "WITHIN":
		if st.inFrom && st.lastTable != nil {
			ws, end := r.p.within(i + 1)
			st.lastTable.Within = ws
			return end
		}
	case "IS":
		switch {
		case next.is("DISTINCT") && r.tok(i+2, hi).is("FROM"):
			r.emit("REGEXP", t.off, false) // converted back to IS DISTINCT FROM
			return i + 3
		case next.is("NOT") && r.tok(i+2, hi).is("DISTINCT") && r.tok(i+3, hi).is("FROM"):
			r.emit("<=>", t.off, false)
			return i + 4
		}
	case "INTERVAL":
		return r.interval(i, hi, ctx)
	case "TIMESTAMP", "DATE", "TIME":
		if next.kind == tkString {
			kind := map[string]LiteralKind{"TIMESTAMP": LitTimestamp, "DATE": LitDate, "TIME": LitTime}[v]
			ph, name := r.newPH(phExpr, t.off)
			ph.expr = &Literal{Kind: kind, Text: next.val, Pos: r.p.pos(t.off)}
			r.emit(name, t.off, false)
			return i + 2
		}
	case "CAST", "TRY_CAST":
		if next.isOp("(") {
			return r.cast(i, hi)
		}
	case "EXTRACT":
		if next.isOp("(") {
			return r.extract(i)
		}
	case "ARRAY", "MAP", "ROW", "STRUCT":
		if next.isOp("(") || (next.isOp("[") && (v == "ARRAY" || v == "MAP")) {
			if !(v == "ROW" && ctx.over) {
				return r.constructor(i)
			}
		}
	}
	if v == "WINDOW" && next.isName() && r.tok(i+2, hi).is("AS") || v == "OVER" && next.isName() {
		r.p.fail(t, "named windows (WINDOW w AS ...) are not supported; write OVER (...)")
	}
	if v == "GROUPING" && next.is("SETS") || st.byClause && (v == "CUBE" || v == "ROLLUP") && next.isOp("(") {
		if !st.groupBy {
			r.p.fail(t, "%s is only allowed in GROUP BY", strings.TrimSuffix(v+" "+next.val, " ("))
		}
		return r.groupingSets(i)
	}
	if niladic[v] && !next.isOp("(") {
		ph, name := r.newPH(phExpr, t.off)
		ph.expr = &Call{Name: v, Pos: r.p.pos(t.off)}
		r.emit(name, t.off, false)
		return i + 1
	}
	if next.isOp("(") && (!notFunc[v] || v == "FILTER" && r.p.d == KSQL) && !(ctx.over && overWords[v]) {
		return r.call(i, hi)
	}
	quote := tidbReserved[v] && !syntaxWords[v] && !(ctx.over && overWords[v])
	if joinWords[v] {
		quote = !(next.is("JOIN") || next.is("OUTER"))
	}
	if quote {
		r.emitQuoted(token{kind: tkQuoted, off: t.off, val: r.p.normIdent(t)})
		return i + 1
	}
	r.copyTok(t)
	return i + 1
}

// groupingSets rewrites GROUPING SETS (...), ROLLUP (...) or CUBE (...)
// at i in GROUP BY into __tbN(elements), where a parenthesized list of
// expressions (a set) becomes __tbM(exprs) and GROUPING SETS may hold a
// nested ROLLUP or CUBE.
func (r *rewriter) groupingSets(i int) int {
	t := r.toks[i]
	kind, open := t.val, i+1
	if kind == "GROUPING" {
		kind, open = "GROUPING SETS", i+2
	}
	if !r.toks[open].isOp("(") {
		r.p.unexpected(r.toks[open], "\"(\"")
	}
	close := r.match[open]
	ph, name := r.newPH(phGrouping, t.off)
	ph.name = kind
	r.emit(name+"(", t.off, false)
	elems := r.commas(open+1, close)
	if len(elems) == 0 {
		r.p.unexpected(r.toks[close], "a grouping set")
	}
	for n, el := range elems {
		lo, hi := el[0], el[1]
		if lo == hi {
			r.p.unexpected(r.toks[hi], "a grouping set")
		}
		if n > 0 {
			r.emit(",", r.toks[lo-1].off, true)
		}
		first := r.toks[lo]
		switch {
		case first.isOp("(") && r.match[lo] == hi-1:
			_, set := r.newPH(phGroupSet, first.off)
			r.emit(set+"(", first.off, false)
			r.level(lo+1, hi-1, levelCtx{})
			r.emit(")", r.toks[hi-1].off, false)
		case kind == "GROUPING SETS" && first.isAny("ROLLUP", "CUBE") && r.tok(lo+1, hi).isOp("(") && r.match[lo+1] == hi-1:
			r.groupingSets(lo)
		case first.isAny("ROLLUP", "CUBE", "GROUPING") && (r.tok(lo+1, hi).isOp("(") || r.tok(lo+1, hi).is("SETS")):
			r.p.fail(first, "%s cannot be nested in %s", first.val, kind)
		default:
			r.level(lo, hi, levelCtx{})
		}
	}
	r.emit(")", r.toks[close].off, false)
	return close + 1
}

// tableName rewrites a table name (a.b.c) in FROM into a placeholder.
func (r *rewriter) tableName(i, hi int, st *levelState) int {
	t := r.toks[i]
	n := Name{Parts: []string{r.p.normIdent(t)}, Pos: r.p.pos(t.off)}
	j := i + 1
	for j+1 < hi && r.toks[j].isOp(".") && r.toks[j+1].isName() {
		n.Parts = append(n.Parts, r.p.normIdent(r.toks[j+1]))
		j += 2
	}
	ph, name := r.newPH(phTable, t.off)
	ph.table = &TableRef{Name: n}
	r.p.tableHints(ph.table, r.toks[j-1].end)
	r.emit(name, t.off, false)
	st.expectTable = false
	st.lastTable = ph.table
	return j
}

// forSystemTime handles FOR SYSTEM_TIME AS OF expr after a table name.
func (r *rewriter) forSystemTime(i, hi int, st *levelState) int {
	t := r.toks[i]
	if st.lastTable == nil || st.lastTable.ForSystemTime != nil {
		r.p.fail(t, "FOR SYSTEM_TIME AS OF must follow a table name")
	}
	lo := i + 4
	e := lo
	depth := 0
scan:
	for ; e < hi; e++ {
		x := r.toks[e]
		switch {
		case x.isOp("(") || x.isOp("["):
			depth++
		case x.isOp(")") || x.isOp("]"):
			depth--
		case depth > 0:
		case x.isOp(","):
			break scan
		case x.isAny("AS", "ON", "USING", "JOIN", "INNER", "LEFT", "RIGHT", "FULL", "CROSS", "WHERE",
			"GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "EXCEPT", "INTERSECT", "WINDOW", "WITHIN"):
			break scan
		case x.isName() && e > lo && (r.toks[e-1].isName() || r.toks[e-1].isOp(")")) && !notOperand[r.toks[e-1].val]:
			break scan // an alias
		}
	}
	st.lastTable.ForSystemTime = r.p.oneExpr(lo, e)
	return e
}

// interval rewrites INTERVAL 'n' UNIT [TO UNIT].
func (r *rewriter) interval(i, hi int, ctx levelCtx) int {
	t := r.toks[i]
	j := i + 1
	sign := ""
	if x := r.tok(j, hi); x.isOp("-") || x.isOp("+") {
		sign = strings.TrimPrefix(x.text, "+")
		j++
	}
	v := r.tok(j, hi)
	var val string
	switch v.kind {
	case tkString:
		val = strings.TrimSpace(v.val)
	case tkNumber:
		val = v.text
	default:
		r.p.unexpected(v, "an interval value such as '3'")
	}
	if sign == "-" {
		val = "-" + val
	}
	j++
	unit, j := r.intervalUnit(j, hi)
	if r.tok(j, hi).is("TO") {
		var u2 string
		u2, j = r.intervalUnit(j+1, hi)
		unit += " TO " + u2
	}
	ph, name := r.newPH(phExpr, t.off)
	ph.expr = &Interval{Value: val, Unit: unit, Pos: r.p.pos(t.off)}
	if ctx.over {
		// tidb only takes INTERVAL expr unit as a frame bound.
		r.emit("INTERVAL", t.off, false)
		r.emit(name, t.off, false)
		r.emit("SECOND", t.off, false)
	} else {
		r.emit(name, t.off, false)
	}
	return j
}

var intervalUnits = map[string]bool{
	"YEAR": true, "QUARTER": true, "MONTH": true, "WEEK": true, "DAY": true, "HOUR": true,
	"MINUTE": true, "SECOND": true, "MILLISECOND": true, "MICROSECOND": true, "NANOSECOND": true,
}

// intervalUnit reads a unit (singular or plural, with an optional
// precision) at j.
func (r *rewriter) intervalUnit(j, hi int) (string, int) {
	u := r.tok(j, hi)
	name := strings.TrimSuffix(u.val, "S")
	if u.kind != tkWord || !intervalUnits[name] {
		r.p.unexpected(u, "an interval unit such as SECOND")
	}
	j++
	if r.tok(j, hi).isOp("(") && r.tok(j+1, hi).kind == tkNumber {
		j = r.match[j] + 1
	}
	return name, j
}

// depth0 returns the indexes of the words ws at depth 0 of toks[lo:hi].
func (r *rewriter) depth0(lo, hi int, ws ...string) []int {
	var out []int
	for k := lo; k < hi; k++ {
		if t := r.toks[k]; t.isOp("(") || t.isOp("[") {
			k = r.match[k]
			continue
		}
		if r.toks[k].isAny(ws...) {
			out = append(out, k)
		}
	}
	return out
}

// commas splits toks[lo:hi] at depth-0 commas.
func (r *rewriter) commas(lo, hi int) [][2]int {
	var out [][2]int
	if lo >= hi {
		return nil
	}
	start := lo
	for k := lo; k < hi; k++ {
		t := r.toks[k]
		switch {
		case t.isOp("(") || t.isOp("["):
			k = r.match[k]
		case t.isOp(","):
			out = append(out, [2]int{start, k})
			start = k + 1
		}
	}
	return append(out, [2]int{start, hi})
}

// cast rewrites CAST(x AS type) into __tbN(x).
func (r *rewriter) cast(i, hi int) int {
	t := r.toks[i]
	open := i + 1
	close := r.match[open]
	as := r.depth0(open+1, close, "AS")
	if len(as) == 0 {
		r.p.unexpected(r.toks[close], "AS type")
	}
	a := as[len(as)-1]
	if a == open+1 {
		r.p.unexpected(r.toks[a], "an expression")
	}
	ph, name := r.newPH(phCast, t.off)
	ph.try = t.val == "TRY_CAST"
	ph.typ = r.p.typeAt(a+1, close)
	r.emit(name+"(", t.off, false)
	r.level(open+1, a, levelCtx{})
	r.emit(")", r.toks[close].off, false)
	return close + 1
}

// typeAt parses a type that must fill toks[lo:hi].
func (p *parser) typeAt(lo, hi int) TypeName {
	save := p.i
	defer func() { p.i = save }()
	p.i = lo
	tn := p.parseType()
	if p.i != hi {
		p.unexpected(p.toks[p.i], "\")\"")
	}
	return tn
}

// extract rewrites EXTRACT(unit FROM x) into __tbN(x).
func (r *rewriter) extract(i int) int {
	t := r.toks[i]
	open := i + 1
	close := r.match[open]
	u := r.tok(open+1, close)
	if u.kind != tkWord {
		r.p.unexpected(u, "a time unit")
	}
	if !r.tok(open+2, close).is("FROM") {
		r.p.unexpected(r.tok(open+2, close), "FROM")
	}
	ph, name := r.newPH(phExtract, t.off)
	ph.name, ph.argOff = u.val, u.off
	r.emit(name+"(", t.off, false)
	if open+3 >= close {
		r.p.unexpected(r.toks[close], "an expression")
	}
	r.level(open+3, close, levelCtx{})
	r.emit(")", r.toks[close].off, false)
	return close + 1
}

// constructor rewrites ARRAY[..], ARRAY(..), MAP[..], MAP(k := v, ..),
// STRUCT(a := x, ..) and ROW(..).
func (r *rewriter) constructor(i int) int {
	t := r.toks[i]
	open := i + 1
	close := r.match[open]
	var kind phKind
	switch t.val {
	case "ARRAY":
		kind = phArray
	case "MAP":
		kind = phMap
	case "STRUCT":
		kind = phStruct
	default:
		kind = phRow
	}
	ph, name := r.newPH(kind, t.off)
	r.emit(name+"(", t.off, false)
	if kind == phStruct {
		for n, a := range r.commas(open+1, close) {
			if a[1]-a[0] < 3 || !r.toks[a[0]].isName() || !r.toks[a[0]+1].isOp(":=") {
				r.p.unexpected(r.toks[a[0]], "name := value")
			}
			ph.names = append(ph.names, r.p.normIdent(r.toks[a[0]]))
			if n > 0 {
				r.emit(",", r.toks[a[0]-1].off, true)
			}
			r.level(a[0]+2, a[1], levelCtx{})
		}
	} else {
		r.level(open+1, close, levelCtx{assign: kind == phMap && r.toks[open].isOp("(")})
	}
	r.emit(")", r.toks[close].off, false)
	return close + 1
}

// call rewrites a function call name(args) into __tbN(args), or leaves a
// window function followed by OVER to tidb.
func (r *rewriter) call(i, hi int) int {
	t := r.toks[i]
	name := strings.ToUpper(t.val)
	open := i + 1
	close := r.match[open]
	star := close == open+2 && r.toks[open+1].isOp("*")
	after := r.tok(close+1, hi)
	if after.is("OVER") && windowFuncs[name] && t.kind == tkWord {
		// No space before '(': tidb takes "SUM (" for a column.
		if star {
			r.emit(name+"(*)", t.off, false)
			r.starWindow[r.segs[len(r.segs)-1].out] = true
		} else {
			r.emit(name+"(", t.off, false)
			r.level(open+1, close, levelCtx{})
			r.emit(")", r.toks[close].off, true)
		}
		return close + 1
	}
	end := close + 1
	var filterLo, filterHi int
	if after.is("FILTER") && r.tok(close+2, hi).isOp("(") {
		fo := close + 2
		fc := r.match[fo]
		if !r.tok(fo+1, fc).is("WHERE") || fo+2 >= fc {
			r.p.unexpected(r.tok(fo+1, fc), "WHERE condition")
		}
		filterLo, filterHi = fo+2, fc
		end = fc + 1
		_, fname := r.newPH(phFilter, r.toks[close+1].off)
		r.emit(fname+"(", t.off, false)
	}
	ph, pname := r.newPH(phCall, t.off)
	ph.name, ph.written = name, t.text
	r.emit(pname+"(", t.off, false)
	lo := open + 1
	switch {
	case star:
		ph.star = true
		lo = close
	case r.tok(lo, close).is("DISTINCT"):
		ph.distinct = true
		lo++
	case r.tok(lo, close).is("ALL"):
		lo++
	}
	r.callArgs(name, lo, close)
	r.emit(")", r.toks[close].off, false)
	if filterHi > 0 {
		r.emit(",", r.toks[close+1].off, false)
		r.level(filterLo, filterHi, levelCtx{})
		r.emit(")", r.toks[filterHi].off, false)
	}
	return end
}

// callArgs rewrites the arguments toks[lo:hi] of function name, turning
// the keyword forms of SUBSTRING, POSITION, OVERLAY, TRIM, CEIL/FLOOR(x TO
// unit), TIMESTAMPADD(unit, ..) and ksqlDB's DATEADD(unit, ..) family into
// plain argument lists.
func (r *rewriter) callArgs(name string, lo, hi int) {
	if lo >= hi {
		return
	}
	unitLit := func(k int) {
		u := r.toks[k]
		if u.kind != tkWord {
			r.p.unexpected(u, "a time unit")
		}
		r.replace[k] = "'" + strings.TrimSuffix(u.val, "S") + "'"
	}
	switch name {
	case "SUBSTRING", "SUBSTR":
		for _, k := range r.depth0(lo, hi, "FROM", "FOR") {
			r.replace[k] = ","
		}
	case "POSITION":
		for _, k := range r.depth0(lo, hi, "IN") {
			r.replace[k] = ","
		}
	case "OVERLAY":
		for _, k := range r.depth0(lo, hi, "PLACING", "FROM", "FOR") {
			r.replace[k] = ","
		}
	case "CEIL", "CEILING", "FLOOR":
		if to := r.depth0(lo, hi, "TO"); len(to) == 1 && to[0]+2 == hi {
			r.replace[to[0]] = ","
			unitLit(to[0] + 1)
		}
	case "TIMESTAMPADD", "TIMESTAMPDIFF", "DATEADD", "DATESUB", "TIMEADD", "TIMESUB", "TIMESTAMPSUB":
		if r.toks[lo].kind == tkWord && (lo+1 == hi || r.toks[lo+1].isOp(",")) {
			unitLit(lo)
		}
	case "TRIM":
		from := r.depth0(lo, hi, "FROM")
		if len(from) == 0 {
			break
		}
		f := from[0]
		dir := "BOTH"
		cs := lo
		if r.toks[lo].isAny("BOTH", "LEADING", "TRAILING") {
			dir = r.toks[lo].val
			cs++
		}
		r.emit("'"+dir+"'", r.toks[lo].off, false)
		r.emit(",", r.toks[lo].off, false)
		if cs == f {
			r.emit("' '", r.toks[f].off, false)
		} else {
			r.level(cs, f, levelCtx{})
		}
		r.emit(",", r.toks[f].off, false)
		if f+1 >= hi {
			r.p.unexpected(r.toks[hi], "an expression")
		}
		r.level(f+1, hi, levelCtx{})
		return
	}
	r.level(lo, hi, levelCtx{})
}

// tvf rewrites a window table-valued function in FROM, written
// TABLE(TUMBLE(...)) (wrapped) or TUMBLE(...), into a table placeholder.
func (r *rewriter) tvf(i, hi int, st *levelState, wrapped bool) int {
	start := r.toks[i]
	fn := i
	end := 0
	if wrapped {
		open0 := i + 1
		close0 := r.match[open0]
		fn = open0 + 1
		f := r.tok(fn, close0)
		if !(f.kind == tkWord && tvfNames[f.val] && r.tok(fn+1, close0).isOp("(")) {
			if f.kind == tkWord && r.tok(fn+1, close0).isOp("(") {
				r.p.fail(f, "table function %s is not supported; expected TUMBLE, HOP, CUMULATE or SESSION", f.text)
			}
			r.p.unexpected(f, "TUMBLE, HOP, CUMULATE or SESSION")
		}
		if r.match[fn+1] != close0-1 {
			r.p.unexpected(r.toks[r.match[fn+1]+1], "\")\"")
		}
		end = close0 + 1
	} else {
		end = r.match[fn+1] + 1
	}
	w := r.p.windowTVF(r, fn, fn+1, r.match[fn+1])
	w.Pos = r.p.pos(start.off)
	ph, name := r.newPH(phTVF, start.off)
	ph.tvf = w
	r.emit(name, start.off, false)
	st.expectTable = false
	st.lastTable = nil
	return end
}

// valuesTable rewrites (VALUES ...) [AS] alias [(columns)] in FROM into a
// table placeholder.
func (r *rewriter) valuesTable(i, hi int, st *levelState) int {
	t := r.toks[i]
	m := r.match[i]
	v := &Values{Rows: r.p.valuesRows(i+1, m), Pos: r.p.pos(r.toks[i+1].off)}
	j := m + 1
	if r.tok(j, hi).is("AS") {
		j++
	}
	if a := r.tok(j, hi); a.isName() && !(a.kind == tkWord && tableStop[a.val]) {
		v.Alias = r.p.normIdent(a)
		j++
		if r.tok(j, hi).isOp("(") {
			cm := r.match[j]
			for _, c := range r.commas(j+1, cm) {
				if c[1] != c[0]+1 || !r.toks[c[0]].isName() {
					r.p.unexpected(r.toks[c[0]], "a column name")
				}
				v.Columns = append(v.Columns, r.p.normIdent(r.toks[c[0]]))
			}
			j = cm + 1
		}
	}
	ph, name := r.newPH(phValues, t.off)
	ph.values = v
	r.emit(name, t.off, false)
	st.expectTable = false
	st.lastTable = nil
	return j
}
