package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
)

// pruneJoinInputs projects a regular join's inputs to the columns that
// are read above the join (by the Calc over it) or by the join itself (its
// keys and condition), as Flink's planner does before a join: the join
// keeps every row of both inputs in its state, so a column nobody reads
// costs memory (or disk) for every row held. A join input that is itself
// such a join is pruned in turn (a multi-way join).
func pruneJoinInputs(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	j, ok := c.Input.(*JoinNode)
	if !ok || !prunableJoin(j) {
		return n
	}
	used := make([]bool, len(j.fields))
	for _, e := range append([]expr.Expr{c.Filter}, c.Projects...) {
		if e != nil {
			markColumns(used, e, 0)
		}
	}
	nj, m, ok := pruneJoin(j, used)
	if !ok {
		return n
	}
	nc := *c
	nc.Input = nj
	nc.Projects = make([]expr.Expr, len(c.Projects))
	for i, p := range c.Projects {
		nc.Projects[i] = remapColumns(p, m, 0)
	}
	if c.Filter != nil {
		nc.Filter = remapColumns(c.Filter, m, 0)
	}
	return &nc
}

// prunableJoin reports whether pruneJoin may narrow j's inputs: regular
// joins whose output is both inputs' columns (not semi or anti joins, not
// ksqlDB's joins planned by their inputs' kinds, whose key columns are
// named by position).
func prunableJoin(j *JoinNode) bool {
	if j.Kind != engine.RegularJoin || j.ByInputKind {
		return false
	}
	switch j.Type {
	case engine.InnerJoin, engine.LeftJoin, engine.RightJoin, engine.FullJoin:
		return len(j.fields) == len(j.Left.Fields())+len(j.Right.Fields())
	}
	return false
}

// pruneJoin returns j with each input narrowed to the columns marked in
// used (over j's fields) and those the join reads, and the map from j's
// columns to the new join's (-1: dropped). ok is false when no column can
// be dropped.
func pruneJoin(j *JoinNode, used []bool) (Node, []int, bool) {
	lw := len(j.Left.Fields())
	used = append([]bool(nil), used...)
	for _, k := range j.LeftKeys {
		markColumns(used, k, 0)
	}
	for _, k := range j.RightKeys {
		markColumns(used, k, lw)
	}
	if j.Cond != nil {
		markColumns(used, j.Cond, 0)
	}
	keepOne := func(u []bool) {
		if len(u) == 0 {
			return // no columns (the one row of a SELECT without FROM)
		}
		for _, x := range u {
			if x {
				return
			}
		}
		u[0] = true // a side nobody reads still has a column
	}
	keepOne(used[:lw])
	keepOne(used[lw:])
	dropped := false
	for _, u := range used {
		dropped = dropped || !u
	}
	if !dropped {
		return nil, nil, false
	}
	left, lm := narrowed(j.Left, used[:lw])
	right, rm := narrowed(j.Right, used[lw:])
	nlw := len(left.Fields())
	m := make([]int, len(used))
	for i := range used {
		switch {
		case i < lw:
			m[i] = lm[i]
		case rm[i-lw] >= 0:
			m[i] = nlw + rm[i-lw]
		default:
			m[i] = -1
		}
	}
	nj := *j
	nj.Left, nj.Right = left, right
	nj.LeftKeys = make([]expr.Expr, len(j.LeftKeys))
	for i, k := range j.LeftKeys {
		nj.LeftKeys[i] = remapColumns(k, lm, 0)
	}
	nj.RightKeys = make([]expr.Expr, len(j.RightKeys))
	for i, k := range j.RightKeys {
		nj.RightKeys[i] = remapColumns(k, rm, 0)
	}
	if j.Cond != nil {
		nj.Cond = remapColumns(j.Cond, m, 0)
	}
	nj.fields = nil
	for i, f := range j.fields {
		if used[i] {
			nj.fields = append(nj.fields, f)
		}
	}
	return &nj, m, true
}

// narrowed returns n projected to its columns marked in used, and the map
// from n's columns to the projection's (-1: dropped). A join below is
// pruned in turn; a Calc below is fused with the projection.
func narrowed(n Node, used []bool) (Node, []int) {
	m := make([]int, len(used))
	fs := n.Fields()
	var projects []expr.Expr
	var fields []Field
	for i, u := range used {
		m[i] = -1
		if u {
			m[i] = len(projects)
			projects = append(projects, &expr.Col{Idx: i, T: fs[i].Type, Name: fs[i].Name})
			fields = append(fields, fs[i])
		}
	}
	if len(projects) == len(used) {
		return n, m
	}
	var out Node = &Calc{Input: n, Projects: projects, fields: fields}
	if j, ok := n.(*JoinNode); ok && prunableJoin(j) {
		if nj, jm, ok := pruneJoin(j, used); ok {
			for i, p := range projects {
				projects[i] = remapColumns(p, jm, 0)
			}
			out = dropIdentityCalc(&Calc{Input: nj, Projects: projects, fields: fields})
		}
	}
	return fuseCalc(out), m
}

// markColumns marks in used the columns e reads, shifted by off.
func markColumns(used []bool, e expr.Expr, off int) {
	for _, col := range expr.Columns(e) {
		if i := col + off; i >= 0 && i < len(used) {
			used[i] = true
		}
	}
}

// remapColumns renumbers the columns of e (from off on) by m.
func remapColumns(e expr.Expr, m []int, off int) expr.Expr {
	return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
		if col, ok := x.(*expr.Col); ok && col.Idx >= off && col.Idx-off < len(m) && m[col.Idx-off] >= 0 {
			return &expr.Col{Idx: off + m[col.Idx-off], T: col.T, Name: col.Name}
		}
		return x
	})
}
