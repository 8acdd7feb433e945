package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

func TestWindowNextEnd(t *testing.T) {
	s := int64(types.MicrosPerSecond)
	for _, tc := range []struct {
		w    Window
		t    int64
		want int64
	}{
		{Window{Kind: Tumble, Size: 10 * s}, 3 * s, 10 * s},
		{Window{Kind: Tumble, Size: 10 * s}, 10 * s, 20 * s},
		{Window{Kind: Tumble, Size: 10 * s, Offset: 2 * s}, 3 * s, 12 * s},
		{Window{Kind: Hop, Slide: 5 * s, Size: 10 * s}, 7 * s, 10 * s},
		{Window{Kind: Cumulate, Step: 2 * s, Size: 10 * s}, 7 * s, 8 * s},
		{Window{Kind: Tumble, Size: 10 * s}, -3 * s, 0},
	} {
		if got := tc.w.nextEnd(tc.t); got != tc.want {
			t.Errorf("%v.nextEnd(%d) = %d, want %d", tc.w, tc.t, got, tc.want)
		}
	}
}

// TestProcTimeWindowFiresByClock: a processing-time window ignores event
// time watermarks and fires when a clock tick finds the wall clock past
// its end; the end of input fires the rest.
func TestProcTimeWindowFiresByClock(t *testing.T) {
	now := time.UnixMilli(1_000_500)
	var out collected
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	w := &WindowAgg{W: Window{Kind: Tumble, Size: types.MicrosPerSecond}, TimeCol: 0, Keys: []int{1},
		Aggs: []AggCall{{Func: cnt, Arg: -1}}, TimeKind: types.TimestampLTZ, Proctime: true,
		Now: func() time.Time { return now }}
	sink := NewSinkOp("out", out.sink())
	w.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	w.Open(oc)
	sink.Open(oc)
	row := func(ms int64, k string) Rec {
		return Rec{Row: types.Row{types.TimestampLTZV(ms * types.MicrosPerMilli), types.StringV(k)}}
	}
	w.Process([]Rec{row(1_000_500, "a"), row(1_000_600, "a"), row(1_001_200, "b")})
	w.Watermark(5_000_000 * types.MicrosPerMilli) // event time: no effect
	clock := w.Clock()
	clock.Process([]Rec{{Row: types.Row{}}}) // 1_000.5 s: nothing ended
	now = time.UnixMilli(1_001_001)
	clock.Process([]Rec{{Row: types.Row{}}}) // [1000 s, 1001 s) ended
	want := "[+I[a, 1970-01-01 00:16:40.000, 1970-01-01 00:16:41.000, 1970-01-01 00:16:40.999, 2]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("after the tick: got %s, want %s", got, want)
	}
	w.Watermark(MaxWatermark)
	if len(out.rows) != 2 {
		t.Fatalf("end of input: %v", out.rows)
	}
}

// TestProcClockPollStops: Poll returns when its context is done.
func TestProcClockPollStops(t *testing.T) {
	c := &ProcClock{W: Window{Kind: Tumble, Size: 3600 * types.MicrosPerSecond}}
	c.Open(context.Background(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.Poll(ctx); err == nil {
		t.Fatal("Poll returned without error after its context was done")
	}
}

// TestProcClockUsesItsClock: the clock input waits by the clock it is
// given, the same the window operator fires by: a clock just before a
// window end makes Poll return at once.
func TestProcClockUsesItsClock(t *testing.T) {
	end := time.UnixMilli(3_600_000) // a window end of hour-long windows
	c := &ProcClock{W: Window{Kind: Tumble, Size: 3600 * types.MicrosPerSecond}, Now: func() time.Time { return end.Add(-time.Millisecond) }}
	c.Open(context.Background(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got, err := c.Poll(ctx)
	if err != nil || len(got) != 1 || len(got[0].Recs) != 1 {
		t.Fatalf("Poll: %v %v", got, err)
	}
}
