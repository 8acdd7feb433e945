package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
)

// Values in JSON. Two renderings (dialect.JSONValues):
//
//   - ksqlDB's (/query, /query-stream: the ksqlDB dialect's
//     Client.Values): numbers as numbers, DECIMAL as a number, TIMESTAMP as "yyyy-MM-ddTHH:mm:ss.SSS" (UTC for instants),
//     DATE "yyyy-MM-dd", TIME "HH:mm:ss", BYTES base64, ARRAY an array,
//     MAP and STRUCT objects.
//   - Tumble's (/v1/query), which DecodeValue reads back given the column
//     type: as above, except DECIMAL as a string (exact), TIMESTAMP as
//     "yyyy-MM-dd HH:mm:ss[.ffffff]" (wall clock), TIMESTAMP_LTZ as RFC 3339
//     in UTC, intervals as integers (micros, months), and MAP as an array
//     of [key, value] pairs.

// tumbleValues is Tumble's rendering (/v1/query, live views).
var tumbleValues = dialect.JSONValues{}

// AppendValue appends v (of type t) as JSON in the rendering style asks
// for (its zero value: Tumble's).
func AppendValue(b []byte, v types.Value, t types.Type, style dialect.JSONValues) []byte {
	if v.IsNull() {
		return append(b, "null"...)
	}
	switch v.K {
	case types.Boolean:
		return strconv.AppendBool(b, v.I != 0)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.I, 10)
	case types.Float, types.Double:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return strconv.AppendQuote(b, strconv.FormatFloat(f, 'g', -1, 64))
		}
		bits := 64
		if v.K == types.Float {
			bits = 32
		}
		return strconv.AppendFloat(b, f, 'g', -1, bits)
	case types.Decimal:
		s := decimalText(v.I, int(v.Scale))
		if style.DecimalNumbers {
			return append(b, s...)
		}
		return strconv.AppendQuote(b, s)
	case types.String:
		return types.AppendJSONString(b, v.S)
	case types.Bytes:
		return strconv.AppendQuote(b, base64.StdEncoding.EncodeToString([]byte(v.S)))
	case types.Date:
		return strconv.AppendQuote(b, types.FormatDate(v.I))
	case types.Time:
		b = append(b, '"')
		b = append(b, types.FormatTime(v.I, max(t.Precision, 3))...)
		return append(b, '"')
	case types.Timestamp:
		b = append(b, '"')
		if style.TimestampMillis {
			b = types.AppendTimestamp(b, v.I, 3, 'T', false)
		} else {
			b = types.AppendTimestamp(b, v.I, 6, ' ', true)
		}
		return append(b, '"')
	case types.TimestampLTZ:
		b = append(b, '"')
		if style.TimestampMillis {
			b = types.AppendTimestamp(b, v.I, 3, 'T', false)
		} else {
			b = types.AppendTimestamp(b, v.I, 6, 'T', true)
			b = append(b, 'Z')
		}
		return append(b, '"')
	case types.IntervalDayTime, types.IntervalYearMonth:
		return strconv.AppendInt(b, v.I, 10)
	case types.Array:
		var et types.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		b = append(b, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendValue(b, e, et, style)
		}
		return append(b, ']')
	case types.Map:
		var kt, vt types.Type
		if t.Key != nil {
			kt = *t.Key
		}
		if t.Elem != nil {
			vt = *t.Elem
		}
		m := v.MapVal()
		if m == nil {
			return append(b, "null"...)
		}
		if style.MapObjects {
			b = append(b, '{')
			for i := range m.Keys {
				if i > 0 {
					b = append(b, ',')
				}
				b = types.AppendJSONString(b, keyText(m.Keys[i], kt, style))
				b = append(b, ':')
				b = AppendValue(b, m.Vals[i], vt, style)
			}
			return append(b, '}')
		}
		b = append(b, '[')
		for i := range m.Keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = AppendValue(b, m.Keys[i], kt, style)
			b = append(b, ',')
			b = AppendValue(b, m.Vals[i], vt, style)
			b = append(b, ']')
		}
		return append(b, ']')
	case types.Struct:
		b = append(b, '{')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ',')
			}
			name := fmt.Sprintf("f%d", i)
			var ft types.Type
			if i < len(t.Fields) {
				name, ft = t.Fields[i].Name, t.Fields[i].Type
			}
			b = types.AppendJSONString(b, name)
			b = append(b, ':')
			b = AppendValue(b, e, ft, style)
		}
		return append(b, '}')
	}
	return types.AppendJSONString(b, v.String())
}

