package planner

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// scope is the set of columns an expression can reference.
type scope struct {
	fields []Field
	// outer, when positive, splits fields for a correlated subquery: the
	// fields before it are the subquery's own and are searched first, the
	// others are the enclosing query's.
	outer int
}

// resolve finds a column; it returns its index or an error at pos.
func (s *scope) resolve(parts []string, pos sql.Pos, ci bool) (int, error) {
	if s.outer <= 0 {
		return s.resolveIn(parts, pos, ci)
	}
	inner := &scope{fields: s.fields[:s.outer]}
	idx, err := inner.resolveIn(parts, pos, ci)
	if err == nil || inner.has(parts, ci) {
		return idx, err
	}
	if o, oerr := (&scope{fields: s.fields[s.outer:]}).resolveIn(parts, pos, ci); oerr == nil {
		return s.outer + o, nil
	}
	return idx, err
}

// has reports whether some field matches parts.
func (s *scope) has(parts []string, ci bool) bool {
	for _, f := range s.fields {
		if matchField(f, parts, ci) {
			return true
		}
	}
	return false
}

// matchField reports whether f is the column that parts (c or t.c) name.
func matchField(f Field, parts []string, ci bool) bool {
	switch len(parts) {
	case 1:
		return f.Name == parts[0] || (ci && strings.EqualFold(f.Name, parts[0]))
	case 2:
		return (f.Qual == parts[0] || (ci && strings.EqualFold(f.Qual, parts[0]))) &&
			(f.Name == parts[1] || (ci && strings.EqualFold(f.Name, parts[1])))
	}
	return false
}

func (s *scope) resolveIn(parts []string, pos sql.Pos, ci bool) (int, error) {
	found := -1
	for i, f := range s.fields {
		if matchField(f, parts, ci) {
			if found >= 0 && !(len(parts) == 1 && s.fields[found].Name == f.Name && s.fields[found].Qual == f.Qual) {
				return -1, sql.Errorf(pos, "Column '%s' is ambiguous", strings.Join(parts, "."))
			}
			if found < 0 {
				found = i
			}
		}
	}
	if found < 0 {
		name := strings.Join(parts, ".")
		msg := fmt.Sprintf("Column '%s' not found in any table", name)
		if len(parts) == 2 {
			msg = fmt.Sprintf("Column '%s' not found in table '%s'", parts[1], parts[0])
		}
		if sug := s.suggest(parts[len(parts)-1]); sug != "" && sug != parts[len(parts)-1] {
			msg += fmt.Sprintf("; did you mean '%s'?", sug)
		}
		return -1, sql.Errorf(pos, "%s", msg)
	}
	return found, nil
}

