package format

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// conv converts scalar text and numbers into values of a column type, with
// the leniency Flink's and ksqlDB's JSON readers have (numbers given as
// strings, strings given as numbers).
type conv struct {
	strictBool bool // engine.BooleansStrict
	loc        *time.Location
}

func newConv(o opts, loc *time.Location) conv {
	return conv{strictBool: o.rules().Booleans == engine.BooleansStrict, loc: loc}
}

var intRange = [...][2]int64{
	types.TinyInt:  {math.MinInt8, math.MaxInt8},
	types.SmallInt: {math.MinInt16, math.MaxInt16},
	types.Int:      {math.MinInt32, math.MaxInt32},
	types.BigInt:   {math.MinInt64, math.MaxInt64},
}

func intFits(k types.Kind, v int64) bool {
	r := intRange[k]
	return v >= r[0] && v <= r[1]
}

// intFromFloat truncates like Java's (int) cast, refusing values outside the
// kind's range.
func intFromFloat(k types.Kind, f float64) (int64, bool) {
	if math.IsNaN(f) || f < float64(intRange[k][0]) || f >= -float64(intRange[k][0]) {
		return 0, false
	}
	return int64(f), true
}

// fromText converts the text of a scalar (a JSON string's content, a CSV
// field) to a value of type t. in, when not nil, interns STRING results.
func (c *conv) fromText(t *types.Type, s []byte, in *interner, out *types.Value) error {
	switch k := t.Kind; k {
	case types.String:
		if in != nil {
			*out = types.Value{K: types.String, S: in.get(s)}
			return nil
		}
		*out = types.Value{K: types.String, S: string(s)}
		return nil
	case types.Boolean:
		s = trimSpace(s)
		switch {
		case strings.EqualFold(bstr(s), "true"):
			*out = types.BoolV(true)
			return nil
		case strings.EqualFold(bstr(s), "false"), !c.strictBool:
			// Flink reads any other text as false (Java's Boolean.parseBoolean).
			*out = types.BoolV(false)
			return nil
		}
		return malformed("cannot read %q as BOOLEAN", s)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		v, ok := parseInt(trimSpace(s))
		if !ok || !intFits(k, v) {
			return malformed("cannot read %q as %s", s, k)
		}
		*out = types.Value{K: k, I: v}
		return nil
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(bstr(trimSpace(s)), 64)
		if err != nil && !isRangeErr(err) {
			return malformed("cannot read %q as %s", s, k)
		}
		if k == types.Float {
			*out = types.FloatV(f)
			return nil
		}
		*out = types.DoubleV(f)
		return nil
	case types.Decimal:
		return decimalFromText(t, trimSpace(s), out)
	case types.Date:
		d, err := types.ParseDate(bstr(trimSpace(s)))
		if err != nil {
			return malformed("cannot read %q as DATE", s)
		}
		*out = types.DateV(d)
		return nil
	case types.Time:
		us, err := types.ParseTime(bstr(trimSpace(s)))
		if err != nil {
			return malformed("cannot read %q as TIME", s)
		}
		*out = types.TimeV(us)
		return nil
	case types.Timestamp, types.TimestampLTZ:
		us, off, zoned, err := types.ParseTimestampZone(bstr(trimSpace(s)))
		if err != nil {
			return malformed("cannot read %q as %s", s, k)
		}
		if k == types.Timestamp {
			// A zone suffix on a wall-clock timestamp is ignored.
			*out = types.TimestampV(us)
			return nil
		}
		// An instant without a zone is UTC (Flink writes TIMESTAMP_LTZ
		// with a 'Z'; ksqlDB parses zone-less text as UTC).
		if zoned {
			us -= int64(off) * types.MicrosPerSecond
		}
		*out = types.TimestampLTZV(us)
		return nil
	case types.Bytes:
		b, err := decodeBase64(s)
		if err != nil {
			return malformed("cannot read %q as BYTES: not base64", s)
		}
		*out = types.Value{K: types.Bytes, S: string(b)}
		return nil
	}
	return malformed("cannot read text as %s", t.Kind)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func decodeBase64(s []byte) ([]byte, error) {
	s = trimSpace(s)
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		n, err = base64.RawStdEncoding.Decode(out, s)
	}
	return out[:n], err
}

