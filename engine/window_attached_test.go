package engine

import (
	"testing"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// TestAttachedWindowAgg: a window aggregate over rows that carry their
// window (window_start, window_end, value), as a cascaded window
// aggregate reads another's output: each row counts in the one window it
// carries (not in every HOP window its end falls in), each window is
// emitted once when the watermark passes its end and then forgotten, and
// a row of a fired window is late.
func TestAttachedWindowAgg(t *testing.T) {
	mx, _ := agg.New("MAX", []types.Type{types.TBigInt}, false, agg.Semantics{})
	w := &WindowAgg{W: Window{Kind: Hop, Slide: 2 * sec, Size: 10 * sec}, Attached: true, StartCol: 0, TimeCol: 1,
		Aggs: []AggCall{{Func: mx, Arg: 2}}}
	h := newTTLHarness(t, w)
	row := func(start, v int64) Rec {
		return Rec{Row: types.Row{types.TimestampV(start * sec), types.TimestampV((start + 10) * sec), types.IntV(v)}}
	}
	if err := w.Process(recs(row(0, 5), row(0, 7), row(2, 3), row(-2, 4))); err != nil {
		t.Fatal(err)
	}
	if err := w.Watermark(8 * sec); err != nil {
		t.Fatal(err)
	}
	check(t, "[-2, 8) closed", h.take(), "+I[1969-12-31 23:59:58.000, 1970-01-01 00:00:08.000, 1970-01-01 00:00:07.999, 4]")
	if err := w.Watermark(10*sec - 1000); err != nil {
		t.Fatal(err)
	}
	check(t, "[0, 10) closed", h.take(), "+I[1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1970-01-01 00:00:09.999, 7]")
	if err := w.Process(recs(row(0, 100))); err != nil {
		t.Fatal(err)
	}
	if n := h.oc.Metrics.LateDropped.Load(); n != 1 {
		t.Fatalf("late rows: %d, want 1", n)
	}
	if err := w.Watermark(MaxWatermark); err != nil {
		t.Fatal(err)
	}
	check(t, "[2, 12) closed, and no other window", h.take(), "+I[1970-01-01 00:00:02.000, 1970-01-01 00:00:12.000, 1970-01-01 00:00:11.999, 3]")
	if len(w.pending) != 0 || len(w.windows) != 0 {
		t.Fatalf("windows held after the last fired: %d", len(w.windows))
	}
}
