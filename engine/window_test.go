package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

func ts(s string) types.Value {
	us, err := types.ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return types.TimestampV(us)
}

type collected struct {
	mu   sync.Mutex
	rows []string
}

func (c *collected) sink() *CollectSink {
	return &CollectSink{Fn: func(_ context.Context, recs []Rec) error {
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, r := range recs {
			c.rows = append(c.rows, recText(r))
		}
		return nil
	}}
}

// recText renders a record as +I[v1, v2, ...].
func recText(r Rec) string {
	parts := make([]string, len(r.Row))
	for i, v := range r.Row {
		parts[i] = v.String()
	}
	return r.Kind.String() + "[" + strings.Join(parts, ", ") + "]"
}

// seedJob builds: values(ts, amount, status) -> filter Paid -> tumble 3s SUM/COUNT.
func seedJob(t *testing.T, rows []types.Row, out *collected) *JobSpec {
	t.Helper()
	tsCol := &expr.Col{Idx: 0, T: types.TTS3, Name: "ts"}
	amount := &expr.Col{Idx: 1, T: types.TInt, Name: "amount"}
	status := &expr.Col{Idx: 2, T: types.TString, Name: "status"}
	cond, err := expr.NewCompare("=", status, expr.NewConst(types.StringV("Paid"), types.TString))
	if err != nil {
		t.Fatal(err)
	}
	calc := NewCalc(cond, []expr.Expr{tsCol, amount})
	sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	win := &WindowAgg{W: Window{Kind: Tumble, Size: 3 * types.MicrosPerSecond}, TimeCol: 0,
		Aggs: []AggCall{{Func: sum, Arg: 1}, {Func: cnt, Arg: -1}}}
	sink := NewSinkOp("out", out.sink())
	calc.SetNext(win)
	win.SetNext(sink)
	return &JobSpec{
		ID:     "test",
		Inputs: []*Input{{Name: "values", Source: &ValuesSource{Rows: rows, Batch: 1}, Watermark: tsCol, Head: calc}},
		Ops:    []Op{calc, win, sink},
	}
}

func TestTumbleWindowFiresOnceAndDropsLate(t *testing.T) {
	row := func(s string, amount int64, status string) types.Row {
		return types.Row{ts(s), types.IntV(amount), types.StringV(status)}
	}
	rows := []types.Row{
		row("2026-11-23 23:09:45.100", 10, "Paid"),
		row("2026-11-23 23:09:46.000", 20, "Paid"),
		row("2026-11-23 23:09:46.500", 30, "Refused"),
		row("2026-11-23 23:09:48.000", 40, "Paid"), // closes [45, 48)
		row("2026-11-23 23:09:47.000", 50, "Paid"), // late
		row("2026-11-23 23:09:49.000", 60, "Paid"),
	}
	var out collected
	spec := seedJob(t, rows, &out)
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-job.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("bounded job did not finish")
	}
	if job.Status() != Finished {
		t.Fatalf("status %s, err %v", job.Status(), job.Err())
	}
	got := strings.Join(out.rows, "\n")
	want := strings.Join([]string{
		"+I[2026-11-23 23:09:45.000, 2026-11-23 23:09:48.000, 2026-11-23 23:09:47.999, 30, 2]",
		"+I[2026-11-23 23:09:48.000, 2026-11-23 23:09:51.000, 2026-11-23 23:09:50.999, 100, 2]",
	}, "\n")
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if n := job.Metrics.LateDropped.Load(); n != 1 {
		t.Fatalf("late dropped = %d, want 1", n)
	}
	if n := job.Metrics.RecordsIn.Load(); n != 6 {
		t.Fatalf("records in = %d", n)
	}
}

func TestCheckpointRestoresWindowState(t *testing.T) {
	dir := t.TempDir()
	row := func(s string, amount int64) types.Row {
		return types.Row{ts(s), types.IntV(amount), types.StringV("Paid")}
	}
	var out collected
	spec := seedJob(t, []types.Row{row("2026-01-01 00:00:00", 10), row("2026-01-01 00:00:01", 20)}, &out)
	spec.CheckpointDir = dir
	// Take a checkpoint mid-stream by hand: run ops directly.
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	<-job.Done()
	_ = job
	// A window operator snapshot round-trips.
	sum, _ := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	w := &WindowAgg{W: Window{Kind: Tumble, Size: 3 * types.MicrosPerSecond}, Keys: []int{1},
		Aggs: []AggCall{{Func: sum, Arg: 1}}}
	if err := w.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}}); err != nil {
		t.Fatal(err)
	}
	w.Process([]Rec{{Row: row("2026-01-01 00:00:00", 10)}, {Row: row("2026-01-01 00:00:04", 7)}})
	e := &types.Enc{}
	if err := w.Snapshot(e); err != nil {
		t.Fatal(err)
	}
	w2 := &WindowAgg{W: w.W, Keys: w.Keys, Aggs: w.Aggs}
	var out2 collected
	w2.SetNext(NewSinkOp("x", out2.sink()))
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	w2.Open(oc)
	w2.next.Open(oc)
	if err := w2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	w2.Watermark(MaxWatermark)
	got := fmt.Sprint(out2.rows)
	want := "[+I[10, 2026-01-01 00:00:00.000, 2026-01-01 00:00:03.000, 2026-01-01 00:00:02.999, 10] +I[7, 2026-01-01 00:00:03.000, 2026-01-01 00:00:06.000, 2026-01-01 00:00:05.999, 7]]"
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
}

// TestHopStreamTimeAscending: ksqlDB updates a row's hopping windows in
// ascending start order, as Kafka Streams does.
func TestHopStreamTimeAscending(t *testing.T) {
	var out collected
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	ms := int64(types.MicrosPerMilli)
	w := &WindowAgg{W: Window{Kind: Hop, Size: 30000 * ms, Slide: 10000 * ms}, TimeCol: 0, TimeKind: types.BigInt,
		Aggs: []AggCall{{Func: cnt, Arg: -1}}, Emit: EmitEveryRow, Grace: 0}
	sink := NewSinkOp("out", out.sink())
	w.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	if err := w.Open(oc); err != nil {
		t.Fatal(err)
	}
	sink.Open(oc)
	w.Process([]Rec{{Row: types.Row{types.BigIntV(35000 * ms)}}})
	var starts []string
	for _, r := range out.rows {
		starts = append(starts, strings.SplitN(strings.TrimPrefix(r, "+U["), ",", 2)[0])
	}
	if got, want := strings.Join(starts, " "), "10000000 20000000 30000000"; got != want {
		t.Fatalf("window starts %s, want %s (rows %v)", got, want, out.rows)
	}
}
