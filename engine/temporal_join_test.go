package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

func hm(h, m int64) int64 { return (h*60 + m) * 60 * types.MicrosPerSecond }

// newTemporal joins (amount, currency, time) with (currency, rate, time)
// on currency.
func newTemporal(t *testing.T, left bool) (*TemporalJoin, *collected) {
	t.Helper()
	out := &collected{}
	j := &TemporalJoin{Left: left,
		LeftKeys:  []expr.Expr{&expr.Col{Idx: 1, T: types.TString}},
		RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TString}},
		LeftWidth: 3, RightWidth: 3, LeftTime: 2, RightTime: 2}
	sink := NewSinkOp("out", out.sink())
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	if err := j.Open(oc); err != nil {
		t.Fatal(err)
	}
	sink.Open(oc)
	return j, out
}

func order(amount int64, cur string, at int64) Rec {
	return Rec{Row: types.Row{types.IntV(amount), types.StringV(cur), types.TimestampV(at)}}
}

func rate(cur string, r int64, at int64, kind RowKind) Rec {
	return Rec{Row: types.Row{types.StringV(cur), types.IntV(r), types.TimestampV(at)}, Kind: kind}
}

// TestTemporalJoinRatesHistory is the example of Flink's temporal table
// documentation: each order takes the rate valid at its time, once the
// watermark passes it, and old versions are dropped as the watermark
// moves.
func TestTemporalJoinRatesHistory(t *testing.T) {
	j, out := newTemporal(t, false)
	right, leftIn := j.RightInput(), j.LeftInput()
	right.Process([]Rec{
		rate("US Dollar", 102, hm(9, 0), Insert), rate("Euro", 114, hm(9, 0), Insert), rate("Yen", 1, hm(9, 0), Insert),
		rate("Euro", 114, hm(9, 0), UpdateBefore), rate("Euro", 116, hm(10, 45), UpdateAfter),
		rate("Euro", 116, hm(10, 45), UpdateBefore), rate("Euro", 119, hm(11, 15), UpdateAfter),
		rate("Pounds", 108, hm(11, 49), Insert),
	})
	leftIn.Process([]Rec{order(2, "Euro", hm(10, 15)), order(1, "US Dollar", hm(10, 30)), order(50, "Yen", hm(10, 32)),
		order(3, "Euro", hm(10, 52)), order(5, "US Dollar", hm(11, 4))})
	if len(out.rows) != 0 {
		t.Fatalf("rows before the watermark: %v", out.rows)
	}
	if err := j.Watermark(hm(10, 40)); err != nil {
		t.Fatal(err)
	}
	want := "[+I[2, Euro, 1970-01-01 10:15:00.000, Euro, 114, 1970-01-01 09:00:00.000] " +
		"+I[1, US Dollar, 1970-01-01 10:30:00.000, US Dollar, 102, 1970-01-01 09:00:00.000] " +
		"+I[50, Yen, 1970-01-01 10:32:00.000, Yen, 1, 1970-01-01 09:00:00.000]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("at 10:40\n got %s\nwant %s", got, want)
	}
	if err := j.Watermark(hm(11, 20)); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(out.rows[3:]); got != "[+I[3, Euro, 1970-01-01 10:52:00.000, Euro, 116, 1970-01-01 10:45:00.000] +I[5, US Dollar, 1970-01-01 11:04:00.000, US Dollar, 102, 1970-01-01 09:00:00.000]]" {
		t.Fatalf("at 11:20: %s", got)
	}
	// State is bounded by the watermark: only the Euro version valid at
	// 11:20 remains.
	if n := len(j.versions[string(types.AppendKey(nil, types.StringV("Euro")))]); n != 1 || len(j.pending) != 0 {
		t.Errorf("%d Euro versions and %d pending orders kept, want 1 and 0", n, len(j.pending))
	}
}

// TestTemporalJoinDeleteAndLeft: a version deleted at its time joins
// nothing from then on (a LEFT join pads it); a checkpoint keeps the
// versions and the waiting left rows.
func TestTemporalJoinDeleteAndLeft(t *testing.T) {
	j, out := newTemporal(t, true)
	j.RightInput().Process([]Rec{rate("EUR", 114, hm(11, 50), Insert), rate("EUR", 110, hm(12, 5), UpdateAfter), rate("GBP", 90, hm(12, 0), Insert)})
	j.LeftInput().Process([]Rec{order(11, "EUR", hm(11, 0)), order(12, "EUR", hm(12, 0)), order(13, "EUR", hm(12, 6)), order(14, "GBP", hm(12, 1))})
	var e types.Enc
	if err := j.Snapshot(&e); err != nil {
		t.Fatal(err)
	}
	j2, out2 := newTemporal(t, true)
	if err := j2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	// GBP is deleted at 12:00 (the deleted row carries its time).
	for _, jj := range []*TemporalJoin{j, j2} {
		jj.RightInput().Process([]Rec{rate("GBP", 90, hm(12, 0), Delete)})
		if err := jj.Watermark(MaxWatermark); err != nil {
			t.Fatal(err)
		}
	}
	want := "[+I[11, EUR, 1970-01-01 11:00:00.000, NULL, NULL, NULL] " +
		"+I[12, EUR, 1970-01-01 12:00:00.000, EUR, 114, 1970-01-01 11:50:00.000] " +
		"+I[13, EUR, 1970-01-01 12:06:00.000, EUR, 110, 1970-01-01 12:05:00.000] " +
		"+I[14, GBP, 1970-01-01 12:01:00.000, NULL, NULL, NULL]]"
	for i, o := range []*collected{out, out2} {
		if got := fmt.Sprint(o.rows); got != want {
			t.Errorf("join %d\n got %s\nwant %s", i, got, want)
		}
	}
}

// BenchmarkTemporalJoin: probes over 1,000 keys, each key getting a new
// version every 10 probes, a watermark after every 1,000 probes.
func BenchmarkTemporalJoin(b *testing.B) {
	j := &TemporalJoin{LeftKeys: []expr.Expr{&expr.Col{Idx: 1, T: types.TString}}, RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TString}},
		LeftWidth: 3, RightWidth: 3, LeftTime: 2, RightTime: 2}
	sink := NewSinkOp("out", &CollectSink{Fn: func(context.Context, []Rec) error { return nil }})
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	j.Open(oc)
	sink.Open(oc)
	keys := make([]string, 1000)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	probe := make([]Rec, 1)
	version := make([]Rec, 1)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		at := int64(i) * types.MicrosPerMilli
		if i%10 == 0 {
			version[0] = rate(keys[i%len(keys)], int64(i), at, UpdateAfter)
			j.addVersions(version)
		}
		probe[0] = order(1, keys[(i*7)%len(keys)], at)
		j.addProbes(probe)
		if i%1000 == 999 {
			j.Watermark(at)
		}
	}
}
