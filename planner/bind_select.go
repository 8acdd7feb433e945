package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// binder binds one statement's queries into plan nodes, one method per
// clause, in this order (bindSelect):
//
//   - UNION ALL: each branch on its own (bindUnion); no FROM: one row
//     (bindFromless)
//   - FROM (bind_from.go): tables, views, subqueries, VALUES, window TVFs
//     and joins (bind_join.go), into a scope of fields
//   - WHERE (bindWhere): conditions with IN / EXISTS subqueries first
//     become semi and anti joins (bind_subquery.go)
//   - then one of three shapes:
//     a select list with ROW_NUMBER() OVER (...): a Rank (bind_over.go);
//     with OVER aggregates: an OverAggregate (over_agg.go);
//     GROUP BY, HAVING or an aggregate: GROUP BY keys and windows, the
//     select list collecting aggregates, HAVING (bind_aggregate.go);
//     otherwise the select list (bind_items.go) over the filtered FROM
//   - DISTINCT: a group aggregate over every column (distinct)
//
// Expressions are bound by exprBinder (bind_expr.go). What differs
// between dialects comes from rules (planner/dialect); ksqlDB's own query
// shapes (keys, PARTITION BY, table functions) are bound by ksql_query.go
// around the same clause methods.
type binder struct {
	p *Planner
	// d is the statement's dialect and rules its named behaviours: the
	// binder reads what differs between dialects there.
	d              dialect.Dialect
	rules          *dialect.Rules
	env            *expr.Env
	pendingAggName string
	usedNames      map[string]bool
	// viewDepth guards against views that refer to themselves.
	viewDepth int
	// path, when set, is the database whose names the query being bound
	// leaves unqualified (a view's), instead of the planner's.
	path Path
	// names hands out generated column names (dialect.ColumnName).
	names *dialect.Names
	// overCols maps the ROW_NUMBER() OVER call of the select list being
	// bound to its column (see bindRanked).
	overCols map[*sql.Call]int
	// scalars are the scalar subqueries of the SELECT being bound
	// (bind_scalar.go).
	scalars []*scalarSub
	// ksql holds what binding ksqlDB's joins, table functions and lambdas
	// needs (ksql_join.go).
	ksql ksqlState
}

func newBinder(p *Planner) *binder {
	used := map[string]bool{}
	return &binder{p: p, d: p.Dialect, rules: p.Dialect.Rules(), env: p.env(), usedNames: used, names: dialect.NewNames(used)}
}

// special handles functions that are not plain scalar functions.
func (b *binder) special(name string, args []expr.Expr, n *sql.Call) (func() (expr.Expr, error), bool) {
	return b.tableFunctionCol(n)
}

func (b *binder) isAggQuery(sel *sql.Select) bool {
	if len(sel.GroupBy) > 0 || sel.Having != nil {
		return true
	}
	for _, it := range sel.Items {
		if it.Expr != nil && containsAggregate(it.Expr) {
			return true
		}
	}
	return false
}

// bindSelect binds a query into a plan, clause by clause in the order
// written at binder, then its ORDER BY and LIMIT (sort.go).
func (b *binder) bindSelect(sel *sql.Select) (Node, error) {
	n, err := b.bindClauses(sel)
	if err != nil {
		return nil, err
	}
	return b.bindOrderLimit(sel, n)
}

func (b *binder) bindClauses(sel *sql.Select) (n Node, err error) {
	if len(sel.StateTTL) > 0 {
		defer func() {
			if err == nil {
				err = applyStateTTLHint(n, sel.StateTTL)
			}
		}()
	}
	if len(sel.UnionAll) > 0 {
		return b.bindUnion(sel)
	}
	saved := b.scalars
	defer func() { b.scalars = saved }()
	b.scalars = nil
	if sel.From == nil {
		return b.bindFromless(sel)
	}
	fr, err := b.bindFrom(sel.From)
	if err != nil {
		return nil, err
	}
	if sel.Where != nil && containsSubquery(sel.Where) {
		if sel, fr, err = b.bindSubqueryConds(sel, fr); err != nil {
			return nil, err
		}
	}
	if calls := overCalls(sel); len(calls) > 0 {
		for _, c := range calls {
			if isOverAggregate(c) {
				return b.bindOverAggregates(sel, fr, calls)
			}
		}
		return b.bindRanked(sel, fr, calls)
	}
	if err := b.prepareScalars(sel); err != nil {
		return nil, err
	}
	if b.isAggQuery(sel) {
		return b.bindAggregate(sel, fr)
	}
	node := fr.node
	if fr.tvf != nil {
		node = materializeTVF(fr)
	}
	filter, err := b.bindWhere(sel, fr.sc)
	if err != nil {
		return nil, err
	}
	projects, fields, err := b.bindItems(sel, fr.sc, nil)
	if err != nil {
		return nil, err
	}
	xs := []*expr.Expr{&filter}
	for i := range projects {
		xs = append(xs, &projects[i])
	}
	if node, err = b.joinScalars(node, xs...); err != nil {
		return nil, err
	}
	calc := &Calc{Input: node, Filter: filter, Projects: projects, fields: fields}
	if sel.Distinct {
		return b.distinct(calc), nil
	}
	return calc, nil
}

