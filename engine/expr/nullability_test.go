package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// TestCastKeepsNullability: CAST's result is NOT NULL exactly when its
// operand is (as Calcite infers it); TRY_CAST's never is.
func TestCastKeepsNullability(t *testing.T) {
	notNull := NewConst(types.IntV(1), types.Type{Kind: types.Int, NotNull: true})
	nullable := &Col{Idx: 0, T: types.TInt}
	to := types.DecimalType(5, 2)
	for _, c := range []struct {
		x    Expr
		try  bool
		want bool
	}{{notNull, false, true}, {nullable, false, false}, {notNull, true, false}} {
		x, err := NewCast(c.x, to, c.try, testEnv(false, nil))
		if err != nil {
			t.Fatal(err)
		}
		if x.Type().NotNull != c.want {
			t.Errorf("CAST(%s AS %s) try=%v: NOT NULL = %v, want %v", c.x, to, c.try, x.Type().NotNull, c.want)
		}
	}
}

// TestCommonTypeWithNull: a NULL among the types makes the common type
// nullable (VALUES (1.5), (NULL); CASE ... ELSE NULL).
func TestCommonTypeWithNull(t *testing.T) {
	d := types.DecimalType(2, 1)
	d.NotNull = true
	got, ok := CommonType(d, types.TNull)
	if !ok || got.NotNull || got.Kind != types.Decimal {
		t.Errorf("CommonType(DECIMAL(2, 1) NOT NULL, NULL) = %v, %v; want a nullable DECIMAL", got, ok)
	}
	got, ok = CommonType(d, d)
	if !ok || !got.NotNull {
		t.Errorf("CommonType of two NOT NULL types = %v, want NOT NULL", got)
	}
}
