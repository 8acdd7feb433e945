package format

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect/flink"
	"github.com/tumble/tumble/planner/dialect/ksql"
)

// rulesOf are the table rules of a dialect ("flink" or "ksql"), as the
// planner hands them to connectors.
func rulesOf(dialect string) engine.TableRules {
	if dialect == "ksql" {
		return ksql.Dialect{}.Rules().Tables
	}
	return flink.Dialect{}.Rules().Tables
}

func spec(dialect string, opts ...string) *engine.TableSpec {
	s := &engine.TableSpec{Name: "t", Rules: rulesOf(dialect), Options: map[string]string{}, Defaults: map[string]string{"local-time-zone": "UTC"}}
	for i := 0; i+1 < len(opts); i += 2 {
		s.Options[opts[i]] = opts[i+1]
	}
	return s
}

func cols(defs ...any) []Column {
	var out []Column
	for i := 0; i+1 < len(defs); i += 2 {
		out = append(out, Column{Name: defs[i].(string), Type: defs[i+1].(types.Type), Pos: len(out)})
	}
	return out
}

func seedCols() []Column {
	// The Flink seed table declares the columns in another order than the
	// producer writes the fields.
	return cols("event_timestamp", types.TTS3, "transaction_id", types.TInt, "user_id", types.TString,
		"total_paid", types.TInt, "status", types.TString)
}

const seedRecord = `{"event_timestamp": "2026-11-23 23:09:46.153", "user_id": "245d2676-04f8-4036-bc25-1a9b02bb75f1", "transaction_id": 393722, "total_paid": 20, "status": "Paid"}`

func mustTS(t testing.TB, s string) int64 {
	us, err := types.ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func decode(t *testing.T, s *engine.TableSpec, c []Column, prefix, data string) ([]types.Value, error) {
	t.Helper()
	d, err := NewDecoder(s, c, prefix)
	if err != nil {
		t.Fatalf("NewDecoder: %v", err)
	}
	row := make([]types.Value, len(c))
	for i := range row {
		row[i] = types.StringV("garbage") // decoders must overwrite every column
	}
	return row, d.Decode([]byte(data), row)
}

func TestJSONDecodeSeed(t *testing.T) {
	row, err := decode(t, spec("flink", "format", "json"), seedCols(), "value.", seedRecord)
	if err != nil {
		t.Fatal(err)
	}
	want := []types.Value{types.TimestampV(mustTS(t, "2026-11-23 23:09:46.153")), types.IntV(393722),
		types.StringV("245d2676-04f8-4036-bc25-1a9b02bb75f1"), types.IntV(20), types.StringV("Paid")}
	for i := range want {
		if row[i] != want[i] {
			t.Errorf("col %d: got %#v want %#v", i, row[i], want[i])
		}
	}
}

func TestJSONDecodeFlink(t *testing.T) {
	c := cols("a", types.TInt, "b", types.TString, "c", types.TDouble, "d", types.DecimalType(6, 2), "e", types.TBool,
		"f", types.TTSLTZ3, "g", types.TDate, "h", types.TBytes, "i", types.ArrayOf(types.TBigInt),
		"j", types.MapOf(types.TString, types.TInt),
		"k", types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "x", Type: types.TInt}, {Name: "y", Type: types.TString}}})
	s := spec("flink", "format", "json")
	cases := []struct {
		in    string
		check func(row []types.Value) bool
	}{
		{`{"a": "42", "b": 7, "c": "1.5", "d": 3.14159, "e": "TRUE"}`, func(r []types.Value) bool {
			return r[0] == types.IntV(42) && r[1] == types.StringV("7") && r[2] == types.DoubleV(1.5) &&
				r[3] == types.DecimalV(314, 2) && r[4] == types.BoolV(true) && r[5].IsNull()
		}},
		{`{"a": 20.9, "b": {"z": [1, 2]}, "e": "yes"}`, func(r []types.Value) bool {
			return r[0] == types.IntV(20) && r[1] == types.StringV(`{"z":[1,2]}`) && r[4] == types.BoolV(false)
		}},
		{`{"f": "2026-11-23 23:09:46.153Z", "g": "2026-11-23", "h": "AQID"}`, func(r []types.Value) bool {
			return r[5] == types.TimestampLTZV(mustTS(t, "2026-11-23 23:09:46.153")) && r[6].I == types.DaysFromCivil(2026, 11, 23) &&
				r[7] == types.BytesV([]byte{1, 2, 3})
		}},
		{`{"f": "2026-11-23T23:09:46+01:00"}`, func(r []types.Value) bool {
			return r[5] == types.TimestampLTZV(mustTS(t, "2026-11-23 22:09:46"))
		}},
		{`{"i": [1, null, 3], "j": {"p": 1, "q": null}, "k": {"y": "s", "x": 5, "zz": {"deep": [1]}}}`, func(r []types.Value) bool {
			a, m, k := r[8].Elems(), r[9].MapVal(), r[10].Elems()
			return len(a) == 3 && a[0] == types.BigIntV(1) && a[1].IsNull() && a[2] == types.BigIntV(3) &&
				len(m.Keys) == 2 && m.Keys[1] == types.StringV("q") && m.Vals[0] == types.IntV(1) && m.Vals[1].IsNull() &&
				k[0] == types.IntV(5) && k[1] == types.StringV("s")
		}},
		{`{"b": "esc \"q\" \\ \u00e9 \ud83d\ude00 \n", "unknown": {"a": "}\"{", "b": [[[]]]}, "a": 1}`, func(r []types.Value) bool {
			return r[1] == types.StringV("esc \"q\" \\ é 😀 \n") && r[0] == types.IntV(1)
		}},
		{`  {  }  `, func(r []types.Value) bool { return r[0].IsNull() && r[10].IsNull() }},
		{`{"d": 12345.678}`, func(r []types.Value) bool { return r[3].IsNull() }}, // precision overflow -> NULL
	}
	for _, tc := range cases {
		row, err := decode(t, s, c, "value.", tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !tc.check(row) {
			t.Errorf("%s: got %v", tc.in, row)
		}
	}
}

