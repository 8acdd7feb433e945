// Package agg holds aggregate functions and their accumulators. An
// accumulator belongs to one group of one operator and is used from one
// goroutine.
package agg

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// Acc accumulates one aggregate for one group.
type Acc interface {
	Add(v types.Value)
	// Retract removes a value added before (for updating inputs).
	Retract(v types.Value)
	Result() types.Value
	// Merge adds another accumulator of the same function (session windows
	// that grow together).
	Merge(other Acc)
	Encode(e *types.Enc)
	Decode(d *types.Dec)
}

// Func is an aggregate function bound to argument types.
type Func struct {
	Name     string
	Distinct bool
	Star     bool // COUNT(*)
	Arg      types.Type
	Result   types.Type
	// Updating is set (by the planner) when the input may retract rows.
	// Accumulators that need the history of their values to retract
	// exactly (MIN, MAX, FIRST_VALUE, LAST_VALUE) then keep it from the
	// first row; otherwise they keep only their current value and start
	// tracking at the first retraction.
	Updating bool
	newAcc   func() Acc
}

// historian is an accumulator that can keep the history retractions need.
type historian interface{ keepHistory() }

// NewAcc returns a fresh accumulator.
func (f *Func) NewAcc() Acc {
	a := f.newAcc()
	if h, ok := a.(historian); ok && f.Updating {
		h.keepHistory()
	}
	if f.Distinct {
		return &distinctAcc{inner: a, seen: map[string]*countedValue{}}
	}
	return a
}

// Mergeable reports whether accumulators of disjoint parts of the input,
// merged (Acc.Merge) into a fresh one, give the result of one accumulator
// that saw every row in arrival order, whatever the order of the parts:
// what sliced windows need (a HOP or CUMULATE window's rows are kept in
// slices, merged when the window fires). FIRST_VALUE, LAST_VALUE, LISTAGG,
// COLLECT_LIST, COLLECT_SET, EARLIEST/LATEST_BY_OFFSET and HISTOGRAM keep
// values in arrival order, so they do not; floating-point sums and
// variances do, up to rounding (as Flink's sliced windows).
func (f *Func) Mergeable() bool {
	switch f.Name {
	case "COUNT", "SUM", "AVG", "MIN", "MAX", "SUM_LIST", "TOPK", "TOPKDISTINCT", "ATTR",
		"STDDEV_SAMP", "STDDEV_SAMPLE", "STDDEV_POP", "STDDEV", "VAR_POP", "VAR_SAMP", "VARIANCE", "CORRELATION":
		return true
	}
	return false
}

// String renders the call for EXPLAIN, e.g. SUM(total_paid).
func (f *Func) String(arg string) string {
	if f.Star {
		return f.Name + "(*)"
	}
	if f.Distinct {
		return f.Name + "(DISTINCT " + arg + ")"
	}
	return f.Name + "(" + arg + ")"
}

// IsAggregate reports whether name is an aggregate function.
func IsAggregate(name string) bool {
	switch strings.ToUpper(name) {
	case "SUM", "COUNT", "AVG", "MIN", "MAX", "COLLECT_LIST", "COLLECT_SET",
		"EARLIEST_BY_OFFSET", "LATEST_BY_OFFSET", "LISTAGG", "FIRST_VALUE", "LAST_VALUE",
		"STDDEV_POP", "STDDEV_SAMP", "STDDEV_SAMPLE", "STDDEV", "VAR_POP", "VAR_SAMP", "VARIANCE",
		"TOPK", "TOPKDISTINCT", "SUM_LIST", "COUNT_DISTINCT", "HISTOGRAM", "CORRELATION", "ATTR":
		return true
	}
	return false
}

// Semantics names the behaviours in which dialects' aggregates differ.
// The zero value is Flink SQL's.
type Semantics struct {
	Sum   SumRule
	Avg   AvgRule
	Stats StatsRule
}

// SumRule types SUM and says what it gives over no values.
type SumRule uint8

