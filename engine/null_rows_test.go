package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// TestNullRows: a stream's tombstone keeps the columns computed from the
// record key and NULLs the others, or goes when the query has a WHERE.
func TestNullRows(t *testing.T) {
	for _, c := range []struct {
		drop bool
		want string
	}{
		{false, "[+I[1, a] -D[2, NULL]]"},
		{true, "[+I[1, a]]"},
	} {
		var out collected
		n := &NullRows{Drop: c.drop, Keep: []bool{true, false}}
		sink := NewSinkOp("out", out.sink())
		n.SetNext(sink)
		oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
		n.Open(oc)
		sink.Open(oc)
		n.Process([]Rec{
			{Row: types.Row{types.IntV(1), types.StringV("a")}},
			{Row: types.Row{types.IntV(2), types.BoolV(true)}, Kind: Delete},
		})
		if got := fmt.Sprint(out.rows); got != c.want {
			t.Errorf("drop=%v: got %s, want %s", c.drop, got, c.want)
		}
	}
}
