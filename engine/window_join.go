package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// WindowJoin is Flink's window join: two insert-only inputs whose rows
// carry the bounds of the same windows (window_start and window_end of a
// window TVF or window aggregate, microseconds) are joined window by
// window. Rows are held per window; when the watermark passes a window's
// end, its rows are joined on the keys (and Cond), the result is emitted
// once (+I) and the window is forgotten. Rows of a window that has fired
// are late: dropped and counted.
//
// Type is INNER, LEFT, RIGHT or FULL (rows of one side without a match in
// their window come out padded with NULLs: left row then right row), or
// SEMI / ANTI (left rows alone, that have / have no match). Feed it
// through Left() and Right().
type WindowJoin struct {
	base
	Type                  JoinType
	LeftKeys, RightKeys   []expr.Expr // besides the window bounds
	Cond                  expr.Expr   // over the joined row; nil: keys only
	LeftWidth, RightWidth int
	LeftStart, LeftEnd    int
	RightStart, RightEnd  int

	windows map[[2]int64]*wjWindow
	pending [][2]int64 // open windows, sorted by end then start
	wms     inputWatermarks
	keyBuf  []byte
	out     []Rec
	arena   arena
	condBuf types.Row // the row Cond is evaluated on
}

// wjWindow holds a window's rows: per side, per key in arrival order of
// the keys, and the rows whose key is NULL (which match nothing).
type wjWindow struct {
	keys  [2]map[string]int
	rows  [2][][]types.Row // by key index
	names [2][]string      // key index -> key
	nulls [2][]types.Row
}

var (
	_ Op          = (*WindowJoin)(nil)
	_ Snapshotter = (*WindowJoin)(nil)
)

type wjSide struct {
	j    *WindowJoin
	side int
}

func (s *wjSide) Open(*OpContext) error    { return nil }
func (s *wjSide) Close() error             { return nil }
func (s *wjSide) Process(recs []Rec) error { return s.j.process(recs, s.side) }
func (s *wjSide) Watermark(wm int64) error {
	cur, moved := s.j.wms.advance(s.side, wm)
	if !moved {
		return nil
	}
	return s.j.fire(cur)
}

// Left is the operator the left input feeds.
func (j *WindowJoin) Left() Op { return &wjSide{j: j} }

// Right is the operator the right input feeds.
func (j *WindowJoin) Right() Op { return &wjSide{j: j, side: 1} }

// Open implements Op.
func (j *WindowJoin) Open(c *OpContext) error {
	j.oc = c
	j.windows = map[[2]int64]*wjWindow{}
	j.pending = nil
	j.wms.reset()
	return nil
}

// Process implements Op: records pushed to the join itself are left rows.
func (j *WindowJoin) Process(recs []Rec) error { return j.process(recs, 0) }

// Watermark implements Op for a join fed through Process only.
func (j *WindowJoin) Watermark(wm int64) error {
	j.wms.advance(0, wm)
	cur, moved := j.wms.advance(1, wm)
	if !moved {
		return nil
	}
	return j.fire(cur)
}

// Windows is the number of windows held.
func (j *WindowJoin) Windows() int { return len(j.windows) }

func (j *WindowJoin) window(win [2]int64) *wjWindow {
	w, ok := j.windows[win]
	if !ok {
		w = &wjWindow{keys: [2]map[string]int{{}, {}}}
		j.windows[win] = w
		i := sort.Search(len(j.pending), func(i int) bool {
			p := j.pending[i]
			return p[1] > win[1] || (p[1] == win[1] && p[0] >= win[0])
		})
		j.pending = append(j.pending, [2]int64{})
		copy(j.pending[i+1:], j.pending[i:])
		j.pending[i] = win
	}
	return w
}

func (w *wjWindow) add(side int, key []byte, null bool, row types.Row) {
	if null {
		w.nulls[side] = append(w.nulls[side], row)
		return
	}
	i, ok := w.keys[side][string(key)]
	if !ok {
		i = len(w.rows[side])
		w.keys[side][string(key)] = i
		w.rows[side] = append(w.rows[side], nil)
		w.names[side] = append(w.names[side], string(key))
	}
	w.rows[side][i] = append(w.rows[side][i], row)
}

func (j *WindowJoin) process(recs []Rec, side int) error {
	startCol, endCol, keys := j.LeftStart, j.LeftEnd, j.LeftKeys
	if side == 1 {
		startCol, endCol, keys = j.RightStart, j.RightEnd, j.RightKeys
	}
	for i := range recs {
		rec := &recs[i]
		if rec.Kind.IsRetract() {
			continue // the planner only puts insert-only inputs here
		}
		sv, ev := rec.Row[startCol], rec.Row[endCol]
		if sv.IsNull() || ev.IsNull() || windowMaxTs(ev.I) <= j.wms.cur {
			j.oc.LateDropped(1)
			continue
		}
		var ok bool
		j.keyBuf, ok = joinKey(j.keyBuf[:0], rec.Row, keys)
		j.window([2]int64{sv.I, ev.I}).add(side, j.keyBuf, !ok, copyRow(rec.Row))
	}
	return nil
}

