package sql

import (
	"sort"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	driver "github.com/pingcap/tidb/pkg/parser/test_driver"
)

// converter turns tidb's AST of a rewritten query into ours, putting the
// placeholders back and mapping offsets to the user's text.
type converter struct {
	p      *parser
	r      *rewriter
	limits int // LIMIT counts converted so far
}

// fail aborts at output offset out.
func (c *converter) fail(out int, format string, args ...any) {
	panic(parseError{c.p.errAt(c.r.origOf(out), format, args...)})
}

func (c *converter) pos(out int) Pos { return c.p.pos(c.r.origOf(out)) }

// failAtWord aborts at the first user token that is the word w (for
// clauses tidb keeps no position for), or at the start of the query.
func (c *converter) failAtWord(w string, format string, args ...any) {
	off := c.r.origOf(0)
	for _, t := range c.p.toks {
		if t.is(w) && t.off >= off && t.off < c.r.endOff {
			panic(parseError{c.p.errAt(t.off, format, args...)})
		}
	}
	c.fail(0, format, args...)
}

func (c *converter) query(n ast.Node) *Select {
	switch n := n.(type) {
	case *ast.SelectStmt:
		return c.selectStmt(n)
	case *ast.SetOprStmt:
		if n.With != nil {
			c.failAtWord("WITH", "WITH (common table expressions) is not supported")
		}
		var list []*Select
		var ops []string
		c.setList(n.SelectList, &list, &ops)
		head := list[0]
		if n.OrderBy != nil || n.Limit != nil {
			panic(parseError{c.p.errAt(head.Pos.Offset, "ORDER BY or LIMIT after UNION ALL is not supported")})
		}
		head.UnionAll = append(head.UnionAll, list[1:]...)
		head.SetOps = ops[1:]
		if onlyUnionAll(head) {
			head.SetOps = nil
		}
		return head
	}
	c.fail(0, "expected a query")
	return nil
}

// setList flattens the members of a set operation chain into out, with
// the operator before each in ops (ops[0] is that of out[0] and unused).
// A parenthesized chain that does not only UNION ALL, or that is joined
// by another operator, stays a group: a SELECT * FROM (chain).
func (c *converter) setList(l *ast.SetOprSelectList, out *[]*Select, ops *[]string) {
	for _, n := range l.Selects {
		var op *ast.SetOprType
		var sel *Select
		switch s := n.(type) {
		case *ast.SelectStmt:
			op = s.AfterSetOperator
			sel = c.selectStmt(s)
		case *ast.SetOprSelectList:
			op = s.AfterSetOperator
			if s.With != nil {
				c.failAtWord("WITH", "WITH (common table expressions) is not supported")
			}
			var group []*Select
			var gops []string
			c.setList(s, &group, &gops)
			sel = group[0]
			sel.UnionAll, sel.SetOps = append(sel.UnionAll, group[1:]...), append(sel.SetOps, gops[1:]...)
		case *ast.SetOprStmt:
			sel = c.query(s)
		default:
			c.fail(0, "unsupported set operation")
		}
		what := "UNION ALL"
		if len(*out) > 0 && op != nil {
			what = strings.ToUpper(op.String())
		} else if len(*out) > 0 {
			what = "UNION"
		}
		if len(sel.UnionAll) > 0 && (what != "UNION ALL" || !onlyUnionAll(sel)) {
			sel = &Select{Pos: sel.Pos, Items: []SelectItem{{Pos: sel.Pos, Star: true}}, From: &Subquery{Query: sel}}
		}
		*out = append(*out, sel)
		*ops = append(*ops, what)
		for k, more := range sel.UnionAll {
			*out = append(*out, more)
			*ops = append(*ops, setOp(sel, k))
		}
		sel.UnionAll, sel.SetOps = nil, nil
	}
}

// setOp is the operator before q.UnionAll[k].
func setOp(q *Select, k int) string {
	if k < len(q.SetOps) && q.SetOps[k] != "" {
		return q.SetOps[k]
	}
	return "UNION ALL"
}

// onlyUnionAll reports whether q's set operators are all UNION ALL.
func onlyUnionAll(q *Select) bool {
	for k := range q.UnionAll {
		if setOp(q, k) != "UNION ALL" {
			return false
		}
	}
	return true
}