func (s *scope) suggest(name string) string {
	best, bestD := "", 3
	for _, f := range s.fields {
		if d := editDistance(strings.ToLower(f.Name), strings.ToLower(name)); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := 1
			if a[i-1] == b[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// aggCtx collects aggregate calls and group keys while binding the select
// list of an aggregating query. Output positions: keys..., [window_start,
// window_end, window_time,] aggregates...
type aggCtx struct {
	input   *scope
	keys    []expr.Expr
	keyStrs []string
	// windowCols maps input column index -> window output offset (0 start, 1 end, 2 time)
	windowCols map[int]int
	// legacy window calls: TUMBLE_START etc. resolve through these
	legacy   *legacyWindow
	windowed bool
	// attached is the window of a cascaded window aggregate: the input's
	// own window bounds (see attachWindow).
	attached *winProps
	// ksqlWindow: WINDOWSTART / WINDOWEND name the window bounds (BIGINT ms).
	ksqlWindow bool
	joinInput  bool // the aggregate's input is a join
	aggs       []aggItem
	nextName   int
	// grouping is set for GROUPING SETS, ROLLUP and CUBE.
	grouping *groupingInfo
}

// groupingInfo describes the grouping sets of an aggregate. Keys before
// first are in every set; sets[i] lists the keys from first on that the
// i-th set holds. With more than one set the aggregate's input is
// expanded (Expand) and a hidden key $e, the set's index, follows the
// keys.
type groupingInfo struct {
	first int
	sets  [][]int
}

// expand reports whether rows are copied per grouping set.
func (g *groupingInfo) expand() bool { return g != nil && len(g.sets) > 1 }

// holds reports whether set i holds key k.
func (g *groupingInfo) holds(i, k int) bool {
	if k < g.first {
		return true
	}
	for _, x := range g.sets[i] {
		if x == k {
			return true
		}
	}
	return false
}

// nKeys is the number of key columns of the aggregate's output, $e
// included.
func (a *aggCtx) nKeys() int {
	if a.grouping.expand() {
		return len(a.keys) + 1
	}
	return len(a.keys)
}

type aggItem struct {
	fn     *agg.Func
	arg    expr.Expr // nil for COUNT(*)
	filter expr.Expr // FILTER (WHERE ...), or nil
	str    string
	name   string
}

type legacyWindow struct {
	kind    string // TUMBLE, HOP, SESSION
	timeCol int
	argStrs []string
	emit    engine.EmitStrategy // table.exec.emit.* (window_emit.go)
}

func (a *aggCtx) aggOffset() int {
	if a.windowed {
		return a.nKeys() + 3
	}
	return a.nKeys()
}

// exprBinder binds sql expressions in a scope.
type exprBinder struct {
	b   *binder
	sc  *scope
	agg *aggCtx
	// aliases lets HAVING / ORDER BY refer to select aliases (unused for now)
}

func (eb *exprBinder) ci() bool { return eb.b.rules.CaseInsensitive }

func containsAggregate(e sql.Expr) bool {
	found := false
	walkSQL(e, func(x sql.Expr) {
		if c, ok := x.(*sql.Call); ok && agg.IsAggregate(c.Name) && c.Over == nil {
			found = true
		}
	})
	return found
}

// containsGrouping reports whether e calls GROUPING or GROUPING_ID.
func containsGrouping(e sql.Expr) bool {
	found := false
	walkSQL(e, func(x sql.Expr) {
		if c, ok := x.(*sql.Call); ok && isGroupingFunc(c.Name) {
			found = true
		}
	})
	return found
}

// walkSQL visits every node of a sql expression (sql.Walk).
func walkSQL(e sql.Expr, fn func(sql.Expr)) {
	sql.Walk(e, func(x sql.Expr) bool { fn(x); return true })
}

// wrapErr attaches a position to planning errors that lack one.
func wrapErr(err error, pos sql.Pos) error {
	if err == nil {
		return nil
	}
	var se *sql.Error
	if errors.As(err, &se) {
		return err
	}
	return sql.Errorf(pos, "%s", err.Error())
}

func (eb *exprBinder) bind(e sql.Expr) (expr.Expr, error) {
	if x, ok, err := eb.bindKSQLParts(e); ok {
		return x, err
	}
	if c, ok := e.(*sql.Call); ok && c.Over != nil {
		return eb.bindOver(c)
	}
	if eb.agg != nil {
		if out, ok, err := eb.bindInAgg(e); ok || err != nil {
			return out, err
		}
	}
	return eb.bindNode(e)
}

// bindInAgg handles aggregate calls, group keys and window properties in
// an aggregating select list. ok=false means: bind the node normally (its
// children come back here).
func (eb *exprBinder) bindInAgg(e sql.Expr) (expr.Expr, bool, error) {
	a := eb.agg
	if c, ok := e.(*sql.Call); ok && agg.IsAggregate(c.Name) {
		ref, err := eb.bindAggCall(c)
		return ref, true, err
	}
	if c, ok := e.(*sql.Call); ok && isGroupingFunc(c.Name) {
		ref, err := eb.bindGrouping(c)
		return ref, true, err
	}
	if c, ok := e.(*sql.Call); ok && a.legacy != nil {
		name := strings.ToUpper(c.Name)
		prefix := a.legacy.kind + "_"
		if strings.HasPrefix(name, prefix) {
			idx := map[string]int{"START": 0, "END": 1, "ROWTIME": 2}[strings.TrimPrefix(name, prefix)]
			if _, known := map[string]bool{"START": true, "END": true, "ROWTIME": true}[strings.TrimPrefix(name, prefix)]; !known {
				return nil, true, sql.Errorf(c.Pos, "Unsupported window property %s", name)
			}
			off := a.nKeys() + idx
			return eb.outCol(off), true, nil
		}
	}
	if id, ok := e.(*sql.Ident); ok && a.ksqlWindow && len(id.Parts) == 1 {
		if a.joinInput {
			// As in ksqlDB, a windowed aggregate over a join does not
			// expose the window bounds.
			if up := strings.ToUpper(id.Parts[0]); up == colWindowStart || up == colWindowEnd {
				return nil, true, sql.Errorf(id.Pos, "SELECT column '%s' cannot be resolved.", up)
			}
		}
		switch strings.ToUpper(id.Parts[0]) {
		case colWindowStart:
			return toMillis(eb.outCol(a.nKeys()), colWindowStart), true, nil
		case colWindowEnd:
			return toMillis(eb.outCol(a.nKeys()+1), colWindowEnd), true, nil
		}
	}
	if containsAggregate(e) || containsGrouping(e) {
		return nil, false, nil
	}
	// Bind in the input scope and compare with the group keys.
	in := &exprBinder{b: eb.b, sc: a.input}
	bound, err := in.bindNode(e)
	if err != nil {
		return nil, true, err
	}
	if col, ok := bound.(*expr.Col); ok {
		if w, ok := a.windowCols[col.Idx]; ok {
			return eb.outCol(a.nKeys() + w), true, nil
		}
	}
	s := bound.String()
	for i, k := range a.keyStrs {
		if k == s {
			return eb.outCol(i), true, nil
		}
	}
	if _, ok := bound.(*expr.Const); ok {
		return bound, true, nil
	}
	if id, ok := e.(*sql.Ident); ok {
		return nil, true, sql.Errorf(id.Pos, "Expression '%s' is not being grouped", strings.Join(id.Parts, "."))
	}
	if len(expr.Columns(bound)) == 0 {
		return bound, true, nil
	}
	return nil, false, nil
}

func isGroupingFunc(name string) bool {
	up := strings.ToUpper(name)
	return up == "GROUPING" || up == "GROUPING_ID"
}

// bindGrouping binds GROUPING(k, ...) and GROUPING_ID(k, ...): a bit per
// argument, the first the most significant, set when the row's grouping
// set does not hold that key. Without grouping sets it is 0.
func (eb *exprBinder) bindGrouping(c *sql.Call) (expr.Expr, error) {
	a := eb.agg
	name := strings.ToUpper(c.Name)
	if len(c.Args) == 0 || c.Star {
		return nil, sql.Errorf(c.Pos, "Invalid number of arguments to function '%s'", name)
	}
	if len(c.Args) > 63 {
		return nil, sql.Errorf(c.Pos, "%s takes at most 63 arguments", name)
	}
	in := &exprBinder{b: eb.b, sc: a.input}
	keys := make([]int, len(c.Args))
	for i, arg := range c.Args {
		x, err := in.bind(arg)
		if err != nil {
			return nil, err
		}
		keys[i] = -1
		for k, ks := range a.keyStrs {
			if ks == x.String() {
				keys[i] = k
			}
		}
		if keys[i] < 0 {
			return nil, sql.Errorf(arg.ExprPos(), "Argument to %s operator must be a grouped expression", name)
		}
	}
	t := types.Type{Kind: types.BigInt, NotNull: true}
	g := a.grouping
	if !g.expand() {
		var v int64
		for i, k := range keys {
			if g != nil && !g.holds(0, k) {
				v |= 1 << (len(keys) - 1 - i)
			}
		}
		return expr.NewConst(types.BigIntV(v), t), nil
	}
	// The value per grouping set, looked up by $e.
	values := make([]int64, len(g.sets))
	for si := range g.sets {
		for i, k := range keys {
			if !g.holds(si, k) {
				values[si] |= 1 << (len(keys) - 1 - i)
			}
		}
	}
	var args []expr.Expr
	for _, k := range keys {
		args = append(args, eb.outCol(k))
	}
	args = append(args, eb.outCol(len(a.keys)))
	return &expr.Call{Name: name, Args: args, T: t, Fn: func(v []types.Value) types.Value {
		e := v[len(v)-1].I
		if e < 0 || e >= int64(len(values)) {
			return types.BigIntV(0)
		}
		return types.BigIntV(values[e])
	}}, nil
}

// toMillis turns a timestamp into epoch milliseconds (ksqlDB's BIGINT
// window bounds).
func toMillis(x expr.Expr, name string) expr.Expr {
	return &expr.Call{Name: name, Args: []expr.Expr{x}, T: types.Type{Kind: types.BigInt, NotNull: true}, Strict: true,
		Fn: func(a []types.Value) types.Value { return types.BigIntV(expr.FloorDiv(a[0].I, types.MicrosPerMilli)) }}
}

// outCol references an output column of the aggregate.
func (eb *exprBinder) outCol(i int) expr.Expr {
	f := eb.sc.fields[i]
	return &expr.Col{Idx: i, T: f.Type, Name: f.Name}
}

func (eb *exprBinder) bindAggCall(c *sql.Call) (expr.Expr, error) {
	a := eb.agg
	in := &exprBinder{b: eb.b, sc: a.input}
	var arg expr.Expr
	var argTypes []types.Type
	var params []types.Value
	if !c.Star {
		if len(c.Args) == 0 && strings.ToUpper(c.Name) == "COUNT" {
			// COUNT() is COUNT(*)
		} else {
			if len(c.Args) == 0 {
				return nil, sql.Errorf(c.Pos, "Invalid number of arguments to function '%s'", c.Name)
			}
			for _, x := range c.Args {
				if containsAggregate(x) {
					return nil, sql.Errorf(c.Pos, "Aggregate expressions cannot be nested")
				}
			}
			var err error
			arg, err = in.bind(c.Args[0])
			if err != nil {
				return nil, err
			}
			extras := c.Args[1:]
			if row, rest, ok, err := in.bindPairArg(c); ok {
				if err != nil {
					return nil, err
				}
				arg, extras = row, rest
			}
			argTypes = []types.Type{arg.Type()}
			for _, extra := range extras {
				x, err := in.bind(extra)
				if err != nil {
					return nil, err
				}
				k, ok := x.(*expr.Const)
				if !ok {
					return nil, sql.Errorf(extra.ExprPos(), "the arguments of %s after the first must be constants", c.Name)
				}
				params = append(params, k.V)
			}
		}
	}
	fn, err := agg.NewWithParams(c.Name, argTypes, params, c.Distinct, eb.b.rules.Aggs)
	if err != nil {
		return nil, sql.Errorf(c.Pos, "%s", err.Error())
	}
	argStr := ""
	if arg != nil {
		argStr = arg.String()
	}
	str := fn.String(argStr)
	var filter expr.Expr
	if c.Filter != nil {
		if containsAggregate(c.Filter) {
			return nil, sql.Errorf(c.Filter.ExprPos(), "Aggregate expressions cannot be nested")
		}
		if filter, err = in.bind(c.Filter); err != nil {
			return nil, err
		}
		if err := wantBool(filter, c.Filter.ExprPos(), "FILTER"); err != nil {
			return nil, err
		}
		str += " FILTER (WHERE " + filter.String() + ")"
	}
	for i, it := range a.aggs {
		if it.str == str {
			return eb.outCol(a.aggOffset() + i), nil
		}
	}
	name := eb.b.pendingAggName
	if name == "" || eb.b.usedNames[name] {
		name = fmt.Sprintf("EXPR$%d", a.nextName)
		a.nextName++
	}
	eb.b.usedNames[name] = true
	a.aggs = append(a.aggs, aggItem{fn: fn, arg: arg, filter: filter, str: str, name: name})
	idx := a.aggOffset() + len(a.aggs) - 1
	// grow the output scope on the fly
	for len(eb.sc.fields) <= idx {
		eb.sc.fields = append(eb.sc.fields, Field{})
	}
	eb.sc.fields[idx] = Field{Name: name, Type: fn.Result}
	return &expr.Col{Idx: idx, T: fn.Result, Name: name}, nil
}

func (eb *exprBinder) bindAll(es []sql.Expr) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		x, err := eb.bind(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

func (eb *exprBinder) bindNode(e sql.Expr) (expr.Expr, error) {
	env := eb.b.env
	switch n := e.(type) {
	case *sql.Ident:
		return eb.bindIdent(n)
	case *sql.Literal:
		return bindLiteral(n)
	case *sql.Interval:
		v, ym, err := intervalMicros(n)
		if err != nil {
			return nil, err
		}
		if ym {
			return expr.NewConst(types.MonthsV(v), types.Type{Kind: types.IntervalYearMonth, NotNull: true}), nil
		}
		return expr.NewConst(types.IntervalV(v), types.Type{Kind: types.IntervalDayTime, NotNull: true}), nil
	case *sql.Unary:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		switch strings.ToUpper(n.Op) {
		case "NOT", "!":
			if err := wantBool(x, n.Pos, "NOT"); err != nil {
				return nil, err
			}
			return &expr.Not{X: x}, nil
		case "-":
			if c, ok := x.(*expr.Const); ok && c.V.K != types.Null && (c.T.Kind.IsNumeric()) {
				v := c.V
				if v.K == types.Float || v.K == types.Double {
					return expr.NewConst(types.Value{K: v.K, I: int64(math.Float64bits(-v.Float()))}, c.T), nil
				}
				v.I = -v.I
				return expr.NewConst(v, c.T), nil
			}
			r, err := expr.NewNeg(x)
			return r, wrapErr(err, n.Pos)
		case "+":
			return x, nil
		}
		return nil, sql.Errorf(n.Pos, "unsupported operator %s", n.Op)
	case *sql.Binary:
		return eb.bindBinary(n)
	case *sql.Case:
		return eb.bindCase(n)
	case *sql.Cast:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		t, err := convertType(n.Type, eb.b.rules)
		if err != nil {
			return nil, err
		}
		r, err := expr.NewCast(x, t, n.Try || env.Sem.CastFailure == expr.CastIsNull, env)
		return r, wrapErr(err, n.Pos)
	case *sql.IsNull:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		return &expr.IsNull{X: x, Not: n.Not}, nil
	case *sql.IsBool:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		want := n.Value
		not := n.Not
		return &expr.Call{Name: "IS " + map[bool]string{true: "TRUE", false: "FALSE"}[want], Args: []expr.Expr{x},
			T: types.Type{Kind: types.Boolean, NotNull: true},
			Fn: func(a []types.Value) types.Value {
				is := !a[0].IsNull() && a[0].Bool() == want
				return types.BoolV(is != not)
			}}, nil
	case *sql.In:
		if eb.b.rules.InList == dialect.InCoerced {
			return eb.bindCoercedIn(n)
		}
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		list, err := eb.bindAll(n.List)
		if err != nil {
			return nil, err
		}
		for i, l := range list {
			if !expr.Comparable(x.Type(), l.Type()) {
				return nil, sql.Errorf(n.List[i].ExprPos(), "Values passed to IN operator must have compatible types: %s and %s", x.Type(), l.Type())
			}
		}
		return &expr.In{X: x, List: list, Not: n.Not}, nil
	case *sql.Between:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		lo, err := eb.bind(n.Lo)
		if err != nil {
			return nil, err
		}
		hi, err := eb.bind(n.Hi)
		if err != nil {
			return nil, err
		}
		ge, err := expr.NewCompare(">=", x, lo)
		if err != nil {
			return nil, wrapErr(err, n.Pos)
		}
		le, err := expr.NewCompare("<=", x, hi)
		if err != nil {
			return nil, wrapErr(err, n.Pos)
		}
		var r expr.Expr = &expr.And{Args: []expr.Expr{ge, le}}
		if n.Not {
			r = &expr.Not{X: r}
		}
		return r, nil
	case *sql.Like:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		p, err := eb.bind(n.Pattern)
		if err != nil {
			return nil, err
		}
		esc := ""
		if n.Escape != nil {
			if l, ok := n.Escape.(*sql.Literal); ok {
				esc = l.Text
			}
		}
		r, err := expr.NewLike(x, p, esc, n.Not)
		return r, wrapErr(err, n.Pos)
	case *sql.Call:
		return eb.bindCall(n)
	case *sql.Subscript:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		idx, err := eb.bind(n.Index)
		if err != nil {
			return nil, err
		}
		return bindSubscript(x, idx, n.Pos, eb.b.env.Sem.ArrayIndex)
	case *sql.FieldAccess:
		x, err := eb.bind(n.X)
		if err != nil {
			return nil, err
		}
		return bindField(x, n.Field, n.Pos)
	case *sql.ArrayCtor:
		elems, err := eb.bindAll(n.Elems)
		if err != nil {
			return nil, err
		}
		return bindArrayCtor(elems, n.Pos, env)
	case *sql.MapCtor:
		keys, err := eb.bindAll(n.Keys)
		if err != nil {
			return nil, err
		}
		vals, err := eb.bindAll(n.Vals)
		if err != nil {
			return nil, err
		}
		return bindMapCtor(keys, vals, n.Pos, env)
	case *sql.StructCtor:
		vals, err := eb.bindAll(n.Vals)
		if err != nil {
			return nil, err
		}
		return bindStructCtor(n.Names, vals), nil
	case *sql.ScalarSubquery:
		return eb.bindScalar(n)
	case *sql.InSubquery, *sql.Exists:
		if msg, no := eb.b.rules.Refuses(dialect.FeatureSubqueries); no {
			return nil, sql.Errorf(e.ExprPos(), "%s", msg)
		}
		return nil, sql.Errorf(e.ExprPos(), "IN (SELECT ...) and EXISTS (SELECT ...) are only supported in WHERE, alone or joined to the other conditions by AND")
	}
	return nil, sql.Errorf(e.ExprPos(), "unsupported expression %T", e)
}

func wantBool(x expr.Expr, pos sql.Pos, op string) error {
	if k := x.Type().Kind; k != types.Boolean && k != types.Null {
		return sql.Errorf(pos, "Cannot apply '%s' to arguments of type '%s(<%s>)'", op, op, x.Type())
	}
	return nil
}

func (eb *exprBinder) bindIdent(n *sql.Ident) (expr.Expr, error) {
	idx, err := eb.sc.resolve(n.Parts, n.Pos, eb.ci())
	if err != nil {
		// t.c where t is a ROW column: field access
		if len(n.Parts) >= 2 {
			if base, err2 := eb.sc.resolve(n.Parts[:1], n.Pos, eb.ci()); err2 == nil {
				var x expr.Expr = eb.colRef(base)
				for _, f := range n.Parts[1:] {
					if x, err2 = bindField(x, f, n.Pos); err2 != nil {
						return nil, err
					}
				}
				return x, nil
			}
		}
		// ksqlDB: unquoted identifiers that are niladic functions
		if len(n.Parts) == 1 {
			up := strings.ToUpper(n.Parts[0])
			switch up {
			case "CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "CURRENT_DATE", "CURRENT_TIME":
				r, ferr := expr.NewFunc(up, nil, eb.b.env)
				if ferr == nil {
					return r, nil
				}
			}
		}
		return nil, err
	}
	return eb.colRef(idx), nil
}

func (eb *exprBinder) colRef(idx int) expr.Expr {
	f := eb.sc.fields[idx]
	return &expr.Col{Idx: idx, T: f.Type, Name: f.Name}
}

func bindLiteral(n *sql.Literal) (expr.Expr, error) {
	switch n.Kind {
	case sql.LitNull:
		return expr.NewConst(types.NullValue, types.TNull), nil
	case sql.LitBool:
		return expr.NewConst(types.BoolV(strings.EqualFold(n.Text, "true")), types.Type{Kind: types.Boolean, NotNull: true}), nil
	case sql.LitInt:
		i, err := strconv.ParseInt(n.Text, 10, 64)
		if err != nil {
			// too large for BIGINT: a DECIMAL
			bi, ok := new(big.Int).SetString(n.Text, 10)
			if !ok {
				return nil, sql.Errorf(n.Pos, "invalid number %s", n.Text)
			}
			f, _ := new(big.Float).SetInt(bi).Float64()
			return expr.NewConst(types.DoubleV(f), types.Type{Kind: types.Double, NotNull: true}), nil
		}
		if i >= math.MinInt32 && i <= math.MaxInt32 {
			return expr.NewConst(types.IntV(i), types.Type{Kind: types.Int, NotNull: true}), nil
		}
		return expr.NewConst(types.BigIntV(i), types.Type{Kind: types.BigInt, NotNull: true}), nil
	case sql.LitDecimal:
		text := strings.TrimLeft(n.Text, "+")
		digits := strings.TrimLeft(strings.Replace(strings.TrimPrefix(text, "-"), ".", "", 1), "0")
		scale := 0
		if i := strings.IndexByte(text, '.'); i >= 0 {
			scale = len(text) - i - 1
		}
		prec := max(len(digits), scale, 1)
		if prec > 18 {
			f, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return nil, sql.Errorf(n.Pos, "invalid number %s", n.Text)
			}
			return expr.NewConst(types.DoubleV(f), types.Type{Kind: types.Double, NotNull: true}), nil
		}
		u, err := types.ParseDecimal(text, scale)
		if err != nil {
			return nil, sql.Errorf(n.Pos, "invalid number %s", n.Text)
		}
		return expr.NewConst(types.DecimalV(u, scale), types.Type{Kind: types.Decimal, Precision: prec, Scale: scale, NotNull: true}), nil
	case sql.LitFloat:
		f, err := strconv.ParseFloat(n.Text, 64)
		if err != nil {
			return nil, sql.Errorf(n.Pos, "invalid number %s", n.Text)
		}
		return expr.NewConst(types.DoubleV(f), types.Type{Kind: types.Double, NotNull: true}), nil
	case sql.LitString:
		return expr.NewConst(types.StringV(n.Text), types.Type{Kind: types.String, NotNull: true}), nil
	case sql.LitBytes:
		return expr.NewConst(types.Value{K: types.Bytes, S: n.Text}, types.Type{Kind: types.Bytes, NotNull: true}), nil
	case sql.LitDate:
		d, err := types.ParseDate(n.Text)
		if err != nil {
			return nil, sql.Errorf(n.Pos, "Illegal DATE literal '%s'", n.Text)
		}
		return expr.NewConst(types.DateV(d), types.Type{Kind: types.Date, NotNull: true}), nil
	case sql.LitTime:
		t, err := types.ParseTime(n.Text)
		if err != nil {
			return nil, sql.Errorf(n.Pos, "Illegal TIME literal '%s'", n.Text)
		}
		return expr.NewConst(types.TimeV(t), types.Type{Kind: types.Time, NotNull: true}), nil
	case sql.LitTimestamp:
		us, err := types.ParseTimestamp(n.Text)
		if err != nil {
			return nil, sql.Errorf(n.Pos, "Illegal TIMESTAMP literal '%s'", n.Text)
		}
		prec := 0
		if i := strings.IndexByte(n.Text, '.'); i >= 0 {
			prec = len(n.Text) - i - 1
		}
		return expr.NewConst(types.TimestampV(us), types.Type{Kind: types.Timestamp, Precision: prec, NotNull: true}), nil
	}
	return nil, sql.Errorf(n.Pos, "unsupported literal")
}

// coerceConst converts a string constant compared with a temporal or
// numeric column into that type at planning time (Flink's implicit cast of
// literals).
func coerceConst(x, other expr.Expr, env *expr.Env) expr.Expr {
	c, ok := x.(*expr.Const)
	if !ok || c.T.Kind != types.String || c.V.IsNull() {
		return x
	}
	ot := other.Type()
	if !(ot.Kind.IsTemporal() || (ot.Kind.IsNumeric() || ot.Kind == types.Boolean) && env.Sem.Coercion == expr.CoerceLiterals) {
		return x // ksqlDB compares strings with numbers and booleans nowhere
	}
	conv, err := expr.Converter(c.T, ot, env)
	if err != nil {
		return x
	}
	v, ok := conv(c.V)
	if !ok {
		return x
	}
	return expr.NewConst(v, ot.WithNotNull(true))
}

func (eb *exprBinder) bindBinary(n *sql.Binary) (expr.Expr, error) {
	op := strings.ToUpper(n.Op)
	if op == "AND" || op == "OR" {
		// flatten chains
		var args []expr.Expr
		var collect func(e sql.Expr) error
		collect = func(e sql.Expr) error {
			if b, ok := e.(*sql.Binary); ok && strings.ToUpper(b.Op) == op {
				if err := collect(b.L); err != nil {
					return err
				}
				return collect(b.R)
			}
			x, err := eb.bind(e)
			if err != nil {
				return err
			}
			if err := wantBool(x, e.ExprPos(), op); err != nil {
				return err
			}
			args = append(args, x)
			return nil
		}
		if err := collect(n); err != nil {
			return nil, err
		}
		if op == "AND" {
			return &expr.And{Args: args}, nil
		}
		return &expr.Or{Args: args}, nil
	}
	l, err := eb.bind(n.L)
	if err != nil {
		return nil, err
	}
	r, err := eb.bind(n.R)
	if err != nil {
		return nil, err
	}
	env := eb.b.env
	switch op {
	case "+", "-", "*", "/", "%":
		if op == "+" && env.Sem.StringPlus == expr.PlusConcatenates && l.Type().Kind == types.String && r.Type().Kind == types.String {
			x, err := expr.NewFunc("CONCAT", []expr.Expr{l, r}, env)
			if err != nil {
				return nil, wrapErr(err, n.Pos)
			}
			c := x.(*expr.Call)
			c.Name, c.Infix = "+", true
			return c, nil
		}
		x, err := expr.NewArith(op, l, r, env)
		return x, wrapErr(err, n.Pos)
	case "DIV":
		x, err := expr.NewArith("/", l, r, env)
		return x, wrapErr(err, n.Pos)
	case "||":
		x, err := expr.NewFunc("CONCAT", []expr.Expr{l, r}, &expr.Env{Loc: env.Loc})
		if err != nil {
			return nil, wrapErr(err, n.Pos)
		}
		c := x.(*expr.Call)
		c.Name, c.Infix = "||", true
		return c, nil
	case "=", "<>", "!=", "<", "<=", ">", ">=":
		l, r = coerceConst(l, r, env), coerceConst(r, l, env)
		x, err := expr.NewCompare(op, l, r)
		return x, wrapErr(err, n.Pos)
	case "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		not := op == "IS NOT DISTINCT FROM"
		return &expr.Call{Name: op, Args: []expr.Expr{l, r}, T: types.Type{Kind: types.Boolean, NotNull: true}, Infix: true,
			Fn: func(a []types.Value) types.Value {
				same := (a[0].IsNull() && a[1].IsNull()) || (!a[0].IsNull() && !a[1].IsNull() && types.Equal(a[0], a[1]))
				return types.BoolV(same == not)
			}}, nil
	}
	return nil, sql.Errorf(n.Pos, "unsupported operator %s", n.Op)
}

func (eb *exprBinder) bindCase(n *sql.Case) (expr.Expr, error) {
	var operand expr.Expr
	if n.Operand != nil {
		var err error
		if operand, err = eb.bind(n.Operand); err != nil {
			return nil, err
		}
	}
	c := &expr.Case{}
	var resultTypes []types.Type
	for _, w := range n.Whens {
		cond, err := eb.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if operand != nil {
			if cond, err = expr.NewCompare("=", operand, cond); err != nil {
				return nil, wrapErr(err, w.Cond.ExprPos())
			}
		} else if err := wantBool(cond, w.Cond.ExprPos(), "CASE"); err != nil {
			return nil, err
		}
		res, err := eb.bind(w.Result)
		if err != nil {
			return nil, err
		}
		c.Conds = append(c.Conds, cond)
		c.Results = append(c.Results, res)
		resultTypes = append(resultTypes, res.Type())
	}
	if n.Else != nil {
		e, err := eb.bind(n.Else)
		if err != nil {
			return nil, err
		}
		c.Else = e
		resultTypes = append(resultTypes, e.Type())
	}
	t, ok := expr.CommonType(resultTypes...)
	if !ok {
		return nil, sql.Errorf(n.Pos, "Illegal mixing of types in CASE or COALESCE statement")
	}
	nn := n.Else != nil
	for _, rt := range resultTypes {
		nn = nn && rt.NotNull
	}
	t.NotNull = nn
	for i := range c.Results {
		r, err := expr.Coerce(c.Results[i], t, eb.b.env)
		if err != nil {
			return nil, wrapErr(err, n.Pos)
		}
		c.Results[i] = r
	}
	if c.Else != nil {
		r, err := expr.Coerce(c.Else, t, eb.b.env)
		if err != nil {
			return nil, wrapErr(err, n.Pos)
		}
		c.Else = r
	}
	c.T = t
	return c, nil
}

// bindOver resolves the select list's ROW_NUMBER() OVER (...) to its rank
// column; OVER anywhere else is an error.
func (eb *exprBinder) bindOver(c *sql.Call) (expr.Expr, error) {
	if idx, ok := eb.b.overCols[c]; ok {
		return eb.colRef(idx), nil
	}
	if err := eb.b.checkOver(c); err != nil {
		return nil, err
	}
	return nil, sql.Errorf(c.Pos, "ROW_NUMBER() OVER (...) is only allowed in the select list")
}

func (eb *exprBinder) bindCall(n *sql.Call) (expr.Expr, error) {
	name := strings.ToUpper(n.Name)
	if agg.IsAggregate(name) {
		return nil, sql.Errorf(n.Pos, "Aggregate function %s is not allowed here", name)
	}
	switch name {
	case "GROUPING", "GROUPING_ID":
		return nil, sql.Errorf(n.Pos, "%s is only allowed in the SELECT list or HAVING of an aggregating query", name)
	case "TUMBLE", "HOP", "SESSION", "CUMULATE":
		return nil, sql.Errorf(n.Pos, "Group window function %s is only allowed in GROUP BY", name)
	case "TUMBLE_START", "TUMBLE_END", "TUMBLE_ROWTIME", "HOP_START", "HOP_END", "HOP_ROWTIME", "SESSION_START", "SESSION_END", "SESSION_ROWTIME":
		return nil, sql.Errorf(n.Pos, "%s must be used with a matching group window in GROUP BY", name)
	case "AS_VALUE":
		// A copy of its argument that is a value column, not a key.
		if len(n.Args) == 1 {
			x, err := eb.bind(n.Args[0])
			if err != nil {
				return nil, err
			}
			return &expr.Call{Name: "AS_VALUE", Args: []expr.Expr{x}, T: x.Type(), Fn: func(a []types.Value) types.Value { return a[0] }}, nil
		}
	}
	args, err := eb.bindAll(n.Args)
	if err != nil {
		return nil, err
	}
	if fn, ok := eb.b.special(name, args, n); ok {
		return fn()
	}
	if x, ok, err := eb.bindUserFunction(n, args); ok {
		return x, err
	}
	written := n.Written
	if written == "" {
		written = name
	}
	x, err := expr.NewFunc(written, args, eb.b.env)
	if err != nil {
		return nil, wrapErr(err, n.Pos)
	}
	return x, nil
}

func bindSubscript(x, idx expr.Expr, pos sql.Pos, rule expr.ArrayIndex) (expr.Expr, error) {
	t := x.Type()
	switch t.Kind {
	case types.Array:
		fromEnd := rule == expr.IndexFromEnd
		return &expr.Call{Name: "ITEM", Args: []expr.Expr{x, idx}, T: t.Elem.Nullable(), Strict: true,
			Fn: func(a []types.Value) types.Value {
				e := a[0].Elems()
				i := a[1].Int()
				if fromEnd && i < 0 {
					i = int64(len(e)) + i + 1
				}
				if i < 1 || i > int64(len(e)) {
					return types.NullValue
				}
				return e[i-1]
			}}, nil
	case types.Map:
		return &expr.Call{Name: "ITEM", Args: []expr.Expr{x, idx}, T: t.Elem.Nullable(), Strict: true,
			Fn: func(a []types.Value) types.Value {
				m := a[0].MapVal()
				for i, k := range m.Keys {
					if types.Equal(k, a[1]) {
						return m.Vals[i]
					}
				}
				return types.NullValue
			}}, nil
	}
	return nil, sql.Errorf(pos, "Cannot apply 'ITEM' to arguments of type 'ITEM(<%s>, <%s>)'", t, idx.Type())
}

func bindField(x expr.Expr, name string, pos sql.Pos) (expr.Expr, error) {
	t := x.Type()
	if t.Kind != types.Struct {
		return nil, sql.Errorf(pos, "Can not dereference field '%s' of a value of type %s", name, t)
	}
	for i, f := range t.Fields {
		if f.Name == name || strings.EqualFold(f.Name, name) {
			return &expr.Field{X: x, Idx: i, Name: f.Name, T: f.Type.Nullable()}, nil
		}
	}
	return nil, sql.Errorf(pos, "Unknown field '%s' in %s", name, t)
}

func bindArrayCtor(elems []expr.Expr, pos sql.Pos, env *expr.Env) (expr.Expr, error) {
	ts := make([]types.Type, len(elems))
	for i, e := range elems {
		ts[i] = e.Type()
	}
	et, ok := expr.CommonType(ts...)
	if !ok {
		return nil, sql.Errorf(pos, "Parameter types of ARRAY value constructor are not compatible")
	}
	for i := range elems {
		c, err := expr.Coerce(elems[i], et.Nullable(), env)
		if err != nil {
			return nil, wrapErr(err, pos)
		}
		elems[i] = c
	}
	return &expr.Call{Name: "ARRAY", Args: elems, T: types.ArrayOf(et.Nullable()),
		Fn: func(a []types.Value) types.Value { return types.ArrayV(append([]types.Value(nil), a...)) }}, nil
}

func bindMapCtor(keys, vals []expr.Expr, pos sql.Pos, env *expr.Env) (expr.Expr, error) {
	kts := make([]types.Type, len(keys))
	vts := make([]types.Type, len(vals))
	for i := range keys {
		kts[i], vts[i] = keys[i].Type(), vals[i].Type()
	}
	kt, ok1 := expr.CommonType(kts...)
	vt, ok2 := expr.CommonType(vts...)
	if !ok1 || !ok2 {
		return nil, sql.Errorf(pos, "Parameter types of MAP value constructor are not compatible")
	}
	args := make([]expr.Expr, 0, 2*len(keys))
	for i := range keys {
		k, err := expr.Coerce(keys[i], kt.Nullable(), env)
		if err != nil {
			return nil, wrapErr(err, pos)
		}
		v, err := expr.Coerce(vals[i], vt.Nullable(), env)
		if err != nil {
			return nil, wrapErr(err, pos)
		}
		args = append(args, k, v)
	}
	return &expr.Call{Name: "MAP", Args: args, T: types.MapOf(kt.Nullable(), vt.Nullable()),
		Fn: func(a []types.Value) types.Value {
			m := &types.MapValue{}
			for i := 0; i+1 < len(a); i += 2 {
				m.Keys = append(m.Keys, a[i])
				m.Vals = append(m.Vals, a[i+1])
			}
			return types.MapV(m)
		}}, nil
}

func bindStructCtor(names []string, vals []expr.Expr) expr.Expr {
	t := types.Type{Kind: types.Struct}
	for i, v := range vals {
		name := fmt.Sprintf("EXPR$%d", i)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		t.Fields = append(t.Fields, types.Field{Name: name, Type: v.Type().Nullable()})
	}
	return &expr.Call{Name: "ROW", Args: vals, T: t,
		Fn: func(a []types.Value) types.Value { return types.StructV(append([]types.Value(nil), a...)) }}
}

// sortedKeys returns map keys sorted (deterministic iteration).
func SortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
