package agg

import (
	"math"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// op is one input to an accumulator: a value added, or retracted.
type op struct {
	v       types.Value
	retract bool
}

func add(v types.Value) op     { return op{v: v} }
func retract(v types.Value) op { return op{v: v, retract: true} }

var null = types.NullValue

func i(n int64) types.Value   { return types.IntV(n) }
func l(n int64) types.Value   { return types.BigIntV(n) }
func d(f float64) types.Value { return types.DoubleV(f) }
func s(x string) types.Value  { return types.StringV(x) }
func row(x, y types.Value) types.Value {
	return types.StructV([]types.Value{x, y})
}

func show(v types.Value) string {
	switch v.K {
	case types.Null:
		return "NULL"
	case types.Double, types.Float:
		return types.FormatFloat(v.Float(), 64)
	case types.Array:
		parts := make([]string, len(v.Elems()))
		for k, e := range v.Elems() {
			parts[k] = show(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case types.Map:
		m := v.MapVal()
		parts := make([]string, len(m.Keys))
		for k := range m.Keys {
			parts[k] = show(m.Keys[k]) + "=" + show(m.Vals[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	return v.String()
}

// results feeds ops to a fresh accumulator and returns the result after
// each; it also checks that an encode/decode round trip at every step
// gives the same result.
func results(t *testing.T, fn *Func, ops ...op) []string {
	t.Helper()
	a := fn.NewAcc()
	var out []string
	for _, o := range ops {
		if o.retract {
			a.Retract(o.v)
		} else {
			a.Add(o.v)
		}
		got := show(a.Result())
		out = append(out, got)
		var e types.Enc
		a.Encode(&e)
		b := fn.NewAcc()
		dec := &types.Dec{B: e.B}
		b.Decode(dec)
		if dec.Err != nil || len(dec.B) != 0 {
			t.Errorf("%s: decode: %v, %d bytes left", fn.Name, dec.Err, len(dec.B))
		}
		if again := show(b.Result()); again != got {
			t.Errorf("%s: result after decode %s, before %s", fn.Name, again, got)
		}
	}
	return out
}

func mustNew(t *testing.T, name string, args []types.Type, params []types.Value, ksql bool) *Func {
	t.Helper()
	sem := Semantics{}
	if ksql {
		sem = ksqlSem
	}
	fn, err := NewWithParams(name, args, params, false, sem)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return fn
}

func check(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(got, " | "), strings.Join(want, " | "))
	}
}

func TestKsqlStddev(t *testing.T) {
	for _, c := range []struct {
		name string
		arg  types.Type
		in   []types.Value
		want []string
	}{
		{"STDDEV_SAMPLE", types.TInt, []types.Value{i(0), i(10), i(7), i(6)},
			[]string{"0.0", "7.0710678118654755", "5.131601439446884", "4.193248541803041"}},
		{"STDDEV_SAMPLE", types.TInt, []types.Value{i(50), i(10), i(3), null},
			[]string{"0.0", "28.284271247461902", "25.357444666211933", "25.357444666211933"}},
		{"STDDEV_SAMP", types.TInt, []types.Value{i(0), i(10), i(7), i(6)},
			[]string{"0.0", "50.0", "26.333333333333332", "17.583333333333332"}},
		{"STDDEV_SAMP", types.TInt, []types.Value{i(50), i(10), i(3), null},
			[]string{"0.0", "800.0", "643.0", "643.0"}},
		{"STDDEV_SAMPLE", types.TBigInt, []types.Value{l(2147483648), l(100), l(-2), null},
			[]string{"0.0", "1.5185001792773468E9", "1.2398502339629574E9", "1.2398502339629574E9"}},
		{"STDDEV_SAMPLE", types.TBigInt, []types.Value{l(500), l(100), l(0), l(-6)},
			[]string{"0.0", "282.842712474619", "264.5751311064591", "239.32335169528832"}},
		{"STDDEV_SAMP", types.TBigInt, []types.Value{l(2147483648), l(100), l(-2), null},
			[]string{"0.0", "2.3058427944653343E18", "1.5372286026580004E18", "1.5372286026580004E18"}},
		{"STDDEV_SAMP", types.TBigInt, []types.Value{l(500), l(100), l(0), l(-6)},
			[]string{"0.0", "80000.0", "70000.0", "57275.666666666664"}},
		{"STDDEV_SAMPLE", types.TDouble, []types.Value{d(-1.8), d(2.3), d(100.2), null},
			[]string{"0.0", "2.899137802864845", "57.74256084841869", "57.74256084841869"}},
		{"STDDEV_SAMPLE", types.TDouble, []types.Value{d(9223372036854.775807), d(300.8), d(-200000.6), d(0)},
			[]string{"0.0", "6.521908912453693E12", "5.32511638596254E12", "4.611686051710689E12"}},
		{"STDDEV_SAMP", types.TDouble, []types.Value{d(-1.8), d(2.3), d(100.2), null},
			[]string{"0.0", "8.405", "3334.2033333333347", "3334.2033333333347"}},
		{"STDDEV_SAMP", types.TDouble, []types.Value{d(9223372036854.775807), d(300.8), d(-200000.6), d(0)},
			[]string{"0.0", "4.253529586234292E25", "2.835686452404674E25", "2.1267648239542927E25"}},
		{"STDDEV_SAMPLE", types.TDouble, []types.Value{d(10), d(12), d(13), d(14), d(16)},
			[]string{"0.0", "1.4142135623730951", "1.5275252316519465", "1.707825127659933", "2.23606797749979"}},
		{"STDDEV_SAMP", types.TDouble, []types.Value{d(10), d(12), d(13), d(14), d(16)},
			[]string{"0.0", "2.0", "2.333333333333333", "2.9166666666666665", "5.0"}},
	} {
		fn := mustNew(t, c.name, []types.Type{c.arg}, nil, true)
		if fn.Result.Kind != types.Double {
			t.Errorf("%s: type %s", c.name, fn.Result)
		}
		var ops []op
		for _, v := range c.in {
			ops = append(ops, add(v))
		}
		check(t, c.name, results(t, fn, ops...), c.want...)
	}

	// Retracting is the inverse of adding; merging equals adding in order.
	fn := mustNew(t, "STDDEV_SAMPLE", []types.Type{types.TInt}, nil, true)
	check(t, "retract", results(t, fn, add(i(0)), add(i(10)), add(i(7)), retract(i(7)), retract(i(0))),
		"0.0", "7.0710678118654755", "5.131601439446884", "7.0710678118654755", "0.0")
	a, b, all := fn.NewAcc(), fn.NewAcc(), fn.NewAcc()
	for _, v := range []int64{0, 10, 7} {
		a.Add(i(v))
		all.Add(i(v))
	}
	for _, v := range []int64{6, -3} {
		b.Add(i(v))
		all.Add(i(v))
	}
	a.Merge(b)
	if x, y := a.Result().Float(), all.Result().Float(); math.Abs(x-y) > 1e-12 {
		t.Errorf("merge %v, sequential %v", x, y)
	}
}

func TestFlinkVariance(t *testing.T) {
	ints := []op{add(i(1)), add(i(2)), add(null), add(i(3)), add(i(4))}
	for name, want := range map[string][]string{
		"VAR_POP":     {"0", "0", "0", "0", "1"},
		"VAR_SAMP":    {"NULL", "1", "1", "1", "1"},
		"VARIANCE":    {"NULL", "1", "1", "1", "1"},
		"STDDEV_POP":  {"0", "0", "0", "0", "1"},
		"STDDEV_SAMP": {"NULL", "1", "1", "1", "1"},
	} {
		fn := mustNew(t, name, []types.Type{types.TInt}, nil, false)
		if fn.Result.Kind != types.Int {
			t.Errorf("%s(INT) type %s", name, fn.Result)
		}
		check(t, name+"(INT)", results(t, fn, ints...), want...)
	}
	dbl := []op{add(d(1)), add(d(2)), add(d(3)), add(d(4))}
	for name, want := range map[string][]string{
		"VAR_POP":     {"0.0", "0.25", "0.6666666666666666", "1.25"},
		"VAR_SAMP":    {"NULL", "0.5", "1.0", "1.6666666666666667"},
		"STDDEV_SAMP": {"NULL", "0.7071067811865476", "1.0", "1.2909944487358056"},
		"STDDEV":      {"NULL", "0.7071067811865476", "1.0", "1.2909944487358056"},
	} {
		fn := mustNew(t, name, []types.Type{types.TDouble}, nil, false)
		check(t, name+"(DOUBLE)", results(t, fn, dbl...), want...)
	}
	fn := mustNew(t, "VAR_POP", []types.Type{types.TDouble}, nil, false)
	check(t, "VAR_POP retract", results(t, fn, add(d(1)), add(d(3)), retract(d(1))), "0.0", "1.0", "0.0")
	if _, err := New("VAR_POP", []types.Type{types.TString}, false, Semantics{}); err == nil {
		t.Error("VAR_POP(STRING) accepted")
	}
}

func TestCorrelation(t *testing.T) {
	pair := types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "X", Type: types.TDouble}, {Name: "Y", Type: types.TDouble}}}
	fn := mustNew(t, "CORRELATION", []types.Type{pair}, nil, true)
	check(t, "alice", results(t, fn, add(row(d(1.5), d(8))), add(row(d(-1), d(-2))), add(row(d(-4.5), d(-1))), add(row(null, d(-6)))),
		"NaN", "1.0", "0.7580764521133173", "0.7580764521133173")
	check(t, "bob", results(t, fn, add(row(d(-3.5), d(-2))), add(row(d(13.1), null)), add(row(d(3), d(11)))),
		"NaN", "NaN", "1.0")
	check(t, "ints", results(t, fn, add(row(i(1), i(8))), add(row(i(-1), i(-2))), add(row(i(-4), i(-1)))),
		"NaN", "1.0", "0.7455284088780169")
	check(t, "table", results(t, fn, add(row(d(1.5), d(8))), add(row(d(-3.5), d(-2))), retract(row(d(1.5), d(8))),
		add(row(d(-1), d(-2))), add(row(d(-4.5), d(-1)))),
		"NaN", "1.0", "NaN", "NaN", "-0.7205766921228921")
	if _, err := New("CORRELATION", []types.Type{types.TDouble, types.TInt}, false, ksqlSem); err != nil {
		t.Errorf("CORRELATION(DOUBLE, INT): %v", err)
	}
	if _, err := New("CORRELATION", []types.Type{types.TString}, false, ksqlSem); err == nil {
		t.Error("CORRELATION(STRING) accepted")
	}
}

func TestOffsets(t *testing.T) {
	run := func(name string, params []types.Value, in ...types.Value) []string {
		fn := mustNew(t, name, []types.Type{types.TInt}, params, true)
		var ops []op
		for _, v := range in {
			ops = append(ops, add(v))
		}
		return results(t, fn, ops...)
	}
	yes, no := types.BoolV(true), types.BoolV(false)
	check(t, "earliest", run("EARLIEST_BY_OFFSET", nil, i(12), null, i(13)), "12", "12", "12")
	check(t, "earliest null first", run("EARLIEST_BY_OFFSET", []types.Value{yes}, null, i(13)), "NULL", "13")
	check(t, "earliest keep nulls", run("EARLIEST_BY_OFFSET", []types.Value{no}, null, i(13)), "NULL", "NULL")
	check(t, "earliest 2", run("EARLIEST_BY_OFFSET", []types.Value{i(2)}, null, i(13)), "[]", "[13]")
	check(t, "earliest 2 keep nulls", run("EARLIEST_BY_OFFSET", []types.Value{i(2), no}, null, i(13)), "[NULL]", "[NULL,13]")
	check(t, "earliest 2 later nulls", run("EARLIEST_BY_OFFSET", []types.Value{i(2)}, i(12), null, i(13), i(14)), "[12]", "[12]", "[12,13]", "[12,13]")
	check(t, "earliest 2 later nulls kept", run("EARLIEST_BY_OFFSET", []types.Value{i(2), no}, i(12), null, i(13)), "[12]", "[12,NULL]", "[12,NULL]")
	check(t, "all nulls", run("EARLIEST_BY_OFFSET", nil, null, null), "NULL", "NULL")
	check(t, "latest", run("LATEST_BY_OFFSET", nil, i(12), null, i(13)), "12", "12", "13")
	check(t, "latest keep nulls", run("LATEST_BY_OFFSET", []types.Value{no}, i(12), null, i(13)), "12", "NULL", "13")
	check(t, "latest 2", run("LATEST_BY_OFFSET", []types.Value{i(2)}, i(12), null, i(13), i(14)), "[12]", "[12]", "[12,13]", "[13,14]")
	check(t, "latest 2 keep nulls", run("LATEST_BY_OFFSET", []types.Value{i(2), no}, i(12), null, i(13)), "[12]", "[12,NULL]", "[NULL,13]")

	fn := mustNew(t, "LATEST_BY_OFFSET", []types.Type{types.TInt}, []types.Value{i(3)}, true)
	if fn.Result.String() != "ARRAY<INT>" {
		t.Errorf("LATEST_BY_OFFSET(x, 3) type %s", fn.Result)
	}
	a, b := fn.NewAcc(), fn.NewAcc()
	a.Add(i(1))
	a.Add(i(2))
	b.Add(i(3))
	b.Add(i(4))
	a.Merge(b)
	if got := show(a.Result()); got != "[2,3,4]" {
		t.Errorf("merged latest = %s", got)
	}
	for _, params := range [][]types.Value{{i(0)}, {s("x")}, {i(2), yes, yes}, {yes, i(2)}} {
		if _, err := NewWithParams("EARLIEST_BY_OFFSET", []types.Type{types.TInt}, params, false, ksqlSem); err == nil {
			t.Errorf("EARLIEST_BY_OFFSET(x, %v) accepted", params)
		}
	}
}

func TestFirstLastValue(t *testing.T) {
	first := mustNew(t, "FIRST_VALUE", []types.Type{types.TString}, nil, false)
	last := mustNew(t, "LAST_VALUE", []types.Type{types.TString}, nil, false)
	check(t, "first", results(t, first, add(null), add(s("a")), add(s("b")), add(null)), "NULL", "a", "a", "a")
	check(t, "last", results(t, last, add(s("a")), add(s("b")), add(null)), "a", "b", "b")
	check(t, "last retract", results(t, last, add(s("a")), retract(s("a")), add(s("b")), add(s("c")), retract(s("c"))),
		"a", "NULL", "b", "c", "b")
	check(t, "first retract", results(t, first, add(s("a")), retract(s("a")), add(s("b")), add(s("c")), retract(s("b"))),
		"a", "NULL", "b", "b", "c")
}

func TestListagg(t *testing.T) {
	def := mustNew(t, "LISTAGG", []types.Type{types.TString}, nil, false)
	check(t, "listagg", results(t, def, add(null), add(s("a")), add(s("b")), retract(s("a"))), "NULL", "a", "a,b", "b")
	sep := mustNew(t, "LISTAGG", []types.Type{types.TString}, []types.Value{s("; ")}, false)
	check(t, "listagg sep", results(t, sep, add(s("a")), add(s("b"))), "a", "a; b")
	if _, err := NewWithParams("LISTAGG", []types.Type{types.TString}, []types.Value{i(1)}, false, Semantics{}); err == nil {
		t.Error("LISTAGG(x, 1) accepted")
	}
}

func TestHistogram(t *testing.T) {
	fn := mustNew(t, "HISTOGRAM", []types.Type{types.TString}, nil, true)
	if fn.Result.String() != "MAP<STRING, BIGINT>" {
		t.Errorf("type %s", fn.Result)
	}
	check(t, "histogram", results(t, fn, add(s("a")), add(s("b")), add(s("a")), add(null), retract(s("b"))),
		"{a=1}", "{a=1,b=1}", "{a=2,b=1}", "{a=2,b=1}", "{a=2}")
	a := fn.NewAcc()
	for k := 0; k < histogramLimit+5; k++ {
		a.Add(types.StringV(strings.Repeat("x", k+1)))
	}
	if n := len(a.Result().MapVal().Keys); n != histogramLimit {
		t.Errorf("%d distinct values kept", n)
	}
}

func TestMinMaxOfNonNumbers(t *testing.T) {
	mx := mustNew(t, "MAX", []types.Type{types.TString}, nil, true)
	check(t, "max string", results(t, mx, add(s("b")), add(s("a")), add(null), add(s("c"))), "b", "b", "b", "c")
	mn := mustNew(t, "MIN", []types.Type{types.TTS3}, nil, false)
	mn.Updating = true
	t1, t2 := types.TimestampV(2000), types.TimestampV(1000)
	check(t, "min ts", results(t, mn, add(t1), add(t2), retract(t2)),
		"1970-01-01 00:00:00.002", "1970-01-01 00:00:00.001", "1970-01-01 00:00:00.002")
	first := mustNew(t, "FIRST_VALUE", []types.Type{types.TString}, nil, false)
	first.Updating = true
	check(t, "first with history", results(t, first, add(s("a")), add(s("b")), retract(s("a"))), "a", "a", "b")
}

func TestIsAggregate(t *testing.T) {
	for _, n := range []string{"correlation", "STDDEV_SAMPLE", "HISTOGRAM", "LATEST_BY_OFFSET", "var_pop", "LISTAGG"} {
		if !IsAggregate(n) {
			t.Errorf("%s is not an aggregate", n)
		}
	}
	if IsAggregate("UPPER") {
		t.Error("UPPER is an aggregate")
	}
}

// ksqlSem is ksqlDB's choice of aggregate semantics (planner/dialect/ksql
// makes the same choice).
var ksqlSem = Semantics{Sum: SumJava, Avg: AvgDouble, Stats: StatsKSQL}

// TestDistinctIntegers: COUNT and SUM DISTINCT over integers (counted by
// the integer) add, retract, survive an encode/decode round trip at every
// step, and keep their counts when a value of another kind arrives.
func TestDistinctIntegers(t *testing.T) {
	count, err := New("COUNT", []types.Type{types.TBigInt}, true, Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "count distinct", results(t, count, add(l(1)), add(l(2)), add(l(1)), retract(l(1)), retract(l(1)), add(null), retract(l(3)), add(l(2))),
		"1", "2", "2", "2", "1", "1", "1", "1")
	sum, err := New("SUM", []types.Type{types.TBigInt}, true, Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, "sum distinct", results(t, sum, add(l(5)), add(l(5)), add(l(7)), retract(l(5)), retract(l(5))),
		"5", "5", "12", "12", "7")
	// An INT among BIGINTs (not expected of one column) moves the counts.
	a := count.NewAcc()
	a.Add(l(1))
	a.Add(l(1))
	a.Add(i(1))
	a.Retract(l(1))
	if got := a.Result().String(); got != "2" {
		t.Errorf("after a mixed kind: %s, want 2", got)
	}
	a.Retract(l(1))
	if got := a.Result().String(); got != "1" {
		t.Errorf("after retracting the BIGINT: %s, want 1", got)
	}
	// Merging a partial accumulator.
	b, c := count.NewAcc(), count.NewAcc()
	b.Add(l(1))
	b.Add(l(2))
	c.Add(l(2))
	c.Add(l(3))
	b.Merge(c)
	b.Retract(l(2))
	if got := b.Result().String(); got != "3" {
		t.Errorf("after merge and retract: %s, want 3", got)
	}
}
