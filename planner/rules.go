package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
)

// A rule rewrites a plan node (its inputs already rewritten); it returns
// the node unchanged when it does not apply.
type rule struct {
	name  string
	apply func(Node) Node
}

// rules run bottom-up over every plan before it is explained or built.
var rules = []rule{
	{name: "filter-into-join", apply: filterIntoJoin},
	{name: "interval-join", apply: intervalJoinRule},
	{name: "window-join", apply: windowJoinRule},
	{name: "prune-join-inputs", apply: pruneJoinInputs},
	{name: "fuse-calc", apply: fuseCalc},
	{name: "rank", apply: rankRule},
	{name: "prune-rank-input", apply: pruneRanked},
	{name: "drop-identity-calc", apply: dropIdentityCalc},
}

// filterIntoJoin moves the conditions of a filter over an inner regular
// join into the join: equalities between the sides become join keys,
// other conditions over both sides its condition, and conditions on one
// side filter that input before the join (less state). A comma join (FROM
// a, b WHERE a.id = b.id AND ...) then joins on its keys instead of pairing
// every row with every other.
func filterIntoJoin(n Node) Node {
	c, ok := n.(*Calc)
	if !ok || c.Filter == nil {
		return n
	}
	j, ok := c.Input.(*JoinNode)
	if !ok || j.Type != engine.InnerJoin || j.Kind != engine.RegularJoin || j.ByInputKind {
		return n
	}
	lw := len(j.Left.Fields())
	nj := *j
	nj.LeftKeys = append([]expr.Expr(nil), j.LeftKeys...)
	nj.RightKeys = append([]expr.Expr(nil), j.RightKeys...)
	var cond, keep []expr.Expr
	if j.Cond != nil {
		cond = splitAnd(j.Cond)
	}
	moved := false
	for _, x := range splitAnd(c.Filter) {
		if l, r, ok := equiSides(x, lw); ok {
			nj.LeftKeys = append(nj.LeftKeys, l)
			nj.RightKeys = append(nj.RightKeys, shiftCols(r, -lw))
			moved = true
			continue
		}
		left, right := false, false
		for _, col := range expr.Columns(x) {
			left, right = left || col < lw, right || col >= lw
		}
		switch {
		case left && right:
			cond = append(cond, x)
		case left:
			nj.Left = filtered(nj.Left, x)
		case right:
			nj.Right = filtered(nj.Right, shiftCols(x, -lw))
		default:
			keep = append(keep, x)
			continue
		}
		moved = true
	}
	if !moved {
		return n
	}
	switch len(cond) {
	case 0:
		nj.Cond = nil
	case 1:
		nj.Cond = cond[0]
	default:
		nj.Cond = &expr.And{Args: cond}
	}
	nc := *c
	nc.Input = &nj
	switch len(keep) {
	case 0:
		nc.Filter = nil
	case 1:
		nc.Filter = keep[0]
	default:
		nc.Filter = &expr.And{Args: keep}
	}
	return &nc
}

// filtered returns n below a filter on cond (a Calc keeping its columns).
func filtered(n Node, cond expr.Expr) Node {
	fs := n.Fields()
	projects := make([]expr.Expr, len(fs))
	for i, f := range fs {
		projects[i] = &expr.Col{Idx: i, T: f.Type, Name: f.Name}
	}
	return &Calc{Input: n, Filter: cond, Projects: projects, fields: fs}
}

// dropIdentityCalc removes a Calc that neither filters nor changes its
// input's columns.
func dropIdentityCalc(n Node) Node {
	c, ok := n.(*Calc)
	if !ok || c.Filter != nil || len(c.Projects) != len(c.Input.Fields()) {
		return n
	}
	in := c.Input.Fields()
	for i, p := range c.Projects {
		col, ok := p.(*expr.Col)
		if !ok || col.Idx != i || in[i].Name != c.fields[i].Name || in[i].Rowtime != c.fields[i].Rowtime {
			return n
		}
	}
	return c.Input
}

