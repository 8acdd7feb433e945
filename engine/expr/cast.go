package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// CastExpr converts a value to type T. Try makes failures NULL (TRY_CAST,
// and every ksqlDB cast); otherwise a failure fails evaluation.
type CastExpr struct {
	X   Expr
	T   types.Type
	Try bool
	fn  func(types.Value) (types.Value, bool)
}

func (c *CastExpr) Eval(row types.Row) types.Value {
	v := c.X.Eval(row)
	if v.IsNull() {
		return v
	}
	out, ok := c.fn(v)
	if !ok {
		if c.Try {
			return types.NullValue
		}
		Fail("Cannot cast '%s' of type %s to %s", v.String(), c.X.Type(), c.T)
	}
	return out
}
func (c *CastExpr) Type() types.Type { return c.T }
func (c *CastExpr) String() string {
	name := "CAST"
	if c.Try {
		name = "TRY_CAST"
	}
	return name + "(" + c.X.String() + " AS " + c.T.String() + ")"
}

// NewCast builds a cast; it fails at planning time for impossible casts.
func NewCast(x Expr, to types.Type, try bool, env *Env) (Expr, error) {
	from := x.Type()
	fn, err := Converter(from, to, env)
	if err != nil {
		return nil, err
	}
	if from.Equal(to) || (from.Kind == to.Kind && sameShape(from, to)) {
		return x, nil
	}
	if !try {
		// CAST keeps its operand's nullability, as Calcite infers it.
		to.NotNull = from.NotNull
	}
	return &CastExpr{X: x, T: to, Try: try, fn: fn}, nil
}

func sameShape(a, b types.Type) bool {
	switch a.Kind {
	case types.Decimal:
		return a.Precision == b.Precision && a.Scale == b.Scale
	case types.Timestamp, types.TimestampLTZ:
		return a.Precision == b.Precision
	case types.String:
		return true
	case types.Array, types.Map, types.Struct:
		return a.Nullable().Equal(b.Nullable())
	}
	return true
}

