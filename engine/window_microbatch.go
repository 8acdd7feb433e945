package engine

import "github.com/tumble/tumble/engine/types"

// Micro-batch emit modes: Spark Structured Streaming's output modes over a
// window aggregate. Rows update the state as they come (Process); what a
// micro-batch changed is emitted when the job ends the micro-batch
// (EndBatch; see Trigger for when that is).
const (
	// EmitBatchUpdates (Spark's update mode) emits, at the end of each
	// micro-batch, the new value of every group the micro-batch changed.
	EmitBatchUpdates EmitMode = iota + 16
	// EmitBatchAll (Spark's complete mode) emits every group at the end of
	// each micro-batch that read rows.
	EmitBatchAll
	// EmitBatchFinal (Spark's append mode) emits a group once, when the
	// watermark passes its window's end.
	EmitBatchFinal
)

// MicroBatch reports whether the mode is one of Spark's output modes.
func (m EmitMode) MicroBatch() bool { return m >= EmitBatchUpdates && m <= EmitBatchFinal }

var _ BatchEnder = (*WindowAgg)(nil)

// microBatch is what the current micro-batch changed.
type microBatch struct {
	rows  bool // the micro-batch read rows
	dirty []dirtyGroup
	seen  map[*group]bool
}

type dirtyGroup struct {
	win [2]int64
	g   *group
}

// processMicroBatch is Spark's stateful window aggregation: rows go into
// the state of their windows; rows of windows at or before the watermark
// are late (dropped and counted).
func (w *WindowAgg) processMicroBatch(recs []Rec) error {
	mb := &w.mb
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			continue // Spark's window() of a NULL time is NULL: the row is filtered
		}
		mb.rows = true
		ts := tv.I
		if ts > w.streamTime {
			w.streamTime = ts
		}
		w.assign = w.W.assign(w.assign[:0], ts)
		if len(w.Keys) > 0 {
			w.keyBuf = appendKeyCols(w.keyBuf[:0], r.Row, w.Keys)
		}
		late := true
		for _, win := range w.assign {
			if w.Watermarked && win[1] <= w.wm {
				continue
			}
			late = false
			g := w.table(win).get(w.keyBuf, r.Row, w.Keys, w.Aggs)
			g.add(r.Row, w.Aggs, r.Kind.IsRetract())
			if ts > g.maxTs {
				g.maxTs = ts
			}
			if w.Emit == EmitBatchUpdates && !mb.seen[g] {
				if mb.seen == nil {
					mb.seen = map[*group]bool{}
				}
				mb.seen[g] = true
				mb.dirty = append(mb.dirty, dirtyGroup{win, g})
			}
		}
		if late {
			w.oc.LateDropped(1)
		}
	}
	return nil
}

// EndBatch implements BatchEnder: the end of a micro-batch emits what the
// output mode says, then moves Spark's watermark (WindowAgg.Watermarked)
// to the largest event time seen minus Grace (the delay of
// withWatermark). Windows whose end is at or before it leave the state
// (emitted first in append mode), and later rows for them are late. This
// is what Spark's next micro-batch does (without data if need be: its
// no-data batches). Without a watermark, state is kept, as in Spark.
func (w *WindowAgg) EndBatch() error {
	if !w.Emit.MicroBatch() {
		return nil
	}
	w.out = w.out[:0]
	w.arena.reset()
	mb := &w.mb
	switch w.Emit {
	case EmitBatchUpdates:
		for _, c := range mb.dirty {
			w.out = append(w.out, Rec{Row: w.result(c.win, c.g), Kind: Insert, Ts: c.g.maxTs / types.MicrosPerMilli})
		}
	case EmitBatchAll:
		if mb.rows {
			for _, win := range w.pending {
				for _, g := range w.windows[win].groups {
					w.out = append(w.out, Rec{Row: w.result(win, g), Kind: Insert, Ts: g.maxTs / types.MicrosPerMilli})
				}
			}
		}
	}
	mb.rows, mb.dirty = false, mb.dirty[:0]
	clear(mb.seen)
	if w.Watermarked && w.streamTime != MinWatermark && w.streamTime-w.Grace > w.wm {
		w.wm = w.streamTime - w.Grace
		n := 0
		for n < len(w.pending) && w.pending[n][1] <= w.wm {
			n++
		}
		for _, win := range w.pending[:n] {
			if w.Emit == EmitBatchFinal {
				for _, g := range w.windows[win].groups {
					w.out = append(w.out, Rec{Row: w.result(win, g), Kind: Insert, Ts: windowMaxTs(win[1]) / types.MicrosPerMilli})
				}
			}
			delete(w.windows, win)
		}
		if n > 0 {
			w.pending = append(w.pending[:0], w.pending[n:]...)
			w.lastTab = nil
		}
	}
	if len(w.out) == 0 {
		return nil
	}
	return w.emit(w.out)
}
