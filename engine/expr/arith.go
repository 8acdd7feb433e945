package expr

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// TypeError is a planning-time error about argument types; the planner
// adds the SQL position.
type TypeError struct{ Msg string }

func (e *TypeError) Error() string { return e.Msg }

func typeErr(format string, args ...any) error { return &TypeError{Msg: fmt.Sprintf(format, args...)} }

var intRank = map[types.Kind]int{types.TinyInt: 1, types.SmallInt: 2, types.Int: 3, types.BigInt: 4}

func decimalOf(t types.Type) (p, s int) {
	switch t.Kind {
	case types.TinyInt:
		return 3, 0
	case types.SmallInt:
		return 5, 0
	case types.Int:
		return 10, 0
	case types.BigInt:
		return 19, 0
	case types.Decimal:
		return t.Precision, t.Scale
	}
	return 38, 18
}

// NumericResult returns the common type of two numeric types for + - *.
func NumericResult(a, b types.Type) (types.Type, bool) {
	if !a.Kind.IsNumeric() || !b.Kind.IsNumeric() {
		return types.Type{}, false
	}
	nn := a.NotNull && b.NotNull
	switch {
	case a.Kind == types.Double || b.Kind == types.Double:
		return types.Type{Kind: types.Double, NotNull: nn}, true
	case a.Kind == types.Float || b.Kind == types.Float:
		return types.Type{Kind: types.Float, NotNull: nn}, true
	case a.Kind == types.Decimal || b.Kind == types.Decimal:
		p1, s1 := decimalOf(a)
		p2, s2 := decimalOf(b)
		s := max(s1, s2)
		p := min(max(p1-s1, p2-s2)+s, 38)
		return types.Type{Kind: types.Decimal, Precision: p, Scale: s, NotNull: nn}, true
	}
	if intRank[a.Kind] >= intRank[b.Kind] {
		return types.Type{Kind: a.Kind, NotNull: nn}, true
	}
	return types.Type{Kind: b.Kind, NotNull: nn}, true
}

// NewArith builds a + - * / % expression with Flink's (or ksqlDB's) typing:
// integer operands give integer results, division included.
func NewArith(op string, l, r Expr, env *Env) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	if op == "+" || op == "-" {
		if e, ok, err := temporalArith(op, l, r); ok || err != nil {
			return e, err
		}
	}
	t, ok := NumericResult(lt, rt)
	if !ok {
		return nil, typeErr("Cannot apply '%s' to arguments of type '<%s> %s <%s>'", op, lt, op, rt)
	}
	switch t.Kind {
	case types.Double, types.Float:
		var fn func(a, b float64) float64
		switch op {
		case "+":
			fn = func(a, b float64) float64 { return a + b }
		case "-":
			fn = func(a, b float64) float64 { return a - b }
		case "*":
			fn = func(a, b float64) float64 { return a * b }
		case "/":
			fn = func(a, b float64) float64 { return a / b }
		case "%":
			fn = math.Mod
		}
		k := t.Kind
		return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
			f := fn(a.Float(), b.Float())
			if k == types.Float {
				return types.FloatV(f)
			}
			return types.DoubleV(f)
		}}, nil
	case types.Decimal:
		return decimalArith(op, l, r, t, env)
	}
	k := t.Kind
	wrap := func(i int64) types.Value { return types.IntOf(k, narrow(k, i)) }
	divFails := env.sem().DivideByZero == DivisionFails
	var fn func(a, b types.Value) types.Value
	switch op {
	case "+":
		fn = func(a, b types.Value) types.Value { return wrap(a.I + b.I) }
	case "-":
		fn = func(a, b types.Value) types.Value { return wrap(a.I - b.I) }
	case "*":
		fn = func(a, b types.Value) types.Value { return wrap(a.I * b.I) }
	case "/":
		t.NotNull = false
		fn = func(a, b types.Value) types.Value {
			if b.I == 0 {
				if divFails {
					Fail("Division by zero")
				}
				return types.NullValue
			}
			return wrap(a.I / b.I)
		}
	case "%":
		t.NotNull = false
		fn = func(a, b types.Value) types.Value {
			if b.I == 0 {
				if divFails {
					Fail("Division by zero")
				}
				return types.NullValue
			}
			return wrap(a.I % b.I)
		}
	default:
		return nil, typeErr("unknown operator %s", op)
	}
	return &Bin{Op: op, L: l, R: r, T: t, Fn: fn}, nil
}

