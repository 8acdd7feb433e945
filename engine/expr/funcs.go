package expr

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/tumble/tumble/engine/types"
)

// builder checks argument types and returns the result type and the
// implementation. It may keep per-call state (a compiled regexp) in the
// closure; closures must be safe for concurrent use.
type builder func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error)

type funcDef struct {
	build builder
	// lazy: NULL arguments are passed to the implementation.
	lazy bool
	// nondeterministic functions are never constant-folded.
	nondeterministic bool
}

var registry = map[string]*funcDef{}

func register(names string, def *funcDef) {
	for _, n := range strings.Split(names, ",") {
		registry[strings.TrimSpace(n)] = def
	}
}

// FunctionNames lists the registered scalar functions (for HELP and completion).
func FunctionNames() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsFunction reports whether name is a known scalar function.
func IsFunction(name string) bool { _, ok := registry[strings.ToUpper(name)]; return ok }

// NewFunc builds a call of the named scalar function.
func NewFunc(name string, args []Expr, env *Env) (Expr, error) {
	name = strings.ToUpper(name)
	def, ok := registry[name]
	if !ok {
		return nil, typeErr("No match found for function signature %s(%s)", name, argTypes(args))
	}
	t, fn, err := def.build(env, args)
	if err != nil {
		return nil, err
	}
	return &Call{Name: name, Args: args, T: t, Fn: fn, Strict: !def.lazy}, nil
}

func argTypes(args []Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "<" + a.Type().String() + ">"
	}
	return strings.Join(parts, ", ")
}

func wantArgs(name string, args []Expr, lo, hi int) error {
	if len(args) < lo || len(args) > hi {
		return typeErr("Invalid number of arguments to function '%s'. Was expecting %d arguments", name, lo)
	}
	return nil
}

func isStr(t types.Type) bool { return t.Kind == types.String || t.Kind == types.Null }
func isNum(t types.Type) bool { return t.Kind.IsNumeric() || t.Kind == types.Null }
func isTS(t types.Type) bool {
	return t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ || t.Kind == types.Null
}

func strFunc(name string, n int, f func(a []types.Value) types.Value) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs(name, args, n, n); err != nil {
			return types.Type{}, nil, err
		}
		for _, a := range args {
			if !isStr(a.Type()) {
				return types.Type{}, nil, typeErr("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, argTypes(args))
			}
		}
		return types.TString, f, nil
	}}
}

// CommonType returns the type all of ts can be converted to.
func CommonType(ts ...types.Type) (types.Type, bool) {
	var out types.Type
	first := true
	for _, t := range ts {
		if t.Kind == types.Null {
			continue
		}
		if first {
			out, first = t, false
			continue
		}
		switch {
		case out.Kind == t.Kind && out.Kind != types.Decimal:
			out.NotNull = out.NotNull && t.NotNull
			if t.Precision > out.Precision {
				out.Precision = t.Precision
			}
		case out.Kind.IsNumeric() && t.Kind.IsNumeric():
			r, _ := NumericResult(out, t)
			out = r
		case (out.Kind == types.Timestamp || out.Kind == types.TimestampLTZ) && (t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ):
			out.NotNull = out.NotNull && t.NotNull
		default:
			return types.Type{}, false
		}
	}
	if first {
		return types.TNull, true
	}
	return out, true
}

// Coerce casts e to t if needed (for CASE branches, COALESCE, sinks).
func Coerce(e Expr, t types.Type, env *Env) (Expr, error) {
	et := e.Type()
	if et.Kind == t.Kind && sameShape(et, t) {
		return e, nil
	}
	if et.Kind == types.Null {
		return &Const{V: types.NullValue, T: t.Nullable()}, nil
	}
	return NewCast(e, t, false, env)
}

