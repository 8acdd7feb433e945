package expr

import (
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// ksqlDB's lambda functions: TRANSFORM, FILTER and REDUCE take a collection
// and lambdas, (x) => expr or (k, v) => expr, that they call per element.

// LambdaVar is a lambda parameter. The higher-order function that owns the
// lambda sets it before each evaluation of the body, so a tree holding
// lambdas, like every expression tree, is evaluated by one goroutine at a
// time.
type LambdaVar struct {
	Name string
	T    types.Type
	v    types.Value
}

func (l *LambdaVar) Eval(types.Row) types.Value { return l.v }
func (l *LambdaVar) Type() types.Type           { return l.T }
func (l *LambdaVar) String() string             { return l.Name }

// Lambda is (params) => body, an argument of a higher-order function.
type Lambda struct {
	Params []*LambdaVar
	Body   Expr
}

// call evaluates the body with the parameters set to args; row is the
// enclosing row, which the body may read too.
func (l *Lambda) call(row types.Row, args ...types.Value) types.Value {
	for i, p := range l.Params {
		p.v = args[i]
	}
	return l.Body.Eval(row)
}

func (l *Lambda) String() string {
	names := make([]string, len(l.Params))
	for i, p := range l.Params {
		names[i] = p.Name
	}
	return "(" + strings.Join(names, ", ") + ") => " + l.Body.String()
}

// HigherOrder is TRANSFORM, FILTER or REDUCE over an ARRAY or a MAP:
//
//	TRANSFORM(array, x => e)               an array of e
//	TRANSFORM(map, (k, v) => k2, (k, v) => v2)  a map (a later key wins)
//	FILTER(array, x => cond), FILTER(map, (k, v) => cond)
//	REDUCE(array, init, (s, x) => e), REDUCE(map, init, (s, k, v) => e)
//
// A NULL collection gives NULL, except for REDUCE, which gives its initial
// state; a NULL initial state gives NULL. Maps of strings are visited in
// the order java.util.HashMap visits them, as in ksqlDB (see javaMapOrder).
type HigherOrder struct {
	Name string
	Coll Expr
	Init Expr // REDUCE's initial state
	Fns  []*Lambda
	T    types.Type
}

var _ Parent = (*HigherOrder)(nil)

// IsHigherOrder says whether name is a function that takes lambdas.
func IsHigherOrder(name string) bool {
	switch strings.ToUpper(name) {
	case "TRANSFORM", "FILTER", "REDUCE":
		return true
	}
	return false
}

// LambdaParamTypes gives the parameter types of the lambdas of function
// name over a collection of type coll (init: REDUCE's state type), and how
// many lambdas it takes.
func LambdaParamTypes(name string, coll, init types.Type) (params []types.Type, lambdas int, err error) {
	name = strings.ToUpper(name)
	var elems []types.Type
	switch coll.Kind {
	case types.Array:
		elems = []types.Type{coll.Elem.Nullable()}
	case types.Map:
		elems = []types.Type{coll.Key.Nullable(), coll.Elem.Nullable()}
	default:
		return nil, 0, typeErr("%s expects an ARRAY or a MAP, not %s", name, coll)
	}
	switch name {
	case "TRANSFORM":
		return elems, len(elems), nil
	case "FILTER":
		return elems, 1, nil
	case "REDUCE":
		return append([]types.Type{init.Nullable()}, elems...), 1, nil
	}
	return nil, 0, typeErr("%s does not take lambdas", name)
}

// NewHigherOrder builds a call whose lambdas are bound (their parameters
// typed by LambdaParamTypes).
func NewHigherOrder(name string, coll, init Expr, fns []*Lambda, env *Env) (*HigherOrder, error) {
	name = strings.ToUpper(name)
	ct := coll.Type()
	h := &HigherOrder{Name: name, Coll: coll, Init: init, Fns: fns}
	switch name {
	case "TRANSFORM":
		if ct.Kind == types.Array {
			et := fns[0].Body.Type().Nullable()
			h.T = types.Type{Kind: types.Array, Elem: &et}
		} else {
			kt, vt := fns[0].Body.Type().Nullable(), fns[1].Body.Type().Nullable()
			h.T = types.Type{Kind: types.Map, Key: &kt, Elem: &vt}
		}
	case "FILTER":
		if bt := fns[0].Body.Type(); bt.Kind != types.Boolean && bt.Kind != types.Null {
			return nil, typeErr("the lambda of FILTER must return a BOOLEAN, not %s", bt)
		}
		h.T = ct.Nullable()
	case "REDUCE":
		h.T = init.Type().Nullable()
		body, err := Coerce(fns[0].Body, h.T, env)
		if err != nil {
			return nil, err
		}
		fns[0].Body = body
	}
	return h, nil
}

func (h *HigherOrder) Type() types.Type { return h.T }

func (h *HigherOrder) String() string {
	parts := []string{h.Coll.String()}
	if h.Init != nil {
		parts = append(parts, h.Init.String())
	}
	for _, f := range h.Fns {
		parts = append(parts, f.String())
	}
	return h.Name + "(" + strings.Join(parts, ", ") + ")"
}

// Children are the collection, the initial state, then the lambda bodies.
func (h *HigherOrder) Children() []Expr {
	kids := []Expr{h.Coll}
	if h.Init != nil {
		kids = append(kids, h.Init)
	}
	for _, f := range h.Fns {
		kids = append(kids, f.Body)
	}
	return kids
}

func (h *HigherOrder) WithChildren(kids []Expr) Expr {
	c := *h
	c.Coll, kids = kids[0], kids[1:]
	if h.Init != nil {
		c.Init, kids = kids[0], kids[1:]
	}
	c.Fns = make([]*Lambda, len(h.Fns))
	for i, f := range h.Fns {
		c.Fns[i] = &Lambda{Params: f.Params, Body: kids[i]}
	}
	return &c
}

func (h *HigherOrder) Eval(row types.Row) types.Value {
	coll := h.Coll.Eval(row)
	var state types.Value
	if h.Init != nil {
		state = h.Init.Eval(row)
		if state.IsNull() {
			return types.NullValue
		}
		if coll.IsNull() {
			return state
		}
	} else if coll.IsNull() {
		return types.NullValue
	}
	if coll.K == types.Map {
		return h.evalMap(row, coll.MapVal(), state)
	}
	elems := coll.Elems()
	switch h.Name {
	case "TRANSFORM":
		out := make([]types.Value, len(elems))
		for i, e := range elems {
			out[i] = h.Fns[0].call(row, e)
		}
		return types.ArrayV(out)
	case "FILTER":
		out := make([]types.Value, 0, len(elems))
		for _, e := range elems {
			if isTrue(h.Fns[0].call(row, e)) {
				out = append(out, e)
			}
		}
		return types.ArrayV(out)
	default: // REDUCE
		for _, e := range elems {
			state = h.Fns[0].call(row, state, e)
		}
		return state
	}
}

func (h *HigherOrder) evalMap(row types.Row, m *types.MapValue, state types.Value) types.Value {
	order := javaMapOrder(m)
	switch h.Name {
	case "TRANSFORM":
		out := &types.MapValue{}
		for _, i := range order {
			k := h.Fns[0].call(row, m.Keys[i], m.Vals[i])
			v := h.Fns[1].call(row, m.Keys[i], m.Vals[i])
			replaced := false
			for j := range out.Keys {
				if types.Equal(out.Keys[j], k) {
					out.Vals[j], replaced = v, true
					break
				}
			}
			if !replaced {
				out.Keys = append(out.Keys, k)
				out.Vals = append(out.Vals, v)
			}
		}
		return types.MapV(out)
	case "FILTER":
		out := &types.MapValue{}
		for _, i := range order {
			if isTrue(h.Fns[0].call(row, m.Keys[i], m.Vals[i])) {
				out.Keys = append(out.Keys, m.Keys[i])
				out.Vals = append(out.Vals, m.Vals[i])
			}
		}
		return types.MapV(out)
	default: // REDUCE
		for _, i := range order {
			state = h.Fns[0].call(row, state, m.Keys[i], m.Vals[i])
		}
		return state
	}
}

func isTrue(v types.Value) bool { return v.K == types.Boolean && v.I != 0 }

// javaMapOrder is the order in which ksqlDB visits a map it read: a
// java.util.HashMap sized for its entries (capacity the next power of two,
// doubled while the entries exceed three quarters of it) holding the
// entries in the order read; buckets in index order, each in insertion
// order. Maps whose keys are not all strings keep their own order.
func javaMapOrder(m *types.MapValue) []int {
	n := len(m.Keys)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	if n < 2 {
		return order
	}
	capacity := 1
	for capacity < n {
		capacity <<= 1
	}
	for n > capacity*3/4 {
		capacity <<= 1
	}
	bucket := make([]int, n)
	for i, k := range m.Keys {
		if k.K != types.String {
			return order
		}
		h := javaStringHash(k.S)
		h ^= h >> 16
		bucket[i] = int(h & uint32(capacity-1))
	}
	// stable: insertion order within a bucket
	for i := 1; i < n; i++ {
		for j := i; j > 0 && bucket[order[j]] < bucket[order[j-1]]; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	return order
}

// javaStringHash is String.hashCode: over UTF-16 code units, s[0]*31^(n-1)
// + ... + s[n-1], in 32 bits.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + uint32(0xD800+(r>>10))
			h = 31*h + uint32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}
