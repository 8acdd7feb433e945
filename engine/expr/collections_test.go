package expr

import (
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestCollectionFunctions(t *testing.T) {
	S, I, B := types.TString, types.TInt, types.TBool
	ints := func(xs ...any) tv { return arrOf(I, xs...) }
	strs := func(xs ...any) tv { return arrOf(S, xs...) }
	m := mapOf(S, I, "apple", 10, "banana", 20)
	runCases(t, flat(
		both("ARRAY_LENGTH", "3", ints(1, 2, 3)),
		both("ARRAY_LENGTH", "0", ints()),
		both("ARRAY_LENGTH", "NULL", typed(types.ArrayOf(I))),
		f("CARDINALITY", "2", m),
		f("CARDINALITY", "3", ints(1, 2, 3)),
		f("ELEMENT", "5", ints(5)),
		f("ELEMENT", "NULL", ints()),
		f("ELEMENT", "PANIC: ELEMENT: the array has more than one element", ints(1, 2)),

		// ARRAY_CONTAINS: a NULL array is false in ksqlDB, NULL in Flink.
		both("ARRAY_CONTAINS", "TRUE", strs("Pink", nil), "Pink"),
		both("ARRAY_CONTAINS", "FALSE", strs("Red", "Green"), "Pink"),
		k("ARRAY_CONTAINS", "FALSE", typed(types.ArrayOf(S)), "Pink"),
		f("ARRAY_CONTAINS", "NULL", typed(types.ArrayOf(S)), "Pink"),
		both("ARRAY_CONTAINS", "FALSE", ints(1, 2), nil),
		both("ARRAY_CONTAINS", "TRUE", ints(1, nil), nil),
		both("ARRAY_CONTAINS", "TRUE", arrOf(types.TBigInt, 1, 3), 3),
		both("ARRAY_CONTAINS", "ERROR", ints(1), "x"),

		// set operations keep first-occurrence order and one NULL
		both("ARRAY_DISTINCT", "[1,2,3]", ints(1, 1, 2, 3, 1, 2)),
		both("ARRAY_DISTINCT", `["apple",null,"cherry"]`, strs("apple", "apple", nil, "cherry")),
		both("ARRAY_DISTINCT", "[]", ints()),
		both("ARRAY_DISTINCT", "NULL", typed(types.ArrayOf(I))),
		both("ARRAY_DISTINCT", `[{"apple":1},{"apple":3}]`, arrOf(types.MapOf(S, I),
			mapOf(S, I, "apple", 1), mapOf(S, I, "apple", 3), mapOf(S, I, "apple", 1))),
		both("ARRAY_DISTINCT", `[["foo","bar"],["foo"]]`, arrOf(types.ArrayOf(S),
			strs("foo", "bar"), strs("foo", "bar"), strs("foo"))),
		both("ARRAY_EXCEPT", "[1]", ints(1, 2, 3, 1, 2), ints(2, 3)),
		both("ARRAY_EXCEPT", `["apple",null]`, strs("apple", "apple", nil, "cherry"), strs("cherry")),
		both("ARRAY_EXCEPT", "[0,-1]", ints(0, 0, 1, 0, -1), ints(1, -2)),
		both("ARRAY_EXCEPT", "NULL", ints(1), typed(types.ArrayOf(I))),
		both("ARRAY_INTERSECT", "[1,2]", ints(1, 2, 3, 1, 2), ints(2, 1)),
		both("ARRAY_INTERSECT", `["apple"]`, strs("apple", "apple", nil, "cherry"), strs("apple")),
		both("ARRAY_INTERSECT", "[]", ints(0, 1), ints()),
		both("ARRAY_UNION", "[1,2,3,4]", ints(1, 2, 3, 1, 2), ints(4, 1)),
		both("ARRAY_UNION", `["apple",null,"cherry"]`, strs("apple", "apple", nil, "cherry"), strs("cherry")),
		both("ARRAY_UNION", "NULL", typed(types.ArrayOf(I)), ints(1)),
		both("ARRAY_UNION", "[1.0,2.5]", ints(1), arrOf(types.TDouble, 2.5)),
		both("ARRAY_CONCAT", "[1,2,3,1,2,4,1]", ints(1, 2, 3, 1, 2), ints(4, 1)),
		both("ARRAY_CONCAT", "[1]", typed(types.ArrayOf(I)), ints(1)),
		both("ARRAY_CONCAT", "NULL", typed(types.ArrayOf(I)), typed(types.ArrayOf(I))),

		// ARRAY_REMOVE removes every equal element, NULL included.
		both("ARRAY_REMOVE", "[1,3,1]", ints(1, 2, 3, 2, 1), 2),
		both("ARRAY_REMOVE", "[null,true,true]", arrOf(B, false, nil, true, true), false),
		both("ARRAY_REMOVE", `["Foo","Bar","baz"]`, strs("Foo", "Bar", nil, "baz"), nil),
		both("ARRAY_REMOVE", "NULL", typed(types.ArrayOf(I)), 1),
		both("ARRAY_REMOVE", `[["foo"]]`, arrOf(types.ArrayOf(S), strs("foo", "bar"), strs("foo")), strs("foo", "bar")),

		// ARRAY_JOIN: "," by default, NULL separator joins with nothing.
		both("ARRAY_JOIN", "true,null,false", arrOf(B, true, nil, false)),
		both("ARRAY_JOIN", "1.23 -23.42 0.0", arrOf(types.TDouble, 1.23, -23.42, 0.0), " "),
		both("ARRAY_JOIN", "123-420", ints(1, 23, -42, 0), nil),
		both("ARRAY_JOIN", "123.45#987.65", arrOf(types.DecimalType(5, 2), dec("123.45", 5, 2), dec("987.65", 5, 2)), "#"),
		both("ARRAY_JOIN", "Hello_From__Ksqldb", strs("Hello", "From", "", "Ksqldb"), "_"),
		both("ARRAY_JOIN", "NULL", typed(types.ArrayOf(I))),

		both("ARRAY_MAX", "2", ints(-1, 2, nil, 0)),
		both("ARRAY_MAX", "TRUE", arrOf(B, false, nil, true)),
		both("ARRAY_MAX", "baz", strs("Foo", "Bar", nil, "baz")),
		both("ARRAY_MIN", "Bar", strs("Foo", "Bar", nil, "baz")),
		both("ARRAY_MIN", "-9.9", arrOf(types.DecimalType(2, 1), dec("1.0", 2, 1), dec("-9.9", 2, 1))),
		both("ARRAY_MAX", "NULL", ints()),
		both("ARRAY_MAX", "NULL", ints(nil)),

		// ARRAY_SORT puts NULLs last either way.
		both("ARRAY_SORT", "[-1,0,2,null]", ints(-1, 2, nil, 0)),
		both("ARRAY_SORT", "[false,true,null]", arrOf(B, false, nil, true)),
		both("ARRAY_SORT", `["Bar","Foo","baz",null]`, strs("Foo", "Bar", nil, "baz")),
		both("ARRAY_SORT", "[2,0,-1,null]", ints(-1, 2, nil, 0), "DESC"),
		both("ARRAY_SORT", `["food","foo","fo","Food","F",null]`, strs("foo", "fo", "Food", nil, "F", "food"), "desc"),
		both("ARRAY_SORT", "NULL", ints(1), "sideways"),

		// SLICE is 1-based and inclusive.
		both("SLICE", `["b","c"]`, strs("a", "b", "c", "d"), 2, 3),
		both("SLICE", `["a","b"]`, strs("a", "b", "c", "d"), nil, 2),
		both("SLICE", `["c","d"]`, strs("a", "b", "c", "d"), 3, nil),
		both("SLICE", "NULL", strs("a", "b"), 0, 1),
		both("SLICE", "NULL", strs("a", "b"), 1, 3),
		both("SLICE", "[]", strs("a", "b"), 2, 1),

		k("GENERATE_SERIES", "[1,3,5]", 1, 5, 2),
		k("GENERATE_SERIES", "[5,3,1]", 5, 1, -2),
		k("GENERATE_SERIES", "[]", 5, 1),
		k("GENERATE_SERIES", "NULL", 1, 5, 0),

		k("AS_MAP", `{"a":1,"b":null}`, strs("a", "b"), ints(1)),
		k("AS_MAP", `{"a":2}`, strs("a", "a"), ints(1, 2)),
		k("ELT", "something", 2, "ignored", "something"),
		k("ELT", "NULL", 2, "ignored", nil),
		k("ELT", "NULL", 3, "a", "b"),
		k("ELT", "NULL", 0, "a"),
		k("ELT", "NULL", nil, "a"),
		k("FIELD", "1", "hello", "hello", "world"),
		k("FIELD", "2", "hello", "world", "hello"),
		k("FIELD", "0", "hello", nil, nil),
		k("FIELD", "0", nil, "a", nil),
		k("FIELD", "2", "x", nil, "x"),

		both("MAP_KEYS", `["apple","banana"]`, m),
		both("MAP_VALUES", "[10,20]", m),
		both("MAP_KEYS", "NULL", typed(types.MapOf(S, I))),
		both("MAP_UNION", `{"apple":10,"banana":20,"cherry":99}`, m, mapOf(S, I, "cherry", 99)),
		both("MAP_UNION", `{"apple":50,"banana":20}`, m, mapOf(S, I, "apple", 50)),
		both("MAP_UNION", `{"apple":10,"banana":20}`, typed(types.MapOf(S, I)), m),
		both("MAP_UNION", "NULL", typed(types.MapOf(S, I)), typed(types.MapOf(S, I))),
		k("ENTRIES", `[{"K":"a","V":1},{"K":"b","V":2}]`, mapOf(S, I, "b", 2, "a", 1), true),
		k("ENTRIES", `[{"K":"b","V":2},{"K":"a","V":1}]`, mapOf(S, I, "b", 2, "a", 1), false),
		f("MAP_ENTRIES", `[{"key":"b","value":2}]`, mapOf(S, I, "b", 2)),
		k("GEO_DISTANCE", "0.0", 37.4439, -122.1663, 37.4439, -122.1663),
	))
}

func TestGeoDistance(t *testing.T) {
	km, _ := call(true, "GEO_DISTANCE", 37.4439, -122.1663, 51.5257, -0.1122)
	mi, _ := call(true, "GEO_DISTANCE", 37.4439, -122.1663, 51.5257, -0.1122, "MI")
	if !strings.HasPrefix(km, "8634.") || !strings.HasPrefix(mi, "5365.") {
		t.Errorf("GEO_DISTANCE: %s km, %s mi", km, mi)
	}
}