func init() {
	register("UPPER,UCASE", strFunc("UPPER", 1, func(a []types.Value) types.Value { return types.StringV(strings.ToUpper(a[0].S)) }))
	register("LOWER,LCASE", strFunc("LOWER", 1, func(a []types.Value) types.Value { return types.StringV(strings.ToLower(a[0].S)) }))
	register("TRIM,BTRIM", strFunc("TRIM", 1, func(a []types.Value) types.Value { return types.StringV(strings.TrimSpace(a[0].S)) }))
	register("LTRIM", strFunc("LTRIM", 1, func(a []types.Value) types.Value { return types.StringV(strings.TrimLeftFunc(a[0].S, unicode.IsSpace)) }))
	register("RTRIM", strFunc("RTRIM", 1, func(a []types.Value) types.Value {
		return types.StringV(strings.TrimRightFunc(a[0].S, unicode.IsSpace))
	}))
	register("REVERSE", strFunc("REVERSE", 1, func(a []types.Value) types.Value {
		r := []rune(a[0].S)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return types.StringV(string(r))
	}))
	register("INITCAP", strFunc("INITCAP", 1, func(a []types.Value) types.Value {
		var sb strings.Builder
		up := true
		for _, r := range a[0].S {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				if up {
					sb.WriteRune(unicode.ToUpper(r))
				} else {
					sb.WriteRune(unicode.ToLower(r))
				}
				up = false
			} else {
				sb.WriteRune(r)
				up = true
			}
		}
		return types.StringV(sb.String())
	}))
	register("REPLACE", strFunc("REPLACE", 3, func(a []types.Value) types.Value {
		return types.StringV(strings.ReplaceAll(a[0].S, a[1].S, a[2].S))
	}))
	register("MD5", strFunc("MD5", 1, func(a []types.Value) types.Value {
		s := md5.Sum([]byte(a[0].S))
		return types.StringV(hex.EncodeToString(s[:]))
	}))
	register("SHA256", strFunc("SHA256", 1, func(a []types.Value) types.Value {
		s := sha256.Sum256([]byte(a[0].S))
		return types.StringV(hex.EncodeToString(s[:]))
	}))
	register("TO_BASE64", strFunc("TO_BASE64", 1, func(a []types.Value) types.Value {
		return types.StringV(base64.StdEncoding.EncodeToString([]byte(a[0].S)))
	}))
	register("FROM_BASE64", strFunc("FROM_BASE64", 1, func(a []types.Value) types.Value {
		b, err := base64.StdEncoding.DecodeString(a[0].S)
		if err != nil {
			return types.NullValue
		}
		return types.StringV(string(b))
	}))
	register("CHAR_LENGTH,CHARACTER_LENGTH,LENGTH,LEN", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("CHAR_LENGTH", args, 1, 1); err != nil {
			return types.Type{}, nil, err
		}
		t := types.TInt
		if env != nil && env.KSQL {
			t = types.TInt
		}
		return t, func(a []types.Value) types.Value { return types.IntV(int64(utf8.RuneCountInString(a[0].S))) }, nil
	}})
	register("CONCAT", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		ksql := env != nil && env.KSQL
		return types.TString, func(a []types.Value) types.Value {
			var sb strings.Builder
			for i, v := range a {
				if v.IsNull() {
					if ksql {
						continue
					}
					return types.NullValue
				}
				sb.WriteString(ToText(v, args[i].Type(), ksql))
			}
			return types.StringV(sb.String())
		}, nil
	}})
	register("CONCAT_WS", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if len(args) < 1 {
			return types.Type{}, nil, typeErr("CONCAT_WS needs a separator")
		}
		return types.TString, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			parts := make([]string, 0, len(a)-1)
			for _, v := range a[1:] {
				if !v.IsNull() {
					parts = append(parts, v.String())
				}
			}
			return types.StringV(strings.Join(parts, a[0].S))
		}, nil
	}})
	register("SUBSTRING,SUBSTR", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("SUBSTRING", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		return types.TString, func(a []types.Value) types.Value {
			r := []rune(a[0].S)
			n := int64(len(r))
			pos := a[1].Int()
			if pos < 0 {
				pos = n + pos + 1
			}
			if pos < 1 {
				pos = 1
			}
			end := n
			if len(a) == 3 {
				l := a[2].Int()
				if l < 0 {
					return types.StringV("")
				}
				end = min(pos-1+l, n)
			}
			if pos > n || end < pos-1 {
				return types.StringV("")
			}
			return types.StringV(string(r[pos-1 : end]))
		}, nil
	}})
	register("LEFT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TString, func(a []types.Value) types.Value {
			r := []rune(a[0].S)
			n := int(max(0, min(a[1].Int(), int64(len(r)))))
			return types.StringV(string(r[:n]))
		}, wantArgs("LEFT", args, 2, 2)
	}})
	register("RIGHT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TString, func(a []types.Value) types.Value {
			r := []rune(a[0].S)
			n := int(max(0, min(a[1].Int(), int64(len(r)))))
			return types.StringV(string(r[len(r)-n:]))
		}, wantArgs("RIGHT", args, 2, 2)
	}})
	register("REPEAT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(strings.Repeat(a[0].S, int(max(0, a[1].Int()))))
		}, wantArgs("REPEAT", args, 2, 2)
	}})
	pad := func(left bool) builder {
		return func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			return types.TString, func(a []types.Value) types.Value {
				s, n, p := []rune(a[0].S), int(a[1].Int()), []rune(a[2].S)
				if n < 0 {
					return types.NullValue
				}
				if n <= len(s) {
					return types.StringV(string(s[:n]))
				}
				if len(p) == 0 {
					return types.StringV(string(s))
				}
				fill := make([]rune, 0, n-len(s))
				for len(fill) < n-len(s) {
					fill = append(fill, p[len(fill)%len(p)])
				}
				if left {
					return types.StringV(string(fill) + string(s))
				}
				return types.StringV(string(s) + string(fill))
			}, wantArgs("LPAD", args, 3, 3)
		}
	}
	register("LPAD", &funcDef{build: pad(true)})
	register("RPAD", &funcDef{build: pad(false)})
	register("POSITION", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		// POSITION(needle IN haystack) arrives as (needle, haystack)
		return types.TInt, func(a []types.Value) types.Value {
			i := strings.Index(a[1].S, a[0].S)
			if i < 0 {
				return types.IntV(0)
			}
			return types.IntV(int64(utf8.RuneCountInString(a[1].S[:i]) + 1))
		}, wantArgs("POSITION", args, 2, 2)
	}})
	register("LOCATE", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TInt, func(a []types.Value) types.Value {
			hay := []rune(a[1].S)
			start := 0
			if len(a) == 3 {
				start = int(a[2].Int()) - 1
			}
			if start < 0 || start > len(hay) {
				return types.IntV(0)
			}
			i := strings.Index(string(hay[start:]), a[0].S)
			if i < 0 {
				return types.IntV(0)
			}
			return types.IntV(int64(start + utf8.RuneCountInString(string(hay[start:])[:i]) + 1))
		}, wantArgs("LOCATE", args, 2, 3)
	}})
	register("INSTR", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TInt, func(a []types.Value) types.Value {
			i := strings.Index(a[0].S, a[1].S)
			if i < 0 {
				return types.IntV(0)
			}
			return types.IntV(int64(utf8.RuneCountInString(a[0].S[:i]) + 1))
		}, wantArgs("INSTR", args, 2, 4)
	}})
	register("SPLIT_INDEX", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TString, func(a []types.Value) types.Value {
			parts := strings.Split(a[0].S, a[1].S)
			i := a[2].Int()
			if i < 0 || i >= int64(len(parts)) {
				return types.NullValue
			}
			return types.StringV(parts[i])
		}, wantArgs("SPLIT_INDEX", args, 3, 3)
	}})
	register("REGEXP_EXTRACT", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("REGEXP_EXTRACT", args, 2, 3); err != nil {
			return types.Type{}, nil, err
		}
		cache := newRegexCache()
		ksql := env != nil && env.KSQL
		return types.TString, func(a []types.Value) types.Value {
			// Flink: (str, regex[, idx]); ksqlDB: (regex, str[, idx])
			str, pat := a[0].S, a[1].S
			if ksql {
				str, pat = pat, str
			}
			re := cache.get(pat)
			if re == nil {
				return types.NullValue
			}
			idx := 0
			if len(a) == 3 {
				idx = int(a[2].Int())
			} else if !ksql {
				idx = 1
			}
			m := re.FindStringSubmatch(str)
			if m == nil || idx >= len(m) || idx < 0 {
				return types.NullValue
			}
			return types.StringV(m[idx])
		}, nil
	}})
	register("REGEXP_REPLACE", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		cache := newRegexCache()
		return types.TString, func(a []types.Value) types.Value {
			re := cache.get(a[1].S)
			if re == nil {
				return types.NullValue
			}
			return types.StringV(re.ReplaceAllString(a[0].S, javaReplacement(a[2].S)))
		}, wantArgs("REGEXP_REPLACE", args, 3, 3)
	}})
	register("REGEXP", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		cache := newRegexCache()
		return types.TBool, func(a []types.Value) types.Value {
			re := cache.get(a[1].S)
			if re == nil {
				return types.NullValue
			}
			return types.BoolV(re.MatchString(a[0].S))
		}, wantArgs("REGEXP", args, 2, 2)
	}})
	register("ASCII", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TInt, func(a []types.Value) types.Value {
			if a[0].S == "" {
				return types.IntV(0)
			}
			return types.IntV(int64(a[0].S[0]))
		}, wantArgs("ASCII", args, 1, 1)
	}})
	register("CHR", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(string(rune(a[0].Int())))
		}, wantArgs("CHR", args, 1, 1)
	}})

	// Math.
	register("ABS", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("ABS", args, 1, 1); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		if !isNum(t) {
			return types.Type{}, nil, typeErr("Cannot apply 'ABS' to arguments of type 'ABS(<%s>)'", t)
		}
		return t, func(a []types.Value) types.Value {
			v := a[0]
			switch v.K {
			case types.Float, types.Double:
				return types.Value{K: v.K, I: int64(math.Float64bits(math.Abs(v.Float())))}
			}
			if v.I < 0 {
				v.I = -v.I
			}
			return v
		}, nil
	}})
	register("MOD", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("MOD", args, 2, 2); err != nil {
			return types.Type{}, nil, err
		}
		e, err := NewArith("%", args[0], args[1], env)
		if err != nil {
			return types.Type{}, nil, err
		}
		b := e.(*Bin)
		return b.T, func(a []types.Value) types.Value { return b.Fn(a[0], a[1]) }, nil
	}})
	unaryF := func(name string, f func(float64) float64) {
		register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			if err := wantArgs(name, args, 1, 1); err != nil {
				return types.Type{}, nil, err
			}
			if !isNum(args[0].Type()) {
				return types.Type{}, nil, typeErr("Cannot apply '%s' to arguments of type '%s(<%s>)'", name, name, args[0].Type())
			}
			return types.TDouble, func(a []types.Value) types.Value { return types.DoubleV(f(a[0].Float())) }, nil
		}})
	}
	unaryF("SQRT", math.Sqrt)
	unaryF("LN", math.Log)
	unaryF("LOG10", math.Log10)
	unaryF("LOG2", math.Log2)
	unaryF("EXP", math.Exp)
	unaryF("SIN", math.Sin)
	unaryF("COS", math.Cos)
	unaryF("TAN", math.Tan)
	unaryF("DEGREES", func(x float64) float64 { return x * 180 / math.Pi })
	unaryF("RADIANS", func(x float64) float64 { return x * math.Pi / 180 })
	unaryF("CBRT", math.Cbrt)
	register("LOG", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TDouble, func(a []types.Value) types.Value {
			if len(a) == 1 {
				return types.DoubleV(math.Log(a[0].Float()))
			}
			return types.DoubleV(math.Log(a[1].Float()) / math.Log(a[0].Float()))
		}, wantArgs("LOG", args, 1, 2)
	}})
	register("POWER,POW", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TDouble, func(a []types.Value) types.Value {
			return types.DoubleV(math.Pow(a[0].Float(), a[1].Float()))
		}, wantArgs("POWER", args, 2, 2)
	}})
	register("PI", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TDouble, func(a []types.Value) types.Value { return types.DoubleV(math.Pi) }, wantArgs("PI", args, 0, 0)
	}})
	register("SIGN", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("SIGN", args, 1, 1); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		return t, func(a []types.Value) types.Value {
			f := a[0].Float()
			s := 0.0
			if f > 0 {
				s = 1
			} else if f < 0 {
				s = -1
			}
			switch a[0].K {
			case types.Float, types.Double:
				return types.Value{K: a[0].K, I: int64(math.Float64bits(s))}
			case types.Decimal:
				return types.DecimalV(int64(s)*types.Pow10(int(a[0].Scale)), int(a[0].Scale))
			}
			return types.IntOf(a[0].K, int64(s))
		}, nil
	}})
	floorCeil := func(name string, f func(float64) float64) {
		register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			if err := wantArgs(name, args, 1, 1); err != nil {
				return types.Type{}, nil, err
			}
			t := args[0].Type()
			switch {
			case t.Kind.IsInteger():
				return t, func(a []types.Value) types.Value { return a[0] }, nil
			case t.Kind == types.Decimal:
				rt := types.DecimalType(t.Precision-t.Scale+1, 0)
				return rt, func(a []types.Value) types.Value {
					d := types.Pow10(int(a[0].Scale))
					return types.DecimalV(int64(f(float64(a[0].I)/float64(d))), 0)
				}, nil
			case t.Kind == types.Float || t.Kind == types.Double:
				return t, func(a []types.Value) types.Value {
					return types.Value{K: a[0].K, I: int64(math.Float64bits(f(a[0].Float())))}
				}, nil
			}
			return types.Type{}, nil, typeErr("Cannot apply '%s' to arguments of type '%s(<%s>)'", name, name, t)
		}})
	}
	floorCeil("FLOOR", math.Floor)
	floorCeil("CEIL", math.Ceil)
	floorCeil("CEILING", math.Ceil)
	register("ROUND", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("ROUND", args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		ksql := env != nil && env.KSQL
		if !isNum(t) {
			return types.Type{}, nil, typeErr("Cannot apply 'ROUND' to arguments of type 'ROUND(<%s>)'", t)
		}
		rt := t
		if t.Kind == types.Decimal {
			if len(args) == 1 {
				rt = types.DecimalType(t.Precision-t.Scale+1, 0)
			} else if c, ok := args[1].(*Const); ok {
				s := int(c.V.Int())
				rt = types.DecimalType(min(t.Precision-t.Scale+s+1, 38), min(max(s, 0), t.Scale))
			}
		}
		if ksql && len(args) == 1 && (t.Kind == types.Double || t.Kind == types.Float) {
			rt = types.TBigInt
		}
		return rt, func(a []types.Value) types.Value {
			d := int64(0)
			if len(a) == 2 {
				d = a[1].Int()
			}
			v := a[0]
			switch v.K {
			case types.Float, types.Double:
				p := math.Pow10(int(d))
				r := roundHalfUp(v.Float()*p) / p
				if rt.Kind == types.BigInt {
					return types.BigIntV(int64(r))
				}
				return types.Value{K: v.K, I: int64(math.Float64bits(r))}
			case types.Decimal:
				s := rt.Scale
				u := types.Rescale(v.I, int(v.Scale), int(min(d, int64(v.Scale))))
				return types.DecimalV(types.Rescale(u, int(min(d, int64(v.Scale))), s), s)
			default:
				if d >= 0 {
					return v
				}
				p := types.Pow10(int(-d))
				return types.IntOf(v.K, types.Rescale(v.I, int(-d), 0)*p)
			}
		}, nil
	}})
	register("TRUNCATE", &funcDef{build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("TRUNCATE", args, 1, 2); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		return t, func(a []types.Value) types.Value {
			d := int64(0)
			if len(a) == 2 {
				d = a[1].Int()
			}
			v := a[0]
			switch v.K {
			case types.Float, types.Double:
				p := math.Pow10(int(d))
				return types.Value{K: v.K, I: int64(math.Float64bits(math.Trunc(v.Float()*p) / p))}
			case types.Decimal:
				if d < int64(v.Scale) {
					q := types.Pow10(int(int64(v.Scale) - d))
					v.I = v.I / q * q
				}
				return v
			}
			return v
		}, nil
	}})
	register("RAND,RANDOM", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		return types.TDouble, func(a []types.Value) types.Value { return types.DoubleV(randFloat()) }, nil
	}})
	greatest := func(name string, pick func(c int) bool) {
		register(name, &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
			ts := make([]types.Type, len(args))
			for i, a := range args {
				ts[i] = a.Type()
			}
			t, ok := CommonType(ts...)
			if !ok || len(args) == 0 {
				return types.Type{}, nil, typeErr("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, argTypes(args))
			}
			convs := make([]func(types.Value) (types.Value, bool), len(args))
			for i, a := range args {
				convs[i], _ = Converter(a.Type(), t, env)
			}
			ksql := env != nil && env.KSQL
			return t, func(a []types.Value) types.Value {
				var best types.Value
				for i, v := range a {
					if v.IsNull() {
						if ksql {
							continue
						}
						return types.NullValue
					}
					v, _ = convs[i](v)
					if best.IsNull() || pick(types.Compare(v, best)) {
						best = v
					}
				}
				return best
			}, nil
		}})
	}
	greatest("GREATEST", func(c int) bool { return c > 0 })
	greatest("LEAST", func(c int) bool { return c < 0 })

	// Conditionals.
	register("COALESCE,IFNULL,NVL", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if len(args) == 0 {
			return types.Type{}, nil, typeErr("COALESCE needs arguments")
		}
		ts := make([]types.Type, len(args))
		nn := false
		for i, a := range args {
			ts[i] = a.Type()
			nn = nn || ts[i].NotNull
		}
		t, ok := CommonType(ts...)
		if !ok {
			return types.Type{}, nil, typeErr("Cannot apply 'COALESCE' to arguments of type 'COALESCE(%s)'", argTypes(args))
		}
		t.NotNull = nn
		convs := make([]func(types.Value) (types.Value, bool), len(args))
		for i, a := range args {
			convs[i], _ = Converter(a.Type(), t, env)
		}
		return t, func(a []types.Value) types.Value {
			for i, v := range a {
				if !v.IsNull() {
					out, _ := convs[i](v)
					return out
				}
			}
			return types.NullValue
		}, nil
	}})
	register("NULLIF", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("NULLIF", args, 2, 2); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			if !a[0].IsNull() && !a[1].IsNull() && types.Equal(a[0], a[1]) {
				return types.NullValue
			}
			return a[0]
		}, nil
	}})
	register("IF", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		if err := wantArgs("IF", args, 3, 3); err != nil {
			return types.Type{}, nil, err
		}
		t, ok := CommonType(args[1].Type(), args[2].Type())
		if !ok {
			return types.Type{}, nil, typeErr("Cannot apply 'IF' to arguments of type 'IF(%s)'", argTypes(args))
		}
		c1, _ := Converter(args[1].Type(), t, env)
		c2, _ := Converter(args[2].Type(), t, env)
		return t, func(a []types.Value) types.Value {
			if a[0].Bool() {
				if a[1].IsNull() {
					return a[1]
				}
				v, _ := c1(a[1])
				return v
			}
			if a[2].IsNull() {
				return a[2]
			}
			v, _ := c2(a[2])
			return v
		}, nil
	}})
	registerTimeFuncs()
}

