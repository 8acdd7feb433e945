package agg

import (
	"math"

	"github.com/tumble/tumble/engine/types"
)

// Statistical accumulators: Flink's VAR_POP / VAR_SAMP / STDDEV_POP /
// STDDEV_SAMP, ksqlDB's STDDEV_SAMP / STDDEV_SAMPLE and CORRELATION, and
// ksqlDB's HISTOGRAM.

// varAcc is Flink's variance family, computed as Flink reduces it:
// (SUM(x*x) - SUM(x)*SUM(x)/COUNT(x)) / COUNT(x) (or COUNT(x)-1), in the
// argument's type: integers use integer division (in 64 bits), DOUBLEs
// floating point. The standard deviations are the square root, cast back
// to the type. No values (or one, for the sample forms) give NULL.
type varAcc struct {
	pop, root bool
	rt        types.Type
	n         int64
	isum, isq int64 // integer arguments
	sum, sq   float64
}

func newVarAcc(kind string, rt types.Type) *varAcc {
	return &varAcc{
		pop:  kind == "VAR_POP" || kind == "STDDEV_POP",
		root: kind == "STDDEV_POP" || kind == "STDDEV_SAMP",
		rt:   rt,
	}
}

func (a *varAcc) integral() bool { return a.rt.Kind.IsInteger() }

func (a *varAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	a.n++
	if a.integral() {
		a.isum += v.I
		a.isq += v.I * v.I
		return
	}
	f := v.Float()
	a.sum += f
	a.sq += f * f
}

func (a *varAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	a.n--
	if a.integral() {
		a.isum -= v.I
		a.isq -= v.I * v.I
		return
	}
	f := v.Float()
	a.sum -= f
	a.sq -= f * f
}

func (a *varAcc) Result() types.Value {
	d := a.n
	if !a.pop {
		d--
	}
	if a.n == 0 || d <= 0 {
		return types.NullValue
	}
	if a.integral() {
		v := (a.isq - a.isum*a.isum/a.n) / d
		if a.root {
			v = int64(math.Sqrt(float64(v)))
		}
		return types.IntOf(a.rt.Kind, v)
	}
	v := (a.sq - a.sum*a.sum/float64(a.n)) / float64(d)
	if a.root {
		v = math.Sqrt(v)
	}
	switch a.rt.Kind {
	case types.Float:
		return types.FloatV(v)
	case types.Decimal:
		return types.DecimalV(int64(math.Round(v*math.Pow10(a.rt.Scale))), a.rt.Scale)
	}
	return types.DoubleV(v)
}

func (a *varAcc) Merge(o Acc) {
	b := o.(*varAcc)
	a.n += b.n
	a.isum += b.isum
	a.isq += b.isq
	a.sum += b.sum
	a.sq += b.sq
}

func (a *varAcc) Encode(e *types.Enc) {
	e.Int(a.n)
	e.Int(a.isum)
	e.Int(a.isq)
	e.Float(a.sum)
	e.Float(a.sq)
}

func (a *varAcc) Decode(d *types.Dec) {
	a.n, a.isum, a.isq = d.Int(), d.Int(), d.Int()
	a.sum, a.sq = d.Float(), d.Float()
}

// ksqlStddevAcc is ksqlDB's STDDEV_SAMPLE (root) and STDDEV_SAMP (which
// returns the sample variance). It keeps the count, the sum and the sum
// of squared deviations, updated as Youngs and Cramer do, so that adding
// and retracting one value are exact inverses. Fewer than two values give
// 0.0.
type ksqlStddevAcc struct {
	root bool
	n    int64
	sum  float64
	m2   float64
}

func (a *ksqlStddevAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	x := v.Float()
	a.n++
	a.sum += x
	if a.n > 1 {
		n := float64(a.n)
		t := n*x - a.sum
		a.m2 += t * t / (n * (n - 1))
	}
}

func (a *ksqlStddevAcc) Retract(v types.Value) {
	if v.IsNull() || a.n == 0 {
		return
	}
	x := v.Float()
	if a.n > 1 {
		n := float64(a.n)
		t := n*x - a.sum
		a.m2 -= t * t / (n * (n - 1))
	}
	a.n--
	a.sum -= x
	if a.n < 2 {
		a.m2 = 0
	}
	if a.n == 0 {
		a.sum = 0
	}
}