func (c *converter) selectStmt(n *ast.SelectStmt) *Select {
	s := &Select{Distinct: n.Distinct}
	first := 0
	if n.Fields != nil && len(n.Fields.Fields) > 0 {
		first = n.Fields.Fields[0].Offset
	}
	s.Pos = c.selectPos(first)
	s.StateTTL = c.r.stateTTL[s.Pos.Offset]
	switch {
	case n.With != nil:
		c.failAtWord("WITH", "WITH (common table expressions) is not supported")
	case n.Kind != ast.SelectStmtKindSelect:
		c.fail(first, "VALUES and TABLE queries are not supported")
	case n.WindowSpecs != nil:
		c.fail(first, "named windows (WINDOW w AS ...) are not supported")
	case n.LockInfo != nil || n.SelectIntoOpt != nil || n.TableHints != nil:
		c.fail(first, "unsupported SELECT clause")
	case n.Fields == nil:
		c.fail(first, "expected a select list")
	}
	if n.From != nil {
		s.From = c.from(n.From.TableRefs)
	}
	for _, f := range n.Fields.Fields {
		item := SelectItem{Pos: c.pos(f.Offset)}
		if f.WildCard != nil {
			item.Star = true
			item.StarQualifier = f.WildCard.Table.O
		} else {
			item.Expr = c.expr(f.Expr)
			item.Alias = f.AsName.O
		}
		s.Items = append(s.Items, item)
	}
	if n.Where != nil {
		s.Where = c.expr(n.Where)
	}
	if n.GroupBy != nil {
		if n.GroupBy.Rollup {
			c.failAtWord("ROLLUP", "WITH ROLLUP is not supported")
		}
		for _, b := range n.GroupBy.Items {
			// GROUP BY (a, b) is a list, not a row value.
			if row, ok := b.Expr.(*ast.RowExpr); ok {
				if c.p.d == KSQL && len(n.GroupBy.Items) > 1 {
					// ksqlDB's grammar: a parenthesized list is the whole
					// GROUP BY, not one of its items.
					c.fail(b.Expr.OriginTextPosition(), "Syntax Error: a parenthesized GROUP BY list cannot follow or precede other expressions")
				}
				for _, v := range row.Values {
					s.GroupBy = append(s.GroupBy, c.ksqlGroupItem(c.expr(v)))
				}
				continue
			}
			s.GroupBy = append(s.GroupBy, c.ksqlGroupItem(c.expr(b.Expr)))
		}
	}
	if n.Having != nil {
		s.Having = c.expr(n.Having.Expr)
	}
	if n.OrderBy != nil {
		s.OrderBy = c.orderBy(n.OrderBy.Items)
	}
	if n.Limit != nil {
		if n.Limit.Offset != nil {
			c.failAtWord("OFFSET", "LIMIT with OFFSET is not supported")
		}
		s.Limit = c.expr(n.Limit.Count)
		if l, ok := s.Limit.(*Literal); ok && c.limits < len(c.r.limits) {
			l.Pos = c.p.pos(c.r.limits[c.limits])
			c.limits++
		}
	}
	return s
}

// selectPos finds the SELECT keyword before the select list at out.
func (c *converter) selectPos(out int) Pos {
	best := -1
	for k, s := range c.r.selects {
		if s[0] <= out {
			best = k
		}
	}
	if best < 0 {
		return c.pos(out)
	}
	return c.p.pos(c.r.selects[best][1])
}

func (c *converter) orderBy(items []*ast.ByItem) []OrderItem {
	var out []OrderItem
	for _, b := range items {
		out = append(out, OrderItem{Expr: c.expr(b.Expr), Desc: b.Desc})
	}
	return out
}