// narrow wraps an integer to the width of kind, as Java's int arithmetic does.
func narrow(k types.Kind, i int64) int64 {
	switch k {
	case types.TinyInt:
		return int64(int8(i))
	case types.SmallInt:
		return int64(int16(i))
	case types.Int:
		return int64(int32(i))
	}
	return i
}

// decimalFit bounds the DECIMAL(p, s) of an arithmetic result as Flink
// does (LogicalTypeMerging, after SQL Server): past 38 digits, the
// integer digits are kept and the scale shrinks, but to no less than
// min(s, 6). Tumble's decimals hold 18 digits, so the scale is at most 18.
func decimalFit(p, s int) (int, int) {
	if p > 38 {
		s = max(38-(p-s), min(s, 6))
		p = 38
	}
	return p, min(s, 18)
}

func decimalArith(op string, l, r Expr, t types.Type, env *Env) (Expr, error) {
	p1, s1 := decimalOf(l.Type())
	p2, s2 := decimalOf(r.Type())
	switch op {
	case "*":
		t.Precision, t.Scale = decimalFit(p1+p2+1, s1+s2)
	case "/":
		s := max(6, s1+p2+1)
		t.Precision, t.Scale = decimalFit(p1-s1+s2+s, s)
		t.NotNull = false
	case "+", "-":
		t.Precision, t.Scale = decimalFit(t.Precision+1, t.Scale)
	}
	sc := t.Scale
	divFails := env.sem().DivideByZero == DivisionFails
	toBig := func(v types.Value) (*big.Int, int) {
		switch v.K {
		case types.Decimal:
			return big.NewInt(v.I), int(v.Scale)
		default:
			return big.NewInt(v.I), 0
		}
	}
	scaleBig := func(x *big.Int, from, to int) *big.Int {
		if to > from {
			return x.Mul(x, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(to-from)), nil))
		}
		if to < from {
			d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(from-to)), nil)
			q, m := new(big.Int).QuoRem(x, d, new(big.Int))
			m.Abs(m).Mul(m, big.NewInt(2))
			if m.Cmp(d) >= 0 {
				if x.Sign() < 0 {
					q.Sub(q, big.NewInt(1))
				} else {
					q.Add(q, big.NewInt(1))
				}
			}
			return q
		}
		return x
	}
	result := func(x *big.Int) types.Value {
		if !x.IsInt64() {
			Fail("decimal overflow")
		}
		return types.DecimalV(x.Int64(), sc)
	}
	return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
		x, xs := toBig(a)
		y, ys := toBig(b)
		switch op {
		case "+", "-":
			x, y = scaleBig(x, xs, sc), scaleBig(y, ys, sc)
			if op == "+" {
				return result(x.Add(x, y))
			}
			return result(x.Sub(x, y))
		case "*":
			return result(scaleBig(x.Mul(x, y), xs+ys, sc))
		case "/", "%":
			if y.Sign() == 0 {
				if divFails {
					Fail("Division by zero")
				}
				return types.NullValue
			}
			if op == "%" {
				// align scales, then remainder
				s := max(xs, ys)
				x, y = scaleBig(x, xs, s), scaleBig(y, ys, s)
				return result(scaleBig(x.Rem(x, y), s, sc))
			}
			// x/10^xs / (y/10^ys) at scale sc, one extra digit for rounding
			num := scaleBig(x, xs, sc+ys+1)
			q := num.Quo(num, y)
			return result(scaleBig(q, sc+1, sc))
		}
		return types.NullValue
	}}, nil
}