// Converter returns the conversion function between two types.
func Converter(from, to types.Type, env *Env) (func(types.Value) (types.Value, bool), error) {
	if from.Kind == types.Null {
		return func(v types.Value) (types.Value, bool) { return types.NullValue, true }, nil
	}
	sem := env.sem()
	javaParse := sem.Text == TextJava // text read as Java parses it
	switch to.Kind {
	case types.String:
		if from.Kind == types.String {
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		}
		style := sem.Text
		return func(v types.Value) (types.Value, bool) {
			return types.StringV(ToText(v, from, style)), true
		}, nil
	case types.Bytes:
		if from.Kind == types.String || from.Kind == types.Bytes {
			return func(v types.Value) (types.Value, bool) { return types.Value{K: types.Bytes, S: v.S}, true }, nil
		}
	case types.Boolean:
		switch {
		case from.Kind == types.Boolean:
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		case from.Kind == types.String:
			return func(v types.Value) (types.Value, bool) {
				switch strings.ToLower(strings.TrimSpace(v.S)) {
				case "true", "t", "yes", "y", "1":
					return types.BoolV(true), true
				case "false", "f", "no", "n", "0":
					return types.BoolV(false), true
				}
				if javaParse {
					return types.BoolV(false), true // Boolean.parseBoolean
				}
				return types.Value{}, false
			}, nil
		case from.Kind.IsNumeric():
			return func(v types.Value) (types.Value, bool) { return types.BoolV(v.Float() != 0), true }, nil
		}
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		k := to.Kind
		switch {
		case from.Kind.IsInteger():
			return func(v types.Value) (types.Value, bool) { return types.IntOf(k, narrow(k, v.I)), true }, nil
		case from.Kind == types.Float || from.Kind == types.Double:
			return func(v types.Value) (types.Value, bool) {
				return types.IntOf(k, javaInt(k, v.Float())), true
			}, nil
		case from.Kind == types.Decimal:
			return func(v types.Value) (types.Value, bool) { return types.IntOf(k, narrow(k, v.Int())), true }, nil
		case from.Kind == types.Boolean:
			return func(v types.Value) (types.Value, bool) { return types.IntOf(k, v.I), true }, nil
		case from.Kind == types.String:
			return func(v types.Value) (types.Value, bool) {
				s := strings.TrimSpace(v.S)
				i, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					// Flink accepts "1.5" -> 1 for integers.
					f, ferr := strconv.ParseFloat(s, 64)
					if ferr != nil || javaParse {
						return types.Value{}, false
					}
					i = int64(f)
				}
				if narrow(k, i) != i {
					return types.Value{}, false
				}
				return types.IntOf(k, i), true
			}, nil
		case from.Kind == types.TimestampLTZ || from.Kind == types.Timestamp:
			// Flink: CAST(TIMESTAMP_LTZ AS BIGINT) gives epoch seconds.
			return func(v types.Value) (types.Value, bool) {
				return types.IntOf(k, floorDiv(v.I, types.MicrosPerSecond)), true
			}, nil
		}
	case types.Float, types.Double:
		k := to.Kind
		mk := func(f float64) types.Value {
			if k == types.Float {
				return types.FloatV(f)
			}
			return types.DoubleV(f)
		}
		switch {
		case from.Kind.IsNumeric():
			return func(v types.Value) (types.Value, bool) { return mk(v.Float()), true }, nil
		case from.Kind == types.Boolean:
			return func(v types.Value) (types.Value, bool) { return mk(float64(v.I)), true }, nil
		case from.Kind == types.String:
			return func(v types.Value) (types.Value, bool) {
				f, err := strconv.ParseFloat(strings.TrimSpace(v.S), 64)
				if err != nil {
					return types.Value{}, false
				}
				return mk(f), true
			}, nil
		}
	case types.Decimal:
		sc := to.Scale
		p := to.Precision
		overflowNull := sem.DecimalOverflow == OverflowIsNull
		// fit gives the decimal of unscaled u, or NULL (or a failure) when
		// it has more digits than the precision.
		fit := func(u int64) (types.Value, bool) {
			if p <= 0 || p >= 19 || (u < types.Pow10(p) && u > -types.Pow10(p)) {
				return types.DecimalV(u, sc), true
			}
			return types.NullValue, overflowNull
		}
		switch {
		case from.Kind.IsInteger():
			return func(v types.Value) (types.Value, bool) {
				if p > 0 && p < 19 && (v.I >= types.Pow10(p-sc) || v.I <= -types.Pow10(p-sc)) {
					// Too many digits, before scaling could overflow.
					return types.NullValue, overflowNull
				}
				return fit(v.I * types.Pow10(sc))
			}, nil
		case from.Kind == types.Decimal:
			return func(v types.Value) (types.Value, bool) {
				return fit(types.Rescale(v.I, int(v.Scale), sc))
			}, nil
		case from.Kind == types.Float || from.Kind == types.Double:
			return func(v types.Value) (types.Value, bool) {
				f := v.Float()
				if math.IsNaN(f) || math.IsInf(f, 0) {
					return types.Value{}, false
				}
				if p > 0 && p < 19 && math.Abs(f) >= float64(types.Pow10(p-sc)) {
					return types.NullValue, overflowNull
				}
				u, err := types.ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64), sc)
				if err != nil {
					return types.Value{}, false
				}
				return fit(u)
			}, nil
		case from.Kind == types.String:
			// Text too long for the precision fails, as Flink's parse
			// does ("Overflow."), where a number gives NULL.
			return func(v types.Value) (types.Value, bool) {
				u, err := types.ParseDecimal(v.S, sc)
				if err != nil {
					return types.Value{}, false
				}
				d, ok := fit(u)
				return d, ok && !d.IsNull()
			}, nil
		}
	case types.Timestamp, types.TimestampLTZ:
		k := to.Kind
		loc := env.Location()
		switch {
		case from.Kind == to.Kind:
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		case from.Kind == types.Timestamp && k == types.TimestampLTZ:
			return func(v types.Value) (types.Value, bool) {
				return types.TimestampLTZV(types.FromWallClock(v.I, loc)), true
			}, nil
		case from.Kind == types.TimestampLTZ && k == types.Timestamp:
			return func(v types.Value) (types.Value, bool) {
				return types.TimestampV(types.ToWallClock(v.I, loc)), true
			}, nil
		case from.Kind == types.Date:
			return func(v types.Value) (types.Value, bool) {
				us := v.I * types.MicrosPerDay
				if k == types.TimestampLTZ {
					us = types.FromWallClock(us, loc)
				}
				return types.Value{K: k, I: us}, true
			}, nil
		case from.Kind == types.String:
			return func(v types.Value) (types.Value, bool) {
				us, off, zoned, err := types.ParseTimestampZone(strings.TrimSpace(v.S))
				if err != nil {
					return types.Value{}, false
				}
				if k == types.TimestampLTZ {
					if zoned {
						us -= int64(off) * types.MicrosPerSecond
					} else {
						us = types.FromWallClock(us, loc)
					}
				}
				return types.Value{K: k, I: us}, true
			}, nil
		case from.Kind.IsInteger() && (k == types.TimestampLTZ || sem.EpochCast == EpochMillis):
			// epoch seconds (Flink) / millis (ksqlDB BIGINT -> TIMESTAMP)
			mul := int64(types.MicrosPerSecond)
			if sem.EpochCast == EpochMillis {
				mul = types.MicrosPerMilli
			}
			return func(v types.Value) (types.Value, bool) { return types.Value{K: k, I: v.I * mul}, true }, nil
		}
	case types.Date:
		loc := env.Location()
		switch from.Kind {
		case types.Date:
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		case types.Timestamp:
			return func(v types.Value) (types.Value, bool) {
				return types.DateV(floorDiv(v.I, types.MicrosPerDay)), true
			}, nil
		case types.TimestampLTZ:
			return func(v types.Value) (types.Value, bool) {
				return types.DateV(floorDiv(types.ToWallClock(v.I, loc), types.MicrosPerDay)), true
			}, nil
		case types.String:
			return func(v types.Value) (types.Value, bool) {
				s := strings.TrimSpace(v.S)
				if len(s) > 10 {
					us, err := types.ParseTimestamp(s)
					return types.DateV(floorDiv(us, types.MicrosPerDay)), err == nil
				}
				d, err := types.ParseDate(s)
				return types.DateV(d), err == nil
			}, nil
		}
	case types.Time:
		switch from.Kind {
		case types.Time:
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		case types.Timestamp:
			return func(v types.Value) (types.Value, bool) {
				return types.TimeV(v.I - floorDiv(v.I, types.MicrosPerDay)*types.MicrosPerDay), true
			}, nil
		case types.String:
			return func(v types.Value) (types.Value, bool) {
				t, err := types.ParseTime(strings.TrimSpace(v.S))
				return types.TimeV(t), err == nil
			}, nil
		}
	case types.Array, types.Map, types.Struct:
		if from.Kind == to.Kind {
			return collectionConverter(from, to, env)
		}
	case types.IntervalDayTime, types.IntervalYearMonth:
		if from.Kind == to.Kind {
			return func(v types.Value) (types.Value, bool) { return v, true }, nil
		}
	}
	return nil, typeErr("Cast function cannot convert value of type %s to type %s", from, to)
}