func (c *converter) from(j *ast.Join) From {
	if j == nil {
		c.fail(0, "expected a table")
	}
	if j.Right == nil {
		return c.source(j.Left)
	}
	jn := &Join{Left: c.source(j.Left), Right: c.source(j.Right)}
	switch {
	case j.NaturalJoin:
		c.failAtWord("NATURAL", "NATURAL JOIN is not supported")
	case j.StraightJoin:
		jn.Type = "FULL"
	case j.Tp == ast.LeftJoin:
		jn.Type = "LEFT"
	case j.Tp == ast.RightJoin:
		jn.Type = "RIGHT"
	case j.On != nil || j.Using != nil:
		jn.Type = "INNER"
	default:
		jn.Type = "CROSS"
	}
	if j.On != nil {
		jn.On = c.expr(j.On.Expr)
	}
	for _, u := range j.Using {
		jn.Using = append(jn.Using, u.Name.O)
	}
	if tr, ok := jn.Right.(*TableRef); ok && tr.Within != nil {
		jn.Within = tr.Within
	}
	return jn
}

func (c *converter) source(n ast.ResultSetNode) From {
	switch n := n.(type) {
	case *ast.Join:
		return c.from(n)
	case *ast.TableSource:
		alias := n.AsName.O
		switch src := n.Source.(type) {
		case *ast.TableName:
			ph := c.r.lookup(src.Name.O)
			if ph == nil || src.Schema.O != "" {
				c.fail(0, "unexpected table %q", src.Name.O)
			}
			switch ph.kind {
			case phTable:
				tr := *ph.table
				tr.Alias = alias
				return &tr
			case phTVF:
				w := *ph.tvf
				w.Alias = alias
				return &w
			case phValues:
				return ph.values
			}
			c.fail(0, "unexpected table %q", src.Name.O)
		case *ast.SelectStmt, *ast.SetOprStmt:
			return &Subquery{Query: c.query(src), Alias: alias}
		case *ast.Join:
			if alias != "" {
				c.fail(0, "a parenthesized join cannot have an alias")
			}
			return c.from(src)
		}
	}
	c.fail(0, "unsupported FROM item")
	return nil
}

var binOps = map[opcode.Op]string{
	opcode.LogicAnd: "AND", opcode.LogicOr: "OR", opcode.GE: ">=", opcode.LE: "<=",
	opcode.EQ: "=", opcode.NE: "<>", opcode.LT: "<", opcode.GT: ">", opcode.Plus: "+",
	opcode.Minus: "-", opcode.Mul: "*", opcode.Div: "/", opcode.Mod: "%",
	opcode.NullEQ: "IS NOT DISTINCT FROM",
}

func (c *converter) exprs(ns []ast.ExprNode) []Expr {
	var out []Expr
	for _, n := range ns {
		out = append(out, c.expr(n))
	}
	return out
}

