package planner

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// ConvertType resolves a type as the dialect that parses with syntax
// writes it (for the test runners, which read types out of other engines'
// test files).
func ConvertType(tn sql.TypeName, syntax sql.Dialect) (types.Type, error) {
	d, ok := dialect.For(syntax)
	if !ok {
		return types.Type{}, fmt.Errorf("no dialect registered for %v", syntax)
	}
	return convertType(tn, d.Rules())
}

// convertType turns a written type into a types.Type, as the dialect's
// rules read it.
func convertType(tn sql.TypeName, d *dialect.Rules) (types.Type, error) {
	param := func(i, def int) int {
		if i < len(tn.Params) {
			return tn.Params[i]
		}
		return def
	}
	var t types.Type
	switch strings.ToUpper(tn.Name) {
	case "STRING", "VARCHAR", "CHARACTER VARYING", "TEXT":
		t = types.Type{Kind: types.String, Precision: param(0, 0)}
		if t.Precision == math.MaxInt32 {
			t.Precision = 0
		}
	case "CHAR", "CHARACTER":
		t = types.Type{Kind: types.String, Precision: param(0, 1), Char: true}
	case "BOOLEAN", "BOOL":
		t = types.TBool
	case "TINYINT":
		t = types.Type{Kind: types.TinyInt}
	case "SMALLINT":
		t = types.Type{Kind: types.SmallInt}
	case "INT", "INTEGER":
		t = types.TInt
	case "BIGINT":
		t = types.TBigInt
	case "FLOAT", "REAL":
		t = types.TFloat
		if d.FloatIsDouble {
			t = types.TDouble
		}
	case "DOUBLE", "DOUBLE PRECISION":
		t = types.TDouble
	case "DECIMAL", "DEC", "NUMERIC":
		p, s := param(0, 10), param(1, 0)
		if p < 1 || p > 38 || s < 0 || s > p {
			return t, sql.Errorf(tn.Pos, "DECIMAL precision must be between 1 and 38 and scale between 0 and the precision, got DECIMAL(%d, %d)", p, s)
		}
		t = types.DecimalType(p, s)
	case "DATE":
		t = types.TDate
	case "TIME":
		t = types.Type{Kind: types.Time, Precision: param(0, 0)}
	case "TIMESTAMP":
		if d.TimestampMillis {
			t = types.Type{Kind: types.Timestamp, Precision: 3}
		} else {
			t = types.Type{Kind: types.Timestamp, Precision: param(0, 6)}
		}
	case "TIMESTAMP_LTZ":
		t = types.Type{Kind: types.TimestampLTZ, Precision: param(0, 6)}
	case "BYTES", "VARBINARY", "BINARY":
		t = types.TBytes
	case "ARRAY":
		if tn.Elem == nil {
			return t, sql.Errorf(tn.Pos, "ARRAY needs an element type")
		}
		e, err := convertType(*tn.Elem, d)
		if err != nil {
			return t, err
		}
		t = types.ArrayOf(e)
	case "MULTISET":
		if tn.Elem == nil {
			return t, sql.Errorf(tn.Pos, "MULTISET needs an element type")
		}
		e, err := convertType(*tn.Elem, d)
		if err != nil {
			return t, err
		}
		t = types.MapOf(e, types.Type{Kind: types.Int, NotNull: true})
	case "MAP":
		if tn.Key == nil || tn.Elem == nil {
			return t, sql.Errorf(tn.Pos, "MAP needs key and value types")
		}
		k, err := convertType(*tn.Key, d)
		if err != nil {
			return t, err
		}
		v, err := convertType(*tn.Elem, d)
		if err != nil {
			return t, err
		}
		t = types.MapOf(k, v)
	case "ROW", "STRUCT":
		t = types.Type{Kind: types.Struct}
		for _, f := range tn.Fields {
			ft, err := convertType(f.Type, d)
			if err != nil {
				return t, err
			}
			t.Fields = append(t.Fields, types.Field{Name: f.Name, Type: ft})
		}
	default:
		return t, sql.Errorf(tn.Pos, "Unknown type '%s'", tn.Name)
	}
	if (t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ || t.Kind == types.Time) && (t.Precision < 0 || t.Precision > 9) {
		return t, sql.Errorf(tn.Pos, "%s precision must be between 0 and 9", tn.Name)
	}
	t.NotNull = tn.NotNull
	return t, nil
}

