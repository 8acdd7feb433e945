package format

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// jsonEncoder writes a JSON object with the columns in order (or, unwrapped,
// the single column's bare value).
//
// Flink: TIMESTAMP as "yyyy-MM-dd HH:mm:ss[.fraction]" (fraction as short
// as possible, 'T' with 'json.timestamp-format.standard' = 'ISO-8601'),
// TIMESTAMP_LTZ the same in UTC with a trailing 'Z', DATE "yyyy-MM-dd",
// TIME "HH:mm:ss". ksqlDB: TIMESTAMP as epoch millis, DATE as days, TIME as
// millis of day. Both: DECIMAL as a plain number, BYTES base64, doubles as
// Java prints them (20.0, 1.0E7), NULL as null.
type jsonEncoder struct {
	cols       []Column
	names      [][]byte // `"name":` per column
	epoch      bool     // engine.TemporalsAsEpoch
	iso        bool
	ignoreNull bool
	nullKey    string // FAIL, DROP or LITERAL
	nullLit    string
	unwrap     bool
}

func newJSONEncoder(o opts, cols []Column) (*jsonEncoder, error) {
	if err := checkJSONOptions(o); err != nil {
		return nil, err
	}
	e := &jsonEncoder{cols: cols, epoch: o.rules().Temporals == engine.TemporalsAsEpoch, nullKey: "FAIL", nullLit: "null"}
	var err error
	if e.unwrap, err = unwrapped(o, cols); err != nil {
		return nil, err
	}
	if v, ok := o.get("timestamp-format.standard"); ok {
		e.iso = strings.EqualFold(strings.TrimSpace(v), "ISO-8601")
	}
	if e.ignoreNull, err = o.bool("encode.ignore-null-fields", false); err != nil {
		return nil, err
	}
	if v, ok := o.get("map-null-key.mode"); ok {
		e.nullKey = strings.ToUpper(strings.TrimSpace(v))
	}
	if v, ok := o.get("map-null-key.literal"); ok {
		e.nullLit = v
	}
	for _, c := range cols {
		if err := checkJSONType(o, c.Name, &c.Type); err != nil {
			return nil, err
		}
		e.names = append(e.names, types.AppendJSONString(nil, c.Name))
		e.names[len(e.names)-1] = append(e.names[len(e.names)-1], ':')
	}
	return e, nil
}

func (e *jsonEncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	if e.unwrap {
		c := &e.cols[0]
		v := &row[c.Pos]
		if v.K == types.Null {
			return dst, true, nil
		}
		out, err := e.value(dst, v, &c.Type)
		return out, false, err
	}
	dst = append(dst, '{')
	first := true
	for i := range e.cols {
		c := &e.cols[i]
		v := &row[c.Pos]
		if v.K == types.Null && e.ignoreNull {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, e.names[i]...)
		var err error
		if dst, err = e.value(dst, v, &c.Type); err != nil {
			return dst, false, fmt.Errorf("column '%s': %w", c.Name, err)
		}
	}
	return append(dst, '}'), false, nil
}

