package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// TestFlatMapZips: each row comes out once per element of its longest
// array, shorter arrays padded with NULL; rows whose arrays are all NULL or
// empty give nothing; kind and timestamp are kept.
func TestFlatMapZips(t *testing.T) {
	var out collected
	arr := types.Type{Kind: types.Array, Elem: &types.TBigInt}
	f := &FlatMap{Gens: []expr.Expr{&expr.Col{Idx: 1, T: arr}, &expr.Col{Idx: 2, T: arr}}}
	sink := NewSinkOp("out", out.sink())
	f.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	f.Open(oc)
	sink.Open(oc)
	ints := func(xs ...int64) types.Value {
		vs := make([]types.Value, len(xs))
		for i, x := range xs {
			vs[i] = types.BigIntV(x)
		}
		return types.ArrayV(vs)
	}
	f.Process([]Rec{
		{Row: types.Row{types.StringV("a"), ints(1, 2), ints(10, 11, 12)}, Ts: 7},
		{Row: types.Row{types.StringV("b"), types.NullValue, ints()}},
		{Row: types.Row{types.StringV("c"), ints(3), types.NullValue}},
	})
	want := "[+I[a, [1, 2], [10, 11, 12], 1, 10] +I[a, [1, 2], [10, 11, 12], 2, 11] +I[a, [1, 2], [10, 11, 12], NULL, 12] +I[c, [3], NULL, 3, NULL]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
