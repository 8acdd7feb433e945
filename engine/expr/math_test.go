package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

func TestMathFunctions(t *testing.T) {
	runCases(t, flat(
		// ROUND: ksqlDB's ROUND(DOUBLE) is a BIGINT and ties go up; Flink's
		// ties go away from zero; both round the decimal text of a double.
		k("ROUND", "2", 1.5),
		k("ROUND", "-1", -1.5),
		k("ROUND", "-2", -1.7),
		k("ROUND", "12346", 12345.678),
		k("ROUND", "1.0", 1.2, 0),
		k("ROUND", "12345.68", 12345.678, 2),
		k("ROUND", "-12345.7", -12345.678, 1),
		k("ROUND", "-12350.0", -12345.678, -1),
		k("ROUND", "-12300.0", -12345.678, -2),
		k("ROUND", "0.0", 1.2, -1),
		k("ROUND", "110.0", 111.0, -1),
		k("ROUND", "1.234567", 1.234567, 10),
		k("ROUND", "-1.2", -1.25, 1),
		f("ROUND", "-1.3", -1.25, 1),
		f("ROUND", "-2.0", -1.5, 0),
		f("ROUND", "2.0", 1.5),
		both("ROUND", "1.01", 1.005, 2),
		both("ROUND", "NULL", nil),
		both("ROUND", "NULL", 1.5, nil),
		k("ROUND", "1.30", dec("1.25", 3, 2), 1),
		k("ROUND", "-1.20", dec("-1.25", 3, 2), 1),
		f("ROUND", "-1.3", dec("-1.25", 3, 2), 1),
		k("ROUND", "-1", dec("-1.5", 2, 1)),
		f("ROUND", "-2", dec("-1.5", 2, 1)),
		k("ROUND", "-1", dec("-1.4", 2, 1)),
		k("ROUND", "120.00", dec("123.45", 5, 2), -1),
		both("ROUND", "120", 123, -1),
		k("ROUND", "130", 125, -1),
		k("ROUND", "-120", -125, -1),
		f("ROUND", "-130", -125, -1),

		// SIGN: ksqlDB gives an INTEGER, Flink the argument's type.
		k("SIGN", "-1", -3.0),
		f("SIGN", "-1.0", -3.0),
		both("SIGN", "0", 0),
		both("SIGN", "1", int64(7)),
		f("SIGN", "-1.0", dec("-2.5", 2, 1)),

		// logarithms: LOG(x) is the natural logarithm in both dialects
		// (ksqlDB's documentation says base 10, its tests and code do not).
		k("LOG", "4.605170185988092", 100.0),
		f("LOG", "1.0", 2.718281828459045),
		k("LOG", "0.9471572411831843", 15, 13),
		k("LOG", "NaN", 1, 13),
		k("LOG", "NaN", 0, 13),
		k("LOG", "NaN", -15, 13),
		k("LOG", "-Infinity", 15, 0),
		k("LOG", "NaN", 15, -13),
		k("LOG", "0.0", 15, 1),
		k("LOG", "2.5649493574615367", 13),
		k("LOG", "NaN", -13),
		k("LOG", "-Infinity", 0),
		both("LN", "-Infinity", 0),
		both("LN", "NaN", -1),
		both("LN", "0.6931471805599453", int64(2)),
		both("SQRT", "NaN", -1),
		both("SQRT", "1.4142135623730951", 2),
		both("EXP", "2.718281828459045", 1),
		both("EXP", "0.36787944117144233", -1),
		both("EXP", "20.085536923187668", 3.0),
		both("COT", "Infinity", 0),
		both("CBRT", "-2.0", -8),
		both("CBRT", "1.4422495703074083", int64(3)),
		both("POWER", "0.06666666666666667", 15, -1),
		both("POWER", "1.946195068359375E15", 15, 13),
		both("POWER", "1.0", 0, 0),
		both("POWER", "NULL", nil, 2),
		both("PI", "3.141592653589793"),
		f("E", "2.718281828459045"),
		both("ACOS", "NaN", 2),
		both("ASIN", "0.0", 0),
		both("ATAN2", "0.0", 0, 3),
		both("DEGREES", "180.0", 3.141592653589793),
		both("RADIANS", "3.141592653589793", 180),
		both("SINH", "0.0", 0),
		both("COSH", "1.0", 0),
		both("TANH", "0.0", 0),

		// FLOOR / CEIL keep integers, DOUBLEs stay DOUBLE.
		both("FLOOR", "-2.0", -1.5),
		both("FLOOR", "1", 1),
		both("CEIL", "2.0", 1.1),
		both("CEIL", "-1.0", -1.7),
		both("CEILING", "-1.0", -1.1),
		f("FLOOR", "-2", dec("-1.5", 2, 1)),
		f("CEIL", "2", dec("1.1", 2, 1)),
		k("FLOOR", "-2.0", dec("-1.5", 2, 1)),
		k("CEIL", "2.0", dec("1.1", 2, 1)),
		k("CEIL", "-1.0", dec("-1.7", 2, 1)),
		both("FLOOR", "NULL", nil),

		// TRUNCATE
		f("TRUNCATE", "42.32", 42.324, 2),
		f("TRUNCATE", "42.0", 42.324),
		f("TRUNCATE", "-42.0", -42.5),
		f("TRUNCATE", "120", 123, -1),
		f("TRUNCATE", "1.2", dec("1.29", 3, 2), 1),
		f("TRUNCATE", "-1.2", dec("-1.29", 3, 2), 1),
		k("TRUNC", "1.0", 1.99),

		// ABS, MOD
		both("ABS", "3", -3),
		both("ABS", "3.2", dec("-3.2", 2, 1)),
		both("ABS", "3.1", -3.1),
		both("ABS", "NULL", nil),
		both("MOD", "1", 7, 3),
		f("MOD", "-1", -7, 3),

		// GREATEST / LEAST: ksqlDB skips NULLs.
		k("GREATEST", "3", 1, nil, 3),
		f("GREATEST", "NULL", 1, nil, 3),
		both("LEAST", "1", 2, 1, 3),
		k("LEAST", "a", "b", "a", nil),
		k("GREATEST", "NULL", typed(types.TInt), typed(types.TInt)),
		both("GREATEST", "2.5", 1, 2.5),
		k("GREATEST", "2147483647", 2147483647, -2147483648, typed(types.TInt), nil, 5),
		k("GREATEST", "ERROR", 1, int64(2)),
		k("GREATEST", "2.5", 1, int64(2), dec("1.5", 2, 1), 2.5),
		k("GREATEST", "1234567.890000", dec("1234567.89", 9, 2), dec("0.123456", 7, 6)),
		k("GREATEST", "ERROR", nil, nil),
		k("GREATEST", "ERROR"),
		k("GREATEST", "ERROR", "a", 1),
		k("GREATEST", "hello", "apple", nil, "hello"),
		k("GREATEST", "2022-06-14", days(18824), typed(types.TDate), "2022-06-14"),
		k("GREATEST", "2022-07-14", days(19187), "2022-06-14"),
		k("GREATEST", "09:16:00.000", timeMillis(23361230), "09:16:00"),
		k("GREATEST", "2022-06-14 00:00:00.000", tsMillis(1626393600000), "2022-06-14"),
		k("GREATEST", "0x7a65627261", bytesOf("zebra"), bytesOf("aardvark")),
		f("GREATEST", "2", 1, int64(2)),
	))
}

