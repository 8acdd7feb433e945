package expr

import (
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"sync"

	"github.com/tumble/tumble/engine/types"
)

// Numeric functions. Results of the transcendental functions are DOUBLE;
// NaN and infinities come out as Java computes them (LN(0) is -Infinity).

func registerMathFuncs() {
	register("ABS", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ABS", args, 1, isNum); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type(), func(a []types.Value) types.Value {
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
	register("MOD", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "MOD", args, 2, isNum, isNum); err != nil {
			return types.Type{}, nil, err
		}
		e, err := NewArith("%", args[0], args[1], env)
		if err != nil {
			return types.Type{}, nil, err
		}
		b := e.(*Bin)
		return b.T, func(a []types.Value) types.Value { return b.Fn(a[0], a[1]) }, nil
	}})
	unary := func(name string, f func(float64) float64) {
		simple(name, types.TDouble, func(a []types.Value) types.Value { return types.DoubleV(f(a[0].Float())) }, 1, isNum)
	}
	unary("SQRT", math.Sqrt)
	unary("LN", math.Log)
	unary("LOG10", math.Log10)
	unary("LOG2", math.Log2)
	unary("EXP", math.Exp)
	unary("SIN", math.Sin)
	unary("COS", math.Cos)
	unary("TAN", math.Tan)
	unary("COT", func(x float64) float64 { return 1 / math.Tan(x) })
	unary("ASIN", math.Asin)
	unary("ACOS", math.Acos)
	unary("ATAN", math.Atan)
	unary("SINH", math.Sinh)
	unary("COSH", math.Cosh)
	unary("TANH", math.Tanh)
	unary("DEGREES", func(x float64) float64 { return x * (180 / math.Pi) })
	unary("RADIANS", func(x float64) float64 { return x / 180 * math.Pi })
	unary("CBRT", math.Cbrt)
	simple("ATAN2", types.TDouble, func(a []types.Value) types.Value {
		return types.DoubleV(math.Atan2(a[0].Float(), a[1].Float()))
	}, 2, isNum, isNum)
	simple("POWER,POW", types.TDouble, func(a []types.Value) types.Value {
		return types.DoubleV(math.Pow(a[0].Float(), a[1].Float()))
	}, 2, isNum, isNum)
	simple("PI", types.Type{Kind: types.Double, NotNull: true}, func([]types.Value) types.Value { return types.DoubleV(math.Pi) }, 0)
	simple("E", types.Type{Kind: types.Double, NotNull: true}, func([]types.Value) types.Value { return types.DoubleV(math.E) }, 0)
	register("LOG", logFunc(false))
	registerVariant(LogNaNBase, logFunc(true))
	register("SIGN", signFunc(false))
	registerVariant(SignInteger, signFunc(true))
	register("FLOOR", floorCeil("FLOOR", false, false))
	register("CEIL,CEILING", floorCeil("CEIL", true, false))
	registerVariant(FloorKeepsType, floorCeil("FLOOR", false, true))
	registerVariant(CeilKeepsType, floorCeil("CEIL", true, true), "CEIL", "CEILING")
	register("ROUND", roundFunc(false))
	registerVariant(RoundHalfUp, roundFunc(true))
	register("TRUNCATE,TRUNC", truncateFunc(false))
	registerVariant(TruncateKeepsType, truncateFunc(true), "TRUNCATE", "TRUNC")
	register("RAND,RANDOM", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "RAND", args, 0, isInt); err != nil {
			return types.Type{}, nil, err
		}
		if len(args) == 1 {
			next := seededSource()
			return types.TDouble, func(a []types.Value) types.Value { return types.DoubleV(next(a[0].Int()).Float64()) }, nil
		}
		return types.TDouble, func([]types.Value) types.Value { return types.DoubleV(randFloat()) }, nil
	}})
	register("RAND_INTEGER", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "RAND_INTEGER", args, 1, isInt, isInt); err != nil {
			return types.Type{}, nil, err
		}
		if len(args) == 2 {
			next := seededSource()
			return types.TInt, func(a []types.Value) types.Value {
				bound := a[1].Int()
				if bound <= 0 {
					return types.NullValue
				}
				return types.IntV(next(a[0].Int()).Int64N(bound))
			}, nil
		}
		return types.TInt, func(a []types.Value) types.Value {
			bound := a[0].Int()
			if bound <= 0 {
				return types.NullValue
			}
			return types.IntV(int64(randFloat() * float64(bound)))
		}, nil
	}})
}

