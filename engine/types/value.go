package types

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Value is one SQL value. It is a small struct rather than an interface so
// rows can be stored and copied without boxing. What I holds depends on K:
//
//	Boolean            0 or 1
//	TinyInt..BigInt    the integer
//	Decimal            the unscaled integer; Scale holds the scale
//	Float, Double      math.Float64bits of the number
//	Date               days since 1970-01-01
//	Time               microseconds since midnight
//	Timestamp          microseconds since 1970-01-01 00:00:00 of the wall clock
//	TimestampLTZ       microseconds since the Unix epoch (UTC)
//	IntervalDayTime    microseconds
//	IntervalYearMonth  months
//
// String and Bytes use S; Array and Row use X ([]Value); Map uses X (*MapValue).
// The zero Value is SQL NULL.
type Value struct {
	K     Kind
	Scale uint8
	I     int64
	S     string
	X     any
}

// MapValue is the payload of a MAP value: keys and values in insertion order.
type MapValue struct {
	Keys, Vals []Value
}

// Row is one row of values.
type Row []Value

// NullValue is SQL NULL.
var NullValue = Value{}

// Constructors.
func BoolV(b bool) Value {
	if b {
		return Value{K: Boolean, I: 1}
	}
	return Value{K: Boolean}
}
func IntV(i int64) Value          { return Value{K: Int, I: i} }
func BigIntV(i int64) Value       { return Value{K: BigInt, I: i} }
func IntOf(k Kind, i int64) Value { return Value{K: k, I: i} }
func DoubleV(f float64) Value     { return Value{K: Double, I: int64(math.Float64bits(f))} }
func FloatV(f float64) Value      { return Value{K: Float, I: int64(math.Float64bits(float64(float32(f))))} }
func StringV(s string) Value      { return Value{K: String, S: s} }
func BytesV(b []byte) Value       { return Value{K: Bytes, S: string(b)} }
func DecimalV(unscaled int64, scale int) Value {
	return Value{K: Decimal, I: unscaled, Scale: uint8(scale)}
}
func TimestampV(micros int64) Value    { return Value{K: Timestamp, I: micros} }
func TimestampLTZV(micros int64) Value { return Value{K: TimestampLTZ, I: micros} }
func DateV(days int64) Value           { return Value{K: Date, I: days} }
func TimeV(micros int64) Value         { return Value{K: Time, I: micros} }
func IntervalV(micros int64) Value     { return Value{K: IntervalDayTime, I: micros} }
func MonthsV(m int64) Value            { return Value{K: IntervalYearMonth, I: m} }
func ArrayV(elems []Value) Value       { return Value{K: Array, X: elems} }
func StructV(fields []Value) Value     { return Value{K: Struct, X: fields} }
func MapV(m *MapValue) Value           { return Value{K: Map, X: m} }

// IsNull reports whether v is SQL NULL.
func (v Value) IsNull() bool { return v.K == Null }

// Bool returns the boolean; NULL is false.
func (v Value) Bool() bool { return v.I != 0 && v.K == Boolean }

// Float returns the value as a float64 (numerics only).
func (v Value) Float() float64 {
	switch v.K {
	case Float, Double:
		return math.Float64frombits(uint64(v.I))
	case Decimal:
		return float64(v.I) / pow10f(int(v.Scale))
	default:
		return float64(v.I)
	}
}

// Int returns the value as an int64, truncating fractions.
func (v Value) Int() int64 {
	switch v.K {
	case Float, Double:
		return int64(math.Float64frombits(uint64(v.I)))
	case Decimal:
		return v.I / pow10i(int(v.Scale))
	default:
		return v.I
	}
}

// Elems returns the elements of an ARRAY or ROW value.
func (v Value) Elems() []Value {
	if e, ok := v.X.([]Value); ok {
		return e
	}
	return nil
}

// MapVal returns the payload of a MAP value.
func (v Value) MapVal() *MapValue {
	if m, ok := v.X.(*MapValue); ok {
		return m
	}
	return nil
}

func pow10f(n int) float64 { return math.Pow10(n) }

var pow10tab = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
	1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000}