func TestMathResultTypes(t *testing.T) {
	for _, c := range []struct {
		ksql bool
		name string
		args []any
		want string
	}{
		{true, "ROUND", []any{1.5}, "BIGINT"},
		{true, "ROUND", []any{1.5, 1}, "DOUBLE"},
		{false, "ROUND", []any{1.5}, "DOUBLE"},
		{true, "ROUND", []any{dec("1.5", 33, 16)}, "DECIMAL(17, 0)"},
		{true, "ROUND", []any{dec("1.5", 33, 16), 2}, "DECIMAL(33, 16)"},
		{false, "ROUND", []any{dec("1.55", 5, 2), 1}, "DECIMAL(5, 1)"},
		{true, "SIGN", []any{1.5}, "INT"},
		{false, "SIGN", []any{1.5}, "DOUBLE"},
		{true, "EXP", []any{1}, "DOUBLE"},
		{true, "CEIL", []any{dec("1.5", 2, 1)}, "DECIMAL(2, 1)"},
		{false, "CEIL", []any{dec("1.5", 2, 1)}, "DECIMAL(2, 0)"},
		{false, "FLOOR", []any{1}, "INT"},
		{true, "GREATEST", []any{dec("1.5", 9, 2), dec("1.5", 7, 6)}, "DECIMAL(13, 6)"},
		{true, "GREATEST", []any{1, 2.5}, "DOUBLE"},
		{false, "GREATEST", []any{1, int64(2)}, "BIGINT"},
		{false, "TRUNCATE", []any{dec("1.55", 5, 2), 1}, "DECIMAL(5, 1)"},
	} {
		_, typ := call(c.ksql, c.name, c.args...)
		if typ.String() != c.want {
			t.Errorf("%s%v: type %s, want %s", c.name, c.args, typ, c.want)
		}
	}
}

func TestRandom(t *testing.T) {
	eval := func(name string, args ...Expr) types.Value {
		e, err := NewFunc(name, args, &Env{})
		if err != nil {
			t.Fatal(err)
		}
		return e.Eval(nil)
	}
	for i := 0; i < 1000; i++ {
		if f := eval("RANDOM").Float(); f < 0 || f >= 1 {
			t.Fatalf("RANDOM() = %v", f)
		}
		if n := eval("RAND_INTEGER", NewConst(types.IntV(10), types.TInt)).I; n < 0 || n >= 10 {
			t.Fatalf("RAND_INTEGER(10) = %d", n)
		}
	}
	seed := NewConst(types.IntV(42), types.TInt)
	if a, b := eval("RAND", seed).Float(), eval("RAND", seed).Float(); a != b {
		t.Errorf("RAND(42) at two call sites: %v and %v", a, b)
	}
	if IsDeterministic("RAND") {
		t.Error("RAND must not be constant-folded")
	}
}