func temporalArith(op string, l, r Expr) (Expr, bool, error) {
	lt, rt := l.Type(), r.Type()
	isTS := func(k types.Kind) bool { return k == types.Timestamp || k == types.TimestampLTZ }
	switch {
	case isTS(lt.Kind) && rt.Kind == types.IntervalDayTime:
		sign := int64(1)
		if op == "-" {
			sign = -1
		}
		k := lt.Kind
		return &Bin{Op: op, L: l, R: r, T: lt, Fn: func(a, b types.Value) types.Value {
			return types.Value{K: k, I: a.I + sign*b.I}
		}}, true, nil
	case isTS(rt.Kind) && lt.Kind == types.IntervalDayTime && op == "+":
		k := rt.Kind
		return &Bin{Op: op, L: l, R: r, T: rt, Fn: func(a, b types.Value) types.Value {
			return types.Value{K: k, I: a.I + b.I}
		}}, true, nil
	case lt.Kind == types.Date && rt.Kind == types.IntervalDayTime:
		sign := int64(1)
		if op == "-" {
			sign = -1
		}
		return &Bin{Op: op, L: l, R: r, T: lt, Fn: func(a, b types.Value) types.Value {
			return types.DateV(a.I + sign*b.I/types.MicrosPerDay)
		}}, true, nil
	case (isTS(lt.Kind) || lt.Kind == types.Date) && rt.Kind == types.IntervalYearMonth:
		sign := int64(1)
		if op == "-" {
			sign = -1
		}
		k := lt.Kind
		return &Bin{Op: op, L: l, R: r, T: lt, Fn: func(a, b types.Value) types.Value {
			return addMonths(k, a, sign*b.I)
		}}, true, nil
	case lt.Kind == types.IntervalDayTime && rt.Kind == types.IntervalDayTime:
		sign := int64(1)
		if op == "-" {
			sign = -1
		}
		return &Bin{Op: op, L: l, R: r, T: lt, Fn: func(a, b types.Value) types.Value {
			return types.IntervalV(a.I + sign*b.I)
		}}, true, nil
	}
	return nil, false, nil
}

func addMonths(k types.Kind, v types.Value, months int64) types.Value {
	days := v.I
	rem := int64(0)
	if k != types.Date {
		days = floorDiv(v.I, types.MicrosPerDay)
		rem = v.I - days*types.MicrosPerDay
	}
	y, m, d := types.CivilFromDays(days)
	total := y*12 + (m - 1) + months
	ny, nm := floorDiv(total, 12), total-floorDiv(total, 12)*12+1
	// clamp day to month length
	for d > 28 {
		if nd := types.DaysFromCivil(int(ny), int(nm), int(d)); func() bool {
			yy, mm, _ := types.CivilFromDays(nd)
			return yy == ny && mm == nm
		}() {
			break
		}
		d--
	}
	nd := types.DaysFromCivil(int(ny), int(nm), int(d))
	if k == types.Date {
		return types.DateV(nd)
	}
	return types.Value{K: k, I: nd*types.MicrosPerDay + rem}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// FloorDiv is floor division for int64.
func FloorDiv(a, b int64) int64 { return floorDiv(a, b) }

// NewNeg builds unary minus.
func NewNeg(x Expr) (Expr, error) {
	t := x.Type()
	switch {
	case t.Kind == types.Double || t.Kind == types.Float:
		return &Call{Name: "-", Args: []Expr{x}, T: t, Strict: true, Fn: func(a []types.Value) types.Value {
			return types.Value{K: a[0].K, I: int64(math.Float64bits(-a[0].Float()))}
		}}, nil
	case t.Kind.IsNumeric() || t.Kind == types.IntervalDayTime || t.Kind == types.IntervalYearMonth:
		return &Call{Name: "-", Args: []Expr{x}, T: t, Strict: true, Fn: func(a []types.Value) types.Value {
			v := a[0]
			v.I = -v.I
			return v
		}}, nil
	}
	return nil, typeErr("Cannot apply '-' to arguments of type '-<%s>'", t)
}

// Comparable reports whether two types can be compared.
func Comparable(a, b types.Type) bool {
	if a.Kind == types.Null || b.Kind == types.Null {
		return true
	}
	switch {
	case a.Kind.IsNumeric() && b.Kind.IsNumeric():
		return true
	case a.Kind == types.String && b.Kind == types.String:
		return true
	case a.Kind == b.Kind:
		return true
	case (a.Kind == types.Timestamp || a.Kind == types.TimestampLTZ || a.Kind == types.Date) &&
		(b.Kind == types.Timestamp || b.Kind == types.TimestampLTZ || b.Kind == types.Date):
		return true
	}
	return false
}

// NewCompare builds = <> < <= > >=.
func NewCompare(op string, l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	if !Comparable(lt, rt) {
		return nil, typeErr("Cannot apply '%s' to arguments of type '<%s> %s <%s>'", op, lt, op, rt)
	}
	t := types.Type{Kind: types.Boolean, NotNull: lt.NotNull && rt.NotNull}
	// Dates compared with timestamps: promote the date to midnight.
	if lt.Kind == types.Date && rt.Kind != types.Date {
		l = dateToTS(l)
	}
	if rt.Kind == types.Date && lt.Kind != types.Date {
		r = dateToTS(r)
	}
	var test func(c int) bool
	switch op {
	case "=":
		test = func(c int) bool { return c == 0 }
	case "<>", "!=":
		op = "<>"
		test = func(c int) bool { return c != 0 }
	case "<":
		test = func(c int) bool { return c < 0 }
	case "<=":
		test = func(c int) bool { return c <= 0 }
	case ">":
		test = func(c int) bool { return c > 0 }
	case ">=":
		test = func(c int) bool { return c >= 0 }
	default:
		return nil, typeErr("unknown comparison %s", op)
	}
	// Fast paths.
	if c, ok := l.(*Col); ok && lt.Kind == types.String && rt.Kind == types.String && op == "=" {
		if k, ok := r.(*Const); ok && k.V.K == types.String {
			return &colEqString{col: c, lit: k, s: k.V.S}, nil
		}
	}
	if lt.Kind == types.String && rt.Kind == types.String {
		if op == "=" {
			return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
				return types.BoolV(a.S == b.S)
			}}, nil
		}
		return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
			return types.BoolV(test(strings.Compare(a.S, b.S)))
		}}, nil
	}
	if intRank[lt.Kind] > 0 && intRank[rt.Kind] > 0 {
		return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
			c := 0
			if a.I < b.I {
				c = -1
			} else if a.I > b.I {
				c = 1
			}
			return types.BoolV(test(c))
		}}, nil
	}
	if lt.Kind.IsNumeric() && rt.Kind.IsNumeric() && (isFloating(lt.Kind) || isFloating(rt.Kind)) {
		// Approximate numbers compare as IEEE 754 doubles, as Java's
		// primitives do in Flink and ksqlDB: NaN is neither equal to,
		// less than nor greater than anything, itself included
		// (NULLIF(NaN, 0) is NaN, NaN <> NaN is TRUE).
		ftest := floatTest(op)
		return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
			return types.BoolV(ftest(a.Float(), b.Float()))
		}}, nil
	}
	return &Bin{Op: op, L: l, R: r, T: t, Fn: func(a, b types.Value) types.Value {
		return types.BoolV(test(types.Compare(a, b)))
	}}, nil
}