func (c *converter) expr(n ast.ExprNode) Expr {
	off := n.OriginTextPosition()
	switch e := n.(type) {
	case *ast.ColumnNameExpr:
		cn := e.Name
		if cn.Schema.O == "" && cn.Table.O == "" {
			if ph := c.r.lookup(cn.Name.O); ph != nil {
				if ph.kind != phExpr {
					c.fail(off, "unexpected table in an expression")
				}
				return ph.expr
			}
		}
		var parts []string
		if cn.Schema.O != "" {
			parts = append(parts, cn.Schema.O)
		}
		if cn.Table.O != "" {
			parts = append(parts, cn.Table.O)
		}
		return &Ident{Parts: append(parts, cn.Name.O), Pos: c.pos(off)}
	case ast.ParamMarkerExpr:
		c.fail(off, "parameter markers (?) are not supported")
	case ast.ValueExpr:
		return c.literal(e)
	case *ast.ParenthesesExpr:
		return c.expr(e.Expr)
	case *ast.BinaryOperationExpr:
		op, ok := binOps[e.Op]
		if !ok {
			c.fail(off, "operator %s is not supported", e.Op)
		}
		return &Binary{Op: op, L: c.expr(e.L), R: c.expr(e.R), Pos: c.pos(off)}
	case *ast.UnaryOperationExpr:
		x := c.expr(e.V)
		switch e.Op {
		case opcode.Not, opcode.Not2:
			return &Unary{Op: "NOT", X: x, Pos: c.pos(off)}
		case opcode.Minus:
			if l, ok := x.(*Literal); ok && (l.Kind == LitInt || l.Kind == LitDecimal || l.Kind == LitFloat) && !strings.HasPrefix(l.Text, "-") {
				return &Literal{Kind: l.Kind, Text: "-" + l.Text, Pos: c.pos(off)}
			}
			return &Unary{Op: "-", X: x, Pos: c.pos(off)}
		case opcode.Plus:
			return &Unary{Op: "+", X: x, Pos: c.pos(off)}
		}
		c.fail(off, "operator %s is not supported", e.Op)
	case *ast.FuncCallExpr:
		return c.funcCall(e)
	case *ast.WindowFuncExpr:
		return c.windowFunc(e)
	case *ast.AggregateFuncExpr:
		return &Call{Name: strings.ToUpper(e.F), Args: c.exprs(e.Args), Distinct: e.Distinct, Pos: c.pos(off)}
	case *ast.CaseExpr:
		ce := &Case{Pos: c.pos(off)}
		if e.Value != nil {
			ce.Operand = c.expr(e.Value)
		}
		for _, w := range e.WhenClauses {
			ce.Whens = append(ce.Whens, When{Cond: c.expr(w.Expr), Result: c.expr(w.Result)})
		}
		if e.ElseClause != nil {
			ce.Else = c.expr(e.ElseClause)
		}
		return ce
	case *ast.IsNullExpr:
		return &IsNull{X: c.expr(e.Expr), Not: e.Not, Pos: c.pos(off)}
	case *ast.IsTruthExpr:
		return &IsBool{X: c.expr(e.Expr), Value: e.True != 0, Not: e.Not, Pos: c.pos(off)}
	case *ast.PatternInExpr:
		if e.Sel != nil {
			return &InSubquery{X: c.expr(e.Expr), Query: c.subquery(e.Sel, off), Not: e.Not, Pos: c.pos(off)}
		}
		return &In{X: c.expr(e.Expr), List: c.exprs(e.List), Not: e.Not, Pos: c.pos(off)}
	case *ast.BetweenExpr:
		return &Between{X: c.expr(e.Expr), Lo: c.expr(e.Left), Hi: c.expr(e.Right), Not: e.Not, Pos: c.pos(off)}
	case *ast.PatternLikeOrIlikeExpr:
		if !e.IsLike {
			c.fail(off, "ILIKE is not supported")
		}
		l := &Like{X: c.expr(e.Expr), Pattern: c.expr(e.Pattern), Not: e.Not, Pos: c.pos(off)}
		if e.Escape != '\\' {
			l.Escape = &Literal{Kind: LitString, Text: string(rune(e.Escape)), Pos: l.Pos}
		}
		return l
	case *ast.PatternRegexpExpr:
		// The rewriter writes IS DISTINCT FROM as REGEXP (a user's REGEXP
		// word is always quoted).
		return &Binary{Op: "IS DISTINCT FROM", L: c.expr(e.Expr), R: c.expr(e.Pattern), Pos: c.pos(off)}
	case *ast.RowExpr:
		c.fail(off, "row values (a, b) are not supported here; use ROW(a, b)")
	case *ast.ExistsSubqueryExpr:
		return &Exists{Query: c.subquery(e.Sel, off), Not: e.Not, Pos: c.pos(off)}
	case *ast.SubqueryExpr:
		return &ScalarSubquery{Query: c.query(e.Query), Pos: c.pos(off)}
	case *ast.CompareSubqueryExpr:
		c.fail(off, "ANY / ALL / SOME subqueries are not supported; IN (SELECT ...) and EXISTS (SELECT ...) are, in WHERE")
	case *ast.PositionExpr:
		return &Literal{Kind: LitInt, Text: strconv.Itoa(e.N), Pos: c.pos(off)}
	case *ast.VariableExpr:
		c.fail(off, "variables are not supported")
	}
	c.fail(off, "unsupported expression")
	return nil
}

// subquery converts the query of IN (SELECT ...) / EXISTS (SELECT ...).
func (c *converter) subquery(n ast.ExprNode, off int) *Select {
	sq, ok := n.(*ast.SubqueryExpr)
	if !ok {
		c.fail(off, "expected a subquery")
	}
	return c.query(sq.Query)
}

// groupSet is a parenthesized list inside GROUPING SETS / ROLLUP / CUBE
// while it is being converted; it never leaves the converter.
type groupSet struct {
	elems []Expr
	pos   Pos
}

func (g *groupSet) ExprPos() Pos { return g.pos }

