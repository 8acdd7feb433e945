package plan

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// fn is an expression node evaluated by a Go function of its arguments,
// with Spark's name for EXPLAIN. Strict: a NULL argument gives NULL.
type fn struct {
	name   string
	args   []expr.Expr
	t      types.Type
	strict bool
	eval   func(args []types.Value) types.Value
	// costly: parsing (from_json), computed once per row (see
	// planner.Costly).
	costly bool
}

// Costly implements planner.Costly.
func (f *fn) Costly() bool { return f.costly }

var _ expr.Parent = (*fn)(nil)

func (f *fn) Eval(row types.Row) types.Value {
	var buf [4]types.Value
	vals := buf[:0]
	for _, a := range f.args {
		v := a.Eval(row)
		if f.strict && v.IsNull() {
			return types.NullValue
		}
		vals = append(vals, v)
	}
	return f.eval(vals)
}
func (f *fn) Type() types.Type { return f.t }
func (f *fn) String() string {
	parts := make([]string, len(f.args))
	for i, a := range f.args {
		parts[i] = a.String()
	}
	return f.name + "(" + strings.Join(parts, ", ") + ")"
}
func (f *fn) Children() []expr.Expr { return f.args }
func (f *fn) WithChildren(kids []expr.Expr) expr.Expr {
	c := *f
	c.args = kids
	return &c
}

// newStruct builds a struct of its arguments (Spark's struct and
// named_struct); a struct is never NULL itself.
func newStruct(names []string, args []expr.Expr) expr.Expr {
	t := types.Type{Kind: types.Struct, NotNull: true}
	for i, a := range args {
		t.Fields = append(t.Fields, types.Field{Name: names[i], Type: a.Type()})
	}
	return &fn{name: "struct", args: args, t: t, eval: func(v []types.Value) types.Value {
		return types.StructV(append([]types.Value(nil), v...))
	}}
}

// --- time -----------------------------------------------------------------

// parseTimestamp reads Spark's timestamp strings: yyyy[-MM[-dd]][( |T)HH:mm[:ss[.fraction]]][zone],
// the zone Z, +hh:mm, +hhmm or a region, else the session zone. It
// returns microseconds since the epoch.
func parseTimestamp(s string, loc *time.Location) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false
	}
	num := func(i, n int) (int, int, bool) {
		j := i
		for j < len(s) && j-i < n && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i {
			return 0, i, false
		}
		v, _ := strconv.Atoi(s[i:j])
		return v, j, true
	}
	y, i, ok := num(0, 4)
	if !ok || i != 4 {
		return 0, false
	}
	mo, d := 1, 1
	if i < len(s) && s[i] == '-' {
		if mo, i, ok = num(i+1, 2); !ok {
			return 0, false
		}
		if i < len(s) && s[i] == '-' {
			if d, i, ok = num(i+1, 2); !ok {
				return 0, false
			}
		}
	}
	var h, mi, sec, nanos int
	if i < len(s) && (s[i] == ' ' || s[i] == 'T') {
		if h, i, ok = num(i+1, 2); !ok {
			return 0, false
		}
		if i >= len(s) || s[i] != ':' {
			return 0, false
		}
		if mi, i, ok = num(i+1, 2); !ok {
			return 0, false
		}
		if i < len(s) && s[i] == ':' {
			if sec, i, ok = num(i+1, 2); !ok {
				return 0, false
			}
			if i < len(s) && s[i] == '.' {
				j := i + 1
				for j < len(s) && s[j] >= '0' && s[j] <= '9' {
					j++
				}
				frac := s[i+1 : j]
				if len(frac) > 9 {
					frac = frac[:9]
				}
				for len(frac) < 9 {
					frac += "0"
				}
				nanos, _ = strconv.Atoi(frac)
				i = j
			}
		}
	}
	zone := loc
	if rest := strings.TrimSpace(s[i:]); rest != "" {
		switch {
		case rest == "Z" || rest == "UTC" || rest == "GMT":
			zone = time.UTC
		case rest[0] == '+' || rest[0] == '-':
			r := strings.ReplaceAll(rest[1:], ":", "")
			if len(r) != 4 && len(r) != 2 {
				return 0, false
			}
			hh, err1 := strconv.Atoi(r[:2])
			mm := 0
			var err2 error
			if len(r) == 4 {
				mm, err2 = strconv.Atoi(r[2:])
			}
			if err1 != nil || err2 != nil {
				return 0, false
			}
			off := hh*3600 + mm*60
			if rest[0] == '-' {
				off = -off
			}
			zone = time.FixedZone("", off)
		default:
			z, err := time.LoadLocation(rest)
			if err != nil {
				return 0, false
			}
			zone = z
		}
	}
	if mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return 0, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, nanos, zone)
	if t.Day() != d {
		return 0, false
	}
	return t.UnixMicro(), true
}

