package planner

import (
	"strings"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/sql"
)

// ksqlCheckAggregate applies ksqlDB's rules for an aggregating query over
// one source, with its messages, before the query is bound:
//
//   - a GROUP BY expression written twice (DATA and TEST.DATA);
//   - an aggregate inside another, or in GROUP BY;
//   - a GROUP BY without any aggregate function in SELECT or HAVING;
//   - SELECT expressions that use a column outside an aggregate function
//     and are not grouped (all of them, in select order), then HAVING
//     columns used so.
//
// source is the name (or alias) that qualifies the source's columns;
// columns are the columns SELECT * stands for; known tells the scalar
// functions that exist (the checks are left to the binder when the query
// calls one that does not).
func ksqlCheckAggregate(sel *sql.Select, source string, columns []string, known func(name string) bool) error {
	// A function the query names that does not exist is reported first,
	// by the binder, as ksqlDB resolves functions before these rules.
	unknown := false
	each := func(e sql.Expr) {
		walkSQL(e, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && !agg.IsAggregate(c.Name) && !known(c.Name) {
				unknown = true
			}
		})
	}
	for _, it := range sel.Items {
		each(it.Expr)
	}
	for _, g := range sel.GroupBy {
		each(g)
	}
	each(sel.Having)
	if unknown {
		return nil
	}
	norm := func(e sql.Expr) string { return ksqlExprText(ksqlUnqualify(e, source)) }
	grouped := map[string]bool{}
	for _, g := range sel.GroupBy {
		k := norm(g)
		if grouped[k] {
			return sql.Errorf(g.ExprPos(), "Duplicate GROUP BY expression: %s", ksqlExprText(ksqlQualify(g, source)))
		}
		grouped[k] = true
	}
	aggs := 0
	var nested error
	countAggs := func(e sql.Expr) {
		walkSQL(e, func(x sql.Expr) {
			c, ok := x.(*sql.Call)
			if !ok || !agg.IsAggregate(c.Name) {
				return
			}
			aggs++
			for _, a := range c.Args {
				walkSQL(a, func(y sql.Expr) {
					if in, ok := y.(*sql.Call); ok && agg.IsAggregate(in.Name) && nested == nil {
						nested = sql.Errorf(c.Pos, "Aggregate functions can not be nested: %s(%s)", c.Name, ksqlExprText(in))
					}
				})
			}
		})
	}
	for _, it := range sel.Items {
		countAggs(it.Expr)
	}
	if nested != nil {
		return nested
	}
	for _, g := range sel.GroupBy {
		var inGroup *sql.Call
		walkSQL(g, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && agg.IsAggregate(c.Name) && inGroup == nil {
				inGroup = c
			}
		})
		if inGroup != nil {
			return sql.Errorf(inGroup.Pos, "GROUP BY does not support aggregate functions: %s is an aggregate function.", inGroup.Name)
		}
	}
	countAggs(sel.Having)
	if aggs == 0 {
		return sql.Errorf(sel.Pos, "GROUP BY requires aggregate functions in either the SELECT or HAVING clause.")
	}
	// ungrouped returns the columns of e used outside aggregate functions
	// and outside grouped expressions.
	ungrouped := func(e sql.Expr) []*sql.Ident {
		var out []*sql.Ident
		var visit func(x sql.Expr)
		visit = func(x sql.Expr) {
			if x == nil || grouped[norm(x)] {
				return
			}
			switch n := x.(type) {
			case *sql.Ident:
				if !ksqlWindowBound(n) {
					out = append(out, n)
				}
				return
			case *sql.Call:
				if agg.IsAggregate(n.Name) {
					return
				}
			case *sql.Lambda:
				return
			}
			ksqlChildren(x, visit)
		}
		visit(e)
		return out
	}
	var bad []string
	for _, it := range sel.Items {
		if it.Star {
			if it.StarQualifier != "" && !strings.EqualFold(it.StarQualifier, source) {
				continue
			}
			for _, c := range columns {
				if !grouped[ksqlExprText(&sql.Ident{Parts: []string{c}})] {
					bad = append(bad, ksqlName(c))
				}
			}
			continue
		}
		if len(ungrouped(it.Expr)) > 0 {
			bad = append(bad, norm(it.Expr))
		}
	}
	if len(bad) > 0 {
		return sql.Errorf(sel.Pos, "Non-aggregate SELECT expression(s) not part of GROUP BY: %s\nEither add the column(s) to the GROUP BY or remove them from the SELECT.", strings.Join(bad, ", "))
	}
	if sel.Having != nil {
		var cols []string
		seen := map[string]bool{}
		for _, id := range ungrouped(sel.Having) {
			if t := norm(id); !seen[t] {
				seen[t] = true
				cols = append(cols, t)
			}
		}
		if len(cols) > 0 {
			return sql.Errorf(sel.Having.ExprPos(), "Non-aggregate HAVING expression not part of GROUP BY: %s", strings.Join(cols, ", "))
		}
	}
	return nil
}