const (
	// SumSQL: the argument's type (DECIMAL(38, s) for decimals); NULL over
	// no values (Flink).
	SumSQL SumRule = iota
	// SumJava: INT for TINYINT and SMALLINT, DOUBLE for FLOAT, the
	// argument's DECIMAL; 0 over no values, never NULL (ksqlDB).
	SumJava
)

// AvgRule types AVG.
type AvgRule uint8

const (
	AvgOfArgument AvgRule = iota // the argument's type; DECIMAL(38, max(s, 6)) (Flink)
	AvgDouble                    // always DOUBLE (ksqlDB)
)

// StatsRule says what the standard deviation and variance aggregates
// compute and how they are typed.
type StatsRule uint8

const (
	// StatsSQL: STDDEV_SAMP, STDDEV_POP, VAR_SAMP, VAR_POP (and STDDEV,
	// VARIANCE, STDDEV_SAMPLE as STDDEV_SAMP) of the argument's type
	// (Flink).
	StatsSQL StatsRule = iota
	// StatsKSQL: all DOUBLE; STDDEV_SAMPLE is the sample standard
	// deviation and STDDEV_SAMP the sample variance (a ksqlDB bug its
	// tests keep); fewer than two values give 0.0.
	StatsKSQL
)

// New binds an aggregate. args are the argument types (empty for COUNT(*)).
func New(name string, args []types.Type, distinct bool, sem Semantics) (*Func, error) {
	return NewWithParams(name, args, nil, distinct, sem)
}