// bindWhere binds the WHERE clause over the FROM's scope: a boolean
// condition, or nil when there is none.
func (b *binder) bindWhere(sel *sql.Select, sc *scope) (expr.Expr, error) {
	if sel.Where == nil {
		return nil, nil
	}
	where := sel.Where
	if b.rules.MagicTimestamps {
		var err error
		if where, err = ksqlMagicTimestamps(where); err != nil {
			return nil, err
		}
	}
	filter, err := (&exprBinder{b: b, sc: sc}).bind(where)
	if err != nil {
		return nil, b.clauseTypeError("WHERE", err)
	}
	if err := b.wantFilter(filter, where, "WHERE"); err != nil {
		return nil, err
	}
	return filter, nil
}

// bindHaving binds the HAVING clause over an aggregate's output scope
// (nil when there is none).
func (b *binder) bindHaving(sel *sql.Select, out *scope, a *aggCtx) (expr.Expr, error) {
	if sel.Having == nil {
		return nil, nil
	}
	having, err := (&exprBinder{b: b, sc: out, agg: a}).bind(sel.Having)
	if err != nil {
		return nil, b.clauseTypeError("HAVING", err)
	}
	if err := b.wantFilter(having, sel.Having, "HAVING"); err != nil {
		return nil, err
	}
	return having, nil
}

func (b *binder) bindFromless(sel *sql.Select) (Node, error) {
	if err := b.prepareScalars(sel); err != nil {
		return nil, err
	}
	sc := &scope{}
	projects, fields, err := b.bindItems(sel, sc, nil)
	if err != nil {
		return nil, err
	}
	// The projections are evaluated when the query runs, where a failure
	// (CAST('x' AS INT)) fails the query rather than the planner.
	var values Node = &Scan{Table: &Table{Name: "values"}, Values: []types.Row{{}}}
	xs := make([]*expr.Expr, len(projects))
	for i := range projects {
		xs[i] = &projects[i]
	}
	if values, err = b.joinScalars(values, xs...); err != nil {
		return nil, err
	}
	return &Calc{Input: values, Projects: projects, fields: fields}, nil
}