// seededSource returns a generator per call site that is (re)seeded when
// the seed changes, so that the same seed gives the same sequence.
func seededSource() func(seed int64) *rand.Rand {
	var mu sync.Mutex
	var cur *rand.Rand
	var curSeed int64
	return func(seed int64) *rand.Rand {
		mu.Lock()
		defer mu.Unlock()
		if cur == nil || seed != curSeed {
			cur, curSeed = rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9E3779B97F4A7C15)), seed
		}
		return cur
	}
}

func buildFloorCeil(env *Env, name string, up, keep bool, args []Expr) (types.Type, impl, error) {
	if err := checkSig(env, name, args, 1, isNum); err != nil {
		return types.Type{}, nil, err
	}
	t := args[0].Type()
	f := math.Floor
	if up {
		f = math.Ceil
	}
	switch {
	case t.Kind.IsInteger() || t.Kind == types.Null:
		return t, func(a []types.Value) types.Value { return a[0] }, nil
	case t.Kind == types.Decimal:
		rt := types.DecimalType(min(t.Precision-t.Scale+1, 38), 0)
		if keep {
			rt = t.Nullable()
		}
		return rt, func(a []types.Value) types.Value {
			s := int(a[0].Scale)
			q := divRound(a[0].I, types.Pow10(s), func(r, d int64) int64 {
				switch {
				case r == 0:
					return 0
				case up && r > 0:
					return 1
				case !up && r < 0:
					return -1
				}
				return 0
			})
			if keep {
				return types.DecimalV(q*types.Pow10(s), s)
			}
			return types.DecimalV(q, 0)
		}, nil
	}
	return t.Nullable(), func(a []types.Value) types.Value {
		return types.Value{K: a[0].K, I: int64(math.Float64bits(f(a[0].Float())))}
	}, nil
}

// divRound divides a by a positive d, truncating, then adds adj(r, d) where
// r is the signed remainder.
func divRound(a, d int64, adj func(r, d int64) int64) int64 {
	q, r := a/d, a%d
	return q + adj(r, d)
}

// Tie rules of ROUND: Flink rounds half away from zero (Java's HALF_UP);
// ksqlDB rounds half toward positive infinity (HALF_UP for positive
// numbers, HALF_DOWN for negative ones, as Math.round).
func halfAdj(ceilTies bool) func(r, d int64) int64 {
	return func(r, d int64) int64 {
		twice := 2 * r
		switch {
		case twice > d || (twice == d):
			return 1
		case twice < -d:
			return -1
		case twice == -d:
			if ceilTies {
				return 0
			}
			return -1
		}
		return 0
	}
}

func buildRound(env *Env, args []Expr, halfUp bool) (types.Type, impl, error) {
	if err := checkSig(env, "ROUND", args, 1, isNum, isInt); err != nil {
		return types.Type{}, nil, err
	}
	t := args[0].Type()
	places := func(a []types.Value) int64 {
		if len(a) == 2 {
			return a[1].Int()
		}
		return 0
	}
	switch {
	case t.Kind == types.Float || t.Kind == types.Double:
		if halfUp && len(args) == 1 {
			return types.TBigInt, func(a []types.Value) types.Value {
				f := a[0].Float()
				if math.IsNaN(f) {
					return types.BigIntV(0)
				}
				r := roundFloat(f, 0, true)
				switch {
				case r >= math.MaxInt64:
					return types.BigIntV(math.MaxInt64)
				case r <= math.MinInt64:
					return types.BigIntV(math.MinInt64)
				}
				return types.BigIntV(int64(r))
			}, nil
		}
		k := t.Kind
		return t.Nullable(), func(a []types.Value) types.Value {
			r := roundFloat(a[0].Float(), places(a), halfUp)
			if k == types.Float {
				return types.FloatV(r)
			}
			return types.DoubleV(r)
		}, nil
	case t.Kind == types.Decimal:
		var rt types.Type
		switch {
		case halfUp && len(args) == 1:
			rt = types.DecimalType(max(t.Precision-t.Scale, 1), 0)
		case halfUp:
			rt = t.Nullable()
		case len(args) == 1:
			rt = types.DecimalType(min(t.Precision-t.Scale+1, 38), 0)
		default:
			rt = t.Nullable()
			if c, ok := args[1].(*Const); ok && !c.V.IsNull() {
				s := int(c.V.Int())
				rt = types.DecimalType(min(t.Precision-t.Scale+max(s, 0)+1, 38), min(max(s, 0), t.Scale))
			}
		}
		adj := halfAdj(halfUp)
		return rt, func(a []types.Value) types.Value {
			v := a[0]
			n := places(a)
			scale := int64(v.Scale)
			u := v.I
			if n < scale {
				drop := scale - n
				if drop > 18 {
					u = 0
				} else {
					p := types.Pow10(int(drop))
					u = divRound(u, p, adj)
					// back to scale n (n may be negative)
					if n < 0 {
						u *= types.Pow10(int(-n))
						n = 0
					}
				}
				scale = n
			}
			return types.DecimalV(types.Rescale(u, int(scale), rt.Scale), rt.Scale)
		}, nil
	case t.Kind.IsInteger():
		k := t.Kind
		adj := halfAdj(halfUp)
		return t.Nullable(), func(a []types.Value) types.Value {
			n := places(a)
			if n >= 0 {
				return a[0]
			}
			if -n > 18 {
				return types.IntOf(k, 0)
			}
			p := types.Pow10(int(-n))
			return types.IntOf(k, narrow(k, divRound(a[0].I, p, adj)*p))
		}, nil
	}
	return types.TNull, func([]types.Value) types.Value { return types.NullValue }, nil
}