func TestJSONDecodeErrors(t *testing.T) {
	c := cols("a", types.TInt, "b", types.TString)
	s := spec("flink", "format", "json")
	for _, in := range []string{``, `[1]`, `{"a": 1`, `{"a": 1,}`, `{"a": x}`, `{"a": "x"}`, `{"a": 99999999999}`,
		`{"a" 1}`, `{"a": 1} trailing`, `{"b": "unterminated}`, `{"b": [1, 2}`, `{"a": tru}`, `"str"`} {
		if _, err := decode(t, s, c, "value.", in); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: want ErrMalformed, got %v", in, err)
		}
	}
	s = spec("flink", "format", "json", "json.fail-on-missing-field", "true")
	if _, err := decode(t, s, c, "value.", `{"a": 1}`); err == nil || !strings.Contains(err.Error(), "missing field 'b'") {
		t.Errorf("fail-on-missing-field: got %v", err)
	}
	s = spec("flink", "format", "json", "json.fail-on-missing-field", "true", "json.ignore-parse-errors", "true")
	if _, err := NewDecoder(s, c, "value."); err == nil {
		t.Error("fail-on-missing-field with ignore-parse-errors must be refused")
	}
	if _, err := NewDecoder(spec("flink", "format", "json", "json.bogus", "1"), c, "value."); err == nil {
		t.Error("unknown json option must be refused")
	}
	if _, err := NewDecoder(spec("flink", "format", "orc"), c, "value."); !errors.Is(err, ErrUnsupported) {
		t.Errorf("orc: %v", err)
	}
}

