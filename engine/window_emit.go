package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/types"
)

// Early and late firing of event-time group windows (Flink's experimental
// table.exec.emit.early-fire.*, .late-fire.* and .allow-lateness, which
// apply to legacy GROUP BY TUMBLE/HOP windows).
//
// A window then emits updates: its first result is +I, a later one that
// differs is -U old / +U new, and an unchanged one is not emitted again.
//   - Early firing: before the watermark passes a window's end, a key's
//     result is emitted every EarlyDelay of processing time after a row
//     changed it (the first row of a period starts the period's timer), or
//     after every row with EarlyDelay 0.
//   - On time: when the watermark passes the end, every key of the window
//     emits (an update of what early firing sent, if anything changed).
//   - Lateness: with AllowLateness the window's state is kept until the
//     watermark passes end + AllowLateness; rows arriving meanwhile update
//     it, and with late firing their keys emit every LateDelay (0: after
//     every row). Later rows are dropped and counted as late.
//
// A window whose on-time firing was skipped (created by a row already
// behind the watermark) emits after every row until it fires, as Flink's
// trigger does.

// EmitStrategy is the early/late firing of a window aggregate; the zero
// value fires once, on time.
type EmitStrategy struct {
	EarlyFire     bool
	EarlyDelay    int64 // micros of processing time; 0: after every row
	LateFire      bool
	LateDelay     int64 // micros of processing time; 0: after every row
	AllowLateness int64 // micros of event time
}

// Updates reports whether the strategy makes the window emit updates.
func (s EmitStrategy) Updates() bool { return s.EarlyFire || s.LateFire || s.AllowLateness > 0 }

// ProcTimer is an operator with processing-time timers; the job calls
// OnProcessingTime with the processing time (micros) on every tick, from
// the goroutine that drives the operators.
type ProcTimer interface {
	OnProcessingTime(now int64) error
}

// emitTimer is a pending early or late firing of one key of a window.
type emitTimer struct {
	at  int64
	win [2]int64
	g   *group
}

// updates reports whether the window emits updates (EmitStrategy).
func (w *WindowAgg) updates() bool {
	return w.Emit == EmitOnWatermark && !w.Proctime && w.Strategy.Updates()
}

// processUpdates is Process with early and late firing.
func (w *WindowAgg) processUpdates(recs []Rec) error {
	w.out = w.out[:0]
	w.arena.reset()
	now := int64(0)
	clock := func() int64 {
		if now == 0 {
			now = w.oc.nowMicros()
		}
		return now
	}
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			w.oc.LateDropped(1)
			continue
		}
		w.assign = w.W.assign(w.assign[:0], tv.I)
		if len(w.Keys) > 0 {
			w.keyBuf = appendKeyCols(w.keyBuf[:0], r.Row, w.Keys)
		}
		late := true
		for _, win := range w.assign {
			maxTs := windowMaxTs(win[1])
			if maxTs+w.Strategy.AllowLateness <= w.wm {
				continue // past its allowed lateness
			}
			late = false
			g := w.table(win).get(w.keyBuf, r.Row, w.Keys, w.Aggs)
			g.add(r.Row, w.Aggs, r.Kind.IsRetract())
			switch {
			case maxTs > w.wm: // early
				if w.Strategy.EarlyFire {
					w.fireAfter(win, g, w.Strategy.EarlyDelay, clock)
				}
			case !w.firedOnTime[win]:
				w.update(win, g)
			case w.Strategy.LateFire:
				w.fireAfter(win, g, w.Strategy.LateDelay, clock)
			}
		}
		if late {
			w.oc.LateDropped(1)
		}
	}
	return w.emit(w.out)
}

// fireAfter emits g's result now (delay 0) or starts its timer.
func (w *WindowAgg) fireAfter(win [2]int64, g *group, delay int64, now func() int64) {
	if delay <= 0 {
		w.update(win, g)
		return
	}
	if g.nextFire == 0 {
		g.nextFire = now() + delay
		i := sort.Search(len(w.timers), func(i int) bool { return w.timers[i].at > g.nextFire })
		w.timers = append(w.timers, emitTimer{})
		copy(w.timers[i+1:], w.timers[i:])
		w.timers[i] = emitTimer{at: g.nextFire, win: win, g: g}
	}
}

// update emits g's result as an update of what it emitted before.
func (w *WindowAgg) update(win [2]int64, g *group) {
	g.nextFire = 0
	row := w.result(win, g)
	ts := windowMaxTs(win[1]) / types.MicrosPerMilli
	if g.emitted != nil {
		if rowsEqual(g.emitted, row) {
			return
		}
		w.out = append(w.out, Rec{Row: g.emitted, Kind: UpdateBefore, Ts: ts}, Rec{Row: row, Kind: UpdateAfter, Ts: ts})
	} else {
		w.out = append(w.out, Rec{Row: row, Kind: Insert, Ts: ts})
	}
	g.emitted = copyRow(row)
}