// groupingSets builds a GroupingSets from its converted elements.
func (c *converter) groupingSets(kind string, args []Expr, pos Pos) *GroupingSets {
	gs := &GroupingSets{Kind: kind, Pos: pos}
	for _, a := range args {
		switch x := a.(type) {
		case *groupSet:
			gs.Sets = append(gs.Sets, x.elems)
		default:
			gs.Sets = append(gs.Sets, []Expr{a})
		}
	}
	return gs
}

// tokenAt returns the user's token starting at offset off.
func (c *converter) tokenAt(off int) (token, bool) {
	toks := c.p.toks
	k := sort.Search(len(toks), func(i int) bool { return toks[i].off >= off })
	if k < len(toks) && toks[k].off == off && toks[k].kind != tkEOF {
		return toks[k], true
	}
	return token{}, false
}

func numKind(s string) LiteralKind {
	switch {
	case strings.ContainsAny(s, "eE"):
		return LitFloat
	case strings.Contains(s, "."):
		return LitDecimal
	}
	return LitInt
}

func numText(s string) string {
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	return strings.ToUpper(s)
}

func (c *converter) literal(v ast.ValueExpr) Expr {
	off := v.OriginTextPosition()
	orig := c.r.origOf(off)
	pos := c.p.pos(orig)
	val := v.GetValue()
	if t, ok := c.tokenAt(orig); ok {
		switch t.kind {
		case tkNumber:
			return &Literal{Kind: numKind(t.text), Text: numText(t.text), Pos: pos}
		case tkString:
			if s, ok := val.(string); ok {
				return &Literal{Kind: LitString, Text: s, Pos: pos}
			}
		case tkHex:
			return &Literal{Kind: LitBytes, Text: strings.ToUpper(t.val), Pos: pos}
		case tkWord:
			switch t.val {
			case "TRUE", "FALSE":
				return &Literal{Kind: LitBool, Text: t.val, Pos: pos}
			case "NULL":
				return &Literal{Kind: LitNull, Text: "NULL", Pos: pos}
			}
		}
	}
	// A literal tidb reports without a usable position (frame bounds).
	switch x := val.(type) {
	case nil:
		return &Literal{Kind: LitNull, Text: "NULL", Pos: pos}
	case int64:
		return &Literal{Kind: LitInt, Text: strconv.FormatInt(x, 10), Pos: pos}
	case uint64:
		return &Literal{Kind: LitInt, Text: strconv.FormatUint(x, 10), Pos: pos}
	case float64:
		return &Literal{Kind: LitFloat, Text: strings.ToUpper(strconv.FormatFloat(x, 'g', -1, 64)), Pos: pos}
	case string:
		return &Literal{Kind: LitString, Text: x, Pos: pos}
	case *driver.MyDecimal:
		return &Literal{Kind: LitDecimal, Text: x.String(), Pos: pos}
	}
	c.fail(off, "unsupported literal")
	return nil
}