func roundHalfUp(f float64) float64 {
	if f < 0 {
		return -math.Floor(-f + 0.5)
	}
	return math.Floor(f + 0.5)
}

// javaReplacement converts Java's $1 group references (already Go's syntax)
// and escapes; Go uses ${1} for safety.
func javaReplacement(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '$' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			sb.WriteString("${")
			sb.WriteByte(s[i+1])
			sb.WriteString("}")
			i++
			continue
		}
		if s[i] == '\\' && i+1 < len(s) {
			if s[i+1] == '$' {
				sb.WriteString("$$")
			} else {
				sb.WriteByte(s[i+1])
			}
			i++
			continue
		}
		sb.WriteByte(s[i])
	}
	return sb.String()
}

type regexCache struct {
	mu sync.Mutex
	m  map[string]*regexp.Regexp
}

func newRegexCache() *regexCache { return &regexCache{m: map[string]*regexp.Regexp{}} }

func (c *regexCache) get(p string) *regexp.Regexp {
	c.mu.Lock()
	defer c.mu.Unlock()
	if re, ok := c.m[p]; ok {
		return re
	}
	re, err := regexp.Compile(p)
	if err != nil {
		re = nil
	}
	if len(c.m) > 64 {
		c.m = map[string]*regexp.Regexp{}
	}
	c.m[p] = re
	return re
}

var (
	randMu  sync.Mutex
	randSrc = uint64(time.Now().UnixNano())
)

func randFloat() float64 {
	randMu.Lock()
	defer randMu.Unlock()
	randSrc ^= randSrc << 13
	randSrc ^= randSrc >> 7
	randSrc ^= randSrc << 17
	return float64(randSrc>>11) / float64(1<<53)
}

// IsDeterministic reports whether a function gives the same result for the
// same arguments (RAND and the clock functions do not).
func IsDeterministic(name string) bool {
	def, ok := registry[name]
	return !ok || !def.nondeterministic
}