// NewWithParams binds an aggregate whose arguments after the first are
// constants (TOPK(x, k)).
func NewWithParams(name string, args []types.Type, params []types.Value, distinct bool, sem Semantics) (*Func, error) {
	name = strings.ToUpper(name)
	f := &Func{Name: name, Distinct: distinct}
	if len(args) > 0 {
		f.Arg = args[0]
	}
	numeric := func() error {
		if len(args) != 1 || !(args[0].Kind.IsNumeric() || args[0].Kind == types.Null) {
			return fmt.Errorf("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, typeList(args))
		}
		return nil
	}
	switch name {
	case "COUNT":
		f.Star = len(args) == 0
		f.Result = types.Type{Kind: types.BigInt, NotNull: true}
		star := f.Star
		f.newAcc = func() Acc { return &countAcc{star: star} }
	case "COUNT_DISTINCT":
		f.Name, f.Distinct = "COUNT", true
		f.Result = types.Type{Kind: types.BigInt, NotNull: true}
		f.newAcc = func() Acc { return &countAcc{} }
	case "SUM":
		if err := numeric(); err != nil {
			return nil, err
		}
		t := args[0].Nullable()
		java := sem.Sum == SumJava
		switch t.Kind {
		case types.TinyInt, types.SmallInt:
			if java {
				t = types.TInt
			}
		case types.Decimal:
			t = types.DecimalType(38, t.Scale)
			if java {
				t = types.DecimalType(args[0].Precision, args[0].Scale)
			}
		case types.Float:
			if java {
				t = types.TDouble
			}
		}
		f.Result = t
		if java {
			f.Result.NotNull = true
		}
		f.newAcc = func() Acc { return &sumAcc{t: t, zero: java} }
	case "AVG":
		if err := numeric(); err != nil {
			return nil, err
		}
		t := args[0].Nullable()
		if sem.Avg == AvgDouble {
			t = types.TDouble
		} else if t.Kind == types.Decimal {
			t = types.DecimalType(38, max(t.Scale, 6))
		}
		f.Result = t
		f.newAcc = func() Acc { return &avgAcc{t: t, sum: sumAcc{t: sumType(args[0])}} }
	case "MIN", "MAX":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		f.Result = args[0].Nullable()
		sign := 1
		if name == "MIN" {
			sign = -1
		}
		f.newAcc = func() Acc { return &extremeAcc{sign: sign} }
	case "COLLECT_LIST", "COLLECT_SET":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		f.Result = types.ArrayOf(args[0].Nullable())
		set := name == "COLLECT_SET"
		f.newAcc = func() Acc { return &collectAcc{set: set} }
	case "EARLIEST_BY_OFFSET", "LATEST_BY_OFFSET":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		n, ignoreNulls, err := offsetParams(name, params)
		if err != nil {
			return nil, err
		}
		f.Result = args[0].Nullable()
		if n > 0 {
			f.Result = types.ArrayOf(args[0].Nullable())
		}
		latest := name == "LATEST_BY_OFFSET"
		f.newAcc = func() Acc { return &offsetAcc{latest: latest, n: n, ignoreNulls: ignoreNulls} }
	case "FIRST_VALUE", "LAST_VALUE":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		f.Result = args[0].Nullable()
		last := name == "LAST_VALUE"
		f.newAcc = func() Acc { return &firstLastAcc{last: last} }
	case "SUM_LIST":
		if len(args) != 1 || args[0].Kind != types.Array || !args[0].Elem.Kind.IsNumeric() {
			return nil, fmt.Errorf("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, typeList(args))
		}
		t := args[0].Elem.Nullable()
		if t.Kind == types.Float {
			t = types.TDouble
		}
		f.Result = t.WithNotNull(true)
		f.newAcc = func() Acc { return &sumListAcc{sum: sumAcc{t: t, zero: true}} }
	case "TOPK", "TOPKDISTINCT":
		if len(args) != 1 || len(params) != 1 || params[0].IsNull() || params[0].Int() < 1 {
			return nil, fmt.Errorf("%s needs a column and a positive constant, as in %s(col, 3)", name, name)
		}
		// TOPK(sort, other..., k) comes bound as one ROW(sort_col, col0,
		// ...) ordered by its first field; TOPKDISTINCT also ranks
		// temporals and bytes.
		byFirst := name == "TOPK" && args[0].Kind == types.Struct && len(args[0].Fields) > 0
		sortKind := args[0].Kind
		if byFirst {
			sortKind = args[0].Fields[0].Type.Kind
		}
		ok := sortKind.IsNumeric() || sortKind == types.String
		if name == "TOPKDISTINCT" {
			ok = ok || sortKind == types.Date || sortKind == types.Time || sortKind == types.Timestamp || sortKind == types.Bytes
		}
		if !ok {
			return nil, fmt.Errorf("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, typeList(args))
		}
		f.Result = types.ArrayOf(args[0].Nullable())
		k := int(params[0].Int())
		distinctOnly := name == "TOPKDISTINCT"
		f.newAcc = func() Acc { return &topkAcc{k: k, distinct: distinctOnly, byFirst: byFirst} }
	case "LISTAGG":
		if len(args) != 1 || !(args[0].Kind == types.String || args[0].Kind == types.Null) {
			return nil, fmt.Errorf("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, typeList(args))
		}
		sep := ","
		if len(params) > 0 {
			if params[0].K != types.String {
				return nil, fmt.Errorf("the separator of LISTAGG must be a string literal")
			}
			sep = params[0].S
		}
		f.Result = types.TString
		f.newAcc = func() Acc { return &listaggAcc{sep: sep} }
	case "STDDEV_SAMP", "STDDEV_SAMPLE":
		if sem.Stats == StatsKSQL {
			if err := numeric(); err != nil {
				return nil, err
			}
			f.Result = types.TDouble
			root := name == "STDDEV_SAMPLE"
			f.newAcc = func() Acc { return &ksqlStddevAcc{root: root} }
			break
		}
		fallthrough
	case "STDDEV_POP", "STDDEV", "VAR_POP", "VAR_SAMP", "VARIANCE":
		if err := numeric(); err != nil {
			return nil, err
		}
		f.Result = types.TDouble
		if sem.Stats == StatsSQL && args[0].Kind != types.Null {
			f.Result = args[0].Nullable() // the argument's type
		}
		rt := f.Result
		kind := map[string]string{"STDDEV": "STDDEV_SAMP", "STDDEV_SAMPLE": "STDDEV_SAMP", "VARIANCE": "VAR_SAMP"}[name]
		if kind == "" {
			kind = name
		}
		f.newAcc = func() Acc { return newVarAcc(kind, rt) }
	case "CORRELATION":
		if !correlationArgs(args) {
			return nil, fmt.Errorf("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, typeList(args))
		}
		f.Result = types.TDouble
		f.newAcc = func() Acc { return &corrAcc{} }
	case "ATTR":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		f.Result = args[0].Nullable()
		f.newAcc = func() Acc { return &attrAcc{} }
	case "HISTOGRAM":
		if len(args) != 1 {
			return nil, fmt.Errorf("Invalid number of arguments to function '%s'", name)
		}
		f.Result = types.MapOf(types.TString, types.TBigInt)
		f.newAcc = func() Acc { return &histogramAcc{counts: map[string]int64{}} }
	default:
		return nil, fmt.Errorf("No match found for function signature %s(%s)", name, typeList(args))
	}
	return f, nil
}

func sumType(t types.Type) types.Type {
	switch t.Kind {
	case types.Decimal:
		return types.DecimalType(38, t.Scale)
	case types.Float, types.Double:
		return types.TDouble
	}
	return types.TBigInt
}

func typeList(ts []types.Type) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = "<" + t.String() + ">"
	}
	return strings.Join(parts, ", ")
}

type countAcc struct {
	star bool
	n    int64
}

func (a *countAcc) Add(v types.Value) {
	if a.star || !v.IsNull() {
		a.n++
	}
}
func (a *countAcc) Retract(v types.Value) {
	if a.star || !v.IsNull() {
		a.n--
	}
}
func (a *countAcc) Result() types.Value { return types.BigIntV(a.n) }
func (a *countAcc) Encode(e *types.Enc) { e.Int(a.n) }
func (a *countAcc) Decode(d *types.Dec) { a.n = d.Int() }

// sumAcc sums integers as int64, decimals as unscaled int64 (big on
// overflow), floats as float64. count tracks non-null inputs so an empty sum
// is NULL (Flink) or 0 (ksqlDB).
type sumAcc struct {
	t     types.Type
	zero  bool
	i     int64
	f     float64
	big   *big.Int
	count int64
}

func (a *sumAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	a.count++
	switch a.t.Kind {
	case types.Float, types.Double:
		a.f += v.Float()
	case types.Decimal:
		a.i += types.Rescale(v.I, int(v.Scale), a.t.Scale)
	default:
		a.i += v.I
	}
}

func (a *sumAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	a.count--
	switch a.t.Kind {
	case types.Float, types.Double:
		a.f -= v.Float()
	case types.Decimal:
		a.i -= types.Rescale(v.I, int(v.Scale), a.t.Scale)
	default:
		a.i -= v.I
	}
}

func (a *sumAcc) Result() types.Value {
	if a.count == 0 && !a.zero {
		return types.NullValue
	}
	switch a.t.Kind {
	case types.Float:
		return types.FloatV(a.f)
	case types.Double:
		return types.DoubleV(a.f)
	case types.Decimal:
		// a sum typed with its argument's precision (ksqlDB) fails the
		// query when it outgrows it, as ksqlDB's does
		if p := a.t.Precision; p > 0 && p < 19 && (a.i >= types.Pow10(p) || a.i <= -types.Pow10(p)) {
			expr.Fail("Numeric field overflow: A field with precision %d and scale %d must round to an absolute value less than 10^%d. Got %s",
				p, a.t.Scale, p-a.t.Scale, types.FormatDecimal(a.i, a.t.Scale))
		}
		return types.DecimalV(a.i, a.t.Scale)
	case types.Int, types.SmallInt, types.TinyInt:
		return types.IntOf(a.t.Kind, int64(int32(a.i)))
	}
	return types.IntOf(a.t.Kind, a.i)
}
func (a *sumAcc) Encode(e *types.Enc) { e.Int(a.i); e.Float(a.f); e.Int(a.count) }
func (a *sumAcc) Decode(d *types.Dec) { a.i = d.Int(); a.f = d.Float(); a.count = d.Int() }

type avgAcc struct {
	t   types.Type
	sum sumAcc
}

func (a *avgAcc) Add(v types.Value)     { a.sum.Add(v) }
func (a *avgAcc) Retract(v types.Value) { a.sum.Retract(v) }
func (a *avgAcc) Result() types.Value {
	n := a.sum.count
	if n == 0 {
		return types.NullValue
	}
	switch a.t.Kind {
	case types.Double, types.Float:
		var s float64
		if a.sum.t.Kind == types.Double {
			s = a.sum.f
		} else if a.sum.t.Kind == types.Decimal {
			s = float64(a.sum.i) / math.Pow10(a.sum.t.Scale)
		} else {
			s = float64(a.sum.i)
		}
		if a.t.Kind == types.Float {
			return types.FloatV(s / float64(n))
		}
		return types.DoubleV(s / float64(n))
	case types.Decimal:
		num := new(big.Int).Mul(big.NewInt(a.sum.i), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(a.t.Scale-a.sum.t.Scale)), nil))
		// Rounded half away from zero, as Flink's decimal division
		// (BigDecimal HALF_UP) rounds: AVG of 1.00 and 2.00 and 2.00 is
		// 1.666667, not 1.666666.
		sign := int64(num.Sign())
		r := new(big.Int)
		q, _ := new(big.Int).QuoRem(num, big.NewInt(n), r)
		if r.Abs(r).Lsh(r, 1).Cmp(big.NewInt(n)) >= 0 {
			q.Add(q, big.NewInt(sign))
		}
		return types.DecimalV(q.Int64(), a.t.Scale)
	}
	return types.IntOf(a.t.Kind, a.sum.i/n)
}
func (a *avgAcc) Encode(e *types.Enc) { a.sum.Encode(e) }
func (a *avgAcc) Decode(d *types.Dec) { a.sum.Decode(d) }

// extremeAcc keeps MIN/MAX; with retractions it keeps a multiset of values.
type extremeAcc struct {
	sign   int
	best   types.Value
	counts map[string]*countedValue
}

type countedValue struct {
	v types.Value
	n int64
}

func (a *extremeAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	if a.counts != nil {
		a.addCount(v, 1)
	}
	if a.best.IsNull() || types.Compare(v, a.best)*a.sign > 0 {
		a.best = v
	}
}

func (a *extremeAcc) addCount(v types.Value, d int64) {
	k := string(types.AppendKey(nil, v))
	c, ok := a.counts[k]
	if !ok {
		c = &countedValue{v: v}
		a.counts[k] = c
	}
	c.n += d
	if c.n <= 0 {
		delete(a.counts, k)
	}
}

func (a *extremeAcc) keepHistory() {
	if a.counts == nil {
		a.counts = map[string]*countedValue{}
	}
}

func (a *extremeAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	if a.counts == nil {
		// First retraction: we cannot know the history; start tracking from the
		// current best (exact when inputs retract only what they added last).
		a.counts = map[string]*countedValue{}
		if !a.best.IsNull() {
			a.addCount(a.best, 1)
		}
	}
	a.addCount(v, -1)
	a.best = types.NullValue
	for _, c := range a.counts {
		if a.best.IsNull() || types.Compare(c.v, a.best)*a.sign > 0 {
			a.best = c.v
		}
	}
}
func (a *extremeAcc) Result() types.Value { return a.best }
func (a *extremeAcc) Encode(e *types.Enc) {
	e.Value(a.best)
	e.Uint(uint64(len(a.counts)))
	keys := make([]string, 0, len(a.counts))
	for k := range a.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e.Value(a.counts[k].v)
		e.Int(a.counts[k].n)
	}
}
func (a *extremeAcc) Decode(d *types.Dec) {
	a.best = d.Value()
	n := d.Uint()
	if n > 0 {
		a.counts = map[string]*countedValue{}
		for i := uint64(0); i < n && d.Err == nil; i++ {
			v := d.Value()
			a.addCount(v, d.Int())
		}
	}
}

