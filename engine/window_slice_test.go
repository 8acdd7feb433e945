package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// wmRecorder is an operator that writes down the rows and watermarks it
// receives, in order.
type wmRecorder struct{ events []string }

func (r *wmRecorder) Open(*OpContext) error { return nil }
func (r *wmRecorder) Close() error          { return nil }
func (r *wmRecorder) Process(recs []Rec) error {
	for _, rec := range recs {
		r.events = append(r.events, recText(rec))
	}
	return nil
}
func (r *wmRecorder) Watermark(wm int64) error {
	s := "WM(max)"
	if wm != MaxWatermark {
		s = "WM(" + types.TimestampV(wm).String() + ")"
	}
	r.events = append(r.events, s)
	return nil
}

// openWindow opens w chained to a wmRecorder; perWindow makes it keep its
// state per window (the path before slicing) whatever it could do.
func openWindow(t testing.TB, w *WindowAgg, perWindow bool) (*wmRecorder, *OpContext) {
	t.Helper()
	rec := &wmRecorder{}
	w.SetNext(rec)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	if err := w.Open(oc); err != nil {
		t.Fatal(err)
	}
	if perWindow {
		w.slice = 0
	}
	return rec, oc
}

func mustAgg(t testing.TB, name string, args []types.Type, params []types.Value, distinct bool) *agg.Func {
	t.Helper()
	f, err := agg.NewWithParams(name, args, params, distinct, agg.Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// Columns of the random rows: key, ts, int, double (exact in binary),
// string, filter, array of ints, decimal(10, 2), ROW(double, double).
var sliceTestTypes = []types.Type{types.TString, types.TTS3, types.TBigInt, types.TDouble, types.TString,
	types.TBool, types.ArrayOf(types.TBigInt), types.DecimalType(10, 2),
	{Kind: types.Struct, Fields: []types.Field{{Name: "x", Type: types.TDouble}, {Name: "y", Type: types.TDouble}}}}

// mergeableAggs is every aggregate function that sliced windows merge.
func mergeableAggs(t testing.TB) []AggCall {
	ty := sliceTestTypes
	one := func(i int) []types.Type { return []types.Type{ty[i]} }
	k := func(n int64) []types.Value { return []types.Value{types.IntV(n)} }
	return []AggCall{
		{Func: mustAgg(t, "COUNT", nil, nil, false), Arg: -1},
		{Func: mustAgg(t, "COUNT", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "SUM", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "SUM", one(2), nil, false), Arg: 2, HasFilter: true, Filter: 5},
		{Func: mustAgg(t, "SUM", one(3), nil, false), Arg: 3},
		{Func: mustAgg(t, "SUM", one(7), nil, false), Arg: 7},
		{Func: mustAgg(t, "AVG", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "AVG", one(3), nil, false), Arg: 3},
		{Func: mustAgg(t, "AVG", one(7), nil, false), Arg: 7},
		{Func: mustAgg(t, "MIN", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "MAX", one(3), nil, false), Arg: 3},
		{Func: mustAgg(t, "MIN", one(4), nil, false), Arg: 4},
		{Func: mustAgg(t, "MAX", one(4), nil, false), Arg: 4},
		{Func: mustAgg(t, "COUNT", one(4), nil, true), Arg: 4},
		{Func: mustAgg(t, "SUM", one(2), nil, true), Arg: 2},
		{Func: mustAgg(t, "MAX", one(2), nil, true), Arg: 2},
		{Func: mustAgg(t, "STDDEV_POP", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "STDDEV_SAMP", one(3), nil, false), Arg: 3},
		{Func: mustAgg(t, "VAR_SAMP", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "VAR_POP", one(3), nil, false), Arg: 3},
		{Func: mustAgg(t, "TOPK", one(2), k(3), false), Arg: 2},
		{Func: mustAgg(t, "TOPKDISTINCT", one(4), k(2), false), Arg: 4},
		{Func: mustAgg(t, "SUM_LIST", one(6), nil, false), Arg: 6},
		{Func: mustAgg(t, "CORRELATION", one(8), nil, false), Arg: 8},
	}
}

// orderedAggs are the aggregates whose result depends on the order of
// rows: a window aggregate with one of them keeps its state per window.
func orderedAggs(t testing.TB) []AggCall {
	ty := sliceTestTypes
	one := func(i int) []types.Type { return []types.Type{ty[i]} }
	return []AggCall{
		{Func: mustAgg(t, "FIRST_VALUE", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "LAST_VALUE", one(4), nil, false), Arg: 4},
		{Func: mustAgg(t, "LISTAGG", one(4), nil, false), Arg: 4},
		{Func: mustAgg(t, "LISTAGG", one(4), nil, true), Arg: 4},
		{Func: mustAgg(t, "COLLECT_LIST", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "COLLECT_SET", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "EARLIEST_BY_OFFSET", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "LATEST_BY_OFFSET", one(2), nil, false), Arg: 2},
		{Func: mustAgg(t, "HISTOGRAM", one(4), nil, false), Arg: 4},
	}
}

// randomWindowInput is rows and watermarks (a nil batch with wm set) in
// an order a job could see them: times out of order by up to 7 s (one in eight by up to 20 s), the
// watermark trailing the largest time by 0-4 s, so that some rows are late
// for all their windows and some for only a few.
type windowStep struct {
	recs []Rec
	wm   int64
}

func randomWindowInput(seed uint64, n int) []windowStep {
	r := rand.New(rand.NewPCG(seed, 1))
	base := ts("2026-01-01 00:00:00").I
	var steps []windowStep
	maxTs := base
	val := func(v types.Value) types.Value {
		if r.IntN(10) == 0 {
			return types.NullValue
		}
		return v
	}
	for i := 0; i < n; {
		var recs []Rec
		for b := 1 + r.IntN(8); b > 0 && i < n; b-- {
			i++
			at := maxTs + int64(r.IntN(1100)-1000)*types.MicrosPerMilli*7
			if r.IntN(8) == 0 {
				at = maxTs - int64(r.IntN(20000))*types.MicrosPerMilli // late for some or all windows
			}
			at -= at % types.MicrosPerMilli
			maxTs = max(maxTs, at)
			x := int64(r.IntN(40) - 10)
			recs = append(recs, Rec{Row: types.Row{
				types.StringV(fmt.Sprintf("k%d", r.IntN(6))),
				types.TimestampV(at),
				val(types.BigIntV(x)),
				val(types.DoubleV(float64(r.IntN(64)-20) / 4)),
				val(types.StringV(string(rune('a' + r.IntN(7))))),
				types.BoolV(r.IntN(2) == 0),
				types.ArrayV([]types.Value{types.BigIntV(x), types.BigIntV(int64(r.IntN(5)))}),
				val(types.DecimalV(int64(r.IntN(100000)-50000), 2)),
				types.StructV([]types.Value{types.DoubleV(float64(x)), val(types.DoubleV(float64(r.IntN(8)) / 2))}),
			}})
		}
		steps = append(steps, windowStep{recs: recs})
		if r.IntN(3) == 0 {
			steps = append(steps, windowStep{wm: maxTs - int64(r.IntN(4000))*types.MicrosPerMilli})
		}
	}
	return append(steps, windowStep{wm: MaxWatermark})
}

// runWindow feeds steps through w and returns what it emitted and how
// many rows it dropped as late.
func runWindow(t testing.TB, w *WindowAgg, perWindow bool, steps []windowStep) ([]string, int64) {
	t.Helper()
	rec, oc := openWindow(t, w, perWindow)
	for _, s := range steps {
		var err error
		if s.recs != nil {
			err = w.Process(s.recs)
		} else {
			err = w.Watermark(s.wm)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return rec.events, oc.Metrics.LateDropped.Load()
}

// sameByWatermark compares two outputs: the same watermarks in the same
// order, and between two watermarks the same rows in any order.
func sameByWatermark(t *testing.T, what string, got, want []string) {
	t.Helper()
	split := func(ev []string) [][]string {
		var out [][]string
		var cur []string
		for _, e := range ev {
			if strings.HasPrefix(e, "WM(") {
				slices.Sort(cur)
				out = append(out, append(cur, e))
				cur = nil
				continue
			}
			cur = append(cur, e)
		}
		slices.Sort(cur)
		return append(out, cur)
	}
	g, w := split(got), split(want)
	for i := range max(len(g), len(w)) {
		var a, b []string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if !slices.Equal(a, b) {
			t.Fatalf("%s: part %d differs:\nsliced     %q\nper window %q", what, i, a, b)
		}
	}
}

var sliceTestWindows = []Window{
	{Kind: Hop, Size: 10 * types.MicrosPerSecond, Slide: 2 * types.MicrosPerSecond},
	{Kind: Hop, Size: 6 * types.MicrosPerSecond, Slide: 4 * types.MicrosPerSecond},
	{Kind: Hop, Size: 5 * types.MicrosPerSecond, Slide: 1500 * types.MicrosPerMilli, Offset: 700 * types.MicrosPerMilli},
	{Kind: Cumulate, Size: 8 * types.MicrosPerSecond, Step: 2 * types.MicrosPerSecond},
	{Kind: Cumulate, Size: 9 * types.MicrosPerSecond, Step: 3 * types.MicrosPerSecond, Offset: 1 * types.MicrosPerSecond},
}

// Sliced HOP and CUMULATE windows give what per-window state gives, for
// every mergeable aggregate, with and without keys, on random rows out of
// order and late.
func TestSlicedWindowsMatchPerWindow(t *testing.T) {
	for wi, win := range sliceTestWindows {
		for _, keys := range [][]int{{0}, nil} {
			for seed := uint64(1); seed <= 4; seed++ {
				steps := randomWindowInput(seed+uint64(10*wi), 1500)
				sliced := &WindowAgg{W: win, TimeCol: 1, Keys: keys, Aggs: mergeableAggs(t)}
				got, gotLate := runWindow(t, sliced, false, steps)
				if sliced.slice == 0 {
					t.Fatalf("%s is not sliced", win)
				}
				perWin := &WindowAgg{W: win, TimeCol: 1, Keys: keys, Aggs: mergeableAggs(t)}
				want, wantLate := runWindow(t, perWin, true, steps)
				what := fmt.Sprintf("%s keys %v seed %d", win, keys, seed)
				sameByWatermark(t, what, got, want)
				if gotLate != wantLate || wantLate == 0 {
					t.Fatalf("%s: %d late rows, per window %d", what, gotLate, wantLate)
				}
				if len(got) < 100 {
					t.Fatalf("%s: only %d results", what, len(got))
				}
				if len(sliced.sl.tabs) != 0 || len(sliced.pending) != 0 {
					t.Fatalf("%s: %d slices left after the last watermark", what, len(sliced.sl.tabs))
				}
			}
		}
	}
}

// An aggregate whose result depends on the order of rows keeps the
// window's state per window, with its results as before.
func TestOrderedAggregatesAreNotSliced(t *testing.T) {
	win := sliceTestWindows[0]
	steps := randomWindowInput(7, 800)
	for _, a := range orderedAggs(t) {
		aggs := append(mergeableAggs(t)[:2], a)
		w := &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: aggs}
		got, _ := runWindow(t, w, false, steps)
		if w.slice != 0 {
			t.Fatalf("%s is sliced", a.Func.Name)
		}
		ref := &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: append(mergeableAggs(t)[:2], a)}
		want, _ := runWindow(t, ref, true, steps)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: results differ", a.Func.Name)
		}
	}
	for _, w := range []*WindowAgg{
		{W: Window{Kind: Tumble, Size: types.MicrosPerSecond}},
		{W: Window{Kind: Hop, Size: types.MicrosPerSecond, Slide: 2 * types.MicrosPerSecond}},
		{W: win, Proctime: true},
		{W: win, Emit: EmitFinal},
		{W: win, Strategy: EmitStrategy{EarlyFire: true}},
		{W: win, Attached: true},
	} {
		w.TimeCol, w.Aggs = 1, mergeableAggs(t)
		openWindow(t, w, false)
		if w.slice != 0 {
			t.Errorf("%s (proctime %v, emit %v, %+v, attached %v) is sliced", w.W, w.Proctime, w.Emit, w.Strategy, w.Attached)
		}
	}
}

func hopCount(keys []int) *WindowAgg {
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	return &WindowAgg{W: Window{Kind: Hop, Size: 10 * types.MicrosPerSecond, Slide: 2 * types.MicrosPerSecond},
		TimeCol: 1, Keys: keys, Aggs: []AggCall{{Func: cnt, Arg: -1}}}
}

func at(s string) int64 { return ts("2026-01-01 00:00:" + s).I }

func keyedRow(k, s string) Rec {
	return Rec{Row: types.Row{types.StringV(k), types.TimestampV(at(s))}}
}

// A row updates only its slice; a slice is forgotten once its last
// window fired; a window's keys come in first-seen order over its slices
// in time order; a row late for some windows still counts in the others.
func TestSlicedHopStateAndOrder(t *testing.T) {
	w := hopCount([]int{0})
	rec, oc := openWindow(t, w, false)
	if w.slice != 2*types.MicrosPerSecond {
		t.Fatalf("slice %d", w.slice)
	}
	w.Watermark(at("09.999"))
	rec.events = nil
	w.Process([]Rec{keyedRow("b", "15"), keyedRow("a", "11"), keyedRow("b", "11.5"), keyedRow("c", "21")})
	if len(w.sl.tabs) != 3 {
		t.Fatalf("%d slices, want 3 ([10, 12), [14, 16), [20, 22))", len(w.sl.tabs))
	}
	res := func(k string, start, end, n int) string {
		return fmt.Sprintf("+I[%s, %02d, %02d, %02d.999, %d]", k, start, end, end-1, n)
	}
	short := func() string {
		s := strings.Join(rec.events, " ")
		rec.events = nil
		return strings.NewReplacer("2026-01-01 00:00:", "", ".000", "").Replace(s)
	}
	w.Watermark(at("19.999")) // fires the windows ending at 12 to 20, frees [10, 12)
	check(t, "first windows", short(), strings.Join([]string{
		res("a", 2, 12, 1), res("b", 2, 12, 1), "WM(11.999)",
		res("a", 4, 14, 1), res("b", 4, 14, 1), "WM(13.999)",
		res("a", 6, 16, 1), res("b", 6, 16, 2), "WM(15.999)", // a first: its slice is the earlier one
		res("a", 8, 18, 1), res("b", 8, 18, 2), "WM(17.999)",
		res("a", 10, 20, 1), res("b", 10, 20, 2), "WM(19.999)",
	}, " "))
	if len(w.sl.tabs) != 2 {
		t.Errorf("%d slices after the first windows, want 2", len(w.sl.tabs))
	}
	// 11 is late for every window of its slice: dropped. 13 still counts
	// in [12, 22), the one window of its slice not fired.
	w.Process([]Rec{keyedRow("a", "11"), keyedRow("a", "13")})
	if n := oc.Metrics.LateDropped.Load(); n != 1 {
		t.Errorf("late dropped %d, want 1", n)
	}
	w.Watermark(at("23.999"))
	check(t, "next windows", short(), strings.Join([]string{
		res("a", 12, 22, 1), res("b", 12, 22, 1), res("c", 12, 22, 1), "WM(21.999)",
		res("b", 14, 24, 1), res("c", 14, 24, 1), "WM(23.999)",
	}, " "))
	if len(w.sl.tabs) != 1 || len(w.pending) != 1 || w.pending[0] != [2]int64{at("20"), at("22")} {
		t.Errorf("slices %v, want only [20, 22)", w.pending)
	}
}

// A CUMULATE window's slices are merged into the first slice of its
// period as its windows fire, and a row of a slice whose window fired
// goes there: one table per period plus the slices not fired yet.
func TestSlicedCumulateAccumulates(t *testing.T) {
	w := hopCount([]int{0})
	w.W = Window{Kind: Cumulate, Size: 8 * types.MicrosPerSecond, Step: 2 * types.MicrosPerSecond}
	rec, _ := openWindow(t, w, false)
	w.Process([]Rec{keyedRow("a", "01"), keyedRow("b", "03"), keyedRow("a", "05")})
	w.Watermark(at("03.999"))
	if want := [][2]int64{{at("00"), at("02")}, {at("04"), at("06")}}; !slices.Equal(w.pending, want) || len(w.sl.tabs) != 2 {
		t.Fatalf("slices %v, want [0, 2) and [4, 6)", w.pending)
	}
	w.Process([]Rec{keyedRow("c", "02.5")}) // [2, 4) fired: into [0, 2)
	if len(w.sl.tabs) != 2 || w.sl.tabs[[2]int64{at("00"), at("02")}].n != 3 {
		t.Fatalf("slices %v", w.pending)
	}
	w.Watermark(MaxWatermark)
	got := strings.NewReplacer("2026-01-01 00:00:", "", ".000", "").Replace(strings.Join(rec.events, " "))
	check(t, "windows", got, "+I[a, 00, 02, 01.999, 1] WM(01.999) +I[a, 00, 04, 03.999, 1] +I[b, 00, 04, 03.999, 1] WM(03.999) "+
		"+I[a, 00, 06, 05.999, 2] +I[b, 00, 06, 05.999, 1] +I[c, 00, 06, 05.999, 1] WM(05.999) "+
		"+I[a, 00, 08, 07.999, 2] +I[b, 00, 08, 07.999, 1] +I[c, 00, 08, 07.999, 1] WM(max)")
	if len(w.sl.tabs) != 0 || len(w.pending) != 0 {
		t.Errorf("slices left: %v", w.pending)
	}
}

// A watermark that fires windows with several ends sends each end's
// results, then a watermark of its window_time, before the next end's —
// per window (TUMBLE) and sliced (HOP) alike.
func TestWindowIntermediateWatermarks(t *testing.T) {
	tumble := hopCount(nil)
	tumble.W = Window{Kind: Tumble, Size: 2 * types.MicrosPerSecond}
	hop := hopCount(nil)
	hop.W = Window{Kind: Hop, Size: 4 * types.MicrosPerSecond, Slide: 2 * types.MicrosPerSecond}
	for _, c := range []struct {
		w    *WindowAgg
		want string
	}{
		{tumble, "+I[00, 02, 01.999, 1] WM(01.999) +I[02, 04, 03.999, 1] WM(03.999) +I[06, 08, 07.999, 1] WM(max)"},
		{hop, "+I[58, 02, 01.999, 1] WM(01.999) +I[00, 04, 03.999, 2] WM(03.999) +I[02, 06, 05.999, 1] WM(05.999) " +
			"+I[04, 08, 07.999, 1] WM(07.999) +I[06, 10, 09.999, 1] WM(max)"},
	} {
		rec, _ := openWindow(t, c.w, false)
		c.w.Process([]Rec{keyedRow("a", "00.5"), keyedRow("a", "02.5"), keyedRow("a", "07")})
		c.w.Watermark(MaxWatermark)
		got := strings.Join(rec.events, " ")
		got = strings.NewReplacer("2026-01-01 00:00:", "", "2025-12-31 23:59:", "", ".000", "").Replace(got)
		check(t, c.w.W.String(), got, c.want)
	}
}

// A snapshot taken mid-stream restores the slices: the restored operator
// goes on as the one that was not stopped. A per-window snapshot (the
// format before slices) restores too, and the operator keeps per-window
// state; a sliced one does not restore into an operator with other
// slices.
func TestSlicedWindowSnapshot(t *testing.T) {
	win := sliceTestWindows[0]
	steps := randomWindowInput(3, 1200)
	mid := len(steps) / 2
	want, _ := runWindow(t, &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: mergeableAggs(t)}, false, steps)
	for _, oldFormat := range []bool{false, true} {
		w := &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: mergeableAggs(t)}
		first, _ := runWindow(t, w, oldFormat, steps[:mid])
		e := &types.Enc{}
		if err := w.Snapshot(e); err != nil {
			t.Fatal(err)
		}
		w2 := &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: mergeableAggs(t)}
		rec, _ := openWindow(t, w2, false)
		if err := w2.Restore(&types.Dec{B: e.B}); err != nil {
			t.Fatal(err)
		}
		if (w2.slice == 0) != oldFormat {
			t.Fatalf("old format %v: restored slice %d", oldFormat, w2.slice)
		}
		for _, s := range steps[mid:] {
			if s.recs != nil {
				w2.Process(s.recs)
			} else {
				w2.Watermark(s.wm)
			}
		}
		sameByWatermark(t, fmt.Sprintf("restored (old format %v)", oldFormat), append(first, rec.events...), want)
	}

	w := &WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: mergeableAggs(t)}
	runWindow(t, w, false, steps[:mid])
	e := &types.Enc{}
	w.Snapshot(e)
	for _, c := range []struct {
		w    *WindowAgg
		want string
	}{
		{&WindowAgg{W: Window{Kind: Hop, Size: 10 * types.MicrosPerSecond, Slide: 5 * types.MicrosPerSecond}, TimeCol: 1, Keys: []int{0}, Aggs: mergeableAggs(t)},
			"window aggregate state is kept in slices of 2 s, but this HOP(slide=[5 s], size=[10 s]) aggregate slices by 5 s"},
		{&WindowAgg{W: win, TimeCol: 1, Keys: []int{0}, Aggs: orderedAggs(t)},
			"window aggregate state is kept in slices of 2 s, but this HOP(slide=[2 s], size=[10 s]) aggregate keeps its state per window"},
	} {
		openWindow(t, c.w, false)
		err := c.w.Restore(&types.Dec{B: e.B})
		if err == nil || err.Error() != c.want {
			t.Errorf("restore: %v, want %q", err, c.want)
		}
	}
}

