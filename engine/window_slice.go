package engine

import (
	"fmt"
	"slices"
	"sort"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// Sliced windows (Flink's slice-shared window aggregation). A HOP window
// overlaps size/slide others and a CUMULATE window the other windows of
// its period, so keeping state per window updates every window of a row.
// Instead, time is cut into slices of gcd(size, slide) (HOP) or the step
// (CUMULATE), each window being a run of whole slices: a row updates the
// one accumulator of its key in its slice, and when a window fires the
// accumulators of its slices are merged into fresh ones (the slices' own
// are shared with the next windows and left as they are). A slice is
// forgotten once the last window containing it has fired.
//
// Only the plain path slices: on the watermark, event time, no early or
// late firing, windows assigned by time (not Attached), an insert-only
// input, and aggregates whose merge does not
// depend on the order of rows (agg.Func.Mergeable). Results are those of
// per-window state; a window's keys come in the order they were first
// seen over its slices in time order.

// slicedStateFormat marks a snapshot of sliced state (Restore).
const slicedStateFormat = 1

// sliceLen is the length of the slices the operator keeps its state in,
// or 0 when it keeps state per window.
func (w *WindowAgg) sliceLen() int64 {
	if w.Emit != EmitOnWatermark || w.Proctime || w.updates() || w.Attached {
		return 0 // an attached window is already one window per row
	}
	for _, a := range w.Aggs {
		if a.Func.Updating || !a.Func.Mergeable() {
			return 0
		}
	}
	return w.W.sliceLen()
}

// sliceLen is the slice length of HOP and CUMULATE windows (0: not
// sliced; TUMBLE's slice would be the window, and HOP windows with gaps
// between them are not sliced).
func (w Window) sliceLen() int64 {
	switch w.Kind {
	case Hop:
		if w.Slide > 0 && w.Slide < w.Size {
			return gcd(w.Size, w.Slide)
		}
	case Cumulate:
		if w.Step > 0 && w.Step < w.Size && w.Size%w.Step == 0 {
			return w.Step
		}
	}
	return 0
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// The geometry of sliced windows. Every window end lies on a grid (HOP:
// offset + size + k * slide; CUMULATE: offset + k * step) and each point
// of the grid ends one window.

func (w Window) endGrid() (period, phase int64) {
	if w.Kind == Hop {
		return w.Slide, w.Offset + w.Size
	}
	return w.Step, w.Offset
}

// endAtOrAfter is the first window end at or after x.
func (w Window) endAtOrAfter(x int64) int64 {
	p, ph := w.endGrid()
	return x + floorMod(ph-x, p)
}

// endAfter is the window end after end, itself a window end.
func (w Window) endAfter(end int64) int64 {
	p, _ := w.endGrid()
	return end + p
}

// windowStart is the start of the window that ends at end.
func (w Window) windowStart(end int64) int64 {
	if w.Kind == Hop {
		return end - w.Size
	}
	return w.cumulateStart(end - w.Step)
}

// cumulateStart is the start of the CUMULATE period containing ts.
func (w Window) cumulateStart(ts int64) int64 { return ts - floorMod(ts-w.Offset, w.Size) }

// lastWindowEnd is the end of the last window containing the slice of
// length s that ends at end.
func (w Window) lastWindowEnd(end, s int64) int64 {
	if w.Kind == Hop {
		p, ph := w.endGrid()
		x := end - s + w.Size
		return x - floorMod(x-ph, p)
	}
	return w.cumulateStart(end-s) + w.Size
}

// slicedState is the state of a sliced window aggregate: its slices'
// tables, by slice (WindowAgg.pending lists the slices in order).
type slicedState struct {
	tabs    map[[2]int64]*sliceTable
	last    [2]int64
	lastTab *sliceTable
	firing  []*sliceTable // the slices of the window being fired
	cols    []int         // 0, 1, ...: the columns of a key row (keyRowCols)
}

// keyRowCols are the columns of a group's key row (0, 1, ...), to encode
// or copy a key row as a group's key, as the Keys columns of an input row.
func (w *WindowAgg) keyRowCols() []int {
	if len(w.sl.cols) != len(w.Keys) {
		w.sl.cols = make([]int, len(w.Keys))
		for i := range w.sl.cols {
			w.sl.cols[i] = i
		}
	}
	return w.sl.cols
}

// sliceTable is the groups of one slice in first-seen order, kept flat
// (a group is an index into keys and accs, with no struct or row of its
// own: half the memory of a groupTable's groups).
type sliceTable struct {
	index map[string]int32 // encoded key -> group; nil without keys
	n     int
	keys  [][]types.Value // chunks of sliceChunk groups' keys
	accs  [][]agg.Acc     // chunks of sliceChunk groups' accumulators
}

// sliceChunk is how many groups a chunk of a sliceTable holds: a large
// slice grows by chunks rather than by copying all its groups.
const sliceChunk = 1024

func (t *sliceTable) key(g, nkeys int) types.Row {
	o := g % sliceChunk * nkeys
	return t.keys[g/sliceChunk][o : o+nkeys : o+nkeys]
}

func (t *sliceTable) accsOf(g, naggs int) []agg.Acc {
	o := g % sliceChunk * naggs
	return t.accs[g/sliceChunk][o : o+naggs : o+naggs]
}

// lookup is the group of an encoded key, or -1.
func (t *sliceTable) lookup(key []byte, nkeys int) int {
	if nkeys == 0 {
		return t.n - 1 // the one group, if any
	}
	if g, ok := t.index[string(key)]; ok {
		return int(g)
	}
	return -1
}

// get is the group of the encoded key, made from the columns cols of row
// if new.
func (t *sliceTable) get(w *WindowAgg, key []byte, row types.Row, cols []int) int {
	if g := t.lookup(key, len(w.Keys)); g >= 0 {
		return g
	}
	g := t.n
	t.n++
	if g%sliceChunk == 0 {
		t.keys = append(t.keys, nil)
		t.accs = append(t.accs, nil)
	}
	c := len(t.keys) - 1
	for _, k := range cols {
		t.keys[c] = append(t.keys[c], row[k])
	}
	for _, a := range w.Aggs {
		t.accs[c] = append(t.accs[c], a.Func.NewAcc())
	}
	if len(w.Keys) > 0 {
		if t.index == nil {
			t.index = map[string]int32{}
		}
		t.index[string(key)] = int32(g)
	}
	return g
}

// sliceTable is the table of the slice sl, made if new.
func (w *WindowAgg) sliceTable(sl [2]int64) *sliceTable {
	st := &w.sl
	if st.lastTab != nil && sl == st.last {
		return st.lastTab
	}
	if st.tabs == nil {
		st.tabs = map[[2]int64]*sliceTable{}
	}
	t, ok := st.tabs[sl]
	if !ok {
		t = &sliceTable{}
		st.tabs[sl] = t
		i := sort.Search(len(w.pending), func(i int) bool { return w.pending[i][1] >= sl[1] })
		w.pending = slices.Insert(w.pending, i, sl)
	}
	st.last, st.lastTab = sl, t
	return t
}

// processSliced adds each row to its key's accumulators in its slice. A
// row is late when every window containing it has fired.
func (w *WindowAgg) processSliced(recs []Rec) error {
	s := w.slice
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			w.oc.LateDropped(1)
			continue
		}
		start := tv.I - floorMod(tv.I-w.W.Offset, s)
		sl := [2]int64{start, start + s}
		if windowMaxTs(w.W.lastWindowEnd(sl[1], s)) <= w.wm {
			w.oc.LateDropped(1)
			continue
		}
		if len(w.Keys) > 0 {
			w.keyBuf = appendKeyCols(w.keyBuf[:0], r.Row, w.Keys)
		}
		if w.W.Kind == Cumulate && windowMaxTs(sl[1]) <= w.wm {
			// the slice's own window has fired: its rows are in the
			// first slice of the period (accumulate)
			sl[0] = w.W.cumulateStart(sl[0])
			sl[1] = sl[0] + s
		}
		t := w.sliceTable(sl)
		addRow(t.accsOf(t.get(w, w.keyBuf, r.Row, w.Keys), len(w.Aggs)), r.Row, w.Aggs, r.Kind.IsRetract())
	}
	return nil
}