type collectAcc struct {
	set  bool
	vals []types.Value
}

func (a *collectAcc) Add(v types.Value) {
	if a.set {
		for _, x := range a.vals {
			if types.Compare(x, v) == 0 && x.IsNull() == v.IsNull() {
				return
			}
		}
	}
	a.vals = append(a.vals, v)
}
func (a *collectAcc) Retract(v types.Value) {
	for i, x := range a.vals {
		if types.Compare(x, v) == 0 {
			a.vals = append(a.vals[:i], a.vals[i+1:]...)
			return
		}
	}
}
func (a *collectAcc) Result() types.Value {
	return types.ArrayV(append([]types.Value(nil), a.vals...))
}
func (a *collectAcc) Encode(e *types.Enc) { e.Row(a.vals) }
func (a *collectAcc) Decode(d *types.Dec) { a.vals = d.Row() }

// distinctAcc feeds the inner accumulator each distinct value once.
// Integer values are counted in ints, keyed by the integer itself (a
// fifth of the memory of seen's encoded keys and boxed values: COUNT
// DISTINCT of ids over a large input); other values in seen.
type distinctAcc struct {
	inner   Acc
	seen    map[string]*countedValue
	ints    map[int64]int64
	intKind types.Kind
}

// intMode reports whether v is counted in ints: an integer of the kind of
// those there, or the first value. A value of another kind moves the
// integers to seen.
func (a *distinctAcc) intMode(v types.Value) bool {
	if a.ints == nil {
		if len(a.seen) > 0 || v.K < types.TinyInt || v.K > types.BigInt {
			return false
		}
		a.ints, a.intKind = map[int64]int64{}, v.K
	}
	if v.K == a.intKind {
		return true
	}
	for i, n := range a.ints {
		iv := types.Value{K: a.intKind, I: i}
		a.seen[string(types.AppendKey(nil, iv))] = &countedValue{v: iv, n: n}
	}
	a.ints = nil
	return false
}