// ToText renders a value as CAST(v AS STRING) does in the given style.
func ToText(v types.Value, t types.Type, style TextStyle) string {
	java := style == TextJava
	switch v.K {
	case types.Boolean:
		if java {
			return strconv.FormatBool(v.I != 0)
		}
		return v.String()
	case types.Timestamp, types.TimestampLTZ:
		if java {
			return types.FormatTimestamp(v.I, 3, 'T')
		}
		return types.FormatTimestamp(v.I, t.Precision, ' ')
	case types.Time:
		return types.FormatTime(v.I, t.Precision)
	case types.Struct:
		if java {
			return connectStructText(v, t)
		}
	case types.Array:
		parts := make([]string, 0, len(v.Elems()))
		var et types.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		for _, e := range v.Elems() {
			if e.IsNull() {
				parts = append(parts, "NULL")
				continue
			}
			parts = append(parts, ToText(e, et, style))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return v.String()
}

// collectionConverter casts arrays, maps and structs element by element:
// arrays and maps convert each element (and key), a struct takes the
// fields of the target type from the source's fields of the same name in
// ksqlDB (NULL where the source has none) and by position in Flink. A
// value fails to convert when one of its elements does.
func collectionConverter(from, to types.Type, env *Env) (func(types.Value) (types.Value, bool), error) {
	if from.Nullable().Equal(to.Nullable()) {
		return func(v types.Value) (types.Value, bool) { return v, true }, nil
	}
	each := func(fns []func(types.Value) (types.Value, bool), src []int, vals []types.Value) ([]types.Value, bool) {
		out := make([]types.Value, len(fns))
		for i, fn := range fns {
			j := i
			if src != nil {
				j = src[i]
			}
			if j < 0 || j >= len(vals) || vals[j].IsNull() {
				continue
			}
			r, ok := fn(vals[j])
			if !ok {
				return nil, false
			}
			out[i] = r
		}
		return out, true
	}
	switch to.Kind {
	case types.Array:
		ef, err := Converter(*from.Elem, *to.Elem, env)
		if err != nil {
			return nil, err
		}
		return func(v types.Value) (types.Value, bool) {
			in := v.Elems()
			out := make([]types.Value, len(in))
			for i, e := range in {
				if e.IsNull() {
					continue
				}
				r, ok := ef(e)
				if !ok {
					return types.Value{}, false
				}
				out[i] = r
			}
			return types.ArrayV(out), true
		}, nil
	case types.Map:
		kf, err := Converter(*from.Key, *to.Key, env)
		if err != nil {
			return nil, err
		}
		vf, err := Converter(*from.Elem, *to.Elem, env)
		if err != nil {
			return nil, err
		}
		return func(v types.Value) (types.Value, bool) {
			m := v.MapVal()
			keys, ok := each(repeat(kf, len(m.Keys)), nil, m.Keys)
			if !ok {
				return types.Value{}, false
			}
			vals, ok := each(repeat(vf, len(m.Vals)), nil, m.Vals)
			if !ok {
				return types.Value{}, false
			}
			return types.MapV(&types.MapValue{Keys: keys, Vals: vals}), true
		}, nil
	default: // Struct
		byName := env.sem().StructCast == StructsByName
		if !byName && len(from.Fields) != len(to.Fields) {
			return nil, typeErr("Cast function cannot convert value of type %s to type %s", from, to)
		}
		fns := make([]func(types.Value) (types.Value, bool), len(to.Fields))
		src := make([]int, len(to.Fields))
		for i, tf := range to.Fields {
			src[i] = i
			if byName {
				src[i] = -1
				for j, ff := range from.Fields {
					if ff.Name == tf.Name {
						src[i] = j
					}
				}
			}
			if src[i] < 0 {
				fns[i] = func(types.Value) (types.Value, bool) { return types.NullValue, true }
				continue
			}
			fn, err := Converter(from.Fields[src[i]].Type, tf.Type, env)
			if err != nil {
				return nil, err
			}
			fns[i] = fn
		}
		return func(v types.Value) (types.Value, bool) {
			out, ok := each(fns, src, v.Elems())
			if !ok {
				return types.Value{}, false
			}
			return types.StructV(out), true
		}, nil
	}
}

func repeat(fn func(types.Value) (types.Value, bool), n int) []func(types.Value) (types.Value, bool) {
	out := make([]func(types.Value) (types.Value, bool), n)
	for i := range out {
		out[i] = fn
	}
	return out
}

// connectStructText renders a struct as ksqlDB's CAST(s AS STRING) does
// (Kafka Connect's Struct text): Struct{a=1,b=x}, NULL fields left out.
func connectStructText(v types.Value, t types.Type) string {
	var b strings.Builder
	b.WriteString("Struct{")
	first := true
	for i, e := range v.Elems() {
		if e.IsNull() || i >= len(t.Fields) {
			continue
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(t.Fields[i].Name)
		b.WriteByte('=')
		b.WriteString(ToText(e, t.Fields[i].Type, TextJava))
	}
	b.WriteByte('}')
	return b.String()
}

// javaInt narrows a double to an integer kind as Java's cast does, which
// Flink's CAST compiles to: NaN is 0, a value beyond INT or BIGINT
// saturates at its bound (CAST(1e10 AS INT) is 2147483647), and TINYINT
// and SMALLINT take the low bits of that INT.
func javaInt(k types.Kind, f float64) int64 {
	if math.IsNaN(f) {
		return 0
	}
	var i int64
	switch {
	case f >= math.MaxInt64:
		i = math.MaxInt64
	case f <= math.MinInt64:
		i = math.MinInt64
	default:
		i = int64(f)
	}
	if k == types.BigInt {
		return i
	}
	i = max(min(i, math.MaxInt32), math.MinInt32)
	return narrow(k, i)
}