func pow10i(n int) int64 {
	if n < 0 {
		return 1
	}
	if n >= len(pow10tab) {
		return pow10tab[len(pow10tab)-1]
	}
	return pow10tab[n]
}

// Pow10 returns 10^n as an int64 (n <= 18).
func Pow10(n int) int64 { return pow10i(n) }

// Rescale changes the scale of a decimal's unscaled value, rounding half up.
func Rescale(unscaled int64, from, to int) int64 {
	switch {
	case to == from:
		return unscaled
	case to > from:
		return unscaled * pow10i(to-from)
	default:
		d := pow10i(from - to)
		q, r := unscaled/d, unscaled%d
		if r*2 >= d {
			q++
		} else if r*2 <= -d {
			q--
		}
		return q
	}
}

// FormatDecimal renders an unscaled decimal with scale digits after the point.
func FormatDecimal(unscaled int64, scale int) string {
	neg := unscaled < 0
	u := uint64(unscaled)
	if neg {
		u = uint64(-unscaled)
	}
	s := strconv.FormatUint(u, 10)
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseDecimal parses text into an unscaled value at the given scale.
func ParseDecimal(s string, scale int) (int64, error) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if e := strings.IndexAny(s, "eE"); e >= 0 {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid decimal %q", s)
		}
		u := int64(math.Round(f * pow10f(scale)))
		if neg {
			u = -u
		}
		return u, nil
	}
	intPart, frac := s, ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	if intPart == "" && frac == "" {
		return 0, fmt.Errorf("invalid decimal %q", s)
	}
	roundUp := false
	if len(frac) > scale {
		roundUp = frac[scale] >= '5'
		frac = frac[:scale]
	}
	for len(frac) < scale {
		frac += "0"
	}
	digits := intPart + frac
	if digits == "" {
		digits = "0"
	}
	u, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid decimal %q", s)
	}
	if roundUp {
		u++
	}
	if neg {
		u = -u
	}
	return u, nil
}