// add counts v n more times; a value new to it goes to the inner
// accumulator unless restoring (whose state the inner one restores).
func (a *distinctAcc) add(v types.Value, n int64) { a.count(v, n, false) }

func (a *distinctAcc) count(v types.Value, n int64, restoring bool) {
	if a.intMode(v) {
		c := a.ints[v.I]
		if c == 0 && !restoring {
			a.inner.Add(v)
		}
		a.ints[v.I] = c + n
		return
	}
	k := string(types.AppendKey(nil, v))
	c, ok := a.seen[k]
	if !ok {
		c = &countedValue{v: v}
		a.seen[k] = c
		if !restoring {
			a.inner.Add(v)
		}
	}
	c.n += n
}

func (a *distinctAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	a.add(v, 1)
}
func (a *distinctAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	if a.intMode(v) {
		c, ok := a.ints[v.I]
		if !ok {
			return
		}
		if c <= 1 {
			delete(a.ints, v.I)
			a.inner.Retract(v)
			return
		}
		a.ints[v.I] = c - 1
		return
	}
	k := string(types.AppendKey(nil, v))
	c, ok := a.seen[k]
	if !ok {
		return
	}
	c.n--
	if c.n <= 0 {
		delete(a.seen, k)
		a.inner.Retract(v)
	}
}
func (a *distinctAcc) Result() types.Value { return a.inner.Result() }

