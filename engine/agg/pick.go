package agg

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// Accumulators that keep chosen values: ksqlDB's EARLIEST/LATEST_BY_OFFSET,
// Flink's FIRST_VALUE/LAST_VALUE and LISTAGG.

// offsetParams reads EARLIEST/LATEST_BY_OFFSET's constant arguments:
// (), (ignoreNulls), (n) or (n, ignoreNulls). n is 0 for the single-value
// form; NULLs are ignored unless ignoreNulls is false.
func offsetParams(name string, params []types.Value) (n int, ignoreNulls bool, err error) {
	ignoreNulls = true
	bad := fmt.Errorf("%s takes a column, then optionally a positive count and whether to ignore NULLs, as in %s(col, 3, false)", name, name)
	for i, p := range params {
		switch {
		case p.K == types.Boolean && i == len(params)-1:
			ignoreNulls = p.I != 0
		case p.K.IsInteger() && i == 0:
			if p.I < 1 {
				return 0, false, fmt.Errorf("%s: the number of values must be positive, got %d", name, p.I)
			}
			n = int(p.I)
		default:
			return 0, false, bad
		}
	}
	if len(params) > 2 {
		return 0, false, bad
	}
	return n, ignoreNulls, nil
}

// offsetAcc keeps the earliest or latest values in arrival (offset) order.
// With n == 0 it keeps one value and returns it; otherwise it keeps n and
// returns them as an array, oldest first. Retractions do not apply (ksqlDB
// allows these functions on streams only).
type offsetAcc struct {
	latest      bool
	n           int
	ignoreNulls bool
	vals        []types.Value
}

func (a *offsetAcc) limit() int { return max(a.n, 1) }

func (a *offsetAcc) Add(v types.Value) {
	if v.IsNull() && a.ignoreNulls {
		return
	}
	if !a.latest {
		if len(a.vals) < a.limit() {
			a.vals = append(a.vals, v)
		}
		return
	}
	a.vals = append(a.vals, v)
	if len(a.vals) > a.limit() {
		a.vals = append(a.vals[:0], a.vals[len(a.vals)-a.limit():]...)
	}
}

func (a *offsetAcc) Retract(types.Value) {}

func (a *offsetAcc) Result() types.Value {
	if a.n == 0 {
		if len(a.vals) == 0 {
			return types.NullValue
		}
		return a.vals[len(a.vals)-1]
	}
	return types.ArrayV(append([]types.Value{}, a.vals...))
}

// Merge appends the other accumulator's values, which arrived later.
func (a *offsetAcc) Merge(o Acc) {
	for _, v := range o.(*offsetAcc).vals {
		a.Add(v)
	}
}

func (a *offsetAcc) Encode(e *types.Enc) { e.Row(a.vals) }
func (a *offsetAcc) Decode(d *types.Dec) { a.vals = d.Row() }

// firstLastAcc is Flink's FIRST_VALUE / LAST_VALUE: NULLs are skipped. It
// keeps only the current value until a retraction arrives; from then on it
// keeps the values in arrival order so that retracting the current value
// falls back to the one before (values added before that point, other than
// the current one, are not known).
type firstLastAcc struct {
	last     bool
	v        types.Value
	set      bool
	tracking bool
	hist     []types.Value
}

func (a *firstLastAcc) keepHistory() { a.tracking = true }

func (a *firstLastAcc) Add(v types.Value) {
	if v.IsNull() {
		return
	}
	if a.tracking {
		a.hist = append(a.hist, v)
	}
	if a.last || !a.set {
		a.v, a.set = v, true
	}
}

func (a *firstLastAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	if !a.tracking {
		a.tracking = true
		if a.set {
			a.hist = []types.Value{a.v}
		}
	}
	idx := -1
	for i, x := range a.hist {
		if types.Equal(x, v) {
			idx = i
			if !a.last {
				break
			}
		}
	}
	if idx < 0 {
		return
	}
	a.hist = append(a.hist[:idx], a.hist[idx+1:]...)
	switch {
	case len(a.hist) == 0:
		a.v, a.set = types.NullValue, false
	case a.last:
		a.v, a.set = a.hist[len(a.hist)-1], true
	default:
		a.v, a.set = a.hist[0], true
	}
}

func (a *firstLastAcc) Result() types.Value { return a.v }

// Merge: the other accumulator holds later rows.
func (a *firstLastAcc) Merge(o Acc) {
	b := o.(*firstLastAcc)
	if a.tracking || b.tracking {
		if !a.tracking && a.set {
			a.hist = []types.Value{a.v}
		}
		a.tracking = true
		if b.tracking {
			a.hist = append(a.hist, b.hist...)
		} else if b.set {
			a.hist = append(a.hist, b.v)
		}
	}
	if b.set && (a.last || !a.set) {
		a.v, a.set = b.v, true
	}
}

func (a *firstLastAcc) Encode(e *types.Enc) {
	e.Value(a.v)
	flags := uint64(0)
	if a.set {
		flags |= 1
	}
	if a.tracking {
		flags |= 2
	}
	e.Uint(flags)
	e.Row(a.hist)
}

func (a *firstLastAcc) Decode(d *types.Dec) {
	a.v = d.Value()
	flags := d.Uint()
	a.set, a.tracking = flags&1 != 0, flags&2 != 0
	a.hist = d.Row()
	if len(a.hist) == 0 {
		a.hist = nil
	}
}

// listaggAcc concatenates non-NULL strings with a separator; NULL when
// there are none. A retraction removes one equal value.
type listaggAcc struct {
	sep   string
	parts []string
}

func (a *listaggAcc) Add(v types.Value) {
	if !v.IsNull() {
		a.parts = append(a.parts, v.S)
	}
}

func (a *listaggAcc) Retract(v types.Value) {
	if v.IsNull() {
		return
	}
	for i, p := range a.parts {
		if p == v.S {
			a.parts = append(a.parts[:i], a.parts[i+1:]...)
			return
		}
	}
}

func (a *listaggAcc) Result() types.Value {
	if len(a.parts) == 0 {
		return types.NullValue
	}
	return types.StringV(strings.Join(a.parts, a.sep))
}

func (a *listaggAcc) Merge(o Acc) { a.parts = append(a.parts, o.(*listaggAcc).parts...) }

func (a *listaggAcc) Encode(e *types.Enc) {
	e.Uint(uint64(len(a.parts)))
	for _, p := range a.parts {
		e.String(p)
	}
}

func (a *listaggAcc) Decode(d *types.Dec) {
	n := d.Uint()
	a.parts = nil
	for i := uint64(0); i < n && d.Err == nil; i++ {
		a.parts = append(a.parts, d.String())
	}
}
