package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/types"
)

// WindowRank is Flink's window Top-N and window deduplication over an
// insert-only input whose rows carry their window's bounds (window_start
// at StartCol, window_end at EndCol, microseconds): per window and
// partition it keeps the rows ranked 1..End by Order and, when the
// watermark passes the window's end, emits those ranked Start..End once
// (+I), then forgets the window. Rows of a window that has fired are late:
// dropped and counted.
//
// NewerFirst breaks ties between equal sort keys in favour of the later
// row (deduplication keeping the last row); otherwise the earlier row
// ranks first. OutputRank appends the rank (BIGINT) to each row.
type WindowRank struct {
	base
	StartCol, EndCol int
	Partition        []int
	Order            []SortKey
	Start, End       int64
	OutputRank       bool
	NewerFirst       bool

	wm      int64
	windows map[[2]int64]*rankTable
	pending [][2]int64 // open windows, sorted by end then start
	keyBuf  []byte
	out     []Rec
	arena   arena
}

var (
	_ Op          = (*WindowRank)(nil)
	_ Snapshotter = (*WindowRank)(nil)
)

// Open implements Op.
func (w *WindowRank) Open(c *OpContext) error {
	w.oc = c
	w.wm = MinWatermark
	w.windows = map[[2]int64]*rankTable{}
	return nil
}

func (w *WindowRank) table(win [2]int64) *rankTable {
	t, ok := w.windows[win]
	if !ok {
		t = &rankTable{}
		w.windows[win] = t
		i := sort.Search(len(w.pending), func(i int) bool {
			p := w.pending[i]
			return p[1] > win[1] || (p[1] == win[1] && p[0] >= win[0])
		})
		w.pending = append(w.pending, [2]int64{})
		copy(w.pending[i+1:], w.pending[i:])
		w.pending[i] = win
	}
	return t
}

// Process implements Op.
func (w *WindowRank) Process(recs []Rec) error {
	for i := range recs {
		rec := &recs[i]
		if rec.Kind.IsRetract() {
			continue // the planner only puts insert-only input here
		}
		sv, ev := rec.Row[w.StartCol], rec.Row[w.EndCol]
		if sv.IsNull() || ev.IsNull() || windowMaxTs(ev.I) <= w.wm {
			w.oc.LateDropped(1)
			continue
		}
		t := w.table([2]int64{sv.I, ev.I})
		w.keyBuf = appendKeyCols(w.keyBuf[:0], rec.Row, w.Partition)
		l := t.get(w.keyBuf, rec.Row, w.Partition)
		p := l.insertPos(rec.Row, w.Order, w.NewerFirst)
		if int64(p) >= w.End {
			continue
		}
		l.insert(p, copyRow(rec.Row))
		if int64(len(l.rows)) > w.End {
			l.truncate(int(w.End))
		}
	}
	return nil
}

// Watermark implements Op: emit and forget every window whose end has
// passed.
func (w *WindowRank) Watermark(wm int64) error {
	if wm <= w.wm {
		return nil
	}
	w.wm = wm
	n := 0
	for n < len(w.pending) && windowMaxTs(w.pending[n][1]) <= wm {
		n++
	}
	if n > 0 {
		w.out = w.out[:0]
		w.arena.reset()
		for _, win := range w.pending[:n] {
			ts := windowMaxTs(win[1]) / types.MicrosPerMilli
			for _, l := range w.windows[win].lists {
				for k := int(w.Start - 1); k < len(l.rows) && int64(k) < w.End; k++ {
					row := l.rows[k]
					if w.OutputRank {
						out := w.arena.row(len(row) + 1)
						copy(out, row)
						out[len(row)] = types.BigIntV(int64(k + 1))
						row = out
					}
					w.out = append(w.out, Rec{Row: row, Kind: Insert, Ts: ts})
				}
			}
			delete(w.windows, win)
		}
		w.pending = append(w.pending[:0], w.pending[n:]...)
		if err := w.emit(w.out); err != nil {
			return err
		}
	}
	return w.forwardWatermark(wm)
}

// Snapshot implements Snapshotter.
func (w *WindowRank) Snapshot(e *types.Enc) error {
	e.Int(w.wm)
	e.Uint(uint64(len(w.pending)))
	for _, win := range w.pending {
		e.Int(win[0])
		e.Int(win[1])
		w.windows[win].encode(e)
	}
	return nil
}

// Restore implements Snapshotter.
func (w *WindowRank) Restore(d *types.Dec) error {
	w.wm = d.Int()
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		win := [2]int64{d.Int(), d.Int()}
		w.table(win).decode(d)
	}
	return d.Err
}