// each calls fn for every distinct value and its count.
func (a *distinctAcc) each(fn func(v types.Value, n int64)) {
	for i, n := range a.ints {
		fn(types.Value{K: a.intKind, I: i}, n)
	}
	for _, c := range a.seen {
		fn(c.v, c.n)
	}
}

func (a *distinctAcc) Merge(o Acc) {
	o.(*distinctAcc).each(a.add)
}
func (a *distinctAcc) Encode(e *types.Enc) {
	a.inner.Encode(e)
	type entry struct {
		key string
		v   types.Value
		n   int64
	}
	var entries []entry
	a.each(func(v types.Value, n int64) {
		entries = append(entries, entry{string(types.AppendKey(nil, v)), v, n})
	})
	sort.Slice(entries, func(i, j int) bool { return entries[i].key < entries[j].key })
	e.Uint(uint64(len(entries)))
	for _, en := range entries {
		e.Value(en.v)
		e.Int(en.n)
	}
}
func (a *distinctAcc) Decode(d *types.Dec) {
	a.inner.Decode(d)
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		v := d.Value()
		if c := d.Int(); d.Err == nil && c > 0 {
			a.count(v, c, true)
		}
	}
}

// topkAcc keeps the k largest values, largest first; a value equal to
// one kept ranks after it. With byFirst the values are rows ranked by
// their first field (ksqlDB's TOPK with other columns).
type topkAcc struct {
	k        int
	distinct bool
	byFirst  bool
	vals     []types.Value
}

