package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestHigherOrder(t *testing.T) {
	I, S := types.TInt, types.TString
	arr := types.ArrayOf(I)
	mp := types.MapOf(S, I)
	ints := func(xs ...int64) types.Value {
		vs := make([]types.Value, len(xs))
		for i, x := range xs {
			vs[i] = types.IntV(x)
		}
		return types.ArrayV(vs)
	}
	row := types.Row{
		ints(1, 2, 3),
		types.MapV(&types.MapValue{Keys: []types.Value{types.StringV("a"), types.StringV("bb")}, Vals: []types.Value{types.IntV(1), types.IntV(5)}}),
		types.IntV(10),
		types.NullValue,
	}
	col := func(i int, t types.Type) Expr { return &Col{Idx: i, T: t} }
	bin := func(op string, l, r Expr) Expr {
		x, err := NewArith(op, l, r, nil)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	cmp := func(op string, l, r Expr) Expr {
		x, err := NewCompare(op, l, r)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	x := &LambdaVar{Name: "X", T: I}
	s := &LambdaVar{Name: "S", T: I}
	k, v := &LambdaVar{Name: "K", T: S}, &LambdaVar{Name: "V", T: I}
	one := NewConst(types.IntV(1), I)
	cases := []struct {
		name, want string
		build      func() (*HigherOrder, error)
	}{
		// the body reads the enclosing row too
		{"transform array", "[11, 12, 13]", func() (*HigherOrder, error) {
			return NewHigherOrder("TRANSFORM", col(0, arr), nil, []*Lambda{{Params: []*LambdaVar{x}, Body: bin("+", x, col(2, I))}}, nil)
		}},
		{"filter array", "[2, 3]", func() (*HigherOrder, error) {
			return NewHigherOrder("FILTER", col(0, arr), nil, []*Lambda{{Params: []*LambdaVar{x}, Body: cmp(">", x, one)}}, nil)
		}},
		{"reduce array", "16", func() (*HigherOrder, error) {
			return NewHigherOrder("REDUCE", col(0, arr), col(2, I), []*Lambda{{Params: []*LambdaVar{s, x}, Body: bin("+", s, x)}}, nil)
		}},
		{"reduce from NULL", "NULL", func() (*HigherOrder, error) {
			return NewHigherOrder("REDUCE", col(0, arr), col(3, I), []*Lambda{{Params: []*LambdaVar{s, x}, Body: bin("+", s, x)}}, nil)
		}},
		{"reduce map", "16", func() (*HigherOrder, error) {
			return NewHigherOrder("REDUCE", col(1, mp), col(2, I), []*Lambda{{Params: []*LambdaVar{s, k, v}, Body: bin("+", s, v)}}, nil)
		}},
		{"transform map", "{bb=6, a=2}", func() (*HigherOrder, error) {
			return NewHigherOrder("TRANSFORM", col(1, mp), nil, []*Lambda{{Params: []*LambdaVar{k, v}, Body: k}, {Params: []*LambdaVar{k, v}, Body: bin("+", v, one)}}, nil)
		}},
		{"filter map", "{bb=5}", func() (*HigherOrder, error) {
			return NewHigherOrder("FILTER", col(1, mp), nil, []*Lambda{{Params: []*LambdaVar{k, v}, Body: cmp(">", v, one)}}, nil)
		}},
	}
	for _, c := range cases {
		h, err := c.build()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := h.Eval(row).String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
		// Rewrite reaches the lambda bodies and keeps the parameters.
		r := Rewrite(h, func(e Expr) Expr { return e })
		if got := r.Eval(row).String(); got != c.want {
			t.Errorf("%s after Rewrite: got %s, want %s", c.name, got, c.want)
		}
	}
}

// TestJavaMapOrder: a map read from JSON is visited as ksqlDB's HashMap
// visits it.
func TestJavaMapOrder(t *testing.T) {
	m := &types.MapValue{}
	for _, k := range []string{"yes, thanks", "nope", "sure, yeah"} {
		m.Keys = append(m.Keys, types.StringV(k))
		m.Vals = append(m.Vals, types.NullValue)
	}
	got := javaMapOrder(m)
	if want := []int{0, 2, 1}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("order %v, want %v", got, want)
	}
	if h := javaStringHash("hello"); h != 99162322 {
		t.Fatalf("hash %d", h)
	}
}