// fireSliced fires, in order of their ends, the windows that end by t
// and have rows, each followed by the watermark of its window_time when
// another one follows, and forgets the slices whose last window fired.
func (w *WindowAgg) fireSliced(t int64) error {
	if t <= w.wm {
		return nil
	}
	old := w.wm
	w.wm = t
	if len(w.pending) == 0 {
		return nil
	}
	w.out = w.out[:0]
	w.arena.reset()
	end := w.W.endAtOrAfter(w.pending[0][1])
	if old != MinWatermark && windowMaxTs(end) <= old {
		end = w.W.endAtOrAfter(old + types.MicrosPerMilli + 1) // the first window not fired
	}
	fired, lastEnd := false, int64(0)
	for len(w.pending) > 0 && windowMaxTs(end) <= t {
		start := w.W.windowStart(end)
		i := sort.Search(len(w.pending), func(i int) bool { return w.pending[i][1] > start })
		j := sort.Search(len(w.pending), func(i int) bool { return w.pending[i][1] > end })
		if i == j { // no rows in this window: on to the first one of the next slice
			if j == len(w.pending) {
				break
			}
			end = max(w.W.endAfter(end), w.W.endAtOrAfter(w.pending[j][1]))
			continue
		}
		if fired {
			if err := w.flushWatermark(windowMaxTs(lastEnd)); err != nil {
				return err
			}
		}
		sls := w.pending[i:j]
		if w.W.Kind == Cumulate {
			sls = w.accumulate(start, end)
		}
		if err := w.fireWindow([2]int64{start, end}, sls); err != nil {
			return err
		}
		fired, lastEnd = true, end
		w.freeSlices(windowMaxTs(end))
		end = w.W.endAfter(end)
	}
	w.freeSlices(t)
	return w.emit(w.out)
}