func (a *topkAcc) rank(v types.Value) types.Value {
	if a.byFirst {
		if v.IsNull() || len(v.Elems()) == 0 {
			return types.Value{}
		}
		return v.Elems()[0]
	}
	return v
}

func (a *topkAcc) Add(v types.Value) {
	r := a.rank(v)
	if r.IsNull() {
		return
	}
	if a.distinct {
		for _, x := range a.vals {
			if types.Compare(x, v) == 0 {
				return
			}
		}
	}
	i := sort.Search(len(a.vals), func(i int) bool { return types.Compare(a.rank(a.vals[i]), r) < 0 })
	if i >= a.k {
		return
	}
	a.vals = append(a.vals, types.Value{})
	copy(a.vals[i+1:], a.vals[i:])
	a.vals[i] = v
	if len(a.vals) > a.k {
		a.vals = a.vals[:a.k]
	}
}
func (a *topkAcc) Retract(types.Value) {}
func (a *topkAcc) Result() types.Value {
	return types.ArrayV(append([]types.Value(nil), a.vals...))
}
func (a *topkAcc) Encode(e *types.Enc) { e.Row(a.vals) }
func (a *topkAcc) Decode(d *types.Dec) { a.vals = d.Row() }

// sumListAcc sums every element of every list (ksqlDB's SUM_LIST).
type sumListAcc struct{ sum sumAcc }

func (a *sumListAcc) Add(v types.Value) {
	for _, e := range v.Elems() {
		a.sum.Add(e)
	}
}
func (a *sumListAcc) Retract(v types.Value) {
	for _, e := range v.Elems() {
		a.sum.Retract(e)
	}
}
func (a *sumListAcc) Result() types.Value { return a.sum.Result() }
func (a *sumListAcc) Encode(e *types.Enc) { a.sum.Encode(e) }
func (a *sumListAcc) Decode(d *types.Dec) { a.sum.Decode(d) }

func (a *countAcc) Merge(o Acc) { a.n += o.(*countAcc).n }

func (a *sumAcc) Merge(o Acc) {
	b := o.(*sumAcc)
	a.i += b.i
	a.f += b.f
	a.count += b.count
}

func (a *avgAcc) Merge(o Acc) { a.sum.Merge(&o.(*avgAcc).sum) }

func (a *extremeAcc) Merge(o Acc) {
	b := o.(*extremeAcc)
	if b.counts != nil {
		if a.counts == nil {
			a.counts = map[string]*countedValue{}
			if !a.best.IsNull() {
				a.addCount(a.best, 1)
			}
		}
		for _, c := range b.counts {
			a.addCount(c.v, c.n)
		}
	}
	if !b.best.IsNull() && (a.best.IsNull() || types.Compare(b.best, a.best)*a.sign > 0) {
		a.best = b.best
	}
}

func (a *collectAcc) Merge(o Acc) {
	for _, v := range o.(*collectAcc).vals {
		a.Add(v)
	}
}

func (a *topkAcc) Merge(o Acc) {
	for _, v := range o.(*topkAcc).vals {
		a.Add(v)
	}
}

func (a *sumListAcc) Merge(o Acc) { a.sum.Merge(&o.(*sumListAcc).sum) }