// formatTimestamp is Spark's text of a timestamp (CAST AS STRING, show()):
// yyyy-MM-dd HH:mm:ss with the fraction only as long as needed.
func formatTimestamp(us int64, loc *time.Location) string {
	t := time.UnixMicro(us).In(loc)
	s := t.Format("2006-01-02 15:04:05")
	if f := t.Nanosecond() / 1000; f != 0 {
		fs := strings.TrimRight(strconv.Itoa(1000000 + f)[1:], "0")
		s += "." + fs
	}
	return s
}

// formatJSONTimestamp is to_json's timestamp: yyyy-MM-dd'T'HH:mm:ss.SSSXXX
// in the session zone (Z for UTC).
func formatJSONTimestamp(us int64, loc *time.Location) string {
	t := time.UnixMicro(us).In(loc)
	return t.Format("2006-01-02T15:04:05.000Z07:00")
}

// --- JSON -----------------------------------------------------------------

// fromJSON parses text into a value of type t the way Spark's from_json
// does in PERMISSIVE mode: malformed JSON gives a struct of NULLs, a
// field of the wrong type is NULL, unknown fields are ignored.
func fromJSON(text string, t types.Type, loc *time.Location) types.Value {
	var raw any
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || dec.More() {
		if t.Kind == types.Struct {
			return types.StructV(make([]types.Value, len(t.Fields)))
		}
		return types.NullValue
	}
	if t.Kind == types.Struct {
		if _, ok := raw.(map[string]any); !ok {
			return types.StructV(make([]types.Value, len(t.Fields)))
		}
	}
	return jsonValue(raw, t, loc)
}

func jsonValue(raw any, t types.Type, loc *time.Location) types.Value {
	if raw == nil {
		return types.NullValue
	}
	switch t.Kind {
	case types.String:
		switch x := raw.(type) {
		case string:
			return types.StringV(x)
		case json.Number:
			return types.StringV(x.String())
		default:
			b, _ := json.Marshal(x)
			return types.StringV(string(b))
		}
	case types.Boolean:
		if b, ok := raw.(bool); ok {
			return types.BoolV(b)
		}
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		if n, ok := raw.(json.Number); ok {
			i, err := strconv.ParseInt(n.String(), 10, 64)
			if err != nil {
				return types.NullValue
			}
			lo, hi := intRange(t.Kind)
			if i < lo || i > hi {
				return types.NullValue
			}
			return types.IntOf(t.Kind, i)
		}
	case types.Float, types.Double:
		switch x := raw.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(x.String(), 64)
			if err != nil {
				return types.NullValue
			}
			if t.Kind == types.Float {
				return types.FloatV(f)
			}
			return types.DoubleV(f)
		case string:
			switch x {
			case "NaN":
				return types.DoubleV(math.NaN())
			case "Infinity", "+Infinity":
				return types.DoubleV(math.Inf(1))
			case "-Infinity":
				return types.DoubleV(math.Inf(-1))
			}
		}
	case types.Decimal:
		if n, ok := raw.(json.Number); ok {
			u, err := types.ParseDecimal(n.String(), t.Scale)
			if err == nil {
				return types.DecimalV(u, t.Scale)
			}
		}
	case types.TimestampLTZ, types.Timestamp:
		if s, ok := raw.(string); ok {
			zone := loc
			if t.Kind == types.Timestamp {
				zone = time.UTC
			}
			if us, ok := parseTimestamp(s, zone); ok {
				return types.Value{K: t.Kind, I: us}
			}
		}
	case types.Date:
		if s, ok := raw.(string); ok {
			if us, ok := parseTimestamp(s, time.UTC); ok {
				return types.DateV(expr.FloorDiv(us, types.MicrosPerDay))
			}
		}
	case types.Bytes:
		if s, ok := raw.(string); ok {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return types.BytesV(b)
			}
		}
	case types.Array:
		if xs, ok := raw.([]any); ok {
			out := make([]types.Value, len(xs))
			for i, x := range xs {
				out[i] = jsonValue(x, *t.Elem, loc)
			}
			return types.ArrayV(out)
		}
	case types.Map:
		if m, ok := raw.(map[string]any); ok {
			mv := &types.MapValue{}
			for k, v := range m {
				mv.Keys = append(mv.Keys, types.StringV(k))
				mv.Vals = append(mv.Vals, jsonValue(v, *t.Elem, loc))
			}
			return types.MapV(mv)
		}
	case types.Struct:
		if m, ok := raw.(map[string]any); ok {
			out := make([]types.Value, len(t.Fields))
			for i, f := range t.Fields {
				if v, ok := m[f.Name]; ok {
					out[i] = jsonValue(v, f.Type, loc)
				}
			}
			return types.StructV(out)
		}
	}
	return types.NullValue
}