func TestJSONKsql(t *testing.T) {
	c := cols("EVENT_TIMESTAMP", types.TString, "TRANSACTION_ID", types.TInt, "TS", types.TTSLTZ3)
	row, err := decode(t, spec("ksql", "value.format", "json"), c, "value.",
		`{"event_timestamp": "2026-11-23 23:09:46.153", "Transaction_Id": 7, "ts": 1526075913000}`)
	if err != nil {
		t.Fatal(err)
	}
	if row[0] != types.StringV("2026-11-23 23:09:46.153") || row[1] != types.IntV(7) || row[2] != types.TimestampLTZV(1526075913000000) {
		t.Fatalf("got %v", row)
	}
	// A single value column with wrap.single.value=false is the bare value.
	one := cols("V", types.TBigInt)
	row, err = decode(t, spec("ksql", "value.format", "json", "wrap.single.value", "false"), one, "value.", ` 10827272222 `)
	if err != nil || row[0] != types.BigIntV(10827272222) {
		t.Fatalf("unwrapped: %v %v", row, err)
	}
	// A single key column is unwrapped by default.
	row, err = decode(t, spec("ksql", "key.format", "json"), cols("K", types.TString), "key.", `"Hey"`)
	if err != nil || row[0] != types.StringV("Hey") {
		t.Fatalf("key: %v %v", row, err)
	}
	if _, err := NewDecoder(spec("ksql", "value.format", "json"), cols("M", types.MapOf(types.TInt, types.TInt)), "value."); err == nil {
		t.Error("ksqlDB JSON map with INT keys must be refused")
	}
}

func encode(t *testing.T, s *engine.TableSpec, c []Column, prefix string, row ...types.Value) string {
	t.Helper()
	e, err := NewEncoder(s, c, prefix)
	if err != nil {
		t.Fatalf("NewEncoder: %v", err)
	}
	out, null, err := e.Encode(nil, row)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if null {
		return "<null>"
	}
	return string(out)
}

func TestJSONEncodeFlink(t *testing.T) {
	c := cols("window_start", types.TTS3, "n", types.TBigInt, "d", types.TDouble, "s", types.TString, "dec", types.DecimalType(10, 2),
		"ltz", types.TTSLTZ3, "day", types.TDate, "tm", types.TTime, "b", types.TBytes, "arr", types.ArrayOf(types.TInt),
		"m", types.MapOf(types.TString, types.TBool), "nul", types.TInt)
	m := &types.MapValue{Keys: []types.Value{types.StringV("k")}, Vals: []types.Value{types.BoolV(true)}}
	row := []types.Value{types.TimestampV(mustTS(t, "2026-11-23 23:09:45")), types.BigIntV(3), types.DoubleV(20),
		types.StringV("a\"b\\\n\x01é"), types.DecimalV(1230, 1), types.TimestampLTZV(mustTS(t, "2026-11-23 22:09:45.5")),
		types.DateV(types.DaysFromCivil(2026, 11, 23)), types.TimeV(3723_500_000), types.BytesV([]byte{1, 2, 3}),
		types.ArrayV([]types.Value{types.IntV(1), {}}), types.MapV(m), {}}
	got := encode(t, spec("flink", "format", "json"), c, "value.", row...)
	want := `{"window_start":"2026-11-23 23:09:45","n":3,"d":20.0,"s":"a\"b\\\n\u0001é","dec":123.00,` +
		`"ltz":"2026-11-23 22:09:45.5Z","day":"2026-11-23","tm":"01:02:03","b":"AQID","arr":[1,null],"m":{"k":true},"nul":null}`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	for _, tc := range []struct{ in, want string }{
		{"2026-11-23 23:09:45.1", `{"ts":"2026-11-23 23:09:45.1"}`},
		{"2026-11-23 23:09:45.153", `{"ts":"2026-11-23 23:09:45.153"}`},
		{"2026-11-23 23:09:45.000001", `{"ts":"2026-11-23 23:09:45.000001"}`},
	} {
		if got := encode(t, spec("flink", "format", "json"), cols("ts", types.TTS3), "value.", types.TimestampV(mustTS(t, tc.in))); got != tc.want {
			t.Errorf("got %s want %s", got, tc.want)
		}
	}
	iso := spec("flink", "format", "json", "json.timestamp-format.standard", "ISO-8601", "json.encode.ignore-null-fields", "true")
	got = encode(t, iso, cols("a", types.TInt, "ts", types.TTS3, "l", types.TTSLTZ3), "value.",
		types.Value{}, types.TimestampV(mustTS(t, "2026-11-23 23:09:45.153")), types.TimestampLTZV(mustTS(t, "2026-11-23 23:09:45")))
	if want := `{"ts":"2026-11-23T23:09:45.153","l":"2026-11-23T23:09:45Z"}`; got != want {
		t.Errorf("ISO: got %s want %s", got, want)
	}
	for _, tc := range []struct {
		f    float64
		want string
	}{{1e7, "1.0E7"}, {1.5e-5, "1.5E-5"}, {-0.25, "-0.25"}, {123456.789, "123456.789"}, {math.NaN(), `"NaN"`}, {math.Inf(-1), `"-Infinity"`}} {
		if got := string(appendJavaFloat(nil, tc.f, 64, true)); got != tc.want {
			t.Errorf("%v: got %s want %s", tc.f, got, tc.want)
		}
	}
	if _, _, err := mustEnc(t, spec("flink", "format", "json"), cols("m", types.MapOf(types.TString, types.TInt))).Encode(nil,
		[]types.Value{types.MapV(&types.MapValue{Keys: []types.Value{{}}, Vals: []types.Value{types.IntV(1)}})}); err == nil {
		t.Error("null map key must fail by default")
	}
}