// fireUpdates is fire with early and late firing: the windows that end by
// t emit their updates and, with allowed lateness, stay until t passes
// end + lateness.
func (w *WindowAgg) fireUpdates(t int64) error {
	if t <= w.wm {
		return nil
	}
	w.wm = t
	w.out = w.out[:0]
	w.arena.reset()
	n := 0
	for n < len(w.pending) && windowMaxTs(w.pending[n][1]) <= t {
		n++
	}
	for _, win := range w.pending[:n] {
		for _, g := range w.windows[win].groups {
			w.update(win, g)
		}
		if w.Strategy.AllowLateness > 0 {
			if w.firedOnTime == nil {
				w.firedOnTime = map[[2]int64]bool{}
			}
			w.firedOnTime[win] = true
			w.fired = append(w.fired, win)
		} else {
			delete(w.windows, win)
		}
	}
	w.pending = append(w.pending[:0], w.pending[n:]...)
	sort.Slice(w.fired, func(i, j int) bool { return w.fired[i][1] < w.fired[j][1] })
	k := 0
	for k < len(w.fired) && windowMaxTs(w.fired[k][1])+w.Strategy.AllowLateness <= t {
		delete(w.windows, w.fired[k])
		delete(w.firedOnTime, w.fired[k])
		k++
	}
	w.fired = append(w.fired[:0], w.fired[k:]...)
	w.lastTab = nil
	return w.emit(w.out)
}

// OnProcessingTime implements ProcTimer: the early and late firings that
// are due.
func (w *WindowAgg) OnProcessingTime(now int64) error {
	if len(w.timers) == 0 || w.timers[0].at > now {
		return nil
	}
	w.out = w.out[:0]
	w.arena.reset()
	k := 0
	for k < len(w.timers) && w.timers[k].at <= now {
		tm := w.timers[k]
		k++
		if tm.g.nextFire != tm.at || w.windows[tm.win] == nil {
			continue // fired since, or the window is gone
		}
		w.update(tm.win, tm.g)
	}
	w.timers = append(w.timers[:0], w.timers[k:]...)
	return w.emit(w.out)
}

// snapshotUpdates writes the windows of the updating mode: open and fired
// ones, each key's last result and pending firing.
func (w *WindowAgg) snapshotUpdates(e *types.Enc) {
	wins := append(append([][2]int64(nil), w.pending...), w.fired...)
	e.Uint(uint64(len(wins)))
	for _, win := range wins {
		e.Int(win[0])
		e.Int(win[1])
		if w.firedOnTime[win] {
			e.Uint(1)
		} else {
			e.Uint(0)
		}
		t := w.windows[win]
		e.Uint(uint64(len(t.groups)))
		for _, g := range t.groups {
			e.Row(g.key)
			for _, a := range g.accs {
				a.Encode(e)
			}
			if g.emitted == nil {
				e.Uint(0)
			} else {
				e.Uint(1)
				e.Row(g.emitted)
			}
			e.Int(g.nextFire)
		}
	}
}

// restoreUpdates reads what snapshotUpdates wrote.
func (w *WindowAgg) restoreUpdates(d *types.Dec) {
	for n := d.Uint(); n > 0 && d.Err == nil; n-- {
		win := [2]int64{d.Int(), d.Int()}
		onTime := d.Uint() == 1
		t := &groupTable{}
		w.windows[win] = t
		if onTime {
			if w.firedOnTime == nil {
				w.firedOnTime = map[[2]int64]bool{}
			}
			w.firedOnTime[win] = true
			w.fired = append(w.fired, win)
		} else {
			w.pending = append(w.pending, win)
		}
		for ng := d.Uint(); ng > 0 && d.Err == nil; ng-- {
			key := d.Row()
			g := t.get(appendKeyCols(nil, key, seq(len(key))), key, seq(len(key)), w.Aggs)
			if len(w.Keys) == 0 {
				g = t.get(nil, nil, nil, w.Aggs)
			}
			for _, a := range g.accs {
				a.Decode(d)
			}
			if d.Uint() == 1 {
				g.emitted = d.Row()
			}
			if g.nextFire = d.Int(); g.nextFire != 0 {
				w.timers = append(w.timers, emitTimer{at: g.nextFire, win: win, g: g})
			}
		}
	}
	sort.Slice(w.pending, func(i, j int) bool {
		p, q := w.pending[i], w.pending[j]
		return p[1] < q[1] || p[1] == q[1] && p[0] < q[0]
	})
	sort.Slice(w.timers, func(i, j int) bool { return w.timers[i].at < w.timers[j].at })
	w.lastTab = nil
}
