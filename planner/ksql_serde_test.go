package planner

import (
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// TestKSQLSerdeChecks: what ksqlDB's formats refuse to hold, in its words.
func TestKSQLSerdeChecks(t *testing.T) {
	k := func(name string, ty types.Type) Column { return Column{Name: name, Type: ty, Key: true} }
	v := func(name string, ty types.Type) Column { return Column{Name: name, Type: ty} }
	arr := types.Type{Kind: types.Array, Elem: &types.TInt}
	for _, c := range []struct {
		key, value string
		cols       []Column
		opts       ksqlOptions
		want       string
	}{
		{"KAFKA", "JSON", []Column{k("K", types.TInt), v("V", types.TString)}, nil, ""},
		{"KAFKA", "JSON", []Column{k("K", types.TBool)}, nil, "Key format does not support schema.\nformat: KAFKA\nschema: Persistence{columns=[`K` BOOLEAN KEY], features=[]}\nreason: The 'KAFKA' format does not support type 'BOOLEAN'"},
		{"KAFKA", "JSON", []Column{k("A", types.TInt), k("B", types.TInt)}, nil, "The 'KAFKA' format only supports a single field. Got: [`A` INTEGER KEY, `B` INTEGER KEY]"},
		{"KAFKA", "DELIMITED", []Column{v("V0", arr)}, nil, "Value format does not support schema.\nformat: DELIMITED\nschema: Persistence{columns=[`V0` ARRAY<INTEGER>], features=[]}\nreason: The 'DELIMITED' format does not support type 'ARRAY', column: `V0`"},
		{"NONE", "JSON", []Column{k("K", types.TString)}, nil, "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]"},
		{"NONE", "JSON", []Column{v("V", types.TString)}, nil, ""},
		{"KAFKA", "KAFKA", []Column{v("V", types.TString)}, ksqlOptions{"wrap_single_value": "true"}, "Format 'KAFKA' does not support 'WRAP_SINGLE_VALUE' set to 'true'."},
		{"KAFKA", "JSON", []Column{v("A", types.TString), v("B", types.TString)}, ksqlOptions{"wrap_single_value": "false"}, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"},
		{"KAFKA", "JSON", []Column{v("A", types.TString)}, ksqlOptions{"wrap_single_value": "false"}, ""},
	} {
		tb := &Table{Columns: c.cols, KSQL: &KSQLSource{KeyFormat: c.key, ValueFormat: c.value}}
		err := ksqlSerdeChecks(tb, c.opts, sql.Pos{})
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s/%s %v: %v", c.key, c.value, c.cols, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s/%s %v: %v, want %q", c.key, c.value, c.cols, err, c.want)
		}
	}
}