func isFloating(k types.Kind) bool { return k == types.Float || k == types.Double }

// sqlEquals is = on two non-NULL values: approximate numbers as IEEE 754
// doubles (NaN equals nothing), anything else as types.Equal.
func sqlEquals(a, b types.Value) bool {
	if a.K.IsNumeric() && b.K.IsNumeric() && (isFloating(a.K) || isFloating(b.K)) {
		return a.Float() == b.Float()
	}
	return types.Equal(a, b)
}

// floatTest is a comparison operator on doubles.
func floatTest(op string) func(a, b float64) bool {
	switch op {
	case "=":
		return func(a, b float64) bool { return a == b }
	case "<>":
		return func(a, b float64) bool { return a != b }
	case "<":
		return func(a, b float64) bool { return a < b }
	case "<=":
		return func(a, b float64) bool { return a <= b }
	case ">":
		return func(a, b float64) bool { return a > b }
	}
	return func(a, b float64) bool { return a >= b }
}

func dateToTS(e Expr) Expr {
	return &Call{Name: "CAST", Args: []Expr{e}, T: types.TTS3, Strict: true, Fn: func(a []types.Value) types.Value {
		return types.TimestampV(a[0].I * types.MicrosPerDay)
	}}
}

// colEqString is column = 'literal', the most common filter, evaluated
// without the generic binary node's calls.
type colEqString struct {
	col *Col
	lit *Const
	s   string
}

func (e *colEqString) Eval(row types.Row) types.Value {
	v := &row[e.col.Idx]
	if v.K == types.Null {
		return types.NullValue
	}
	if v.S == e.s {
		return types.Value{K: types.Boolean, I: 1}
	}
	return types.Value{K: types.Boolean}
}
func (e *colEqString) Type() types.Type {
	return types.Type{Kind: types.Boolean, NotNull: e.col.T.NotNull}
}
func (e *colEqString) String() string { return "(" + e.col.String() + " = " + e.lit.String() + ")" }
