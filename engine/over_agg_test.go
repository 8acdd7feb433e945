package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// newOver aggregates (key, v, ts) rows: SUM(v) and COUNT(*) over key,
// ordered by ts.
func newOver(t *testing.T, frame OverFrame) (*OverAgg, *collected, *OpContext) {
	t.Helper()
	sum, err := agg.New("SUM", []types.Type{types.TInt}, false, agg.Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	cnt, err := agg.New("COUNT", nil, false, agg.Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	cnt.Star = true
	sum.Updating, cnt.Updating = true, true
	out := &collected{}
	o := &OverAgg{Partition: []int{0}, TimeCol: 2, RangeCol: -1, Frame: frame, Width: 3,
		Aggs: []AggCall{{Func: sum, Arg: 1}, {Func: cnt, Arg: -1}}}
	sink := NewSinkOp("out", out.sink())
	o.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	if err := o.Open(oc); err != nil {
		t.Fatal(err)
	}
	sink.Open(oc)
	return o, out, oc
}

func ov(key string, v int64, sec int64) Rec {
	return Rec{Row: types.Row{types.StringV(key), types.IntV(v), types.TimestampV(sec * types.MicrosPerSecond)}}
}

func secs(s int64) int64 { return s * types.MicrosPerSecond }

func sums(rows []string) string {
	var out []string
	for _, r := range rows {
		f := strings.Split(strings.TrimSuffix(r, "]"), ", ")
		out = append(out, f[0][strings.Index(f[0], "[")+1:]+":"+f[1]+"="+f[3]+"/"+f[4])
	}
	return strings.Join(out, " ")
}

// TestOverRowsBounded: ROWS BETWEEN 1 PRECEDING AND CURRENT ROW sees the
// row before; rows come out in time order once the watermark passes them,
// whatever order they came in; the partition keeps two rows.
func TestOverRowsBounded(t *testing.T) {
	o, out, oc := newOver(t, OverFrame{Rows: true, Preceding: 1})
	o.Process([]Rec{ov("a", 1, 3), ov("a", 10, 1), ov("b", 5, 2), ov("a", 100, 2), ov("a", 1000, 9)})
	if len(out.rows) != 0 {
		t.Fatalf("rows before the watermark: %v", out.rows)
	}
	o.Watermark(secs(3))
	if got, want := sums(out.rows), "a:10=10/1 a:100=110/2 b:5=5/1 a:1=101/2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if n := len(o.parts[string(appendKeyCols(nil, ov("a", 0, 0).Row, []int{0}))].frame); n != 2 {
		t.Fatalf("partition a keeps %d rows, want 2", n)
	}
	// Late: at or before the partition's last emitted time.
	o.Process([]Rec{ov("a", 7, 3), ov("b", 7, 2)})
	if n := oc.Metrics.LateDropped.Load(); n != 2 {
		t.Fatalf("late rows dropped: %d, want 2", n)
	}
	out.rows = nil
	o.Watermark(secs(10))
	if got, want := sums(out.rows), "a:1000=1001/2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestOverRangeTies: RANGE frames give rows of the same time the same
// result (peers), and a bounded RANGE forgets rows that left the frame,
// then the partition once the watermark passes its frame.
func TestOverRangeTies(t *testing.T) {
	o, out, _ := newOver(t, OverFrame{Preceding: secs(2)})
	o.Process([]Rec{ov("a", 1, 1), ov("a", 2, 1), ov("a", 4, 2), ov("a", 8, 4)})
	o.Watermark(secs(4))
	if got, want := sums(out.rows), "a:1=3/2 a:2=3/2 a:4=7/3 a:8=12/2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if len(o.parts) != 1 {
		t.Fatalf("%d partitions, want 1", len(o.parts))
	}
	o.Watermark(secs(7))
	if len(o.parts) != 0 {
		t.Fatalf("the partition is kept after its frame passed: %d", len(o.parts))
	}
}

// TestOverUnboundedLate: an unbounded frame accumulates every row; a row
// at or before the watermark is late.
func TestOverUnboundedLate(t *testing.T) {
	o, out, oc := newOver(t, OverFrame{Rows: true, Unbounded: true})
	o.Process([]Rec{ov("a", 1, 1), ov("a", 2, 2)})
	o.Watermark(secs(2))
	o.Process([]Rec{ov("a", 3, 2), ov("a", 4, 3), {Row: types.Row{types.StringV("a"), types.IntV(1), types.NullValue}}})
	o.Watermark(secs(5))
	if got, want := sums(out.rows), "a:1=1/1 a:2=3/2 a:4=7/3"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	if n := oc.Metrics.LateDropped.Load(); n != 2 {
		t.Fatalf("late rows dropped: %d, want 2", n)
	}
}

// TestOverSnapshot: the state survives a checkpoint.
func TestOverSnapshot(t *testing.T) {
	o, _, _ := newOver(t, OverFrame{Rows: true, Preceding: 1})
	o.Process([]Rec{ov("a", 1, 1), ov("a", 2, 2), ov("a", 4, 5)})
	o.Watermark(secs(2))
	var e types.Enc
	if err := o.Snapshot(&e); err != nil {
		t.Fatal(err)
	}
	o2, out, _ := newOver(t, OverFrame{Rows: true, Preceding: 1})
	if err := o2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	o2.Watermark(secs(5))
	if got, want := sums(out.rows), "a:4=6/2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// TestOverBatch: without a time column, rows (retractions applied) are
// sorted at the end of input.
func TestOverBatch(t *testing.T) {
	o, out, _ := newOver(t, OverFrame{Rows: true, Preceding: 1})
	o.TimeCol, o.Order = -1, []SortKey{{Col: 2}}
	o.Process([]Rec{ov("a", 1, 3), ov("a", 2, 1), ov("a", 4, 2)})
	r := ov("a", 2, 1)
	r.Kind = Delete
	o.Process([]Rec{r})
	o.Watermark(secs(100))
	if len(out.rows) != 0 {
		t.Fatalf("rows before the end: %v", out.rows)
	}
	o.Watermark(MaxWatermark)
	if got, want := sums(out.rows), "a:4=4/1 a:1=5/2"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

// BenchmarkOverAggRows streams rows through a ROWS BETWEEN 10 PRECEDING
// frame over 100 partitions, the watermark following every batch.
func BenchmarkOverAggRows(b *testing.B) {
	t := &testing.T{}
	o, _, _ := newOver(t, OverFrame{Rows: true, Preceding: 10})
	o.SetNext(nil)
	keys := make([]types.Value, 100)
	for i := range keys {
		keys[i] = types.StringV(string(rune('a'+i%26)) + string(rune('a'+i/26)))
	}
	batch := make([]Rec, 100)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range batch {
			batch[k] = Rec{Row: types.Row{keys[k], types.IntV(int64(k)), types.TimestampV(int64(i+1) * types.MicrosPerSecond)}}
		}
		if err := o.Process(batch); err != nil {
			b.Fatal(err)
		}
		if err := o.Watermark(int64(i+1) * types.MicrosPerSecond); err != nil {
			b.Fatal(err)
		}
	}
}
