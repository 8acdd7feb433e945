package engine

import (
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// What two-input operators (the joins) share.

// inputWatermarks is the event time of a two-input operator: each input's
// last watermark, and the smaller of the two, which is the operator's (as
// a Flink two-input operator takes the minimum of its inputs). The job
// sends each watermark to every input's chain in turn, so an operator
// that acted on the first input's watermark alone could drop state the
// second input's rows, still on their way, need.
type inputWatermarks struct {
	side [2]int64
	cur  int64
}

func (w *inputWatermarks) reset() {
	w.side = [2]int64{MinWatermark, MinWatermark}
	w.cur = MinWatermark
}

// advance records wm for input i (0 left, 1 right) and reports the
// operator's watermark and whether it moved.
func (w *inputWatermarks) advance(i int, wm int64) (int64, bool) {
	if wm > w.side[i] {
		w.side[i] = wm
	}
	m := min(w.side[0], w.side[1])
	if m <= w.cur {
		return w.cur, false
	}
	w.cur = m
	return m, true
}

// joinKey appends the values of keys over row to buf as a join key; ok is
// false when one is NULL (a NULL key matches nothing).
func joinKey(buf []byte, row types.Row, keys []expr.Expr) (key []byte, ok bool) {
	for _, k := range keys {
		v := k.Eval(row)
		if v.IsNull() {
			return buf, false
		}
		buf = types.AppendKey(buf, v)
	}
	return buf, true
}

// condRow builds left+right in *buf, reused from call to call: the row a
// join condition is evaluated on, which nothing keeps (a join may test a
// row against many rows of the other side).
func condRow(buf *types.Row, lw, rw int, l, r types.Row) types.Row {
	if cap(*buf) < lw+rw {
		*buf = make(types.Row, lw+rw)
	}
	return fillJoined((*buf)[:lw+rw], lw, l, r)
}

// joinedRow builds left+right in a row of a (either may be nil: NULLs).
func joinedRow(a *arena, lw, rw int, l, r types.Row) types.Row {
	return fillJoined(a.row(lw+rw), lw, l, r)
}

// fillJoined writes left+right into row (a nil side as NULLs).
func fillJoined(row types.Row, lw int, l, r types.Row) types.Row {
	if l != nil {
		copy(row, l)
	} else {
		clear(row[:lw])
	}
	if r != nil {
		copy(row[lw:], r)
	} else {
		clear(row[lw:])
	}
	return row
}