func mustEnc(t *testing.T, s *engine.TableSpec, c []Column) Encoder {
	e, err := NewEncoder(s, c, "value.")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestJSONEncodeKsql(t *testing.T) {
	c := cols("WINDOW_START", types.TTSLTZ3, "DAY", types.TDate, "TM", types.TTime, "TOTAL", types.TInt, "AVG", types.TDouble)
	got := encode(t, spec("ksql", "value.format", "json"), c, "value.", types.TimestampLTZV(1526075913000000),
		types.DateV(3), types.TimeV(1_500_000), types.IntV(60), types.DoubleV(20))
	if want := `{"WINDOW_START":1526075913000,"DAY":3,"TM":1500,"TOTAL":60,"AVG":20.0}`; got != want {
		t.Errorf("got %s want %s", got, want)
	}
	un := spec("ksql", "value.format", "json", "wrap.single.value", "false")
	if got := encode(t, un, cols("V", types.TString), "value.", types.StringV("world")); got != `"world"` {
		t.Errorf("unwrapped: %s", got)
	}
	if got := encode(t, un, cols("V", types.TString), "value.", types.Value{}); got != "<null>" {
		t.Errorf("unwrapped null: %s", got)
	}
}

func TestCSV(t *testing.T) {
	c := cols("a", types.TInt, "b", types.TString, "ts", types.TTS3, "arr", types.ArrayOf(types.TInt))
	s := spec("flink", "format", "csv")
	row, err := decode(t, s, c, "value.", "1,\"x,\"\"y\"\"\",2026-11-23 23:09:45.5,1;2\n")
	if err != nil {
		t.Fatal(err)
	}
	if row[0] != types.IntV(1) || row[1] != types.StringV(`x,"y"`) || row[2] != types.TimestampV(mustTS(t, "2026-11-23 23:09:45.5")) || len(row[3].Elems()) != 2 {
		t.Fatalf("got %v", row)
	}
	row, err = decode(t, s, c, "value.", ",,")
	if err != nil || !row[0].IsNull() || row[1] != types.StringV("") || !row[2].IsNull() || !row[3].IsNull() {
		t.Fatalf("empty fields: %v %v", row, err)
	}
	if _, err := decode(t, s, c, "value.", "1,2,3,4,5"); err == nil {
		t.Error("too many fields must fail")
	}
	if got := encode(t, s, c, "value.", types.IntV(1), types.StringV("a,b"), types.TimestampV(mustTS(t, "2026-11-23 23:09:45")), types.Value{}); got != `1,"a,b",2026-11-23 23:09:45,` {
		t.Errorf("encode: %s", got)
	}
	ns := spec("flink", "format", "csv", "csv.field-delimiter", `\t`, "csv.null-literal", "NULL")
	row, err = decode(t, ns, c, "value.", "NULL\tx")
	if err != nil || !row[0].IsNull() || row[1] != types.StringV("x") {
		t.Fatalf("tab/null literal: %v %v", row, err)
	}
	cm := spec("flink", "format", "csv", "csv.allow-comments", "true")
	if _, err := decode(t, cm, c, "value.", "# hello"); !errors.Is(err, ErrSkip) {
		t.Errorf("comment: %v", err)
	}
	// ksqlDB DELIMITED: exact field count, empty is NULL, custom delimiter.
	k := spec("ksql", "value.format", "delimited", "value.delimiter", "|")
	kc := cols("ID", types.TBigInt, "NAME", types.TString, "TS", types.TTSLTZ3)
	row, err = decode(t, k, kc, "value.", "120||1526075913000")
	if err != nil || row[0] != types.BigIntV(120) || !row[1].IsNull() || row[2] != types.TimestampLTZV(1526075913000000) {
		t.Fatalf("delimited: %v %v", row, err)
	}
	if _, err := decode(t, k, kc, "value.", "120|bob"); err == nil {
		t.Error("DELIMITED with a missing field must fail")
	}
	if got := encode(t, k, kc, "value.", types.BigIntV(1), types.StringV("a|b"), types.TimestampLTZV(1000)); got != `1|"a|b"|1` {
		t.Errorf("delimited encode: %s", got)
	}
	// Commons CSV's minimal quoting: a leading character up to '#' or a
	// trailing one up to ' '; an empty string only as the first field.
	ks := cols("A", types.TString, "B", types.TString, "C", types.TString, "D", types.TString)
	d := spec("ksql", "value.format", "delimited")
	if got := encode(t, d, ks, "value.", types.StringV("x"), types.StringV("\tx"), types.StringV("y "), types.StringV("")); got != "x,\"\tx\",\"y \"," {
		t.Errorf("delimited quoting: %q", got)
	}
}

func TestRawAndKafka(t *testing.T) {
	k := spec("ksql", "key.format", "kafka", "value.format", "kafka")
	for _, tc := range []struct {
		typ types.Type
		v   types.Value
		enc string
	}{
		{types.TInt, types.IntV(-2), "\xff\xff\xff\xfe"},
		{types.TBigInt, types.BigIntV(1), "\x00\x00\x00\x00\x00\x00\x00\x01"},
		{types.TDouble, types.DoubleV(1), "\x3f\xf0\x00\x00\x00\x00\x00\x00"},
		{types.TString, types.StringV("héllo"), "héllo"},
	} {
		c := cols("K", tc.typ)
		if got := encode(t, k, c, "key.", tc.v); got != tc.enc {
			t.Errorf("%s: encode %q want %q", tc.typ, got, tc.enc)
		}
		row, err := decode(t, k, c, "key.", tc.enc)
		if err != nil || row[0] != tc.v {
			t.Errorf("%s: decode %v %v", tc.typ, row, err)
		}
	}
	if _, err := decode(t, k, cols("K", types.TInt), "key.", "abc"); err == nil {
		t.Error("short INT must fail")
	}
	if _, err := NewDecoder(k, cols("K", types.TBool), "key."); err == nil {
		t.Error("KAFKA BOOLEAN must be refused")
	}
	r := spec("flink", "format", "raw", "raw.endianness", "little-endian")
	if got := encode(t, r, cols("v", types.TInt), "value.", types.IntV(1)); got != "\x01\x00\x00\x00" {
		t.Errorf("little-endian: %q", got)
	}
	if _, err := NewDecoder(spec("flink", "format", "raw"), cols("a", types.TInt, "b", types.TInt), "value."); err == nil {
		t.Error("raw with two columns must be refused")
	}
	row, err := decode(t, spec("flink", "format", "raw"), cols("v", types.TString), "value.", "")
	if err != nil || row[0] != types.StringV("") {
		t.Errorf("raw empty string: %v %v", row, err)
	}
	d, _ := NewDecoder(spec("flink", "format", "raw"), cols("v", types.TString), "value.")
	row = []types.Value{types.IntV(1)}
	if err := d.Decode(nil, row); err != nil || !row[0].IsNull() {
		t.Errorf("raw null: %v %v", row, err)
	}
}

func TestIntern(t *testing.T) {
	in := newInterner()
	a := in.get([]byte("Paid"))
	b := in.get([]byte("Paid"))
	if a != b || in.hits != 1 {
		t.Fatal("interning failed")
	}
	for i := 0; i < internWindow; i++ {
		in.get([]byte(strings.Repeat("x", i%60) + string(rune('a'+i%26)) + string(rune(i))))
	}
	if !in.off {
		t.Error("interner should switch off for unique values")
	}
}

// FuzzJSONDecode checks that no input makes the decoder panic.
func FuzzJSONDecode(f *testing.F) {
	for _, s := range []string{seedRecord, `{"a":[1,{"b":"\u00e9"}],"m":{"x":1}}`, `{"event_timestamp":"2026-11-23T23:09:46Z"}`, `"\ud800"`, `{`, `[[[[`} {
		f.Add([]byte(s))
	}
	c := append(seedCols(), Column{Name: "a", Type: types.ArrayOf(types.TString), Pos: 5},
		Column{Name: "m", Type: types.MapOf(types.TString, types.TDouble), Pos: 6})
	dec, err := NewDecoder(spec("flink", "format", "json"), c, "value.")
	if err != nil {
		f.Fatal(err)
	}
	kdec, _ := NewDecoder(spec("ksql", "value.format", "json", "wrap.single.value", "false"), cols("V", types.ArrayOf(types.TBigInt)), "value.")
	row := make([]types.Value, len(c))
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = dec.Decode(b, row)
		_ = kdec.Decode(b, row)
	})
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"5 min": "5m0s", "10s": "10s", "100 ms": "100ms", "1 h": "1h0m0s", "2 days": "48h0m0s", "250": "250ms", "0": "0s"} {
		d, err := ParseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("%q: %v %v", in, d, err)
		}
	}
	for _, in := range []string{"", "x", "5 fortnights", "-1 s"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// Flink's ignore-parse-errors: a value of the wrong type is NULL (at any
// nesting level) and the row is kept; text that is not JSON fails the
// record, which the source then skips and counts.
func TestJSONIgnoreParseErrorsNullsBadFields(t *testing.T) {
	c := cols("a", types.TInt, "b", types.TString, "ts", types.TTS3, "arr", types.ArrayOf(types.TInt),
		"k", types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "x", Type: types.TInt}, {Name: "y", Type: types.TString}}})
	s := spec("flink", "format", "json", "json.ignore-parse-errors", "true")
	row, err := decode(t, s, c, "value.", `{"a": "x1", "b": "kept", "ts": "not a time", "arr": [1, "two", 3], "k": {"x": {"deep": 1}, "y": "ok"}}`)
	if err != nil {
		t.Fatalf("a bad field must not drop the row: %v", err)
	}
	want := []string{"NULL", "kept", "NULL", "[1, NULL, 3]", "(NULL, ok)"}
	for i, w := range want {
		if got := row[i].String(); got != w {
			t.Errorf("column %s: got %s, want %s", c[i].Name, got, w)
		}
	}
	for _, bad := range []string{`not json`, `{"a": 1, "b": `, `{"a": [1, 2 3]}`, `{"a": 1} trailing`} {
		if _, err := decode(t, s, c, "value.", bad); err == nil {
			t.Errorf("%q: a record that is not JSON must fail (to be skipped and counted)", bad)
		}
	}
	// Without the option the bad field fails the record.
	if _, err := decode(t, spec("flink", "format", "json"), c, "value.", `{"a": "x1"}`); err == nil {
		t.Error("without ignore-parse-errors a bad field must fail the record")
	}
	// ksqlDB keeps its own rule: a bad field drops the record (logged).
	if _, err := decode(t, spec("ksql", "format", "json", "json.ignore-parse-errors", "true"), c, "value.", `{"a": "x1"}`); err == nil {
		t.Error("ksqlDB: a bad field must fail the record")
	}
}

func TestCSVIgnoreParseErrorsNullsBadFields(t *testing.T) {
	c := cols("a", types.TInt, "b", types.TString, "c", types.TDouble)
	row, err := decode(t, spec("flink", "format", "csv", "csv.ignore-parse-errors", "true"), c, "value.", "x1,kept,2.5\n")
	if err != nil {
		t.Fatalf("a bad field must not drop the row: %v", err)
	}
	if !row[0].IsNull() || row[1].S != "kept" || row[2].Float() != 2.5 {
		t.Errorf("got %v", row)
	}
	if _, err := decode(t, spec("flink", "format", "csv"), c, "value.", "x1,kept,2.5\n"); err == nil {
		t.Error("without ignore-parse-errors a bad field must fail the record")
	}
}