// bindUnion binds a chain of set operations, left to right.
func (b *binder) bindUnion(sel *sql.Select) (Node, error) {
	first := *sel
	first.UnionAll, first.SetOps, first.OrderBy, first.Limit = nil, nil, nil, nil // the chain's
	n0, err := b.bindSelect(&first)
	if err != nil {
		return nil, err
	}
	acc := n0
	for k, other := range sel.UnionAll {
		n, err := b.bindSelect(other)
		if err != nil {
			return nil, err
		}
		op := "UNION ALL"
		if k < len(sel.SetOps) && sel.SetOps[k] != "" {
			op = sel.SetOps[k]
		}
		if len(n.Fields()) != len(n0.Fields()) {
			return nil, sql.Errorf(other.Pos, "Column count mismatch in %s", op)
		}
		if u, ok := acc.(*Union); ok && op == "UNION ALL" {
			u.Ins = append(u.Ins, n)
			continue
		}
		if acc, err = b.setOperation(acc, n, op, other.Pos); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// setOperation is l op r. UNION is the distinct rows of UNION ALL;
// INTERSECT and EXCEPT group the rows of both sides, each tagged with its
// side, and keep the rows found on both sides (INTERSECT) or on the left
// only (EXCEPT), once each; their ALL forms repeat each row as often as
// both sides have it, or as the left has it more often than the right.
func (b *binder) setOperation(l, r Node, op string, pos sql.Pos) (Node, error) {
	switch op {
	case "UNION ALL":
		return &Union{Ins: []Node{l, r}}, nil
	case "UNION":
		return b.distinct(&Union{Ins: []Node{l, r}}), nil
	case "INTERSECT", "EXCEPT", "INTERSECT ALL", "EXCEPT ALL":
	default:
		return nil, sql.Errorf(pos, "%s is not supported", op)
	}
	count := types.TBigInt.WithNotNull(true)
	tag := func(n Node, left, right int64) Node {
		fs := n.Fields()
		projects := make([]expr.Expr, 0, len(fs)+2)
		fields := make([]Field, 0, len(fs)+2)
		for i, f := range fs {
			projects = append(projects, &expr.Col{Idx: i, T: f.Type, Name: f.Name})
			f.Rowtime, f.Proctime = false, false
			fields = append(fields, f)
		}
		for k, v := range []int64{left, right} {
			projects = append(projects, &expr.Const{V: types.BigIntV(v), T: count})
			fields = append(fields, Field{Name: fmt.Sprintf("$side%d", k), Type: count})
		}
		return &Calc{Input: n, Projects: projects, fields: fields}
	}
	width := len(l.Fields())
	g, ok := b.distinct(&Union{Ins: []Node{tag(l, 1, 0), tag(r, 0, 1)}}).(*GroupAggregate)
	if !ok {
		return nil, sql.Errorf(pos, "internal error: %s without a group aggregate", op)
	}
	g.Keys, g.fields = g.Keys[:width], g.fields[:width]
	for k := 0; k < 2; k++ {
		fn, err := agg.New("SUM", []types.Type{count}, false, b.rules.Aggs)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("$side%d", k)
		g.Aggs = append(g.Aggs, engine.AggCall{Func: fn, Arg: width + k})
		g.AggNames = append(g.AggNames, name)
		g.fields = append(g.fields, Field{Name: name, Type: fn.Result})
	}
	zero := &expr.Const{V: types.BigIntV(0), T: count}
	leftSide := &expr.Col{Idx: width, T: g.fields[width].Type, Name: "$side0"}
	rightSide := &expr.Col{Idx: width + 1, T: g.fields[width+1].Type, Name: "$side1"}
	projects := make([]expr.Expr, width)
	for i := range projects {
		projects[i] = &expr.Col{Idx: i, T: g.fields[i].Type, Name: g.fields[i].Name}
	}
	if strings.HasSuffix(op, " ALL") {
		// Each row as many times as both sides have it (INTERSECT ALL) or
		// as the left side has it more often (EXCEPT ALL): a row per
		// element of GENERATE_SERIES(1, times), empty when times < 1.
		var times expr.Expr
		var err error
		if op == "INTERSECT ALL" {
			times, err = expr.NewFunc("LEAST", []expr.Expr{leftSide, rightSide}, b.env)
		} else {
			times, err = expr.NewArith("-", leftSide, rightSide, b.env)
		}
		if err != nil {
			return nil, err
		}
		copies, err := expr.NewFunc("GENERATE_SERIES", []expr.Expr{&expr.Const{V: types.BigIntV(1), T: count}, times}, b.env)
		if err != nil {
			return nil, err
		}
		fields := append(append([]Field(nil), g.fields...), Field{Name: "$copy", Type: *copies.Type().Elem, Hidden: true})
		fm := &FlatMap{Input: g, Gens: []expr.Expr{copies}, fields: fields}
		return &Calc{Input: fm, Projects: projects, fields: g.fields[:width]}, nil
	}
	cmp := ">"
	if op == "EXCEPT" {
		cmp = "="
	}
	onLeft, err := expr.NewCompare(">", leftSide, zero)
	if err != nil {
		return nil, err
	}
	onRight, err := expr.NewCompare(cmp, rightSide, zero)
	if err != nil {
		return nil, err
	}
	return &Calc{Input: g, Filter: &expr.And{Args: []expr.Expr{onLeft, onRight}}, Projects: projects, fields: g.fields[:width]}, nil
}

// distinct turns SELECT DISTINCT into a group aggregate over all columns.
func (b *binder) distinct(in Node) Node {
	fs := in.Fields()
	keys := make([]int, len(fs))
	out := make([]Field, len(fs))
	for i, f := range fs {
		keys[i] = i
		f.Rowtime = false
		out[i] = f
	}
	return &GroupAggregate{Input: in, Keys: keys, fields: out}
}