func buildTruncate(env *Env, args []Expr, keepType bool) (types.Type, impl, error) {
	if err := checkSig(env, "TRUNCATE", args, 1, isNum, isInt); err != nil {
		return types.Type{}, nil, err
	}
	t := args[0].Type().Nullable()
	places := func(a []types.Value) int64 {
		if len(a) == 2 {
			return a[1].Int()
		}
		return 0
	}
	if t.Kind == types.Decimal && !keepType {
		// Flink types a truncated DECIMAL as it types a rounded one.
		s := 0
		if len(args) == 2 {
			s = -1
			if c, ok := args[1].(*Const); ok && !c.V.IsNull() {
				s = int(c.V.Int())
			}
		}
		if s >= 0 {
			t = types.DecimalType(min(t.Precision-t.Scale+s+1, 38), min(s, t.Scale))
		}
	}
	rs := t.Scale
	return t, func(a []types.Value) types.Value {
		v, n := a[0], places(a)
		switch v.K {
		case types.Float, types.Double:
			r := truncFloat(v.Float(), n)
			if v.K == types.Float {
				return types.FloatV(r)
			}
			return types.DoubleV(r)
		case types.Decimal:
			if n < int64(v.Scale) {
				drop := int64(v.Scale) - n
				if drop > 18 {
					v.I = 0
				} else {
					q := types.Pow10(int(drop))
					v.I = v.I / q * q
				}
			}
			if rs < int(v.Scale) && t.Kind == types.Decimal {
				return types.DecimalV(v.I/types.Pow10(int(v.Scale)-rs), rs)
			}
			return v
		}
		if n < 0 && -n <= 18 {
			q := types.Pow10(int(-n))
			v.I = v.I / q * q
		} else if n < 0 {
			v.I = 0
		}
		return v
	}, nil
}

// roundFloat rounds f to n decimal places the way BigDecimal.valueOf(f)
// .setScale(n, ...) does: on the shortest decimal text of f, so 1.005
// rounds to 1.01. ceilTies breaks ties toward positive infinity (ksqlDB),
// otherwise away from zero (Flink). A BigDecimal has no negative zero:
// -0.0, and a negative number that rounds to zero, give 0.0.
func roundFloat(f float64, n int64, ceilTies bool) float64 {
	if f == 0 {
		return 0
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return f
	}
	digits, exp, neg := decimalDigits(f)
	k := -n - exp // digits to drop
	if k <= 0 {
		return f
	}
	d := new(big.Int)
	d.SetString(digits, 10)
	q := new(big.Int)
	if k <= int64(len(digits))+1 {
		p := new(big.Int).Exp(big.NewInt(10), big.NewInt(k), nil)
		r := new(big.Int)
		q.QuoRem(d, p, r)
		c := new(big.Int).Mul(r, big.NewInt(2)).Cmp(p)
		if c > 0 || (c == 0 && !(ceilTies && neg)) {
			q.Add(q, big.NewInt(1))
		}
	}
	out, _ := strconv.ParseFloat(q.String()+"e"+strconv.FormatInt(-n, 10), 64)
	if neg && out != 0 {
		out = -out
	}
	return out
}

