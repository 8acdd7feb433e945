package engine

import (
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// Early firing every 2 s of processing time, the on-time firing as an
// update, late firing after every late row within 5 s of allowed
// lateness, then rows past the lateness dropped — on a virtual clock.
func TestWindowEarlyAndLateFiring(t *testing.T) {
	sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	w := &WindowAgg{W: Window{Kind: Tumble, Size: 10 * types.MicrosPerSecond}, TimeCol: 1, Keys: []int{0},
		Aggs:     []AggCall{{Func: sum, Arg: 2}},
		Strategy: EmitStrategy{EarlyFire: true, EarlyDelay: 2 * types.MicrosPerSecond, LateFire: true, AllowLateness: 5 * types.MicrosPerSecond}}
	h := newTTLHarness(t, w)
	row := func(k, at string, v int64) Rec {
		return Rec{Row: types.Row{types.StringV(k), ts("2026-01-01 00:00:" + at), types.IntV(v)}}
	}
	wm := func(at string) { w.Watermark(ts("2026-01-01 00:00:" + at).I) }
	tick := func(d time.Duration) {
		h.clock.advance(d)
		if err := w.OnProcessingTime(h.clock.micros()); err != nil {
			t.Fatal(err)
		}
	}
	const win = "2026-01-01 00:00:00.000, 2026-01-01 00:00:10.000, 2026-01-01 00:00:09.999"
	w.Process([]Rec{row("a", "01", 1)})
	tick(time.Second)
	w.Process([]Rec{row("a", "02", 2)})
	check(t, "before the early delay", h.take(), "")
	tick(time.Second)
	check(t, "early firing", h.take(), "+I[a, "+win+", 3]")
	w.Process([]Rec{row("a", "03", 4)})
	tick(time.Second)
	check(t, "within the next early period", h.take(), "")
	wm("10")
	check(t, "on time", h.take(), "-U[a, "+win+", 3] +U[a, "+win+", 7]")
	tick(5 * time.Second)
	check(t, "the cleared early timer", h.take(), "")
	w.Process([]Rec{row("a", "05", 10)})
	check(t, "a late row", h.take(), "-U[a, "+win+", 7] +U[a, "+win+", 17]")
	w.Process([]Rec{row("a", "06", 0)})
	check(t, "a late row that changes nothing", h.take(), "")
	wm("15")
	w.Process([]Rec{row("a", "07", 1)})
	check(t, "past the allowed lateness", h.take(), "")
	if n := h.oc.Metrics.LateDropped.Load(); n != 1 {
		t.Errorf("late dropped %d, want 1", n)
	}
	if len(w.windows) != 0 {
		t.Errorf("%d windows kept past their lateness", len(w.windows))
	}
}

// Early firing with no delay emits after every row; a checkpoint taken
// between keeps what was emitted, so the restored window emits updates.
func TestWindowEarlyFiringEveryRowRestores(t *testing.T) {
	sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	newW := func() *WindowAgg {
		return &WindowAgg{W: Window{Kind: Tumble, Size: 10 * types.MicrosPerSecond}, TimeCol: 1, Keys: []int{0},
			Aggs: []AggCall{{Func: sum, Arg: 2}}, Strategy: EmitStrategy{EarlyFire: true}}
	}
	w := newW()
	h := newTTLHarness(t, w)
	row := func(at string, v int64) Rec {
		return Rec{Row: types.Row{types.StringV("a"), ts("2026-01-01 00:00:" + at), types.IntV(v)}}
	}
	const win = "2026-01-01 00:00:00.000, 2026-01-01 00:00:10.000, 2026-01-01 00:00:09.999"
	w.Process([]Rec{row("01", 1), row("02", 2)})
	check(t, "every row", h.take(), "+I[a, "+win+", 1] -U[a, "+win+", 1] +U[a, "+win+", 3]")
	e := &types.Enc{}
	if err := w.Snapshot(e); err != nil {
		t.Fatal(err)
	}
	w2 := newW()
	h2 := newTTLHarness(t, w2)
	if err := w2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	w2.Process([]Rec{row("03", 4)})
	check(t, "after the restore", h2.take(), "-U[a, "+win+", 3] +U[a, "+win+", 7]")
	w2.Watermark(MaxWatermark)
	check(t, "on time, unchanged", h2.take(), "")
}
