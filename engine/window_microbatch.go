package engine

import "github.com/tumble/tumble/engine/types"

// Micro-batch emit modes: Spark Structured Streaming's output modes over a
// window aggregate. A micro-batch is one call of Process (the records one
// source poll returned for one partition).
const (
	// EmitBatchUpdates (Spark's update mode) emits, at the end of each
	// micro-batch, the new value of every group the micro-batch changed.
	EmitBatchUpdates EmitMode = iota + 16
	// EmitBatchAll (Spark's complete mode) emits every group at the end of
	// each micro-batch.
	EmitBatchAll
	// EmitBatchFinal (Spark's append mode) emits a group once, when the
	// watermark passes its window's end.
	EmitBatchFinal
)

// MicroBatch reports whether the mode is one of Spark's output modes.
func (m EmitMode) MicroBatch() bool { return m >= EmitBatchUpdates && m <= EmitBatchFinal }

// processMicroBatch is Spark's stateful window aggregation. Spark's
// watermark (WindowAgg.Watermarked) is the largest event time seen minus
// Grace (the delay of withWatermark), moved at the end of each
// micro-batch; windows whose end is at or before it are dropped from the
// state (emitted first in append mode), and rows for them are late.
// Without a watermark, state is never dropped, as in Spark.
func (w *WindowAgg) processMicroBatch(recs []Rec) error {
	w.out = w.out[:0]
	w.arena.reset()
	type changed struct {
		win [2]int64
		g   *group
	}
	var dirty []changed
	seen := map[*group]bool{}
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			continue // Spark's window() of a NULL time is NULL: the row is filtered
		}
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
			if w.Emit == EmitBatchUpdates && !seen[g] {
				seen[g] = true
				dirty = append(dirty, changed{win, g})
			}
		}
		if late {
			w.oc.Metrics.LateDropped.Add(1)
		}
	}
	switch w.Emit {
	case EmitBatchUpdates:
		for _, c := range dirty {
			w.out = append(w.out, Rec{Row: w.result(c.win, c.g), Kind: Insert, Ts: c.g.maxTs / types.MicrosPerMilli})
		}
	case EmitBatchAll:
		if len(recs) > 0 {
			for _, win := range w.pending {
				for _, g := range w.windows[win].groups {
					w.out = append(w.out, Rec{Row: w.result(win, g), Kind: Insert, Ts: g.maxTs / types.MicrosPerMilli})
				}
			}
		}
	}
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
	return w.emit(w.out)
}
