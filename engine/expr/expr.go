// Package expr holds compiled, typed scalar expressions. The planner binds
// SQL expressions into these nodes; operators evaluate them against rows.
// A node is immutable after construction and safe for concurrent use.
package expr

import (
	"fmt"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Expr is a typed expression over a row.
type Expr interface {
	// Eval computes the value for row. Errors that make a row impossible to
	// compute (a failed CAST in Flink) panic with *EvalError; operators
	// recover them at the job boundary.
	Eval(row types.Row) types.Value
	Type() types.Type
	// String renders the expression for EXPLAIN.
	String() string
}

// EvalError is raised (by panic) when evaluation cannot continue.
type EvalError struct{ Msg string }

func (e *EvalError) Error() string { return e.Msg }

// Fail panics with an *EvalError.
func Fail(format string, args ...any) {
	panic(&EvalError{Msg: fmt.Sprintf(format, args...)})
}

// Env is what building an expression needs from its dialect and session:
// the dialect's semantics and function registry, and the session zone. A
// nil Env, or its zero value, is Flink's semantics over the library's
// functions in the process's zone.
type Env struct {
	Sem   Semantics
	Funcs *Functions     // nil: the library's defaults
	Loc   *time.Location // session time zone (Flink table.local-time-zone)
	// Clock is the wall clock of CURRENT_TIMESTAMP, PROCTIME() and the
	// other functions of the current time (nil: time.Now).
	Clock func() time.Time
}

// Now reads the Env's clock (time.Now for a nil Env or Clock).
func (e *Env) Now() time.Time {
	if e == nil || e.Clock == nil {
		return time.Now()
	}
	return e.Clock()
}

// sem returns the semantics (the zero value for a nil Env).
func (e *Env) sem() Semantics {
	if e == nil {
		return Semantics{}
	}
	return e.Sem
}

func (e *Env) functions() *Functions {
	if e == nil || e.Funcs == nil {
		return defaultFunctions
	}
	return e.Funcs
}

// Location returns the session zone (time.Local by default).
func (e *Env) Location() *time.Location {
	if e == nil || e.Loc == nil {
		return time.Local
	}
	return e.Loc
}

// Col reads a column of the input row.
type Col struct {
	Idx  int
	T    types.Type
	Name string
}

func (c *Col) Eval(row types.Row) types.Value { return row[c.Idx] }
func (c *Col) Type() types.Type               { return c.T }
func (c *Col) String() string {
	if c.Name != "" {
		return c.Name
	}
	return fmt.Sprintf("$%d", c.Idx)
}

// Const is a literal.
type Const struct {
	V types.Value
	T types.Type
}

func (c *Const) Eval(types.Row) types.Value { return c.V }
func (c *Const) Type() types.Type           { return c.T }
func (c *Const) String() string             { return Literal(c.V, c.T) }

// Literal renders a value as SQL literal text.
func Literal(v types.Value, t types.Type) string {
	switch {
	case v.IsNull():
		return "null:" + t.String()
	case v.K == types.String:
		return "'" + strings.ReplaceAll(v.S, "'", "''") + "'"
	case v.K == types.Timestamp || v.K == types.TimestampLTZ:
		return types.FormatTimestamp(v.I, t.Precision, ' ')
	case v.K == types.IntervalDayTime:
		return fmt.Sprintf("%d:INTERVAL SECOND", v.I/types.MicrosPerMilli)
	}
	return v.String()
}

// NewConst makes a constant of type t.
func NewConst(v types.Value, t types.Type) *Const { return &Const{V: v, T: t} }

// Call is a function application with a fixed implementation.
type Call struct {
	Name string
	Args []Expr
	T    types.Type
	Fn   func(args []types.Value) types.Value
	// Infix renders as (a op b) in EXPLAIN.
	Infix bool
	// Strict means any NULL argument makes the result NULL without calling Fn.
	Strict bool
}

func (c *Call) Eval(row types.Row) types.Value {
	var buf [4]types.Value
	args := buf[:0]
	if len(c.Args) > len(buf) {
		args = make([]types.Value, 0, len(c.Args))
	}
	for _, a := range c.Args {
		v := a.Eval(row)
		if c.Strict && v.IsNull() {
			return types.NullValue
		}
		args = append(args, v)
	}
	return c.Fn(args)
}
func (c *Call) Type() types.Type { return c.T }
func (c *Call) String() string   { return renderCall(c.Name, c.Infix, c.Args) }

func renderCall(name string, infix bool, args []Expr) string {
	if infix && len(args) == 2 {
		return "(" + args[0].String() + " " + name + " " + args[1].String() + ")"
	}
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return name + "(" + strings.Join(parts, ", ") + ")"
}

// Field reads field Idx of a ROW value (NULL for a NULL row). It is a node
// of its own rather than a Call so that reading nested fields, as Nexmark's
// queries do on every column, allocates nothing.
type Field struct {
	X    Expr
	Idx  int
	Name string
	T    types.Type
}

func (f *Field) Eval(row types.Row) types.Value {
	v := f.X.Eval(row)
	if v.IsNull() {
		return types.NullValue
	}
	e := v.Elems()
	if f.Idx >= len(e) {
		return types.NullValue
	}
	return e[f.Idx]
}
func (f *Field) Type() types.Type { return f.T }
func (f *Field) String() string   { return f.X.String() + "." + f.Name }
func (f *Field) Children() []Expr { return []Expr{f.X} }
func (f *Field) WithChildren(kids []Expr) Expr {
	c := *f
	c.X = kids[0]
	return &c
}

var _ Parent = (*Field)(nil)

// Bin is a strict binary operation specialized for speed.
type Bin struct {
	Op   string
	L, R Expr
	T    types.Type
	Fn   func(a, b types.Value) types.Value
}

func (b *Bin) Eval(row types.Row) types.Value {
	l := b.L.Eval(row)
	if l.K == types.Null {
		return types.NullValue
	}
	r := b.R.Eval(row)
	if r.K == types.Null {
		return types.NullValue
	}
	return b.Fn(l, r)
}
func (b *Bin) Type() types.Type { return b.T }
func (b *Bin) String() string   { return "(" + b.L.String() + " " + b.Op + " " + b.R.String() + ")" }

// And is three-valued AND.
type And struct{ Args []Expr }

func (a *And) Eval(row types.Row) types.Value {
	null := false
	for _, x := range a.Args {
		v := x.Eval(row)
		if v.K == types.Null {
			null = true
			continue
		}
		if v.I == 0 {
			return types.BoolV(false)
		}
	}
	if null {
		return types.NullValue
	}
	return types.BoolV(true)
}
func (a *And) Type() types.Type { return types.TBool }
func (a *And) String() string   { return joinExprs(a.Args, " AND ") }

// Or is three-valued OR.
type Or struct{ Args []Expr }

func (o *Or) Eval(row types.Row) types.Value {
	null := false
	for _, x := range o.Args {
		v := x.Eval(row)
		if v.K == types.Null {
			null = true
			continue
		}
		if v.I != 0 {
			return types.BoolV(true)
		}
	}
	if null {
		return types.NullValue
	}
	return types.BoolV(false)
}
func (o *Or) Type() types.Type { return types.TBool }
func (o *Or) String() string   { return joinExprs(o.Args, " OR ") }

func joinExprs(args []Expr, sep string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = a.String()
	}
	return "(" + strings.Join(parts, sep) + ")"
}