func (a *ksqlStddevAcc) Result() types.Value {
	if a.n < 2 {
		return types.DoubleV(0)
	}
	v := a.m2 / float64(a.n-1)
	if a.root {
		v = math.Sqrt(v)
	}
	return types.DoubleV(v)
}

func (a *ksqlStddevAcc) Merge(o Acc) {
	b := o.(*ksqlStddevAcc)
	switch {
	case b.n == 0:
		return
	case a.n == 0:
		a.n, a.sum, a.m2 = b.n, b.sum, b.m2
		return
	}
	na, nb := float64(a.n), float64(b.n)
	d := na*b.sum - nb*a.sum
	a.m2 += b.m2 + d*d/(na*nb*(na+nb))
	a.n += b.n
	a.sum += b.sum
}

func (a *ksqlStddevAcc) Encode(e *types.Enc) { e.Int(a.n); e.Float(a.sum); e.Float(a.m2) }
func (a *ksqlStddevAcc) Decode(d *types.Dec) { a.n = d.Int(); a.sum = d.Float(); a.m2 = d.Float() }

// correlationArgs accepts CORRELATION(x, y) over two numeric columns: as
// two argument types, or as one ROW of two numeric fields (the planner
// passes a single argument per aggregate).
func correlationArgs(args []types.Type) bool {
	num := func(t types.Type) bool { return t.Kind.IsNumeric() || t.Kind == types.Null }
	switch {
	case len(args) == 2:
		return num(args[0]) && num(args[1])
	case len(args) == 1 && args[0].Kind == types.Struct && len(args[0].Fields) == 2:
		return num(args[0].Fields[0].Type) && num(args[0].Fields[1].Type)
	}
	return false
}

// corrAcc is ksqlDB's CORRELATION: the Pearson coefficient of the pairs
// (x, y), each value being a ROW(x, y); pairs with a NULL are skipped.
// Fewer than two pairs, or a constant column, give NaN.
type corrAcc struct {
	n                     int64
	sx, sy, sxx, syy, sxy float64
}

func pair(v types.Value) (x, y float64, ok bool) {
	e := v.Elems()
	if v.IsNull() || len(e) != 2 || e[0].IsNull() || e[1].IsNull() {
		return 0, 0, false
	}
	return e[0].Float(), e[1].Float(), true
}

func (a *corrAcc) update(v types.Value, sign float64) {
	x, y, ok := pair(v)
	if !ok {
		return
	}
	a.n += int64(sign)
	a.sx += sign * x
	a.sy += sign * y
	a.sxx += sign * x * x
	a.syy += sign * y * y
	a.sxy += sign * x * y
}

func (a *corrAcc) Add(v types.Value)     { a.update(v, 1) }
func (a *corrAcc) Retract(v types.Value) { a.update(v, -1) }

func (a *corrAcc) Result() types.Value {
	n := float64(a.n)
	num := n*a.sxy - a.sx*a.sy
	den := math.Sqrt((n*a.sxx - a.sx*a.sx) * (n*a.syy - a.sy*a.sy))
	return types.DoubleV(num / den)
}

func (a *corrAcc) Merge(o Acc) {
	b := o.(*corrAcc)
	a.n += b.n
	a.sx += b.sx
	a.sy += b.sy
	a.sxx += b.sxx
	a.syy += b.syy
	a.sxy += b.sxy
}

func (a *corrAcc) Encode(e *types.Enc) {
	e.Int(a.n)
	for _, f := range []float64{a.sx, a.sy, a.sxx, a.syy, a.sxy} {
		e.Float(f)
	}
}

func (a *corrAcc) Decode(d *types.Dec) {
	a.n = d.Int()
	a.sx, a.sy, a.sxx, a.syy, a.sxy = d.Float(), d.Float(), d.Float(), d.Float(), d.Float()
}

// histogramLimit is how many distinct values HISTOGRAM counts, as ksqlDB.
const histogramLimit = 1000

