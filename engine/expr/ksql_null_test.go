package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestCompareNullFalse(t *testing.T) {
	eq, err := NewCompare("=", &Col{Idx: 0, T: types.TInt}, &Col{Idx: 1, T: types.TInt})
	if err != nil {
		t.Fatal(err)
	}
	x := CompareNullFalse(eq)
	for _, c := range []struct {
		row  types.Row
		want string
	}{
		{types.Row{types.IntV(1), types.IntV(1)}, "TRUE"},
		{types.Row{types.IntV(1), types.IntV(2)}, "FALSE"},
		{types.Row{types.NullValue, types.IntV(2)}, "FALSE"},
	} {
		if got := x.Eval(c.row).String(); got != c.want {
			t.Errorf("%v: got %s, want %s", c.row, got, c.want)
		}
	}
}

func TestCastCollections(t *testing.T) {
	ksql := testEnv(true, nil)
	big := types.ArrayOf(types.TBigInt)
	arr := types.ArrayV([]types.Value{types.BigIntV(1), types.NullValue, types.BigIntV(2147483648)})
	c, err := NewCast(&Const{V: arr, T: big}, types.ArrayOf(types.TInt), true, ksql)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Eval(nil).String(); got != "[1, NULL, -2147483648]" {
		t.Errorf("ARRAY<BIGINT> -> ARRAY<INT>: %s", got)
	}
	from := types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "F0", Type: types.TBigInt}, {Name: "f1", Type: types.TInt}}}
	to := types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "F0", Type: types.TString}, {Name: "F3", Type: types.TString}}}
	sv := types.StructV([]types.Value{types.BigIntV(1), types.IntV(3)})
	c, err = NewCast(&Const{V: sv, T: from}, to, true, ksql)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Eval(nil).Elems(); got[0] != types.StringV("1") || !got[1].IsNull() {
		t.Errorf("struct by name: %v", got)
	}
	c, err = NewCast(&Const{V: sv, T: from}, types.TString, true, ksql)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Eval(nil).S; got != "Struct{F0=1,f1=3}" {
		t.Errorf("struct to string: %s", got)
	}
}