// Not is three-valued NOT.
type Not struct{ X Expr }

func (n *Not) Eval(row types.Row) types.Value {
	v := n.X.Eval(row)
	if v.K == types.Null {
		return v
	}
	return types.BoolV(v.I == 0)
}
func (n *Not) Type() types.Type { return types.TBool }
func (n *Not) String() string   { return "NOT(" + n.X.String() + ")" }

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

func (n *IsNull) Eval(row types.Row) types.Value {
	return types.BoolV(n.X.Eval(row).IsNull() != n.Not)
}
func (n *IsNull) Type() types.Type { return types.Type{Kind: types.Boolean, NotNull: true} }
func (n *IsNull) String() string {
	if n.Not {
		return "IS NOT NULL(" + n.X.String() + ")"
	}
	return "IS NULL(" + n.X.String() + ")"
}

// Case is a searched CASE (simple CASE is rewritten into it by the planner).
type Case struct {
	Conds, Results []Expr
	Else           Expr // may be nil (NULL)
	T              types.Type
}

func (c *Case) Eval(row types.Row) types.Value {
	for i, cond := range c.Conds {
		if v := cond.Eval(row); v.K == types.Boolean && v.I != 0 {
			return c.Results[i].Eval(row)
		}
	}
	if c.Else == nil {
		return types.NullValue
	}
	return c.Else.Eval(row)
}
func (c *Case) Type() types.Type { return c.T }
func (c *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE(")
	for i := range c.Conds {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(c.Conds[i].String() + ", " + c.Results[i].String())
	}
	if c.Else != nil {
		sb.WriteString(", " + c.Else.String())
	} else {
		sb.WriteString(", null")
	}
	sb.WriteString(")")
	return sb.String()
}

// In is x [NOT] IN (list) with three-valued logic.
type In struct {
	X    Expr
	List []Expr
	Not  bool
}

func (n *In) Eval(row types.Row) types.Value {
	x := n.X.Eval(row)
	if x.IsNull() {
		return types.NullValue
	}
	null := false
	for _, e := range n.List {
		v := e.Eval(row)
		if v.IsNull() {
			null = true
			continue
		}
		if types.Equal(x, v) {
			return types.BoolV(!n.Not)
		}
	}
	if null {
		return types.NullValue
	}
	return types.BoolV(n.Not)
}
func (n *In) Type() types.Type { return types.TBool }
func (n *In) String() string {
	op := "SEARCH"
	if n.Not {
		op = "NOT IN"
	}
	parts := make([]string, len(n.List))
	for i, e := range n.List {
		parts[i] = e.String()
	}
	return op + "(" + n.X.String() + ", [" + strings.Join(parts, ", ") + "])"
}

// Walk calls fn for e and every sub-expression, depth first.
func Walk(e Expr, fn func(Expr)) {
	fn(e)
	switch n := e.(type) {
	case *Call:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Bin:
		Walk(n.L, fn)
		Walk(n.R, fn)
	case *And:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Or:
		for _, a := range n.Args {
			Walk(a, fn)
		}
	case *Not:
		Walk(n.X, fn)
	case *IsNull:
		Walk(n.X, fn)
	case *Case:
		for i := range n.Conds {
			Walk(n.Conds[i], fn)
			Walk(n.Results[i], fn)
		}
		if n.Else != nil {
			Walk(n.Else, fn)
		}
	case *In:
		Walk(n.X, fn)
		for _, a := range n.List {
			Walk(a, fn)
		}
	case *CastExpr:
		Walk(n.X, fn)
	case *colEqString:
		Walk(n.col, fn)
	case Parent:
		for _, c := range n.Children() {
			Walk(c, fn)
		}
	}
}

// Parent is implemented by expression nodes outside this file that have
// children, so that Walk and Rewrite reach them.
type Parent interface {
	Expr
	Children() []Expr
	// WithChildren returns a copy with the children replaced (same order).
	WithChildren(kids []Expr) Expr
}

// Rewrite returns e with every node replaced by fn's result, bottom up.
func Rewrite(e Expr, fn func(Expr) Expr) Expr {
	switch n := e.(type) {
	case *Call:
		c := *n
		c.Args = rewriteAll(n.Args, fn)
		return fn(&c)
	case *Bin:
		c := *n
		c.L, c.R = Rewrite(n.L, fn), Rewrite(n.R, fn)
		return fn(&c)
	case *And:
		return fn(&And{Args: rewriteAll(n.Args, fn)})
	case *Or:
		return fn(&Or{Args: rewriteAll(n.Args, fn)})
	case *Not:
		return fn(&Not{X: Rewrite(n.X, fn)})
	case *IsNull:
		return fn(&IsNull{X: Rewrite(n.X, fn), Not: n.Not})
	case *Case:
		c := &Case{T: n.T, Conds: rewriteAll(n.Conds, fn), Results: rewriteAll(n.Results, fn)}
		if n.Else != nil {
			c.Else = Rewrite(n.Else, fn)
		}
		return fn(c)
	case *In:
		return fn(&In{X: Rewrite(n.X, fn), List: rewriteAll(n.List, fn), Not: n.Not})
	case *CastExpr:
		c := *n
		c.X = Rewrite(n.X, fn)
		return fn(&c)
	case *colEqString:
		// Rewriting the column may make it any expression: rebuild.
		x := Rewrite(n.col, fn)
		if c, ok := x.(*Col); ok {
			return fn(&colEqString{col: c, lit: n.lit, s: n.s})
		}
		b, _ := NewCompare("=", x, n.lit)
		return fn(b)
	case Parent:
		return fn(n.WithChildren(rewriteAll(n.Children(), fn)))
	}
	return fn(e)
}

func rewriteAll(es []Expr, fn func(Expr) Expr) []Expr {
	out := make([]Expr, len(es))
	for i, e := range es {
		out[i] = Rewrite(e, fn)
	}
	return out
}

// Columns returns the input column indexes e reads.
func Columns(e Expr) []int {
	var out []int
	seen := map[int]bool{}
	Walk(e, func(x Expr) {
		if c, ok := x.(*Col); ok && !seen[c.Idx] {
			seen[c.Idx] = true
			out = append(out, c.Idx)
		}
	})
	return out
}
