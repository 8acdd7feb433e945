package expr

import (
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// tv is a typed test value.
type tv struct {
	v types.Value
	t types.Type
}

func lit(x any) tv {
	switch x := x.(type) {
	case nil:
		return tv{types.NullValue, types.TNull}
	case tv:
		return x
	case string:
		return tv{types.StringV(x), types.TString}
	case int:
		return tv{types.IntV(int64(x)), types.TInt}
	case int64:
		return tv{types.BigIntV(x), types.TBigInt}
	case float64:
		return tv{types.DoubleV(x), types.TDouble}
	case bool:
		return tv{types.BoolV(x), types.TBool}
	}
	panic(fmt.Sprintf("lit: %T", x))
}

// typed is a NULL of type t.
func typed(t types.Type) tv { return tv{types.NullValue, t} }

func conv(x any, t types.Type) types.Value {
	l := lit(x)
	if l.v.IsNull() || l.t.Kind == t.Kind {
		return l.v
	}
	c, err := Converter(l.t, t, &Env{Loc: time.UTC})
	if err != nil {
		panic(err)
	}
	v, ok := c(l.v)
	if !ok {
		panic(fmt.Sprintf("cannot convert %v to %s", x, t))
	}
	return v
}

func arrOf(et types.Type, xs ...any) tv {
	out := make([]types.Value, len(xs))
	for i, x := range xs {
		out[i] = conv(x, et)
	}
	return tv{types.ArrayV(out), types.ArrayOf(et)}
}

func mapOf(kt, vt types.Type, kvs ...any) tv {
	m := &types.MapValue{}
	for i := 0; i < len(kvs); i += 2 {
		m.Keys = append(m.Keys, conv(kvs[i], kt))
		m.Vals = append(m.Vals, conv(kvs[i+1], vt))
	}
	return tv{types.MapV(m), types.MapOf(kt, vt)}
}

func dec(s string, p, sc int) tv {
	u, err := types.ParseDecimal(s, sc)
	if err != nil {
		panic(err)
	}
	return tv{types.DecimalV(u, sc), types.DecimalType(p, sc)}
}

func date(s string) tv {
	d, err := types.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return tv{types.DateV(d), types.TDate}
}

func days(n int64) tv { return tv{types.DateV(n), types.TDate} }

func ts(s string) tv {
	us, err := types.ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return tv{types.TimestampV(us), types.TTS3}
}

func tsMillis(ms int64) tv { return tv{types.TimestampV(ms * 1000), types.TTS3} }

func timeOf(s string) tv {
	us, err := types.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return tv{types.TimeV(us), types.TTime}
}

func timeMillis(ms int64) tv { return tv{types.TimeV(ms * 1000), types.TTime} }

func bytesOf(s string) tv { return tv{types.BytesV([]byte(s)), types.TBytes} }

// render shows a result for comparison: strings as they are, NULL as NULL,
// collections as JSON, temporal values as text.
func render(v types.Value, t types.Type) string {
	switch v.K {
	case types.Null:
		return "NULL"
	case types.String:
		return v.S
	case types.Bytes:
		return "0x" + hex.EncodeToString([]byte(v.S))
	case types.Float, types.Double:
		return types.FormatFloat(v.Float(), 64)
	case types.Array, types.Map, types.Struct:
		return string(appendValueJSON(nil, v, t, TextJava))
	case types.Date:
		return types.FormatDate(v.I)
	case types.Time:
		return types.FormatTime(v.I, 3)
	case types.Timestamp, types.TimestampLTZ:
		return types.FormatTimestamp(v.I, 3, ' ')
	}
	return v.String()
}

// call builds name(args...) over constants and evaluates it; "ERROR: ..."
// for a planning error and "PANIC: ..." for an evaluation failure.
func call(ksql bool, name string, args ...any) (out string, t types.Type) {
	exprs := make([]Expr, len(args))
	for i, a := range args {
		l := lit(a)
		exprs[i] = NewConst(l.v, l.t)
	}
	e, err := NewFunc(name, exprs, testEnv(ksql, time.UTC))
	if err != nil {
		return "ERROR: " + err.Error(), types.Type{}
	}
	defer func() {
		if r := recover(); r != nil {
			out = fmt.Sprintf("PANIC: %v", r)
		}
	}()
	return render(e.Eval(nil), e.Type()), e.Type()
}

type fcase struct {
	ksql bool
	name string
	args []any
	want string
}

// k and f make ksqlDB and Flink cases.
func k(name string, want string, args ...any) fcase { return fcase{true, name, args, want} }
func f(name string, want string, args ...any) fcase { return fcase{false, name, args, want} }

// both makes the case for each dialect.
func both(name string, want string, args ...any) []fcase {
	return []fcase{k(name, want, args...), f(name, want, args...)}
}

func runCases(t *testing.T, cases []fcase) {
	t.Helper()
	for _, c := range cases {
		dialect := "flink"
		if c.ksql {
			dialect = "ksql"
		}
		got, _ := call(c.ksql, c.name, c.args...)
		if got != c.want && !(c.want == "ERROR" && len(got) > 6 && got[:6] == "ERROR:") {
			t.Errorf("%s %s%v = %q, want %q", dialect, c.name, c.args, got, c.want)
		}
	}
}

func flat(groups ...any) []fcase {
	var out []fcase
	for _, g := range groups {
		switch g := g.(type) {
		case fcase:
			out = append(out, g)
		case []fcase:
			out = append(out, g...)
		}
	}
	return out
}