// accumulate merges the slices of the CUMULATE window [start, end) into
// the table of its first slice, which is shared by every window of the
// period, and returns that slice alone. A window's slices other than the
// first are in no earlier window and are forgotten; rows of slices whose
// window has fired go to the first slice (processSliced). So each firing
// merges one step's rows, not the whole window's, as Flink's cumulative
// slices do.
func (w *WindowAgg) accumulate(start, end int64) [][2]int64 {
	first := [2]int64{start, start + w.slice}
	acc := w.sliceTable(first)
	nk, na := len(w.Keys), len(w.Aggs)
	cols := w.keyRowCols()
	i := sort.Search(len(w.pending), func(i int) bool { return w.pending[i][1] > first[1] })
	j := i
	for ; j < len(w.pending) && w.pending[j][1] <= end; j++ {
		tab := w.sl.tabs[w.pending[j]]
		for g := range tab.n {
			key := tab.key(g, nk)
			w.keyBuf = appendKeyCols(w.keyBuf[:0], key, cols)
			h := acc.get(w, w.keyBuf, key, cols)
			for k, a := range acc.accsOf(h, na) {
				a.Merge(tab.accsOf(g, na)[k])
			}
		}
		delete(w.sl.tabs, w.pending[j])
	}
	w.pending = slices.Delete(w.pending, i, j)
	w.sl.lastTab = nil
	return [][2]int64{first}
}

