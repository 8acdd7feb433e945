package engine

import (
	"context"
	"runtime"
	"testing"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// seedRows returns n rows shaped as the seed query's input to the window:
// (event_timestamp, total_paid, status), 1 ms apart.
func seedRows(n int) []Rec {
	base, _ := types.ParseTimestamp("2026-11-23 00:00:00")
	recs := make([]Rec, n)
	for i := range recs {
		status := "Paid"
		if i%2 == 1 {
			status = "Refused"
		}
		recs[i] = Rec{Row: types.Row{types.TimestampV(base + int64(i)*types.MicrosPerMilli), types.IntV(int64(10 * (i % 10))), types.StringV(status)}}
	}
	return recs
}

type discard struct{ base }

func (d *discard) Process([]Rec) error { return nil }

// BenchmarkExprFilter evaluates the seed filter status = 'Paid'.
func BenchmarkExprFilter(b *testing.B) {
	recs := seedRows(1024)
	e, err := expr.NewCompare("=", &expr.Col{Idx: 2, T: types.TString}, expr.NewConst(types.StringV("Paid"), types.TString))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range recs {
			if e.Eval(recs[i].Row).I != 0 {
				n++
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}

// BenchmarkExprAverage evaluates SUM(total_paid)/COUNT(*) on an aggregate row.
func BenchmarkExprAverage(b *testing.B) {
	row := types.Row{types.IntV(12345), types.BigIntV(321)}
	e, err := expr.NewArith("/", &expr.Col{Idx: 0, T: types.TInt}, &expr.Col{Idx: 1, T: types.TBigInt}, &expr.Env{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Eval(row)
	}
}

// BenchmarkCalcSeed runs the seed query's Calc (filter Paid, project
// event_timestamp and total_paid) over batches of 1024 rows.
func BenchmarkCalcSeed(b *testing.B) {
	recs := seedRows(1024)
	cond, _ := expr.NewCompare("=", &expr.Col{Idx: 2, T: types.TString}, expr.NewConst(types.StringV("Paid"), types.TString))
	c := NewCalc(cond, []expr.Expr{&expr.Col{Idx: 0, T: types.TTS3}, &expr.Col{Idx: 1, T: types.TInt}})
	c.SetNext(&discard{})
	c.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Process(recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}

// BenchmarkWindowAggSeed aggregates SUM and COUNT(*) in 3-second tumbling
// windows, rows in time order (1000 per second), the watermark advancing
// after every batch of 1024 rows so windows keep firing.
func BenchmarkWindowAggSeed(b *testing.B) {
	sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	w := &WindowAgg{W: Window{Kind: Tumble, Size: 3 * types.MicrosPerSecond}, TimeCol: 0,
		Aggs: []AggCall{{Func: sum, Arg: 1}, {Func: cnt, Arg: -1}}}
	w.SetNext(&discard{})
	w.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
	recs := seedRows(1024)
	step := int64(1024) * types.MicrosPerMilli
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Process(recs); err != nil {
			b.Fatal(err)
		}
		last := recs[len(recs)-1].Row[0].I
		if err := w.Watermark(last); err != nil {
			b.Fatal(err)
		}
		for i := range recs {
			recs[i].Row[0].I += step
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}

// BenchmarkWindowAggKsqlState measures the memory ksqlDB's windowed table
// keeps per window: the seed's CTAS (one key, SUM and COUNT in 3-second
// tumbling windows, EMIT CHANGES) keeps every window for its grace period
// (24 hours when the query gives none, as ksqlDB), so its state grows by
// 1,200 windows an hour until the first ones close. Reported as B/window:
// live heap after 20,000 windows (about 17 hours of stream time), divided
// by 20,000.
func BenchmarkWindowAggKsqlState(b *testing.B) {
	const windows = 20000
	recs := seedRows(4)
	for i := range recs {
		recs[i].Row = append(recs[i].Row, types.StringV("1"))
	}
	step := int64(3 * types.MicrosPerSecond)
	var perWindow float64
	for b.Loop() {
		sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
		cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
		w := &WindowAgg{W: Window{Kind: Tumble, Size: step}, TimeCol: 0, Keys: []int{3},
			Aggs: []AggCall{{Func: sum, Arg: 1}, {Func: cnt, Arg: -1}}, Emit: EmitEveryRow, Grace: int64(24 * 3600 * types.MicrosPerSecond)}
		w.SetNext(&discard{})
		w.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range windows {
			if err := w.Process(recs); err != nil {
				b.Fatal(err)
			}
			for i := range recs {
				recs[i].Row[0].I += step
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		if len(w.windows) != windows {
			b.Fatalf("%d windows open, want %d (24 h grace)", len(w.windows), windows)
		}
		perWindow = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / windows
		runtime.KeepAlive(w)
	}
	b.ReportMetric(perWindow, "B/window")
}

// BenchmarkGroupAgg runs an unbounded GROUP BY (COUNT(*), SUM) over 1024
// rows of 10 keys per batch, emitting on change (retract) and per row
// (upsert, NULL keys dropped).
func BenchmarkGroupAgg(b *testing.B) {
	for _, c := range []struct {
		name string
		emit GroupEmit
		keys NullKeys
	}{{"on-change", EmitOnChange, NullKeysGroup}, {"per-row", EmitPerRow, NullKeysDrop}} {
		b.Run(c.name, func(b *testing.B) {
			sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
			cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
			g := &GroupAgg{Keys: []int{2}, Aggs: []AggCall{{Func: sum, Arg: 1}, {Func: cnt, Arg: -1}}, Emit: c.emit, NullKeys: c.keys}
			g.SetNext(&discard{})
			g.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
			recs := seedRows(1024)
			for i := range recs {
				recs[i].Row[2] = types.StringV(string(rune('a' + i%10)))
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := g.Process(recs); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
		})
	}
}