func intRange(k types.Kind) (int64, int64) {
	switch k {
	case types.TinyInt:
		return math.MinInt8, math.MaxInt8
	case types.SmallInt:
		return math.MinInt16, math.MaxInt16
	case types.Int:
		return math.MinInt32, math.MaxInt32
	}
	return math.MinInt64, math.MaxInt64
}

func timeUTC() *time.Location { return time.UTC }

// appendJSON writes v as Spark's to_json does: struct fields in order,
// NULL fields left out (spark.sql.jsonGenerator.ignoreNullFields),
// timestamps as yyyy-MM-dd'T'HH:mm:ss.SSSXXX in the session zone, doubles
// as Java prints them.
func appendJSON(dst []byte, v types.Value, t types.Type, loc *time.Location) []byte {
	if v.IsNull() {
		return append(dst, "null"...)
	}
	switch t.Kind {
	case types.Struct:
		dst = append(dst, '{')
		first := true
		for i, f := range t.Fields {
			e := v.Elems()
			if i >= len(e) || e[i].IsNull() {
				continue
			}
			if !first {
				dst = append(dst, ',')
			}
			first = false
			dst = types.AppendJSONString(dst, f.Name)
			dst = append(dst, ':')
			dst = appendJSON(dst, e[i], f.Type, loc)
		}
		return append(dst, '}')
	case types.Array:
		dst = append(dst, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, e, *t.Elem, loc)
		}
		return append(dst, ']')
	case types.Map:
		dst = append(dst, '{')
		m := v.MapVal()
		for i := range m.Keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = types.AppendJSONString(dst, expr.ToText(m.Keys[i], *t.Key, expr.TextSQL))
			dst = append(dst, ':')
			dst = appendJSON(dst, m.Vals[i], *t.Elem, loc)
		}
		return append(dst, '}')
	case types.String:
		return types.AppendJSONString(dst, v.S)
	case types.TimestampLTZ:
		return types.AppendJSONString(dst, formatJSONTimestamp(v.I, loc))
	case types.Timestamp:
		return types.AppendJSONString(dst, time.UnixMicro(v.I).UTC().Format("2006-01-02T15:04:05.000"))
	case types.Date:
		return types.AppendJSONString(dst, time.UnixMicro(v.I*types.MicrosPerDay).UTC().Format("2006-01-02"))
	case types.Bytes:
		return types.AppendJSONString(dst, base64.StdEncoding.EncodeToString([]byte(v.S)))
	case types.Double:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return types.AppendJSONString(dst, types.FormatFloat(f, 64))
		}
		return append(dst, types.FormatFloat(f, 64)...)
	case types.Float:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return types.AppendJSONString(dst, types.FormatFloat(f, 32))
		}
		return append(dst, types.FormatFloat(f, 32)...)
	}
	return append(dst, expr.ToText(v, t, expr.TextSQL)...)
}

// showValue is a value as show() and CAST(... AS STRING) print it.
func showValue(v types.Value, t types.Type, loc *time.Location) string {
	if v.IsNull() {
		return "NULL"
	}
	switch t.Kind {
	case types.Boolean:
		return strconv.FormatBool(v.Bool())
	case types.TimestampLTZ:
		return formatTimestamp(v.I, loc)
	case types.Timestamp:
		return formatTimestamp(v.I, time.UTC)
	case types.Double:
		return types.FormatFloat(v.Float(), 64)
	case types.Float:
		return types.FormatFloat(v.Float(), 32)
	case types.Bytes:
		var sb strings.Builder
		sb.WriteByte('[')
		for i := 0; i < len(v.S); i++ {
			if i > 0 {
				sb.WriteByte(' ')
			}
			sb.WriteString(strings.ToUpper(strconv.FormatInt(int64(v.S[i])+0x100, 16)[1:]))
		}
		sb.WriteByte(']')
		return sb.String()
	case types.Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = showValue(v.Elems()[i], f.Type, loc)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case types.Array:
		parts := make([]string, len(v.Elems()))
		for i, e := range v.Elems() {
			parts[i] = showValue(e, *t.Elem, loc)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case types.Map:
		m := v.MapVal()
		parts := make([]string, len(m.Keys))
		for i := range m.Keys {
			parts[i] = showValue(m.Keys[i], *t.Key, loc) + " -> " + showValue(m.Vals[i], *t.Elem, loc)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return expr.ToText(v, t, expr.TextSQL)
}

// ShowValue is a value as Spark's show() prints it, in the zone loc.
func ShowValue(v types.Value, t types.Type, loc *time.Location) string { return showValue(v, t, loc) }