// ksqlWindowBound tells WINDOWSTART and WINDOWEND, which a windowed
// aggregation may select beside its groups.
func ksqlWindowBound(id *sql.Ident) bool {
	last := strings.ToUpper(id.Parts[len(id.Parts)-1])
	return last == "WINDOWSTART" || last == "WINDOWEND"
}

// ksqlUnqualify drops the source's name from the columns of e (DATA for
// TEST.DATA), so that expressions compare as ksqlDB resolves them.
func ksqlUnqualify(e sql.Expr, source string) sql.Expr {
	return ksqlMapIdents(e, func(id *sql.Ident) *sql.Ident {
		if len(id.Parts) == 2 && strings.EqualFold(id.Parts[0], source) {
			return &sql.Ident{Parts: id.Parts[1:], Pos: id.Pos}
		}
		return id
	})
}

// ksqlQualify names the source before each column of e (TEST.DATA), as
// ksqlDB prints a resolved expression.
func ksqlQualify(e sql.Expr, source string) sql.Expr {
	return ksqlMapIdents(e, func(id *sql.Ident) *sql.Ident {
		if len(id.Parts) == 1 && source != "" {
			return &sql.Ident{Parts: []string{strings.ToUpper(source), id.Parts[0]}, Pos: id.Pos}
		}
		return id
	})
}

// ksqlMapIdents returns e with each column reference replaced by fn's.
func ksqlMapIdents(e sql.Expr, fn func(*sql.Ident) *sql.Ident) sql.Expr {
	switch n := e.(type) {
	case *sql.Ident:
		return fn(n)
	case *sql.Call:
		c := *n
		c.Args = make([]sql.Expr, len(n.Args))
		for i, a := range n.Args {
			c.Args[i] = ksqlMapIdents(a, fn)
		}
		return &c
	case *sql.Binary:
		return &sql.Binary{Op: n.Op, L: ksqlMapIdents(n.L, fn), R: ksqlMapIdents(n.R, fn), Pos: n.Pos}
	case *sql.Unary:
		return &sql.Unary{Op: n.Op, X: ksqlMapIdents(n.X, fn), Pos: n.Pos}
	case *sql.Cast:
		c := *n
		c.X = ksqlMapIdents(n.X, fn)
		return &c
	case *sql.Subscript:
		return &sql.Subscript{X: ksqlMapIdents(n.X, fn), Index: ksqlMapIdents(n.Index, fn), Pos: n.Pos}
	case *sql.FieldAccess:
		return &sql.FieldAccess{X: ksqlMapIdents(n.X, fn), Field: n.Field, Pos: n.Pos}
	case *sql.IsNull:
		return &sql.IsNull{X: ksqlMapIdents(n.X, fn), Not: n.Not, Pos: n.Pos}
	}
	return e
}

// ksqlChildren calls fn on each operand of e (not deeper).
func ksqlChildren(e sql.Expr, fn func(sql.Expr)) {
	switch n := e.(type) {
	case *sql.Call:
		for _, a := range n.Args {
			fn(a)
		}
	case *sql.Binary:
		fn(n.L)
		fn(n.R)
	case *sql.Unary:
		fn(n.X)
	case *sql.Case:
		fn(n.Operand)
		for _, w := range n.Whens {
			fn(w.Cond)
			fn(w.Result)
		}
		fn(n.Else)
	case *sql.Cast:
		fn(n.X)
	case *sql.IsNull:
		fn(n.X)
	case *sql.IsBool:
		fn(n.X)
	case *sql.In:
		fn(n.X)
		for _, a := range n.List {
			fn(a)
		}
	case *sql.Between:
		fn(n.X)
		fn(n.Lo)
		fn(n.Hi)
	case *sql.Like:
		fn(n.X)
		fn(n.Pattern)
		fn(n.Escape)
	case *sql.Subscript:
		fn(n.X)
		fn(n.Index)
	case *sql.FieldAccess:
		fn(n.X)
	case *sql.ArrayCtor:
		for _, a := range n.Elems {
			fn(a)
		}
	case *sql.MapCtor:
		for i := range n.Keys {
			fn(n.Keys[i])
			fn(n.Vals[i])
		}
	case *sql.StructCtor:
		for _, a := range n.Vals {
			fn(a)
		}
	}
}

// ksqlExprText prints an expression as ksqlDB prints one in its messages:
// operators in parentheses, (F1 - F2); calls as NAME(args); columns by
// name, quoted with backticks when they need it.
func ksqlExprText(e sql.Expr) string {
	var b strings.Builder
	ksqlFormat(&b, e)
	return b.String()
}

