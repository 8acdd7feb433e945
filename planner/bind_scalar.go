package planner

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Scalar subqueries: (SELECT ...) used as a value in WHERE, HAVING or the
// select list. As Flink plans an uncorrelated one (Calcite's subquery
// removal), the rows whose expressions read it are joined with the
// subquery's row — a Join(joinType=[LeftOuterJoin]) on no key, whose right
// input is the subquery's one column — and the expressions read the
// joined column. No row gives NULL. In streaming the subquery is a
// changelog (a global aggregate updates its row), so when its value
// changes the join retracts what it joined with the old value and joins
// again: results follow the subquery's current value.
//
// The subquery must give at most one row by its shape: an aggregate
// without GROUP BY, or a SELECT without FROM. Flink checks other
// subqueries at run time (SINGLE_VALUE); Tumble refuses them when
// planning. Correlated scalar subqueries are refused too.

// scalarBase is the column index from which a bound expression's columns
// stand for scalar subqueries (scalarBase+k: the k-th of the query being
// bound) until joinScalars puts the joins under it.
const scalarBase = 1 << 30

// scalarSub is a scalar subquery of the SELECT being bound.
type scalarSub struct {
	q     *sql.ScalarSubquery
	field Field // its value's column (nullable)
}

// scalarQueries lists the scalar subqueries of sel's WHERE, select list,
// GROUP BY and HAVING (not those inside other subqueries).
func scalarQueries(sel *sql.Select) []*sql.ScalarSubquery {
	var out []*sql.ScalarSubquery
	visit := func(e sql.Expr) {
		walkSQL(e, func(x sql.Expr) {
			if s, ok := x.(*sql.ScalarSubquery); ok {
				out = append(out, s)
			}
		})
	}
	visit(sel.Where)
	for _, it := range sel.Items {
		visit(it.Expr)
	}
	for _, g := range sel.GroupBy {
		visit(g)
	}
	visit(sel.Having)
	return out
}

// prepareScalars checks the scalar subqueries of sel and makes them
// bindable (as placeholder columns) in its clauses.
func (b *binder) prepareScalars(sel *sql.Select) error {
	b.scalars = nil
	for _, q := range scalarQueries(sel) {
		if msg, no := b.rules.Refuses(dialect.FeatureSubqueries); no {
			return sql.Errorf(q.Pos, "%s", msg)
		}
		if !oneRowQuery(q.Query) {
			return sql.Errorf(q.Pos, "A scalar subquery must give at most one row by its shape: an aggregate without GROUP BY (SELECT MAX(x) FROM t) or a SELECT without FROM")
		}
		f, err := b.scalarField(q)
		if err != nil {
			return err
		}
		b.scalars = append(b.scalars, &scalarSub{q: q, field: f})
	}
	return nil
}

// oneRowQuery reports whether q gives at most one row by its shape.
func oneRowQuery(q *sql.Select) bool {
	if len(q.UnionAll) > 0 || q.Window != nil || len(q.GroupBy) > 0 {
		return false
	}
	if q.From == nil {
		return true
	}
	if len(overCalls(q)) > 0 {
		return false
	}
	for _, it := range q.Items {
		if it.Expr != nil && containsAggregate(it.Expr) {
			return true
		}
	}
	return false
}

// bindScalarQuery binds a scalar subquery into a plan of its one column.
func (b *binder) bindScalarQuery(q *sql.ScalarSubquery) (Node, Field, error) {
	saved := b.scalars
	node, err := b.bindSelect(q.Query)
	b.scalars = saved
	if err != nil {
		var se *sql.Error
		if errors.As(err, &se) && strings.Contains(se.Msg, " not found in ") {
			c := *se
			c.Msg += " (correlated scalar subqueries, which read the enclosing query's columns, are not supported)"
			return nil, Field{}, &c
		}
		return nil, Field{}, err
	}
	var vis []int
	for i, f := range node.Fields() {
		if !f.Hidden {
			vis = append(vis, i)
		}
	}
	if len(vis) != 1 {
		return nil, Field{}, sql.Errorf(q.Pos, "A scalar subquery must select exactly one column, not %d", len(vis))
	}
	f := node.Fields()[vis[0]]
	f.Type = f.Type.Nullable()
	f.Rowtime, f.Proctime, f.Hidden, f.Qual = false, false, true, ""
	right := &Calc{Input: node, Projects: []expr.Expr{&expr.Col{Idx: vis[0], T: node.Fields()[vis[0]].Type, Name: f.Name}}, fields: []Field{f}}
	return right, f, nil
}

