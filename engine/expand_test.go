package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// TestExpandCopiesPerSet: one copy per grouping set, the columns outside
// the set NULL, the set's index last, the row kind kept.
func TestExpandCopiesPerSet(t *testing.T) {
	var out collected
	e := &Expand{Nulls: [][]int{nil, {1}, {0, 1}}}
	sink := NewSinkOp("out", out.sink())
	e.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	e.Open(oc)
	sink.Open(oc)
	e.Process([]Rec{{Row: types.Row{types.StringV("a"), types.StringV("b"), types.IntV(3)}, Kind: Delete}})
	want := "[-D[a, b, 3, 0] -D[a, NULL, 3, 1] -D[NULL, NULL, 3, 2]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}