// optimize applies the rules to every node, inputs first.
func optimize(n Node) Node {
	n = withInputs(n, func(in Node) Node { return optimize(in) })
	for _, r := range rules {
		n = r.apply(n)
	}
	return n
}

// withInputs returns n with each input replaced by fn(input). Nodes are
// copied, never changed in place.
func withInputs(n Node, fn func(Node) Node) Node {
	switch x := n.(type) {
	case *Calc:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *Sink:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *WatermarkAssigner:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *WindowAggregate:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *Expand:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *WindowTableFunction:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *GroupAggregate:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *ChangelogNormalize:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *TableFilter:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *Rank:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *Deduplicate:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *WindowRank:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *WindowDeduplicate:
		c := *x
		c.Input = fn(x.Input)
		return &c
	case *JoinNode:
		c := *x
		c.Left, c.Right = fn(x.Left), fn(x.Right)
		return &c
	case *Union:
		c := &Union{Ins: make([]Node, len(x.Ins))}
		for i, in := range x.Ins {
			c.Ins[i] = fn(in)
		}
		return c
	case *renamed:
		c := *x
		c.Node = fn(x.Node)
		return &c
	case unaryOp:
		return x.withInput(fn(x.Inputs()[0]))
	case binaryOp:
		in := x.Inputs()
		return x.withInputs(fn(in[0]), fn(in[1]))
	}
	return n
}

// fuseCalc merges a Calc into the Calc below it by substituting the lower
// projections into the upper expressions (Flink's CalcMergeRule).
func fuseCalc(n Node) Node {
	top, ok := n.(*Calc)
	if !ok {
		return n
	}
	in := top.Input
	if r, ok := in.(*renamed); ok {
		in = r.Node
	}
	bottom, ok := in.(*Calc)
	if !ok {
		return n
	}
	for _, p := range bottom.Projects {
		if !deterministic(p) {
			return n
		}
	}
	if duplicatesCostly(top, bottom) {
		return n
	}
	subst := func(e expr.Expr) expr.Expr {
		return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
			if c, ok := x.(*expr.Col); ok && c.Idx < len(bottom.Projects) {
				return bottom.Projects[c.Idx]
			}
			return x
		})
	}
	out := &Calc{Input: bottom.Input, fields: top.fields}
	for _, p := range top.Projects {
		out.Projects = append(out.Projects, subst(p))
	}
	out.Filter = bottom.Filter
	if top.Filter != nil {
		f := subst(top.Filter)
		if out.Filter == nil {
			out.Filter = f
		} else {
			out.Filter = &expr.And{Args: []expr.Expr{out.Filter, f}}
		}
	}
	return out
}

// Costly is implemented by expressions too expensive to compute twice per
// row (parsing JSON): a Calc that reads one more than once is not fused
// into the Calc that computes it.
type Costly interface{ Costly() bool }

func duplicatesCostly(top, bottom *Calc) bool {
	uses := map[int]int{}
	count := func(e expr.Expr) {
		expr.Walk(e, func(x expr.Expr) {
			if c, ok := x.(*expr.Col); ok {
				uses[c.Idx]++
			}
		})
	}
	for _, p := range top.Projects {
		count(p)
	}
	if top.Filter != nil {
		count(top.Filter)
	}
	for i, p := range bottom.Projects {
		if uses[i] < 2 {
			continue
		}
		costly := false
		expr.Walk(p, func(x expr.Expr) {
			if c, ok := x.(Costly); ok && c.Costly() {
				costly = true
			}
		})
		if costly {
			return true
		}
	}
	return false
}

func deterministic(e expr.Expr) bool {
	ok := true
	expr.Walk(e, func(x expr.Expr) {
		if c, isCall := x.(*expr.Call); isCall && !expr.IsDeterministic(c.Name) {
			ok = false
		}
	})
	return ok
}