func (b *binder) scalarField(q *sql.ScalarSubquery) (Field, error) {
	_, f, err := b.bindScalarQuery(q)
	return f, err
}

// bindScalar binds a scalar subquery of the SELECT being bound to its
// placeholder column.
func (eb *exprBinder) bindScalar(n *sql.ScalarSubquery) (expr.Expr, error) {
	if msg, no := eb.b.rules.Refuses(dialect.FeatureSubqueries); no {
		return nil, sql.Errorf(n.Pos, "%s", msg)
	}
	for k, s := range eb.b.scalars {
		if s.q.Query == n.Query {
			return &expr.Col{Idx: scalarBase + k, T: s.field.Type, Name: s.field.Name}, nil
		}
	}
	return nil, sql.Errorf(n.Pos, "Scalar subqueries are supported in WHERE, HAVING and the select list (not in GROUP BY, ORDER BY, the arguments of aggregates, joins' ON, or beside OVER)")
}

// scalarPos returns the position of the first scalar subquery the
// expressions read (ok false when they read none).
func (b *binder) scalarPos(xs ...expr.Expr) (sql.Pos, bool) {
	for _, x := range xs {
		if x == nil {
			continue
		}
		for _, c := range expr.Columns(x) {
			if c >= scalarBase {
				return b.scalars[c-scalarBase].q.Pos, true
			}
		}
	}
	return sql.Pos{}, false
}

// joinScalars joins in under node the scalar subqueries the expressions
// read, one LeftOuterJoin each, and rewrites their placeholder columns to
// the joined ones.
func (b *binder) joinScalars(node Node, xs ...*expr.Expr) (Node, error) {
	var used []int
	seen := map[int]bool{}
	for _, x := range xs {
		if *x == nil {
			continue
		}
		for _, c := range expr.Columns(*x) {
			if c >= scalarBase && !seen[c-scalarBase] {
				seen[c-scalarBase] = true
				used = append(used, c-scalarBase)
			}
		}
	}
	if len(used) == 0 {
		return node, nil
	}
	at := map[int]int{}
	for _, k := range used {
		right, f, err := b.bindScalarQuery(b.scalars[k].q)
		if err != nil {
			return nil, err
		}
		for _, lf := range node.Fields() {
			if lf.Name == f.Name {
				// A name of its own, so that EXPLAIN tells the columns apart.
				f.Name = fmt.Sprintf("$f%d", len(node.Fields()))
				rc := right.(*Calc)
				rc.fields = []Field{f}
				break
			}
		}
		b.scalars[k].field.Name = f.Name
		fields := append(plainFields(node.Fields()), f)
		for i := range fields[:len(fields)-1] {
			fields[i].Qual = node.Fields()[i].Qual
		}
		at[k] = len(fields) - 1
		node = &JoinNode{Left: node, Right: right, Type: engine.LeftJoin, fields: fields}
	}
	for _, x := range xs {
		if *x == nil {
			continue
		}
		*x = expr.Rewrite(*x, func(e expr.Expr) expr.Expr {
			if c, ok := e.(*expr.Col); ok && c.Idx >= scalarBase {
				k := c.Idx - scalarBase
				return &expr.Col{Idx: at[k], T: c.T, Name: b.scalars[k].field.Name}
			}
			return e
		})
	}
	return node, nil
}
