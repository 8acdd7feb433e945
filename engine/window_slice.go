package engine

import (
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
		g := w.table(sl).get(w.keyBuf, r.Row, w.Keys, w.Aggs)
		g.add(r.Row, w.Aggs, r.Kind.IsRetract())
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
		if err := w.fireWindow([2]int64{start, end}, w.pending[i:j]); err != nil {
			return err
		}
		fired, lastEnd = true, end
		w.freeSlices(windowMaxTs(end))
		end = w.W.endAfter(end)
	}
	w.freeSlices(t)
	return w.emit(w.out)
}

// fireWindow emits the window win whose rows are in slices: each key
// once, where it is first seen, its slices' accumulators merged.
func (w *WindowAgg) fireWindow(win [2]int64, slices [][2]int64) error {
	tabs := w.tabs[:0]
	for _, sl := range slices {
		tabs = append(tabs, w.windows[sl])
	}
	w.tabs = tabs
	ts := windowMaxTs(win[1]) / types.MicrosPerMilli
	for j, tab := range tabs {
		for _, g := range tab.groups {
			if len(w.Keys) > 0 {
				w.keyBuf = w.keyBuf[:0]
				for _, v := range g.key {
					w.keyBuf = types.AppendKey(w.keyBuf, v)
				}
			}
			seen := false
			for _, prev := range tabs[:j] {
				if prev.lookup(w.keyBuf, len(w.Keys)) != nil {
					seen = true
					break
				}
			}
			if seen {
				continue // emitted with the first slice that has it
			}
			accs := g.accs
			merged := false
			for _, later := range tabs[j+1:] {
				h := later.lookup(w.keyBuf, len(w.Keys))
				if h == nil {
					continue
				}
				if !merged {
					accs = w.freshAccs(g.accs)
					merged = true
				}
				for k, a := range accs {
					a.Merge(h.accs[k])
				}
			}
			w.out = append(w.out, Rec{Row: w.resultOf(win, g.key, accs), Kind: Insert, Ts: ts})
			if len(w.out) == fireChunk {
				if err := w.emit(w.out); err != nil {
					return err
				}
				w.out = w.out[:0]
				w.arena.reset()
			}
		}
	}
	clear(w.tabs)
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
		delete(w.windows, w.pending[n])
		n++
	}
	if n > 0 {
		w.pending = append(w.pending[:0], w.pending[n:]...)
		w.lastTab = nil
	}
}

// lookup is the group of an encoded key (of nkeys columns), or nil.
func (t *groupTable) lookup(key []byte, nkeys int) *group {
	if nkeys == 0 {
		return t.single
	}
	if i, ok := t.index[string(key)]; ok {
		return t.groups[i]
	}
	return nil
}