// fireWindow emits the window win whose rows are in the slices sls: each key
// once, where it is first seen, its slices' accumulators merged.
func (w *WindowAgg) fireWindow(win [2]int64, sls [][2]int64) error {
	tabs := w.sl.firing[:0]
	for _, sl := range sls {
		tabs = append(tabs, w.sl.tabs[sl])
	}
	w.sl.firing = tabs
	defer clear(tabs)
	nk, na := len(w.Keys), len(w.Aggs)
	cols := w.keyRowCols()
	ts := windowMaxTs(win[1]) / types.MicrosPerMilli
	for j, tab := range tabs {
		for g := range tab.n {
			key := tab.key(g, nk)
			w.keyBuf = appendKeyCols(w.keyBuf[:0], key, cols)
			seen := false
			for _, prev := range tabs[:j] {
				if prev.lookup(w.keyBuf, nk) >= 0 {
					seen = true
					break
				}
			}
			if seen {
				continue // emitted with the first slice that has it
			}
			accs := tab.accsOf(g, na)
			merged := false
			for _, later := range tabs[j+1:] {
				h := later.lookup(w.keyBuf, nk)
				if h < 0 {
					continue
				}
				if !merged {
					accs = w.freshAccs(accs)
					merged = true
				}
				for k, a := range later.accsOf(h, na) {
					accs[k].Merge(a)
				}
			}
			w.out = append(w.out, Rec{Row: w.resultOf(win, key, accs), Kind: Insert, Ts: ts})
			if len(w.out) == fireChunk {
				if err := w.emit(w.out); err != nil {
					return err
				}
				w.out = w.out[:0]
				w.arena.reset()
			}
		}
	}
	return nil
}

// freshAccs returns new accumulators holding what accs hold.
func (w *WindowAgg) freshAccs(accs []agg.Acc) []agg.Acc {
	out := make([]agg.Acc, len(accs))
	for k, a := range w.Aggs {
		out[k] = a.Func.NewAcc()
		out[k].Merge(accs[k])
	}
	return out
}

// freeSlices forgets the slices whose last window ends by t.
func (w *WindowAgg) freeSlices(t int64) {
	n := 0
	for n < len(w.pending) && windowMaxTs(w.W.lastWindowEnd(w.pending[n][1], w.slice)) <= t {
		delete(w.sl.tabs, w.pending[n])
		n++
	}
	if n > 0 {
		w.pending = append(w.pending[:0], w.pending[n:]...)
		w.sl.lastTab = nil
	}
}

// snapshotSlices writes the slices as snapshotTables writes windows.
func (w *WindowAgg) snapshotSlices(e *types.Enc) {
	nk, na := len(w.Keys), len(w.Aggs)
	e.Uint(uint64(len(w.pending)))
	for _, sl := range w.pending {
		e.Int(sl[0])
		e.Int(sl[1])
		t := w.sl.tabs[sl]
		e.Uint(uint64(t.n))
		for g := range t.n {
			e.Row(t.key(g, nk))
			e.Int(0)
			for _, a := range t.accsOf(g, na) {
				a.Encode(e)
			}
		}
	}
}

// restoreSlices reads what snapshotSlices wrote.
func (w *WindowAgg) restoreSlices(d *types.Dec) {
	nk, na := len(w.Keys), len(w.Aggs)
	cols := w.keyRowCols()
	var kb []byte
	for n := d.Uint(); n > 0 && d.Err == nil; n-- {
		t := w.sliceTable([2]int64{d.Int(), d.Int()})
		for ng := d.Uint(); ng > 0 && d.Err == nil; ng-- {
			key := d.Row()
			if len(key) != nk {
				d.Err = fmt.Errorf("window aggregate state: a key of %d columns, want %d", len(key), nk)
				return
			}
			kb = appendKeyCols(kb[:0], key, cols)
			g := t.get(w, kb, key, cols)
			d.Int() // the previous format's maxTs
			for _, a := range t.accsOf(g, na) {
				a.Decode(d)
			}
		}
	}
	w.sl.lastTab = nil
}
