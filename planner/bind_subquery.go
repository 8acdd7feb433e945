package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Subqueries in WHERE: x [NOT] IN (SELECT y ...) and [NOT] EXISTS (SELECT
// ...), alone or joined to the other conditions by AND, become semi and
// anti joins of the FROM input with the subquery, as Flink plans them. A
// correlated subquery (one whose WHERE reads the enclosing query's
// columns) must be a plain SELECT ... FROM ... WHERE: its equalities
// between its own and the enclosing columns become join keys, its other
// conditions on the enclosing columns a join condition.

// containsSubquery reports whether e holds IN (SELECT ...) or EXISTS.
func containsSubquery(e sql.Expr) bool {
	found := false
	walkSQL(e, func(x sql.Expr) {
		switch x.(type) {
		case *sql.InSubquery, *sql.Exists:
			found = true
		}
	})
	return found
}

// splitSQLAnd returns the conjuncts of e.
func splitSQLAnd(e sql.Expr) []sql.Expr {
	if b, ok := e.(*sql.Binary); ok && b.Op == "AND" {
		return append(splitSQLAnd(b.L), splitSQLAnd(b.R)...)
	}
	return []sql.Expr{e}
}

// subqueryCond recognizes a conjunct that is a subquery condition, seeing
// through NOT.
func subqueryCond(e sql.Expr) (sub sql.Expr, not bool, ok bool) {
	for {
		u, isNot := e.(*sql.Unary)
		if !isNot || u.Op != "NOT" {
			break
		}
		not = !not
		e = u.X
	}
	switch x := e.(type) {
	case *sql.InSubquery:
		return x, not != x.Not, true
	case *sql.Exists:
		return x, not != x.Not, true
	}
	return nil, false, false
}

// bindSubqueryConds takes the subquery conditions out of sel's WHERE and
// joins fr with each subquery. It returns the query with the remaining
// WHERE and the joined input.
func (b *binder) bindSubqueryConds(sel *sql.Select, fr *fromResult) (*sql.Select, *fromResult, error) {
	var rest []sql.Expr
	var subs []sql.Expr
	var nots []bool
	for _, c := range splitSQLAnd(sel.Where) {
		sub, not, ok := subqueryCond(c)
		if !ok {
			if containsSubquery(c) {
				var at sql.Pos
				walkSQL(c, func(x sql.Expr) {
					switch x.(type) {
					case *sql.InSubquery, *sql.Exists:
						if at.Line == 0 {
							at = x.ExprPos()
						}
					}
				})
				return nil, nil, sql.Errorf(at, "IN (SELECT ...) and EXISTS (SELECT ...) are only supported in WHERE, alone or joined to the other conditions by AND")
			}
			rest = append(rest, c)
			continue
		}
		subs, nots = append(subs, sub), append(nots, not)
	}
	if len(subs) == 0 {
		return sel, fr, nil
	}
	if msg, no := b.rules.Refuses(dialect.FeatureSubqueries); no {
		return nil, nil, sql.Errorf(subs[0].ExprPos(), "%s", msg)
	}
	if fr.tvf != nil {
		fr = &fromResult{node: materializeTVF(fr), sc: fr.sc, table: fr.table}
	}
	for i, sub := range subs {
		var err error
		if fr, err = b.semiJoin(fr, sub, nots[i]); err != nil {
			return nil, nil, err
		}
	}
	out := *sel
	out.Where = nil
	for _, c := range rest {
		if out.Where == nil {
			out.Where = c
		} else {
			out.Where = &sql.Binary{Op: "AND", L: out.Where, R: c, Pos: c.ExprPos()}
		}
	}
	return &out, fr, nil
}

// simpleQuery reports whether q is SELECT ... FROM ... [WHERE ...] with
// nothing that needs its own operator (nor subqueries of its own), the
// shape a correlated subquery must have. Other subqueries are planned as
// queries of their own and cannot read the enclosing query's columns.
func (b *binder) simpleQuery(q *sql.Select) bool {
	if q.From == nil || q.Distinct || len(q.UnionAll) > 0 || q.Limit != nil || q.OrderBy != nil ||
		q.Window != nil || len(overCalls(q)) > 0 || b.isAggQuery(q) || q.Where != nil && containsSubquery(q.Where) {
		return false
	}
	return true
}

// semiJoin joins fr with the subquery of sub (an *sql.InSubquery or
// *sql.Exists): a semi join, or an anti join when not.
func (b *binder) semiJoin(fr *fromResult, sub sql.Expr, not bool) (*fromResult, error) {
	var q *sql.Select
	var in *sql.InSubquery
	switch x := sub.(type) {
	case *sql.InSubquery:
		q, in = x.Query, x
	case *sql.Exists:
		q = x.Query
	}
	left := fr.node
	lw := len(fr.sc.fields)
	j := &JoinNode{Left: left, Type: engine.SemiJoin}
	if not {
		j.Type = engine.AntiJoin
	}
	var conds []expr.Expr // over left ++ right
	var right Node
	var y expr.Expr // IN: the subquery's value, over the right fields
	prune := false  // right is a Calc of all the subquery's columns
	if b.simpleQuery(q) {
		inner, err := b.bindFrom(q.From)
		if err != nil {
			return nil, err
		}
		if inner.tvf != nil {
			inner = &fromResult{node: materializeTVF(inner), sc: inner.sc}
		}
		nIn := len(inner.sc.fields)
		// Subquery columns first, then the enclosing query's.
		corr := &scope{fields: append(append([]Field(nil), inner.sc.fields...), fr.sc.fields...), outer: nIn}
		eb := &exprBinder{b: b, sc: corr}
		// toJoined maps an expression over corr to one over left ++ right.
		toJoined := func(x expr.Expr) expr.Expr {
			return expr.Rewrite(x, func(e expr.Expr) expr.Expr {
				if c, ok := e.(*expr.Col); ok {
					if c.Idx < nIn {
						return &expr.Col{Idx: lw + c.Idx, T: c.T, Name: c.Name}
					}
					return &expr.Col{Idx: c.Idx - nIn, T: c.T, Name: c.Name}
				}
				return e
			})
		}
		var filters []expr.Expr // over the subquery's fields
		if q.Where != nil {
			for _, c := range splitSQLAnd(q.Where) {
				x, err := eb.bind(c)
				if err != nil {
					return nil, err
				}
				if err := wantBool(x, c.ExprPos(), "WHERE"); err != nil {
					return nil, err
				}
				outerRef := false
				for _, col := range expr.Columns(x) {
					outerRef = outerRef || col >= nIn
				}
				if !outerRef {
					filters = append(filters, x)
					continue
				}
				if l, r, ok := equiSides(x, nIn); ok && sameKeyType(l.Type(), r.Type()) {
					j.RightKeys = append(j.RightKeys, l)
					j.LeftKeys = append(j.LeftKeys, shiftCols(r, -nIn))
					continue
				}
				conds = append(conds, toJoined(x))
			}
		}
		if in != nil {
			if len(q.Items) != 1 || q.Items[0].Star {
				return nil, sql.Errorf(in.Pos, "The subquery of IN must select exactly one column")
			}
			x, err := (&exprBinder{b: b, sc: inner.sc}).bind(q.Items[0].Expr)
			if err != nil {
				return nil, err
			}
			y = x
		}
		right = &Calc{Input: inner.node, Filter: andOf(filters), Projects: colsOf(inner.sc.fields), fields: plainFields(inner.sc.fields)}
		prune = true
	} else {
		node, err := b.bindSelect(q)
		if err != nil {
			return nil, err
		}
		if in != nil {
			var vis []int
			for i, f := range node.Fields() {
				if !f.Hidden {
					vis = append(vis, i)
				}
			}
			if len(vis) != 1 {
				return nil, sql.Errorf(in.Pos, "The subquery of IN must select exactly one column")
			}
			f := node.Fields()[vis[0]]
			y = &expr.Col{Idx: vis[0], T: f.Type, Name: f.Name}
		}
		right = node
	}
	if y != nil {
		x, err := (&exprBinder{b: b, sc: fr.sc}).bind(in.X)
		if err != nil {
			return nil, err
		}
		if !expr.Comparable(x.Type(), y.Type()) {
			return nil, sql.Errorf(in.Pos, "Values passed to IN operator must have compatible types: %s and %s", x.Type(), y.Type())
		}
		yj := shiftCols(y, lw)
		eq, err := expr.NewCompare("=", x, yj)
		if err != nil {
			return nil, wrapErr(err, in.Pos)
		}
		switch {
		case sameKeyType(x.Type(), y.Type()) && (!not || x.Type().NotNull && y.Type().NotNull):
			j.LeftKeys = append(j.LeftKeys, x)
			j.RightKeys = append(j.RightKeys, y)
		case !not:
			conds = append(conds, eq)
		default:
			// NOT IN is unknown, so false, when x or a value of the
			// subquery is NULL: such a pair counts as a match.
			conds = append(conds, &expr.Or{Args: []expr.Expr{eq, &expr.IsNull{X: x}, &expr.IsNull{X: yj}}})
		}
	}
	if prune {
		right = pruneRight(right.(*Calc), j, conds, lw)
	}
	j.Right = right
	j.Cond = andOf(conds)
	j.fields = plainFields(fr.sc.fields)
	// Keep the enclosing query's qualifiers.
	for i := range j.fields {
		j.fields[i].Qual = fr.sc.fields[i].Qual
	}
	return &fromResult{node: j, sc: &scope{fields: j.fields}, table: fr.table}, nil
}

// pruneRight keeps in the right input's Calc only the columns the join
// reads (its right keys and conditions over left ++ right), renumbering
// them in place.
func pruneRight(c *Calc, j *JoinNode, conds []expr.Expr, lw int) *Calc {
	used := make([]bool, len(c.Projects))
	for _, k := range j.RightKeys {
		for _, i := range expr.Columns(k) {
			used[i] = true
		}
	}
	for _, x := range conds {
		for _, i := range expr.Columns(x) {
			if i >= lw {
				used[i-lw] = true
			}
		}
	}
	m := make([]int, len(used))
	out := &Calc{Input: c.Input, Filter: c.Filter}
	for i, u := range used {
		m[i] = -1
		if u {
			m[i] = len(out.Projects)
			out.Projects = append(out.Projects, c.Projects[i])
			out.fields = append(out.fields, c.fields[i])
		}
	}
	if len(out.Projects) == 0 {
		// EXISTS with no correlation: any row will do.
		out.Projects = []expr.Expr{expr.NewConst(types.BoolV(true), types.TBool)}
		out.fields = []Field{{Name: "$f0", Type: types.TBool}}
	}
	remap := func(x expr.Expr, off int) expr.Expr {
		return expr.Rewrite(x, func(e expr.Expr) expr.Expr {
			if col, ok := e.(*expr.Col); ok && col.Idx >= off {
				return &expr.Col{Idx: off + m[col.Idx-off], T: col.T, Name: col.Name}
			}
			return e
		})
	}
	for i, k := range j.RightKeys {
		j.RightKeys[i] = remap(k, 0)
	}
	for i, x := range conds {
		conds[i] = remap(x, lw)
	}
	return out
}

// sameKeyType reports whether values of the two types encode to equal join
// keys when equal.
func sameKeyType(a, b types.Type) bool {
	return a.Kind == b.Kind && (a.Kind != types.Decimal || a.Scale == b.Scale)
}

// plainFields copies fields without time attributes: a regular join's
// output has none.
func plainFields(fs []Field) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		f.Rowtime, f.Proctime = false, false
		out[i] = f
	}
	return out
}