func keyText(v types.Value, t types.Type, style dialect.JSONValues) string {
	if v.K == types.String {
		return v.S
	}
	return strings.Trim(string(AppendValue(nil, v, t, style)), `"`)
}

// decimalText renders an unscaled decimal.
func decimalText(unscaled int64, scale int) string {
	neg := unscaled < 0
	u := strconv.FormatUint(uint64(unscaled), 10)
	if neg {
		u = strconv.FormatUint(uint64(-unscaled), 10)
	}
	if scale > 0 {
		for len(u) <= scale {
			u = "0" + u
		}
		u = u[:len(u)-scale] + "." + u[len(u)-scale:]
	}
	if neg {
		return "-" + u
	}
	return u
}

// DecodeValue reads a value written by AppendValue (Tumble's rendering)
// back into a value of type t.
func DecodeValue(raw json.RawMessage, t types.Type) (types.Value, error) {
	s := strings.TrimSpace(string(raw))
	if s == "null" || s == "" {
		return types.NullValue, nil
	}
	bad := func(err error) (types.Value, error) {
		return types.NullValue, fmt.Errorf("value %s of type %s: %v", s, t, err)
	}
	str := func() (string, error) {
		var x string
		err := json.Unmarshal(raw, &x)
		return x, err
	}
	switch t.Kind {
	case types.Boolean:
		var x bool
		if err := json.Unmarshal(raw, &x); err != nil {
			return bad(err)
		}
		return types.BoolV(x), nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.IntervalDayTime, types.IntervalYearMonth:
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad(err)
		}
		return types.IntOf(t.Kind, i), nil
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(strings.Trim(s, `"`), 64)
		if err != nil {
			return bad(err)
		}
		if t.Kind == types.Float {
			return types.FloatV(f), nil
		}
		return types.DoubleV(f), nil
	case types.Decimal:
		x := strings.Trim(s, `"`)
		neg := strings.HasPrefix(x, "-")
		x = strings.TrimPrefix(x, "-")
		intPart, frac, _ := strings.Cut(x, ".")
		for len(frac) < t.Scale {
			frac += "0"
		}
		u, err := strconv.ParseInt(intPart+frac[:t.Scale], 10, 64)
		if err != nil {
			return bad(err)
		}
		if neg {
			u = -u
		}
		return types.DecimalV(u, t.Scale), nil
	case types.String:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		return types.StringV(x), nil
	case types.Bytes:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		p, err := base64.StdEncoding.DecodeString(x)
		if err != nil {
			return bad(err)
		}
		return types.BytesV(p), nil
	case types.Date:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		d, err := types.ParseDate(x)
		if err != nil {
			return bad(err)
		}
		return types.DateV(d), nil
	case types.Time:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		us, err := types.ParseTime(x)
		if err != nil {
			return bad(err)
		}
		return types.TimeV(us), nil
	case types.Timestamp:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		us, err := types.ParseTimestamp(x)
		if err != nil {
			return bad(err)
		}
		return types.TimestampV(us), nil
	case types.TimestampLTZ:
		x, err := str()
		if err != nil {
			return bad(err)
		}
		tm, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return bad(err)
		}
		return types.TimestampLTZV(tm.UnixMicro()), nil
	case types.Array:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return bad(err)
		}
		var et types.Type
		if t.Elem != nil {
			et = *t.Elem
		}
		out := make([]types.Value, len(items))
		for i, it := range items {
			v, err := DecodeValue(it, et)
			if err != nil {
				return types.NullValue, err
			}
			out[i] = v
		}
		return types.ArrayV(out), nil
	case types.Map:
		var kt, vt types.Type
		if t.Key != nil {
			kt = *t.Key
		}
		if t.Elem != nil {
			vt = *t.Elem
		}
		var pairs [][2]json.RawMessage
		if err := json.Unmarshal(raw, &pairs); err != nil {
			return bad(err)
		}
		m := &types.MapValue{}
		for _, p := range pairs {
			k, err := DecodeValue(p[0], kt)
			if err != nil {
				return types.NullValue, err
			}
			v, err := DecodeValue(p[1], vt)
			if err != nil {
				return types.NullValue, err
			}
			m.Keys, m.Vals = append(m.Keys, k), append(m.Vals, v)
		}
		return types.MapV(m), nil
	case types.Struct:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &obj); err != nil {
			return bad(err)
		}
		out := make([]types.Value, len(t.Fields))
		for i, f := range t.Fields {
			v, err := DecodeValue(obj[f.Name], f.Type)
			if err != nil {
				return types.NullValue, err
			}
			out[i] = v
		}
		return types.StructV(out), nil
	}
	return bad(fmt.Errorf("unsupported type"))
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