// ksqlFormatList writes es separated by ", ".
func ksqlFormatList(b *strings.Builder, es []sql.Expr) {
	for i, e := range es {
		if i > 0 {
			b.WriteString(", ")
		}
		ksqlFormat(b, e)
	}
}

func ksqlFormat(b *strings.Builder, e sql.Expr) {
	switch n := e.(type) {
	case *sql.Ident:
		for i, p := range n.Parts {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(ksqlName(p))
		}
	case *sql.Literal:
		switch n.Kind {
		case sql.LitNull:
			b.WriteString("null")
		case sql.LitString:
			b.WriteString("'" + strings.ReplaceAll(n.Text, "'", "''") + "'")
		case sql.LitBool:
			b.WriteString(strings.ToLower(n.Text))
		default:
			b.WriteString(n.Text)
		}
	case *sql.Call:
		b.WriteString(n.Name + "(")
		if n.Distinct {
			b.WriteString("DISTINCT ")
		}
		ksqlFormatList(b, n.Args)
		b.WriteByte(')')
	case *sql.Binary:
		b.WriteByte('(')
		ksqlFormat(b, n.L)
		b.WriteString(" " + n.Op + " ")
		ksqlFormat(b, n.R)
		b.WriteByte(')')
	case *sql.Unary:
		if n.Op == "NOT" {
			b.WriteString("(NOT ")
			ksqlFormat(b, n.X)
			b.WriteByte(')')
			return
		}
		b.WriteString(n.Op)
		ksqlFormat(b, n.X)
	case *sql.Cast:
		b.WriteString("CAST(")
		ksqlFormat(b, n.X)
		b.WriteString(" AS " + sql.FormatType(n.Type) + ")")
	case *sql.Subscript:
		ksqlFormat(b, n.X)
		b.WriteByte('[')
		ksqlFormat(b, n.Index)
		b.WriteByte(']')
	case *sql.FieldAccess:
		ksqlFormat(b, n.X)
		b.WriteString("->" + ksqlName(n.Field))
	case *sql.ArrayCtor:
		b.WriteString("ARRAY[")
		ksqlFormatList(b, n.Elems)
		b.WriteByte(']')
	case *sql.MapCtor:
		b.WriteString("MAP(")
		for i := range n.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			ksqlFormat(b, n.Keys[i])
			b.WriteString(":=")
			ksqlFormat(b, n.Vals[i])
		}
		b.WriteByte(')')
	case *sql.StructCtor:
		b.WriteString("STRUCT(")
		for i := range n.Vals {
			if i > 0 {
				b.WriteString(", ")
			}
			if i < len(n.Names) {
				b.WriteString(ksqlName(n.Names[i]) + ":=")
			}
			ksqlFormat(b, n.Vals[i])
		}
		b.WriteByte(')')
	case *sql.IsNull:
		b.WriteByte('(')
		ksqlFormat(b, n.X)
		if n.Not {
			b.WriteString(" IS NOT NULL)")
		} else {
			b.WriteString(" IS NULL)")
		}
	default:
		b.WriteString(sql.SQL(e))
	}
}

// ksqlName prints an identifier as ksqlDB does: as it is when it is an
// upper-case identifier, else in backticks.
func ksqlName(s string) string {
	plain := s != ""
	for i, r := range s {
		if !(r >= 'A' && r <= 'Z' || r == '_' || r >= '0' && r <= '9' && i > 0) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "`" + s + "`"
}

// ksqlCheckColumns checks, as ksqlDB does before it plans a query, that
// the columns WHERE, GROUP BY, PARTITION BY and HAVING use exist, naming
// the clause: "WHERE column 'BOB' cannot be resolved." (a query over one
// source; the window bounds a windowed aggregate adds are left to the
// binder).
func ksqlCheckColumns(sel *sql.Select, sc *scope) error {
	var err error
	check := func(clause string, e sql.Expr) {
		params := map[string]bool{} // lambda parameters are no columns
		walkSQL(e, func(x sql.Expr) {
			if l, ok := x.(*sql.Lambda); ok {
				for _, p := range l.Params {
					params[strings.ToUpper(p)] = true
				}
			}
		})
		walkSQL(e, func(x sql.Expr) {
			id, ok := x.(*sql.Ident)
			if !ok || err != nil || ksqlWindowBound(id) || sc.has(id.Parts, false) ||
				len(id.Parts) == 1 && params[strings.ToUpper(id.Parts[0])] {
				return
			}
			err = sql.Errorf(id.Pos, "%s column '%s' cannot be resolved.", clause, ksqlExprText(id))
		})
	}
	check("WHERE", sel.Where)
	for _, g := range sel.GroupBy {
		check("GROUP BY", g)
	}
	for _, p := range sel.PartitionBy {
		check("PARTITION BY", p)
	}
	check("HAVING", sel.Having)
	for _, it := range sel.Items {
		check("SELECT", it.Expr)
	}
	return err
}