// BenchmarkHopWindow: HOP(10 s, 2 s) COUNT(*) per key, rows 100 µs of
// event time apart (20,000 rows a slice), a watermark after every batch
// of 1,000; per row, and the groups kept at the end. With 10,000 keys
// every key is in every slice; with 1,000,000 keys a slice's keys are
// mostly its own (as Nexmark's auctions).
func BenchmarkHopWindow(b *testing.B) {
	hop := Window{Kind: Hop, Size: 10 * types.MicrosPerSecond, Slide: 2 * types.MicrosPerSecond}
	for _, keys := range []int{10_000, 1_000_000} {
		for _, mode := range []string{"sliced", "per-window"} {
			b.Run(fmt.Sprintf("keys=%d/%s", keys, mode), func(b *testing.B) { benchWindow(b, hop, keys, mode == "per-window") })
		}
	}
}

// BenchmarkCumulateWindow: CUMULATE(1 s step, 60 s) COUNT(*) per key of
// 10,000, as BenchmarkHopWindow.
func BenchmarkCumulateWindow(b *testing.B) {
	cum := Window{Kind: Cumulate, Size: 60 * types.MicrosPerSecond, Step: types.MicrosPerSecond}
	for _, mode := range []string{"sliced", "per-window"} {
		b.Run(mode, func(b *testing.B) { benchWindow(b, cum, 10_000, mode == "per-window") })
	}
}

func benchWindow(b *testing.B, win Window, keys int, perWindow bool) {
	w := hopCount([]int{0})
	w.W = win
	openWindow(b, w, perWindow)
	w.SetNext(nil)
	r := rand.New(rand.NewPCG(1, 2))
	const batch = 1000
	recs := make([]Rec, batch)
	for i := range recs {
		recs[i].Row = make(types.Row, 2)
	}
	base := ts("2026-01-01 00:00:00").I
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += batch {
		for i := range recs {
			recs[i].Row[0] = types.BigIntV(int64(r.IntN(keys)))
			recs[i].Row[1] = types.TimestampV(base + int64(n+i)*100)
		}
		if err := w.Process(recs); err != nil {
			b.Fatal(err)
		}
		if err := w.Watermark(base + int64(n)*100 - types.MicrosPerSecond); err != nil {
			b.Fatal(err)
		}
	}
	groups := 0
	for _, t := range w.windows {
		groups += len(t.groups)
	}
	for _, t := range w.sl.tabs {
		groups += t.n
	}
	b.ReportMetric(float64(groups), "groups")
}