func truncFloat(f float64, n int64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return f
	}
	digits, exp, neg := decimalDigits(f)
	k := -n - exp
	if k <= 0 {
		return f
	}
	q := "0"
	if k < int64(len(digits)) {
		q = digits[:int64(len(digits))-k]
	}
	out, _ := strconv.ParseFloat(q+"e"+strconv.FormatInt(-n, 10), 64)
	if neg {
		out = -out
	}
	return out
}

// decimalDigits returns the shortest decimal digits of |f| and the
// exponent such that |f| = digits * 10^exp.
func decimalDigits(f float64) (string, int64, bool) {
	neg := f < 0
	s := strconv.FormatFloat(math.Abs(f), 'e', -1, 64) // d.ddde±XX
	mant, e, _ := cutByte(s, 'e')
	x, _ := strconv.ParseInt(e, 10, 64)
	digits := mant[:1]
	if len(mant) > 2 {
		digits += mant[2:]
	}
	return digits, x - int64(len(digits)-1), neg
}

func cutByte(s string, c byte) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// logFunc is LOG(x) (natural) and LOG(base, x). nanBase makes a base
// that is not positive, or is 1, give NaN (ksqlDB).
func logFunc(nanBase bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "LOG", args, 1, isNum, isNum); err != nil {
			return types.Type{}, nil, err
		}
		if nanBase {
			return types.TDouble, func(a []types.Value) types.Value {
				if len(a) == 1 {
					return types.DoubleV(math.Log(a[0].Float()))
				}
				base, x := a[0].Float(), a[1].Float()
				if base <= 0 || base == 1 {
					return types.DoubleV(math.NaN())
				}
				return types.DoubleV(math.Log(x) / math.Log(base))
			}, nil
		}
		return types.TDouble, func(a []types.Value) types.Value {
			if len(a) == 1 {
				return types.DoubleV(math.Log(a[0].Float()))
			}
			return types.DoubleV(math.Log(a[1].Float()) / math.Log(a[0].Float()))
		}, nil
	}}
}

// signFunc is SIGN(x), of x's type or, with integer, an INTEGER (ksqlDB).
func signFunc(integer bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "SIGN", args, 1, isNum); err != nil {
			return types.Type{}, nil, err
		}
		sign := func(v types.Value) int64 {
			switch v.K {
			case types.Float, types.Double:
				f := v.Float()
				switch {
				case f > 0:
					return 1
				case f < 0:
					return -1
				}
				return 0
			}
			switch {
			case v.I > 0:
				return 1
			case v.I < 0:
				return -1
			}
			return 0
		}
		if integer {
			return types.TInt, func(a []types.Value) types.Value { return types.IntV(sign(a[0])) }, nil
		}
		t := args[0].Type().Nullable()
		return t, func(a []types.Value) types.Value {
			s := sign(a[0])
			switch a[0].K {
			case types.Float, types.Double:
				return types.Value{K: a[0].K, I: int64(math.Float64bits(float64(s)))}
			case types.Decimal:
				return types.DecimalV(s*types.Pow10(int(a[0].Scale)), int(a[0].Scale))
			}
			return types.IntOf(a[0].K, s)
		}, nil
	}}
}

// floorCeil is FLOOR / CEIL of a number (and FLOOR(ts TO unit), which
// arrives as FLOOR(ts, 'UNIT')). keepType keeps a DECIMAL's type (ksqlDB)
// instead of making it DECIMAL(p, 0).
func floorCeil(name string, up, keepType bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) == 2 {
			return buildTimeFloor(env, name, up, args)
		}
		return buildFloorCeil(env, name, up, keepType, args)
	}}
}

// roundFunc is ROUND(x[, places]): half away from zero with Flink's
// result types, or with halfUp ksqlDB's: half up (Java's Math.round),
// ROUND(double) a BIGINT, ROUND(decimal, n) of the argument's type.
func roundFunc(halfUp bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) { return buildRound(env, args, halfUp) }}
}

// truncateFunc is TRUNCATE(x[, places]); keepType keeps a DECIMAL's type
// (ksqlDB) instead of typing it as ROUND does.
func truncateFunc(keepType bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) { return buildTruncate(env, args, keepType) }}
}
