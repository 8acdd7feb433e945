package expr

import (
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// TestKSQLArgumentTypes: ksqlDB names the arguments a function refuses
// with their full types, DECIMAL(5, 1) and quoted struct fields included
// (types.KSQLString, the one rendering of a type in ksqlDB's words).
func TestKSQLArgumentTypes(t *testing.T) {
	dec := types.Type{Kind: types.Decimal, Precision: 5, Scale: 1}
	row := types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "A", Type: types.TInt}}}
	for _, c := range []struct {
		arg  types.Type
		want string
	}{
		{dec, "Function 'json_array_length' does not accept parameters (DECIMAL(5, 1))."},
		{row, "Function 'json_array_length' does not accept parameters (STRUCT<`A` INTEGER>)."},
	} {
		_, err := NewFunc("JSON_ARRAY_LENGTH", []Expr{NewConst(types.NullValue, c.arg)}, testEnv(true, nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("JSON_ARRAY_LENGTH(%s): %v, want %q", c.arg, err, c.want)
		}
	}
}

// TestUnknownFunction: Flink names an unknown function as the query wrote
// it, ksqlDB upper-cased, each in its own words.
func TestUnknownFunction(t *testing.T) {
	arg := []Expr{NewConst(types.IntV(1), types.TInt)}
	if _, err := NewFunc("no_Such_fn", arg, testEnv(false, nil)); err == nil || err.Error() != "No match found for function signature no_Such_fn(<NUMERIC>)" {
		t.Errorf("flink: %v", err)
	}
	if _, err := NewFunc("no_Such_fn", arg, testEnv(true, nil)); err == nil || err.Error() != "Can't find any functions with the name 'NO_SUCH_FN'" {
		t.Errorf("ksqlDB: %v", err)
	}
}