// fromNumber converts a JSON number token to a value of type t.
func (c *conv) fromNumber(t *types.Type, tok []byte, in *interner, out *types.Value) error {
	switch k := t.Kind; k {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		if v, ok := parseInt(tok); ok {
			if !intFits(k, v) {
				return malformed("%s out of range for %s", tok, k)
			}
			*out = types.Value{K: k, I: v}
			return nil
		}
		f, err := strconv.ParseFloat(bstr(tok), 64)
		if err != nil {
			return malformed("cannot read %s as %s", tok, k)
		}
		v, ok := intFromFloat(k, f)
		if !ok {
			return malformed("%s out of range for %s", tok, k)
		}
		*out = types.Value{K: k, I: v}
		return nil
	case types.Float, types.Double:
		f, err := strconv.ParseFloat(bstr(tok), 64)
		if err != nil && !isRangeErr(err) {
			return malformed("cannot read %s as %s", tok, k)
		}
		if k == types.Float {
			*out = types.FloatV(f)
			return nil
		}
		*out = types.DoubleV(f)
		return nil
	case types.Decimal:
		return decimalFromText(t, tok, out)
	case types.String:
		return c.fromText(t, tok, in, out)
	case types.Boolean:
		if c.strictBool {
			return malformed("cannot read %s as BOOLEAN", tok)
		}
		*out = types.BoolV(false) // Boolean.parseBoolean of a number's text
		return nil
	case types.Timestamp, types.TimestampLTZ, types.Date, types.Time:
		// Epoch millis, days and millis of day: how ksqlDB writes temporal
		// values in JSON. Flink only reads text; we accept both.
		v, ok := parseInt(tok)
		if !ok {
			return malformed("cannot read %s as %s", tok, k)
		}
		switch k {
		case types.Date:
			*out = types.DateV(v)
			return nil
		case types.Time:
			*out = types.TimeV(v * types.MicrosPerMilli)
			return nil
		}
		if v > math.MaxInt64/types.MicrosPerMilli || v < math.MinInt64/types.MicrosPerMilli {
			return malformed("%s out of range for %s", tok, k)
		}
		*out = types.Value{K: k, I: v * types.MicrosPerMilli}
		return nil
	}
	return malformed("cannot read number %s as %s", tok, t.Kind)
}

// decimalFromText parses a decimal into the type's scale, rounding half up.
// A value that does not fit the precision becomes NULL, as in Flink.
func decimalFromText(t *types.Type, s []byte, out *types.Value) error {
	u, ok := parseDecimal(s, t.Scale)
	if !ok {
		v, err := types.ParseDecimal(string(s), t.Scale)
		if err != nil {
			return malformed("cannot read %q as %s", s, t)
		}
		u = v
	}
	if t.Precision > 0 && t.Precision < 19 {
		lim := types.Pow10(t.Precision)
		if u >= lim || u <= -lim {
			*out = types.Value{}
			return nil
		}
	}
	*out = types.DecimalV(u, t.Scale)
	return nil
}

// parseDecimal is the allocation-free path for plain decimals
// ([-+]digits[.digits]); ok is false for anything else.
func parseDecimal(s []byte, scale int) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var u int64
	digits, frac := 0, -1
	roundUp := false
	for _, c := range s {
		switch {
		case c == '.' && frac < 0:
			frac = 0
		case c >= '0' && c <= '9':
			if frac >= 0 {
				if frac >= scale {
					if frac == scale {
						roundUp = c >= '5'
					}
					frac++
					continue
				}
				frac++
			}
			if u > (math.MaxInt64-9)/10 {
				return 0, false
			}
			u = u*10 + int64(c-'0')
			digits++
		default:
			return 0, false
		}
	}
	if digits == 0 && frac <= 0 {
		return 0, false
	}
	if frac < 0 {
		frac = 0
	}
	for ; frac < scale; frac++ {
		if u > math.MaxInt64/10 {
			return 0, false
		}
		u *= 10
	}
	if roundUp {
		u++
	}
	if neg {
		u = -u
	}
	return u, true
}