// String renders v in SQL-ish text (used for printing and debugging).
func (v Value) String() string {
	switch v.K {
	case Null:
		return "NULL"
	case Boolean:
		if v.I != 0 {
			return "TRUE"
		}
		return "FALSE"
	case TinyInt, SmallInt, Int, BigInt:
		return strconv.FormatInt(v.I, 10)
	case Decimal:
		return FormatDecimal(v.I, int(v.Scale))
	case Float:
		return FormatFloat(v.Float(), 32)
	case Double:
		return FormatFloat(v.Float(), 64)
	case String, Bytes:
		return v.S
	case Date:
		return FormatDate(v.I)
	case Time:
		return FormatTime(v.I, 0)
	case Timestamp, TimestampLTZ:
		return FormatTimestamp(v.I, 3, ' ')
	case IntervalDayTime:
		return FormatIntervalDayTime(v.I)
	case IntervalYearMonth:
		return fmt.Sprintf("%+d-%02d", v.I/12, abs(v.I%12))
	case Array:
		parts := make([]string, 0, len(v.Elems()))
		for _, e := range v.Elems() {
			parts = append(parts, e.String())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Struct:
		parts := make([]string, 0, len(v.Elems()))
		for _, e := range v.Elems() {
			parts = append(parts, e.String())
		}
		return "(" + strings.Join(parts, ", ") + ")"
	case Map:
		m := v.MapVal()
		parts := make([]string, 0, len(m.Keys))
		for i := range m.Keys {
			parts = append(parts, m.Keys[i].String()+"="+m.Vals[i].String())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprintf("?%d", v.K)
}

func abs(i int64) int64 {
	if i < 0 {
		return -i
	}
	return i
}

// FormatFloat renders a float the way Java's Double.toString does for
// common values: integers keep a trailing ".0", exponents use "E".
func FormatFloat(f float64, bits int) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-3 || a >= 1e7) {
		s := strconv.FormatFloat(f, 'E', -1, bits)
		// Java: 1.0E7, Go: 1E+07
		mant, exp, _ := strings.Cut(s, "E")
		if !strings.Contains(mant, ".") {
			mant += ".0"
		}
		e, _ := strconv.Atoi(exp)
		return mant + "E" + strconv.Itoa(e)
	}
	s := strconv.FormatFloat(f, 'f', -1, bits)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

// FormatIntervalDayTime renders micros as Flink prints INTERVAL SECOND: +0 00:00:03.000.
func FormatIntervalDayTime(us int64) string {
	sign := "+"
	if us < 0 {
		sign = "-"
		us = -us
	}
	ms := us / 1000
	d := ms / 86400000
	ms %= 86400000
	return fmt.Sprintf("%s%d %02d:%02d:%02d.%03d", sign, d, ms/3600000, ms/60000%60, ms/1000%60, ms%1000)
}

// Compare orders two non-null values of compatible kinds: -1, 0 or 1.
// NULL sorts first.
func Compare(a, b Value) int {
	if a.K == Null || b.K == Null {
		switch {
		case a.K == Null && b.K == Null:
			return 0
		case a.K == Null:
			return -1
		default:
			return 1
		}
	}
	switch {
	case a.K == String || a.K == Bytes || b.K == String || b.K == Bytes:
		return strings.Compare(a.S, b.S)
	case a.K == Decimal && b.K == Decimal:
		s := int(max(a.Scale, b.Scale))
		return cmpInt(Rescale(a.I, int(a.Scale), s), Rescale(b.I, int(b.Scale), s))
	case a.K == Float || a.K == Double || b.K == Float || b.K == Double || a.K == Decimal || b.K == Decimal:
		fa, fb := a.Float(), b.Float()
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	case a.K == Array || a.K == Struct:
		ea, eb := a.Elems(), b.Elems()
		for i := 0; i < len(ea) && i < len(eb); i++ {
			if c := Compare(ea[i], eb[i]); c != 0 {
				return c
			}
		}
		return cmpInt(int64(len(ea)), int64(len(eb)))
	case a.K == Map && b.K == Map:
		return compareMaps(a.MapVal(), b.MapVal())
	default:
		return cmpInt(a.I, b.I)
	}
}

// compareMaps orders maps by size, then by their entries in key order:
// two maps are equal when they hold the same keys with equal values,
// whatever order their entries came in.
func compareMaps(a, b *MapValue) int {
	var na, nb int
	if a != nil {
		na = len(a.Keys)
	}
	if b != nil {
		nb = len(b.Keys)
	}
	if c := cmpInt(int64(na), int64(nb)); c != 0 || na == 0 {
		return c
	}
	sorted := func(m *MapValue) []int {
		idx := make([]int, len(m.Keys))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(i, j int) int { return Compare(m.Keys[i], m.Keys[j]) })
		return idx
	}
	ia, ib := sorted(a), sorted(b)
	for i := range ia {
		if c := Compare(a.Keys[ia[i]], b.Keys[ib[i]]); c != 0 {
			return c
		}
	}
	for i := range ia {
		if c := Compare(a.Vals[ia[i]], b.Vals[ib[i]]); c != 0 {
			return c
		}
	}
	return 0
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Equal reports SQL equality of two non-null values (NULL = NULL is true here;
// callers handle three-valued logic).
func Equal(a, b Value) bool { return Compare(a, b) == 0 }

// AppendKey appends a binary encoding of v to buf such that two values have
// the same encoding exactly when they are equal. It is used for group keys.
func AppendKey(buf []byte, v Value) []byte {
	buf = append(buf, byte(v.K))
	switch v.K {
	case Null:
	case String, Bytes:
		buf = binary.AppendUvarint(buf, uint64(len(v.S)))
		buf = append(buf, v.S...)
	case Array, Struct:
		e := v.Elems()
		buf = binary.AppendUvarint(buf, uint64(len(e)))
		for _, x := range e {
			buf = AppendKey(buf, x)
		}
	case Map:
		m := v.MapVal()
		buf = binary.AppendUvarint(buf, uint64(len(m.Keys)))
		for i := range m.Keys {
			buf = AppendKey(buf, m.Keys[i])
			buf = AppendKey(buf, m.Vals[i])
		}
	case Decimal:
		buf = append(buf, v.Scale)
		buf = binary.AppendVarint(buf, v.I)
	default:
		buf = binary.AppendVarint(buf, v.I)
	}
	return buf
}