func (j *WindowJoin) joined(l, r types.Row) types.Row {
	return joinedRow(&j.arena, j.LeftWidth, j.RightWidth, l, r)
}

func (j *WindowJoin) matches(l, r types.Row) bool {
	if j.Cond == nil {
		return true
	}
	v := j.Cond.Eval(condRow(&j.condBuf, j.LeftWidth, j.RightWidth, l, r))
	return v.K == types.Boolean && v.I != 0
}

// fire joins and forgets the windows whose end the watermark has passed,
// then forwards the watermark.
func (j *WindowJoin) fire(wm int64) error {
	n := 0
	for n < len(j.pending) && windowMaxTs(j.pending[n][1]) <= wm {
		n++
	}
	if n > 0 {
		j.out = j.out[:0]
		j.arena.reset()
		for _, win := range j.pending[:n] {
			j.joinWindow(j.windows[win], windowMaxTs(win[1])/types.MicrosPerMilli)
			delete(j.windows, win)
		}
		j.pending = append(j.pending[:0], j.pending[n:]...)
		if err := j.emit(j.out); err != nil {
			return err
		}
	}
	return j.forwardWatermark(wm)
}

func (j *WindowJoin) emitRow(row types.Row, ts int64) {
	j.out = append(j.out, Rec{Row: row, Kind: Insert, Ts: ts})
}

// joinWindow emits a window's result: for each left key (in the order the
// keys arrived), its rows against the right rows of that key; then the
// right rows that matched nothing (RIGHT, FULL).
func (j *WindowJoin) joinWindow(w *wjWindow, ts int64) {
	leftOuter := j.Type == LeftJoin || j.Type == FullJoin
	rightOuter := j.Type == RightJoin || j.Type == FullJoin
	semi := j.Type == SemiJoin || j.Type == AntiJoin
	var rightMatched [][]bool
	if rightOuter {
		rightMatched = make([][]bool, len(w.rows[1]))
		for i, rows := range w.rows[1] {
			rightMatched[i] = make([]bool, len(rows))
		}
	}
	leftAlone := func(l types.Row) {
		o := j.arena.row(j.LeftWidth)
		copy(o, l)
		j.emitRow(o, ts)
	}
	for ki, lrows := range w.rows[0] {
		ri, ok := w.keys[1][w.names[0][ki]]
		var rrows []types.Row
		if ok {
			rrows = w.rows[1][ri]
		}
		for _, l := range lrows {
			matched := false
			for rj, r := range rrows {
				if !j.matches(l, r) {
					continue
				}
				matched = true
				if semi {
					break
				}
				if rightOuter {
					rightMatched[ri][rj] = true
				}
				j.emitRow(j.joined(l, r), ts)
			}
			switch {
			case j.Type == SemiJoin && matched, j.Type == AntiJoin && !matched:
				leftAlone(l)
			case leftOuter && !matched:
				j.emitRow(j.joined(l, nil), ts)
			}
		}
	}
	for _, l := range w.nulls[0] {
		switch {
		case j.Type == AntiJoin:
			leftAlone(l)
		case leftOuter:
			j.emitRow(j.joined(l, nil), ts)
		}
	}
	if rightOuter {
		for ri, rows := range w.rows[1] {
			for rj, r := range rows {
				if !rightMatched[ri][rj] {
					j.emitRow(j.joined(nil, r), ts)
				}
			}
		}
		for _, r := range w.nulls[1] {
			j.emitRow(j.joined(nil, r), ts)
		}
	}
}

// Snapshot implements Snapshotter: the open windows with their rows.
func (j *WindowJoin) Snapshot(e *types.Enc) error {
	e.Int(j.wms.side[0])
	e.Int(j.wms.side[1])
	e.Uint(uint64(len(j.pending)))
	for _, win := range j.pending {
		w := j.windows[win]
		e.Int(win[0])
		e.Int(win[1])
		for side := 0; side < 2; side++ {
			e.Uint(uint64(len(w.rows[side])))
			for ki, rows := range w.rows[side] {
				e.String(w.names[side][ki])
				e.Uint(uint64(len(rows)))
				for _, r := range rows {
					e.Row(r)
				}
			}
			e.Uint(uint64(len(w.nulls[side])))
			for _, r := range w.nulls[side] {
				e.Row(r)
			}
		}
	}
	return nil
}

// Restore implements Snapshotter.
func (j *WindowJoin) Restore(d *types.Dec) error {
	j.wms.side[0], j.wms.side[1] = d.Int(), d.Int()
	j.wms.cur = min(j.wms.side[0], j.wms.side[1])
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		w := j.window([2]int64{d.Int(), d.Int()})
		for side := 0; side < 2; side++ {
			keys := d.Uint()
			for k := uint64(0); k < keys && d.Err == nil; k++ {
				key := []byte(d.String())
				rows := d.Uint()
				for r := uint64(0); r < rows && d.Err == nil; r++ {
					w.add(side, key, false, d.Row())
				}
			}
			nulls := d.Uint()
			for r := uint64(0); r < nulls && d.Err == nil; r++ {
				w.add(side, nil, true, d.Row())
			}
		}
	}
	return d.Err
}