// intervalMicros converts an INTERVAL literal to microseconds (day-time) or
// months (year-month, ym=true).
func intervalMicros(iv *sql.Interval) (v int64, ym bool, err error) {
	unit := strings.ToUpper(strings.TrimSpace(iv.Unit))
	val := strings.TrimSpace(iv.Value)
	neg := false
	if strings.HasPrefix(val, "-") {
		neg, val = true, strings.TrimSpace(val[1:])
	} else if strings.HasPrefix(val, "+") {
		val = strings.TrimSpace(val[1:])
	}
	single := func(mul float64) (int64, error) {
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return 0, sql.Errorf(iv.Pos, "Illegal interval literal format '%s' for INTERVAL %s", iv.Value, unit)
		}
		return int64(math.Round(f * mul)), nil
	}
	s := float64(types.MicrosPerSecond)
	switch strings.TrimSuffix(unit, "S") {
	case "MICROSECOND":
		v, err = single(1)
	case "MILLISECOND":
		v, err = single(1000)
	case "SECOND":
		v, err = single(s)
	case "MINUTE":
		v, err = single(60 * s)
	case "HOUR":
		v, err = single(3600 * s)
	case "DAY":
		v, err = single(86400 * s)
	case "WEEK":
		v, err = single(7 * 86400 * s)
	case "MONTH":
		v, err = single(1)
		ym = true
	case "YEAR":
		v, err = single(12)
		ym = true
	case "YEAR TO MONTH":
		var y, m int64
		if _, e := fmt.Sscanf(val, "%d-%d", &y, &m); e != nil {
			return 0, false, sql.Errorf(iv.Pos, "Illegal interval literal format '%s' for INTERVAL YEAR TO MONTH", iv.Value)
		}
		v, ym = y*12+m, true
	default:
		// DAY TO SECOND, HOUR TO MINUTE, ... : parse "d hh:mm:ss.fff" forms.
		v, err = parseDayTime(val, unit)
		if err != nil {
			return 0, false, sql.Errorf(iv.Pos, "Illegal interval literal format '%s' for INTERVAL %s", iv.Value, unit)
		}
	}
	if err != nil {
		return 0, false, err
	}
	if neg {
		v = -v
	}
	return v, ym, nil
}

func parseDayTime(val, unit string) (int64, error) {
	from, _, _ := strings.Cut(unit, " TO ")
	var days int64
	rest := val
	if from == "DAY" {
		d, r, ok := strings.Cut(val, " ")
		if !ok {
			return 0, fmt.Errorf("bad")
		}
		n, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			return 0, err
		}
		days, rest = n, r
	}
	parts := strings.Split(rest, ":")
	var us int64
	mults := []float64{3600, 60, 1}
	switch from {
	case "MINUTE":
		mults = []float64{60, 1}
	case "SECOND":
		mults = []float64{1}
	}
	if len(parts) > len(mults) {
		return 0, fmt.Errorf("bad")
	}
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, err
		}
		us += int64(math.Round(f * mults[i] * types.MicrosPerSecond))
	}
	return days*types.MicrosPerDay + us, nil
}

// parseDuration reads Flink/ksqlDB duration settings: "5 s", "5s", "200ms",
// "1 min", "5000" (ms).
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	num, unit := s[:i], strings.TrimSpace(s[i:])
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	var mul time.Duration
	switch unit {
	case "", "ms", "milli", "millis", "millisecond", "milliseconds":
		mul = time.Millisecond
	case "s", "sec", "secs", "second", "seconds":
		mul = time.Second
	case "min", "mins", "minute", "minutes", "m":
		mul = time.Minute
	case "h", "hour", "hours":
		mul = time.Hour
	case "d", "day", "days":
		mul = 24 * time.Hour
	case "us", "micro", "micros":
		mul = time.Microsecond
	case "ns", "nano", "nanos":
		mul = time.Nanosecond
	default:
		return 0, fmt.Errorf("invalid duration unit in %q", s)
	}
	return time.Duration(f * float64(mul)), nil
}

// typeName is the declaration of t that convertType turns back into t (a
// CREATE TABLE ... AS SELECT column is declared by its query's type).
// Intervals and the NULL type have no column declaration: ok is false.
func typeName(t types.Type) (tn sql.TypeName, ok bool) {
	tn.NotNull = t.NotNull
	switch t.Kind {
	case types.String:
		tn.Name = "STRING"
		if t.Char {
			tn.Name, tn.Params = "CHAR", []int{t.Precision}
		} else if t.Precision > 0 {
			tn.Name, tn.Params = "VARCHAR", []int{t.Precision}
		}
	case types.Decimal:
		tn.Name, tn.Params = "DECIMAL", []int{t.Precision, t.Scale}
	case types.Time, types.Timestamp, types.TimestampLTZ:
		tn.Name, tn.Params = t.Kind.String(), []int{t.Precision}
	case types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double, types.Bytes, types.Date:
		tn.Name = t.Kind.String()
	case types.Array:
		e, ok := typeName(*t.Elem)
		if !ok {
			return tn, false
		}
		tn.Name, tn.Elem = "ARRAY", &e
	case types.Map:
		k, ok1 := typeName(*t.Key)
		v, ok2 := typeName(*t.Elem)
		if !ok1 || !ok2 {
			return tn, false
		}
		tn.Name, tn.Key, tn.Elem = "MAP", &k, &v
	case types.Struct:
		tn.Name = "ROW"
		for _, f := range t.Fields {
			ft, ok := typeName(f.Type)
			if !ok {
				return tn, false
			}
			tn.Fields = append(tn.Fields, sql.FieldDef{Name: f.Name, Type: ft})
		}
	default:
		return tn, false
	}
	return tn, true
}