func (c *converter) funcCall(e *ast.FuncCallExpr) Expr {
	off := e.OriginTextPosition()
	ph := c.r.lookup(e.FnName.O)
	if ph == nil {
		if e.FnName.L == "concat" && len(e.Args) >= 2 {
			// a || b: user calls are all renamed, so this is the operator.
			x := c.expr(e.Args[0])
			for _, a := range e.Args[1:] {
				x = &Binary{Op: "||", L: x, R: c.expr(a), Pos: c.pos(off)}
			}
			return x
		}
		c.fail(off, "unsupported function %s", strings.ToUpper(e.FnName.O))
	}
	args := c.exprs(e.Args)
	pos := c.p.pos(ph.off)
	want := func(n int) {
		if len(args) != n {
			c.fail(off, "expected %d argument(s), found %d", n, len(args))
		}
	}
	switch ph.kind {
	case phCall:
		return &Call{Name: ph.name, Written: ph.written, Args: foldLambdas(args), Distinct: ph.distinct, Star: ph.star, Pos: pos}
	case phLambda:
		return &Lambda{Params: ph.names, Pos: pos}
	case phCast:
		want(1)
		return &Cast{X: args[0], Type: ph.typ, Try: ph.try, Pos: pos}
	case phExtract:
		want(1)
		unit := &Literal{Kind: LitString, Text: ph.name, Pos: c.p.pos(ph.argOff)}
		return &Call{Name: "EXTRACT", Args: []Expr{unit, args[0]}, Pos: pos}
	case phField:
		want(1)
		return &FieldAccess{X: args[0], Field: ph.name, Pos: pos}
	case phIndex:
		want(2)
		return &Subscript{X: args[0], Index: args[1], Pos: pos}
	case phArray:
		return &ArrayCtor{Elems: args, Pos: pos}
	case phMap:
		if len(args)%2 != 0 {
			c.fail(off, "MAP needs key/value pairs")
		}
		m := &MapCtor{Pos: pos}
		for k := 0; k < len(args); k += 2 {
			m.Keys = append(m.Keys, args[k])
			m.Vals = append(m.Vals, args[k+1])
		}
		return m
	case phStruct:
		return &StructCtor{Names: ph.names, Vals: args, Pos: pos}
	case phRow:
		return &StructCtor{Names: make([]string, len(args)), Vals: args, Pos: pos}
	case phGrouping:
		return c.groupingSets(ph.name, args, pos)
	case phGroupSet:
		if args == nil {
			args = []Expr{}
		}
		return &groupSet{elems: args, pos: pos}
	case phFilter:
		want(2)
		call, ok := args[0].(*Call)
		if !ok {
			c.fail(off, "FILTER must follow an aggregate call")
		}
		call.Filter = args[1]
		return call
	}
	c.fail(off, "unexpected table in an expression")
	return nil
}

func (c *converter) windowFunc(e *ast.WindowFuncExpr) Expr {
	off := e.OriginTextPosition()
	call := &Call{Name: strings.ToUpper(e.Name), Args: c.exprs(e.Args), Distinct: e.Distinct, Pos: c.pos(off)}
	if c.r.starWindow[off] {
		call.Star, call.Args = true, nil
	}
	if e.IgnoreNull || e.FromLast {
		c.fail(off, "IGNORE NULLS / FROM LAST are not supported")
	}
	spec := e.Spec
	if spec.Name.O != "" || spec.Ref.O != "" {
		c.fail(off, "named windows are not supported")
	}
	over := &Over{}
	if spec.PartitionBy != nil {
		for _, b := range spec.PartitionBy.Items {
			over.PartitionBy = append(over.PartitionBy, c.expr(b.Expr))
		}
	}
	if spec.OrderBy != nil {
		over.OrderBy = c.orderBy(spec.OrderBy.Items)
	}
	if f := spec.Frame; f != nil {
		if f.Type == ast.Groups {
			c.fail(off, "GROUPS frames are not supported")
		}
		over.Frame = &Frame{Rows: f.Type == ast.Rows, Start: c.bound(f.Extent.Start), End: c.bound(f.Extent.End)}
	}
	call.Over = over
	return call
}

func (c *converter) bound(b ast.FrameBound) FrameBound {
	dir := "PRECEDING"
	switch b.Type {
	case ast.CurrentRow:
		return FrameBound{Kind: "CURRENT ROW"}
	case ast.Following:
		dir = "FOLLOWING"
	}
	if b.UnBounded {
		return FrameBound{Kind: "UNBOUNDED " + dir}
	}
	fb := FrameBound{Kind: dir}
	if b.Expr != nil {
		fb.Offset = c.expr(b.Expr)
	}
	return fb
}

// ksqlGroupItem checks a GROUP BY item against ksqlDB's grammar, which
// groups by value expressions: a condition (AND, OR, NOT, a comparison,
// IS NULL, IN, BETWEEN, LIKE) there is a syntax error. Flink's is returned
// as it is.
func (c *converter) ksqlGroupItem(e Expr) Expr {
	if c.p.d != KSQL {
		return e
	}
	cond := false
	switch x := e.(type) {
	case *Binary:
		switch x.Op {
		case "AND", "OR", "=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
			cond = true
		}
	case *Unary:
		cond = x.Op == "NOT"
	case *IsNull, *IsBool, *In, *InSubquery, *Between, *Like, *Exists:
		cond = true
	}
	if cond {
		panic(parseError{c.p.errAt(e.ExprPos().Offset, "Syntax Error: GROUP BY takes value expressions, not conditions")})
	}
	return e
}
