package agg

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// TestAttr: ATTR is the value all rows share (NULL included), NULL while
// they disagree, and agrees again once the odd rows are retracted.
func TestAttr(t *testing.T) {
	f, err := New("ATTR", []types.Type{types.TString}, false, Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	a := f.NewAcc()
	s := types.StringV
	steps := []struct {
		add     bool
		v       types.Value
		want    types.Value
		wantNil bool
	}{
		{true, s("a"), s("a"), false},
		{true, s("a"), s("a"), false},
		{true, types.NullValue, types.Value{}, true},
		{false, types.NullValue, s("a"), false},
		{true, s("b"), types.Value{}, true},
		{false, s("a"), types.Value{}, true},
		{false, s("a"), s("b"), false},
	}
	for i, st := range steps {
		if st.add {
			a.Add(st.v)
		} else {
			a.Retract(st.v)
		}
		got := a.Result()
		if st.wantNil != got.IsNull() || !st.wantNil && types.Compare(got, st.want) != 0 {
			t.Fatalf("step %d: ATTR = %v, want %v", i, got, st.want)
		}
	}
	var e types.Enc
	a.Encode(&e)
	b := f.NewAcc()
	b.Decode(&types.Dec{B: e.B})
	if got := b.Result(); types.Compare(got, s("b")) != 0 {
		t.Fatalf("decoded ATTR = %v, want b", got)
	}
}