// histogramAcc is ksqlDB's HISTOGRAM: a map from each distinct value (as
// text) to the number of times it occurs, in first-seen order. NULLs are
// not counted; values beyond the first 1000 distinct ones are ignored; a
// count that drops to zero removes its entry.
type histogramAcc struct {
	keys   []string
	counts map[string]int64
}

func histKey(v types.Value) string {
	if v.K == types.String {
		return v.S
	}
	return v.String()
}

func (a *histogramAcc) add(k string, d int64) {
	c, ok := a.counts[k]
	if !ok {
		if d <= 0 || len(a.keys) >= histogramLimit {
			return
		}
		a.keys = append(a.keys, k)
	}
	c += d
	if c > 0 {
		a.counts[k] = c
		return
	}
	delete(a.counts, k)
	for i, x := range a.keys {
		if x == k {
			a.keys = append(a.keys[:i], a.keys[i+1:]...)
			break
		}
	}
}

func (a *histogramAcc) Add(v types.Value) {
	if !v.IsNull() {
		a.add(histKey(v), 1)
	}
}

func (a *histogramAcc) Retract(v types.Value) {
	if !v.IsNull() {
		a.add(histKey(v), -1)
	}
}

func (a *histogramAcc) Result() types.Value {
	m := &types.MapValue{Keys: make([]types.Value, len(a.keys)), Vals: make([]types.Value, len(a.keys))}
	for i, k := range a.keys {
		m.Keys[i] = types.StringV(k)
		m.Vals[i] = types.BigIntV(a.counts[k])
	}
	return types.MapV(m)
}

func (a *histogramAcc) Merge(o Acc) {
	b := o.(*histogramAcc)
	for _, k := range b.keys {
		a.add(k, b.counts[k])
	}
}

func (a *histogramAcc) Encode(e *types.Enc) {
	e.Uint(uint64(len(a.keys)))
	for _, k := range a.keys {
		e.String(k)
		e.Int(a.counts[k])
	}
}

func (a *histogramAcc) Decode(d *types.Dec) {
	n := d.Uint()
	a.keys, a.counts = nil, map[string]int64{}
	for i := uint64(0); i < n && d.Err == nil; i++ {
		k := d.String()
		a.keys = append(a.keys, k)
		a.counts[k] = d.Int()
	}
}

// attrAcc is ksqlDB's ATTR: the one value every row of the group has
// (NULL counts as a value), or NULL once the rows disagree. It counts each
// distinct value, so that retracting rows can make the group agree again.
type attrAcc struct {
	vals   []types.Value
	counts []int64
}

func (a *attrAcc) add(v types.Value, d int64) {
	for i, x := range a.vals {
		if x.IsNull() == v.IsNull() && (v.IsNull() || types.Compare(x, v) == 0) {
			a.counts[i] += d
			if a.counts[i] <= 0 {
				a.vals = append(a.vals[:i], a.vals[i+1:]...)
				a.counts = append(a.counts[:i], a.counts[i+1:]...)
			}
			return
		}
	}
	if d > 0 {
		a.vals = append(a.vals, v)
		a.counts = append(a.counts, d)
	}
}

func (a *attrAcc) Add(v types.Value)     { a.add(v, 1) }
func (a *attrAcc) Retract(v types.Value) { a.add(v, -1) }

func (a *attrAcc) Result() types.Value {
	if len(a.vals) == 1 {
		return a.vals[0]
	}
	return types.NullValue
}

func (a *attrAcc) Merge(o Acc) {
	b := o.(*attrAcc)
	for i, v := range b.vals {
		a.add(v, b.counts[i])
	}
}

func (a *attrAcc) Encode(e *types.Enc) {
	e.Row(a.vals)
	e.Uint(uint64(len(a.counts)))
	for _, c := range a.counts {
		e.Int(c)
	}
}

func (a *attrAcc) Decode(d *types.Dec) {
	a.vals = d.Row()
	n := d.Uint()
	a.counts = nil
	for i := uint64(0); i < n && d.Err == nil; i++ {
		a.counts = append(a.counts, d.Int())
	}
}