func (e *jsonEncoder) value(b []byte, v *types.Value, t *types.Type) ([]byte, error) {
	if v.K == types.Null {
		return append(b, "null"...), nil
	}
	switch t.Kind {
	case types.Boolean:
		if v.I != 0 {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case types.Float:
		return appendJavaFloat(b, v.Float(), 32, true), nil
	case types.Double:
		return appendJavaFloat(b, v.Float(), 64, true), nil
	case types.Decimal:
		return appendDecimal(b, *v, t), nil
	case types.String:
		if v.K != types.String && v.K != types.Bytes {
			return types.AppendJSONString(b, v.String()), nil
		}
		return types.AppendJSONString(b, v.S), nil
	case types.Bytes:
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, []byte(v.S))
		return append(b, '"'), nil
	case types.Date:
		if e.epoch {
			return strconv.AppendInt(b, v.I, 10), nil
		}
		return append(append(append(b, '"'), types.FormatDate(v.I)...), '"'), nil
	case types.Time:
		if e.epoch {
			return strconv.AppendInt(b, floorDiv(v.I, types.MicrosPerMilli), 10), nil
		}
		secs := floorDiv(v.I, types.MicrosPerSecond) * types.MicrosPerSecond
		return append(append(append(b, '"'), types.FormatTime(secs, 0)...), '"'), nil
	case types.Timestamp, types.TimestampLTZ:
		if e.epoch {
			return strconv.AppendInt(b, floorDiv(v.I, types.MicrosPerMilli), 10), nil
		}
		sep := byte(' ')
		if e.iso {
			sep = 'T'
		}
		b = append(b, '"')
		b = types.AppendTimestamp(b, v.I, 6, sep, true)
		if t.Kind == types.TimestampLTZ {
			b = append(b, 'Z')
		}
		return append(b, '"'), nil
	case types.IntervalDayTime:
		return strconv.AppendInt(b, floorDiv(v.I, types.MicrosPerMilli), 10), nil
	case types.IntervalYearMonth:
		return strconv.AppendInt(b, v.I, 10), nil
	case types.Array:
		b = append(b, '[')
		elems := v.Elems()
		for i := range elems {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.value(b, &elems[i], t.Elem); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case types.Map:
		m := v.MapVal()
		b = append(b, '{')
		if m != nil {
			first := true
			for i := range m.Keys {
				var key string
				switch k := m.Keys[i]; {
				case k.K == types.Null:
					switch e.nullKey {
					case "DROP":
						continue
					case "LITERAL":
						key = e.nullLit
					default:
						return b, fmt.Errorf("%w: map has a null key (set 'json.map-null-key.mode' to DROP or LITERAL)", ErrMalformed)
					}
				case k.K == types.String:
					key = k.S
				default:
					kb, err := e.value(nil, &k, t.Key)
					if err != nil {
						return b, err
					}
					key = strings.Trim(string(kb), `"`)
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				b = types.AppendJSONString(b, key)
				b = append(b, ':')
				var err error
				if b, err = e.value(b, &m.Vals[i], t.Elem); err != nil {
					return b, err
				}
			}
		}
		return append(b, '}'), nil
	case types.Struct:
		fs := v.Elems()
		b = append(b, '{')
		for i := range t.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = types.AppendJSONString(b, t.Fields[i].Name)
			b = append(b, ':')
			var x types.Value
			if i < len(fs) {
				x = fs[i]
			}
			var err error
			if b, err = e.value(b, &x, &t.Fields[i].Type); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
	return b, fmt.Errorf("%w: cannot write %s as JSON", ErrUnsupported, t.Kind)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// appendDecimal writes a decimal at the column's scale.
func appendDecimal(b []byte, v types.Value, t *types.Type) []byte {
	var u int64
	switch v.K {
	case types.Decimal:
		u = types.Rescale(v.I, int(v.Scale), t.Scale)
	case types.Float, types.Double:
		u = int64(math.Round(v.Float() * math.Pow10(t.Scale)))
	default:
		u = v.I * types.Pow10(t.Scale)
	}
	return append(b, types.FormatDecimal(u, t.Scale)...)
}

// appendJavaFloat writes f as Java's Double.toString / Float.toString would
// ("20.0", "1.0E7", "1.5E-5"). quote puts NaN and infinities in quotes (as
// Jackson does); numbers are never quoted.
func appendJavaFloat(b []byte, f float64, bits int, quote bool) []byte {
	switch {
	case math.IsNaN(f), math.IsInf(f, 0):
		s := "NaN"
		if math.IsInf(f, 1) {
			s = "Infinity"
		} else if math.IsInf(f, -1) {
			s = "-Infinity"
		}
		if quote {
			return append(append(append(b, '"'), s...), '"')
		}
		return append(b, s...)
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-3 || a >= 1e7) {
		var tmp [40]byte
		s := strconv.AppendFloat(tmp[:0], f, 'E', -1, bits)
		e := 0
		for e < len(s) && s[e] != 'E' {
			e++
		}
		mant, exp := s[:e], s[e+1:]
		b = append(b, mant...)
		if bytes.IndexByte(mant, '.') < 0 {
			b = append(b, ".0"...)
		}
		b = append(b, 'E')
		if len(exp) > 0 && exp[0] == '-' {
			b = append(b, '-')
		}
		exp = exp[1:] // sign
		for len(exp) > 1 && exp[0] == '0' {
			exp = exp[1:]
		}
		return append(b, exp...)
	}
	n := len(b)
	b = strconv.AppendFloat(b, f, 'f', -1, bits)
	if bytes.IndexByte(b[n:], '.') < 0 {
		b = append(b, ".0"...)
	}
	return b
}
