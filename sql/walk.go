package sql

// Walking and copying expression trees, so that callers change a copy of
// a tree instead of printing it and parsing the text again.

// Walk calls fn for e and, depth first, for every expression under it:
// not inside the queries of IN (SELECT ...), EXISTS and scalar subqueries, which are
// statements of their own, nor inside the window of an OVER clause, which
// belongs to its window function. fn returning false skips the node's
// children. A nil e is not visited.
func Walk(e Expr, fn func(Expr) bool) {
	if e == nil || !fn(e) {
		return
	}
	for _, c := range children(e) {
		Walk(c, fn)
	}
}

// children lists the direct sub-expressions of e, in written order.
func children(e Expr) []Expr {
	switch n := e.(type) {
	case *Call:
		out := append([]Expr(nil), n.Args...)
		if n.Filter != nil {
			out = append(out, n.Filter)
		}
		return out
	case *Binary:
		return []Expr{n.L, n.R}
	case *Unary:
		return []Expr{n.X}
	case *Case:
		var out []Expr
		if n.Operand != nil {
			out = append(out, n.Operand)
		}
		for _, w := range n.Whens {
			out = append(out, w.Cond, w.Result)
		}
		if n.Else != nil {
			out = append(out, n.Else)
		}
		return out
	case *Cast:
		return []Expr{n.X}
	case *IsNull:
		return []Expr{n.X}
	case *IsBool:
		return []Expr{n.X}
	case *In:
		return append([]Expr{n.X}, n.List...)
	case *InSubquery:
		return []Expr{n.X}
	case *Between:
		return []Expr{n.X, n.Lo, n.Hi}
	case *Like:
		if n.Escape != nil {
			return []Expr{n.X, n.Pattern, n.Escape}
		}
		return []Expr{n.X, n.Pattern}
	case *Subscript:
		return []Expr{n.X, n.Index}
	case *FieldAccess:
		return []Expr{n.X}
	case *ArrayCtor:
		return n.Elems
	case *MapCtor:
		out := make([]Expr, 0, 2*len(n.Keys))
		for i := range n.Keys {
			out = append(out, n.Keys[i], n.Vals[i])
		}
		return out
	case *StructCtor:
		return n.Vals
	case *GroupingSets:
		var out []Expr
		for _, set := range n.Sets {
			out = append(out, set...)
		}
		return out
	case *Lambda:
		return []Expr{n.Body}
	}
	return nil
}

// CloneExpr returns a deep copy of e: every expression node and slice is
// new, so the copy can be changed without touching e. The queries of IN
// (SELECT ...), EXISTS and scalar subqueries are shared, not copied.
func CloneExpr(e Expr) Expr {
	if e == nil {
		return nil
	}
	switch n := e.(type) {
	case *Ident:
		c := *n
		c.Parts = append([]string(nil), n.Parts...)
		return &c
	case *Literal:
		c := *n
		return &c
	case *Interval:
		c := *n
		return &c
	case *Call:
		c := *n
		c.Args = cloneExprs(n.Args)
		c.Filter = CloneExpr(n.Filter)
		if n.Over != nil {
			o := *n.Over
			o.PartitionBy = cloneExprs(n.Over.PartitionBy)
			o.OrderBy = make([]OrderItem, len(n.Over.OrderBy))
			for i, it := range n.Over.OrderBy {
				it.Expr = CloneExpr(it.Expr)
				o.OrderBy[i] = it
			}
			if n.Over.Frame != nil {
				f := *n.Over.Frame
				f.Start.Offset, f.End.Offset = CloneExpr(f.Start.Offset), CloneExpr(f.End.Offset)
				o.Frame = &f
			}
			c.Over = &o
		}
		return &c
	case *Binary:
		c := *n
		c.L, c.R = CloneExpr(n.L), CloneExpr(n.R)
		return &c
	case *Unary:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *Case:
		c := *n
		c.Operand, c.Else = CloneExpr(n.Operand), CloneExpr(n.Else)
		c.Whens = make([]When, len(n.Whens))
		for i, w := range n.Whens {
			c.Whens[i] = When{Cond: CloneExpr(w.Cond), Result: CloneExpr(w.Result)}
		}
		return &c
	case *Cast:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *IsNull:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *IsBool:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *In:
		c := *n
		c.X, c.List = CloneExpr(n.X), cloneExprs(n.List)
		return &c
	case *InSubquery:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *Exists:
		c := *n
		return &c
	case *ScalarSubquery:
		c := *n
		return &c
	case *Between:
		c := *n
		c.X, c.Lo, c.Hi = CloneExpr(n.X), CloneExpr(n.Lo), CloneExpr(n.Hi)
		return &c
	case *Like:
		c := *n
		c.X, c.Pattern, c.Escape = CloneExpr(n.X), CloneExpr(n.Pattern), CloneExpr(n.Escape)
		return &c
	case *Subscript:
		c := *n
		c.X, c.Index = CloneExpr(n.X), CloneExpr(n.Index)
		return &c
	case *FieldAccess:
		c := *n
		c.X = CloneExpr(n.X)
		return &c
	case *ArrayCtor:
		c := *n
		c.Elems = cloneExprs(n.Elems)
		return &c
	case *MapCtor:
		c := *n
		c.Keys, c.Vals = cloneExprs(n.Keys), cloneExprs(n.Vals)
		return &c
	case *StructCtor:
		c := *n
		c.Names = append([]string(nil), n.Names...)
		c.Vals = cloneExprs(n.Vals)
		return &c
	case *GroupingSets:
		c := *n
		c.Sets = make([][]Expr, len(n.Sets))
		for i, set := range n.Sets {
			c.Sets[i] = cloneExprs(set)
		}
		return &c
	case *Lambda:
		c := *n
		c.Params = append([]string(nil), n.Params...)
		c.Body = CloneExpr(n.Body)
		return &c
	}
	panic("sql.CloneExpr: unknown expression node")
}

func cloneExprs(es []Expr) []Expr {
	if es == nil {
		return nil
	}
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = CloneExpr(e)
	}
	return out
}
