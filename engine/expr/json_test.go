package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestJSONFunctions(t *testing.T) {
	S, I := types.TString, types.TInt
	log := `{"log": {"cloud": "gcp836Csd", "app": "ksProcessor", "instance": 4}}`
	obj := `{"a": "abc", "b": { "c": "a" }, "d": 1}`
	runCases(t, flat(
		k("EXTRACTJSONFIELD", "gcp836Csd", log, "$.log.cloud"),
		k("EXTRACTJSONFIELD", "4", log, "$.log.instance"),
		k("EXTRACTJSONFIELD", `{"cloud":"gcp836Csd","app":"ksProcessor","instance":4}`, log, "$.log"),
		k("EXTRACTJSONFIELD", "NULL", log, "$.log.missing"),
		k("EXTRACTJSONFIELD", "VAL", `{"name": "cdd", "version": "2", "@type": "VAL"}}`, "$.@type"),
		k("EXTRACTJSONFIELD", "1.23450", `{"array": [1.23450]}`, "$.array[0]"),
		k("EXTRACTJSONFIELD", "NULL", `{"array": [1, 2, 3]}`, "$.array[-1]"),
		k("EXTRACTJSONFIELD", "2", `{"array": [1, 2, 3]}`, "$.array[1]"),
		k("EXTRACTJSONFIELD", "x", `{"a.b": "x"}`, "$['a.b']"),
		k("EXTRACTJSONFIELD", "NULL", `{"a": null}`, "$.a"),
		k("EXTRACTJSONFIELD", "NULL", "not json", "$.a"),
		k("EXTRACTJSONFIELD", "NULL", nil, "$.a"),
		k("EXTRACTJSONFIELD", "line\n\"q\"", `{"a": "line\n\"q\""}`, "$.a"),

		k("IS_JSON_STRING", "TRUE", "[1, 2, 3]"),
		k("IS_JSON_STRING", "TRUE", "{}"),
		k("IS_JSON_STRING", "TRUE", "1"),
		k("IS_JSON_STRING", "TRUE", `"abc"`),
		k("IS_JSON_STRING", "TRUE", "null"),
		k("IS_JSON_STRING", "FALSE", ""),
		k("IS_JSON_STRING", "FALSE", "abc"),
		k("IS_JSON_STRING", "FALSE", nil),

		k("JSON_ARRAY_LENGTH", "3", "[1, 2, 3]"),
		k("JSON_ARRAY_LENGTH", "3", "[1, [1, [2]], 3]"),
		k("JSON_ARRAY_LENGTH", "0", "[]"),
		k("JSON_ARRAY_LENGTH", "NULL", "{}"),
		k("JSON_ARRAY_LENGTH", "NULL", "123"),
		k("JSON_ARRAY_LENGTH", "NULL", nil),
		k("JSON_ARRAY_LENGTH", "NULL", "abc"),

		k("JSON_KEYS", `["a","b","d"]`, obj),
		k("JSON_KEYS", "[]", "{}"),
		k("JSON_KEYS", "NULL", "[]"),
		k("JSON_KEYS", "NULL", "123"),
		k("JSON_KEYS", "NULL", ""),

		k("JSON_RECORDS", `{"a":"abc","b":"{\"c\":\"a\"}","d":"1"}`, obj),
		k("JSON_RECORDS", `{"Red":"3","Green":"5"}`, `{"Red": 3, "Green": 5}`),
		k("JSON_RECORDS", "{}", "{}"),
		k("JSON_RECORDS", "NULL", "[]"),
		k("JSON_RECORDS", "NULL", ""),

		k("JSON_CONCAT", `{"a":1,"b":2}`, `{"a": 1}`, `{"b": 2}`),
		k("JSON_CONCAT", `{"a":{"3":4}}`, `{"a": {"5": 6}}`, `{"a": {"3": 4}}`),
		k("JSON_CONCAT", `{}`, `{}`, `{}`),
		k("JSON_CONCAT", `[1,2,3,4]`, `[1, 2]`, `[3, 4]`),
		k("JSON_CONCAT", `[1,[2],[[3]],[[[4]]]]`, `[1, [2]]`, `[[[3]], [[[4]]]]`),
		k("JSON_CONCAT", `[null,null]`, `null`, `null`),
		k("JSON_CONCAT", `[1,2,{"a":1}]`, `[1, 2]`, `{"a": 1}`),
		k("JSON_CONCAT", `[1,2,3]`, `[1, 2]`, `3`),
		k("JSON_CONCAT", `[1,2]`, `1`, `2`),
		k("JSON_CONCAT", `[]`, `[]`, `[]`),
		k("JSON_CONCAT", "NULL", `abc`, `[1]`),
		k("JSON_CONCAT", "NULL", nil, `[1]`),

		k("JSON_ARRAY_CONTAINS", "TRUE", `["Pink", null]`, "Pink"),
		k("JSON_ARRAY_CONTAINS", "FALSE", `["Red", "Green"]`, "Pink"),
		k("JSON_ARRAY_CONTAINS", "TRUE", `[1, 2, 3]`, 3),
		k("JSON_ARRAY_CONTAINS", "FALSE", `[1.5]`, 1),
		k("JSON_ARRAY_CONTAINS", "TRUE", `[1.5]`, 1.5),
		k("JSON_ARRAY_CONTAINS", "TRUE", `[true]`, true),
		k("JSON_ARRAY_CONTAINS", "TRUE", `[1, null]`, typed(I)),
		k("JSON_ARRAY_CONTAINS", "FALSE", `{"a": 1}`, 1),
		k("JSON_ARRAY_CONTAINS", "FALSE", nil, 1),

		k("TO_JSON_STRING", "1", 1),
		k("TO_JSON_STRING", "15.3", 15.3),
		k("TO_JSON_STRING", `"abc"`, "abc"),
		k("TO_JSON_STRING", "true", true),
		k("TO_JSON_STRING", "null", typed(I)),
		k("TO_JSON_STRING", "123.456", dec("123.456", 6, 3)),
		k("TO_JSON_STRING", `"IQ=="`, bytesOf("!")),
		k("TO_JSON_STRING", `"1972-09-27"`, days(1000)),
		k("TO_JSON_STRING", `"16:43:40"`, timeMillis(60220000)),
		k("TO_JSON_STRING", `"13:25"`, timeOf("13:25")),
		k("TO_JSON_STRING", `"13:25:00.500"`, timeOf("13:25:00.5")),
		k("TO_JSON_STRING", `"1971-11-28T23:46:40.000"`, tsMillis(60220000000)),
		k("TO_JSON_STRING", "[1,2,3]", arrOf(I, 1, 2, 3)),
		k("TO_JSON_STRING", `{"id":1}`, mapOf(S, I, "id", 1)),
		k("TO_JSON_STRING", `{"id":[1,2,3]}`, mapOf(S, types.ArrayOf(I), "id", arrOf(I, 1, 2, 3))),
		k("TO_JSON_STRING", `{"ID":1,"NAME":"Alice"}`, tv{
			types.StructV([]types.Value{types.IntV(1), types.StringV("Alice")}),
			types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "ID", Type: I}, {Name: "NAME", Type: S}}},
		}),
		k("TO_JSON_STRING", `"a\"b\\c\n"`, "a\"b\\c\n"),
		f("JSON_STRING", "NULL", typed(I)),
		f("JSON_STRING", `"x"`, "x"),

		f("JSON_VALUE", "true", `{"a": true}`, "$.a"),
		f("JSON_VALUE", "NULL", `{"a": true}`, "lax $.b"),
		f("JSON_VALUE", "NULL", `{"a": true}`, "strict $.b"),
		f("JSON_VALUE", "0.998", `{"a.b": [0.998,0.996]}`, `$.["a.b"][0]`),
		f("JSON_VALUE", "NULL", `{"a": [1]}`, "$.a"),
		f("JSON_VALUE", "NULL", `{"a": null}`, "$.a"),
		f("JSON_VALUE", "x", `{"a": {"b": "x"}}`, "$.a.b"),
		f("JSON_VALUE", "NULL", `not json`, "$.a"),

		f("JSON_QUERY", `{"b":1}`, `{ "a": { "b": 1 } }`, "$.a"),
		f("JSON_QUERY", `[1,2]`, `[1, 2]`, "$"),
		f("JSON_QUERY", `["c1","c2"]`, `{"a":[{"c":"c1"},{"c":"c2"}]}`, "lax $.a[*].c"),
		f("JSON_QUERY", "NULL", `1`, "$"),
		f("JSON_QUERY", "NULL", `{}`, "lax $.invalid"),

		f("JSON_EXISTS", "TRUE", `{"a": true}`, "$.a"),
		f("JSON_EXISTS", "FALSE", `{"a": true}`, "$.b"),
		f("JSON_EXISTS", "TRUE", `{"a": [{ "b": 1 }]}`, "$.a[0].b"),
		f("JSON_EXISTS", "FALSE", `{"a": true}`, "strict $.b"),
		f("JSON_EXISTS", "TRUE", `{"a": null}`, "$.a"),

		f("IS_JSON", "TRUE", "1"),
		f("IS_JSON", "TRUE", "[]"),
		f("IS_JSON", "TRUE", `"abc"`),
		f("IS_JSON", "FALSE", "abc"),
		f("IS_JSON", "FALSE", nil),
		f("IS_JSON", "TRUE", "1", "SCALAR"),
		f("IS_JSON", "FALSE", "1", "ARRAY"),
		f("IS_JSON", "FALSE", "{}", "SCALAR"),
		f("IS_JSON", "TRUE", "{}", "OBJECT"),
		f("IS_JSON", "FALSE", "{} x"),

		f("JSON_ARRAY", "[]"),
		f("JSON_ARRAY", `[1,"2"]`, 1, "2"),
		f("JSON_ARRAY", `[1]`, 1, typed(S)),
		f("JSON_OBJECT", `{"K1":"V1","K2":"V2"}`, "K1", "V1", "K2", "V2"),
		f("JSON_OBJECT", `{"K1":null}`, "K1", typed(S)),
		f("JSON_OBJECT", "{}"),
	))
}

func TestJSONNesting(t *testing.T) {
	inner, err := NewFunc("JSON_ARRAY", []Expr{NewConst(types.IntV(1), types.TInt)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	outer, err := NewFunc("JSON_OBJECT", []Expr{NewConst(types.StringV("K"), types.TString), inner}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := outer.Eval(nil).S; got != `{"K":[1]}` {
		t.Errorf("nested JSON_OBJECT = %s", got)
	}
}

func TestJSONParser(t *testing.T) {
	for _, s := range []string{`{"a":[1,2,{"b":null}],"c":"\u00e9\ud83d\ude00"}`, `[]`, `-0.5e+10`, `"x"`} {
		n, err := parseJSON(s, false)
		if err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		again, err := parseJSON(n.String(), false)
		if err != nil || again.String() != n.String() {
			t.Errorf("%s does not round-trip: %s", s, n.String())
		}
	}
	for _, s := range []string{`{`, `[1,]`, `{"a" 1}`, `01`, `1.`, `"\x"`, `tru`, `{"a":1}x`} {
		if _, err := parseJSON(s, false); err == nil {
			t.Errorf("%s parsed", s)
		}
	}
}
