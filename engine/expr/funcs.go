package expr

import (
	"regexp"
	"strings"
	"sync"
	"time"

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

// FunctionNames lists the library's scalar functions (for HELP and
// completion); a dialect's registry may bind some to variants, never add
// or remove names.
func FunctionNames() []string { return defaultFunctions.Names() }

// IsFunction reports whether name is a known scalar function.
func IsFunction(name string) bool { return defaultFunctions.Has(name) }

// HasFunction reports whether env's registry (the library when env has
// none) knows the scalar function name.
func HasFunction(name string, env *Env) bool { return env.functions().Has(name) }

// NewFunc builds a call of the named scalar function, as env's registry
// (the library when env has none) binds it.
func NewFunc(name string, args []Expr, env *Env) (Expr, error) {
	written := name
	name = strings.ToUpper(name)
	def, ok := env.functions().lookup(name)
	if !ok {
		if env.sem().Messages == MessagesKSQL {
			return nil, typeErr("Can't find any functions with the name '%s'", name)
		}
		// The name as the query wrote it, as Flink (Calcite) says it.
		return nil, typeErr("No match found for function signature %s(%s)", written, argFamilies(args))
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

// argFamilies renders the arguments' types by their families, as
// Calcite's "No match found for function signature f(<NUMERIC>,
// <CHARACTER>)" names them.
func argFamilies(args []Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = "<" + typeFamily(a.Type()) + ">"
	}
	return strings.Join(parts, ", ")
}

// typeFamily is the name of Calcite's family of t.
func typeFamily(t types.Type) string {
	switch t.Kind {
	case types.String:
		return "CHARACTER"
	case types.Bytes:
		return "BINARY"
	case types.TimestampLTZ:
		return "TIMESTAMP"
	case types.IntervalDayTime:
		return "INTERVAL_DAY_TIME"
	case types.IntervalYearMonth:
		return "INTERVAL_YEAR_MONTH"
	}
	if t.Kind.IsNumeric() {
		return "NUMERIC"
	}
	return t.Kind.String()
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
	first, sawNull := true, false
	for _, t := range ts {
		if t.Kind == types.Null {
			sawNull = true
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
	if sawNull { // a NULL literal among them: the common type takes NULL
		out.NotNull = false
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
	registerStringFuncs()
	registerMathFuncs()
	registerTimeFuncs()
	registerCollectionFuncs()
	registerJSONFuncs()
	registerURLFuncs()
	registerConditionals()
}

func registerConditionals() {
	greater := func(c int) bool { return c > 0 }
	less := func(c int) bool { return c < 0 }
	register("GREATEST", greatest("GREATEST", greater, false))
	register("LEAST", greatest("LEAST", less, false))
	registerVariant(GreatestSkipsNulls, greatest("GREATEST", greater, true))
	registerVariant(LeastSkipsNulls, greatest("LEAST", less, true))

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
			if !a[0].IsNull() && !a[1].IsNull() && sqlEquals(a[0], a[1]) {
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
}

// greatest is GREATEST or LEAST (pick tells whether a value is better
// than the best so far). By default a NULL argument makes the result NULL
// and the arguments compare in their common type (Flink). With skipNulls
// (ksqlDB) NULLs are skipped and the type is that of ksqlDB's overloads
// (greatestOverloadType).
func greatest(name string, pick func(c int) bool, skipNulls bool) *funcDef {
	return &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, func([]types.Value) types.Value, error) {
		t, err := greatestType(env, name, args, skipNulls)
		if err != nil {
			return types.Type{}, nil, err
		}
		convs := make([]func(types.Value) (types.Value, bool), len(args))
		for i, a := range args {
			if convs[i], err = Converter(a.Type(), t, env); err != nil {
				return types.Type{}, nil, argErr(env, name, args)
			}
		}
		return t, func(a []types.Value) types.Value {
			var best types.Value
			for i, v := range a {
				if v.IsNull() {
					if skipNulls {
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
	}}
}

// greatestType is the type GREATEST / LEAST compare in: the common type,
// or with overloads ksqlDB's typed overloads: one numeric kind, or DOUBLE
// when a DOUBLE is among them, or DECIMALs widened to hold them all (INT
// with BIGINT is ambiguous there, and refused); string literals among
// DATE, TIME or TIMESTAMP arguments are read as that type.
func greatestType(env *Env, name string, args []Expr, overloads bool) (types.Type, error) {
	var ts []types.Type
	for _, a := range args {
		if a.Type().Kind != types.Null {
			ts = append(ts, a.Type())
		}
	}
	if len(ts) == 0 {
		return types.Type{}, argErr(env, name, args)
	}
	if !overloads {
		t, ok := CommonType(ts...)
		if !ok {
			return types.Type{}, argErr(env, name, args)
		}
		return t.Nullable(), nil
	}
	var temporal *types.Type
	for i := range ts {
		if ts[i].Kind.IsTemporal() {
			temporal = &ts[i]
		}
	}
	if temporal != nil {
		for _, a := range args {
			k := a.Type().Kind
			if k == types.Null || k == temporal.Kind {
				continue
			}
			if _, ok := constString(a); !ok {
				return types.Type{}, argErr(env, name, args)
			}
		}
		return temporal.Nullable(), nil
	}
	first := ts[0]
	same, anyDouble, allDecimal, allNumeric := true, false, true, true
	p, sc := 0, 0
	for _, t := range ts {
		same = same && t.Kind == first.Kind
		anyDouble = anyDouble || t.Kind == types.Double || t.Kind == types.Float
		allNumeric = allNumeric && t.Kind.IsNumeric()
		allDecimal = allDecimal && t.Kind == types.Decimal
		if t.Kind == types.Decimal {
			p, sc = max(p, t.Precision-t.Scale), max(sc, t.Scale)
		}
	}
	switch {
	case allDecimal:
		return types.DecimalType(min(p+sc, 38), sc), nil
	case same:
		return first.Nullable(), nil
	case allNumeric && anyDouble:
		return types.TDouble, nil
	}
	return types.Type{}, argErr(env, name, args)
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
	def, ok := library[name]
	return !ok || !def.nondeterministic
}
