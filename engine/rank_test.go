package engine

import (
	"context"
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// recorder is an Op that keeps what it receives, as text.
type recorder struct {
	base
	got []string
	// table is the changelog applied: row text -> count.
	table map[string]int
}

func (r *recorder) Process(recs []Rec) error {
	if r.table == nil {
		r.table = map[string]int{}
	}
	for _, rec := range recs {
		parts := make([]string, len(rec.Row))
		for i, v := range rec.Row {
			parts[i] = v.String()
		}
		row := strings.Join(parts, ",")
		r.got = append(r.got, rec.Kind.String()+"("+row+")")
		if rec.Kind.IsRetract() {
			r.table[row]--
			if r.table[row] == 0 {
				delete(r.table, row)
			}
		} else {
			r.table[row]++
		}
	}
	return nil
}

func (r *recorder) take() string {
	s := strings.Join(r.got, " ")
	r.got = nil
	return s
}

func (r *recorder) rows() []string {
	var out []string
	for k, n := range r.table {
		for i := 0; i < n; i++ {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func open(t *testing.T, op Op, next Op) *OpContext {
	t.Helper()
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	op.(Chainable).SetNext(next)
	if err := op.Open(oc); err != nil {
		t.Fatal(err)
	}
	return oc
}

// kv is a row (partition, value, name).
func kv(k string, v int64, name string) types.Row {
	return types.Row{types.StringV(k), types.IntV(v), types.StringV(name)}
}

func ins(r types.Row) Rec { return Rec{Row: r, Kind: Insert} }
func del(r types.Row) Rec { return Rec{Row: r, Kind: Delete} }

// TestRankTop2WithRowNumber: rows entering the top 2 shift the ranks
// below them, one -U/+U pair per rank.
func TestRankTop2WithRowNumber(t *testing.T) {
	var out recorder
	r := &Rank{Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 2, OutputRank: true}
	open(t, r, &out)
	steps := []struct {
		in   Rec
		want string
	}{
		{ins(kv("a", 5, "x")), "+I(a,5,x,1)"},
		{ins(kv("a", 3, "y")), "+I(a,3,y,2)"},
		{ins(kv("a", 1, "z")), ""},
		{ins(kv("a", 9, "w")), "-U(a,5,x,1) +U(a,9,w,1) -U(a,3,y,2) +U(a,5,x,2)"},
		{ins(kv("a", 5, "v")), ""}, // a tie ranks after the earlier row: third
		{ins(kv("b", 1, "q")), "+I(b,1,q,1)"},
	}
	for i, s := range steps {
		if err := r.Process([]Rec{s.in}); err != nil {
			t.Fatal(err)
		}
		if got := out.take(); got != s.want {
			t.Errorf("step %d: got %q, want %q", i, got, s.want)
		}
	}
}

// TestRankWithoutRowNumber: rows entering come as +I, the row pushed out
// as -D (first).
func TestRankWithoutRowNumber(t *testing.T) {
	var out recorder
	r := &Rank{Partition: []int{0}, Order: []SortKey{{Col: 1}}, Start: 1, End: 2}
	open(t, r, &out)
	r.Process([]Rec{ins(kv("a", 5, "x")), ins(kv("a", 3, "y"))})
	if got := out.take(); got != "+I(a,5,x) +I(a,3,y)" {
		t.Fatalf("got %s", got)
	}
	r.Process([]Rec{ins(kv("a", 4, "z"))})
	if got := out.take(); got != "-D(a,5,x) +I(a,4,z)" {
		t.Fatalf("got %s", got)
	}
	r.Process([]Rec{ins(kv("a", 9, "w"))})
	if got := out.take(); got != "" {
		t.Fatalf("got %s", got)
	}
}

// TestRankRetractBringsRowsBack: with KeepAll a retracted row of the top N
// is replaced by the next one.
func TestRankRetractBringsRowsBack(t *testing.T) {
	var out recorder
	r := &Rank{Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 2, OutputRank: true, KeepAll: true}
	open(t, r, &out)
	r.Process([]Rec{ins(kv("a", 5, "x")), ins(kv("a", 3, "y")), ins(kv("a", 1, "z"))})
	out.take()
	r.Process([]Rec{del(kv("a", 5, "x"))})
	if got, want := out.take(), "-U(a,5,x,1) +U(a,3,y,1) -U(a,3,y,2) +U(a,1,z,2)"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	r.Process([]Rec{del(kv("a", 1, "z"))})
	if got, want := out.take(), "-D(a,1,z,2)"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	r.Process([]Rec{del(kv("a", 7, "nope"))})
	if got := out.take(); got != "" {
		t.Fatalf("retraction of an unknown row: %s", got)
	}
	r2 := &Rank{Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 2, KeepAll: true}
	open(t, r2, &out)
	r2.Process([]Rec{ins(kv("a", 5, "x")), ins(kv("a", 3, "y")), ins(kv("a", 1, "z"))})
	out.take()
	r2.Process([]Rec{del(kv("a", 3, "y"))})
	if got, want := out.take(), "-D(a,3,y) +I(a,1,z)"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestRankMatchesRecomputation drives Rank with random inserts and
// retractions and checks, after every record, that the changelog applied
// equals the ranking computed from scratch.
func TestRankMatchesRecomputation(t *testing.T) {
	for _, tc := range []struct {
		start, end int64
		outputRank bool
		retract    bool
	}{
		{1, 3, true, true}, {1, 3, false, true}, {2, 4, true, true}, {2, 4, false, true},
		{1, 1, false, true}, {1, 3, true, false}, {2, 3, false, false}, {1, 1, true, false},
	} {
		name := fmt.Sprintf("range=%d..%d,rank=%v,retract=%v", tc.start, tc.end, tc.outputRank, tc.retract)
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(7))
			var out recorder
			order := []SortKey{{Col: 1, Desc: true}, {Col: 2}}
			r := &Rank{Partition: []int{0}, Order: order, Start: tc.start, End: tc.end, OutputRank: tc.outputRank, KeepAll: tc.retract}
			open(t, r, &out)
			var live []types.Row // arrival order
			for step := 0; step < 400; step++ {
				var rec Rec
				if tc.retract && len(live) > 0 && rng.Intn(3) == 0 {
					i := rng.Intn(len(live))
					rec = del(live[i])
					live = append(live[:i], live[i+1:]...)
				} else {
					row := kv(string(rune('a'+rng.Intn(3))), int64(rng.Intn(6)), string(rune('p'+rng.Intn(3))))
					rec = ins(row)
					live = append(live, row)
				}
				if err := r.Process([]Rec{rec}); err != nil {
					t.Fatal(err)
				}
				want := recompute(live, order, tc.start, tc.end, tc.outputRank)
				if got := out.rows(); strings.Join(got, " ") != strings.Join(want, " ") {
					t.Fatalf("step %d (%s %v):\ngot  %v\nwant %v", step, rec.Kind, rec.Row, got, want)
				}
				if step%100 == 0 {
					// A snapshot taken now restores into an equal operator.
					e := &types.Enc{}
					r.Snapshot(e)
					r2 := &Rank{Partition: r.Partition, Order: order, Start: tc.start, End: tc.end, OutputRank: tc.outputRank, KeepAll: tc.retract}
					open(t, r2, &out)
					if err := r2.Restore(&types.Dec{B: e.B}); err != nil {
						t.Fatal(err)
					}
					r = r2
				}
			}
		})
	}
}

// recompute ranks rows (ties in arrival order) per partition and renders
// those ranked start..end.
func recompute(live []types.Row, order []SortKey, start, end int64, outputRank bool) []string {
	parts := map[string][]types.Row{}
	for _, r := range live {
		parts[r[0].S] = append(parts[r[0].S], r)
	}
	var out []string
	for _, rows := range parts {
		sorted := append([]types.Row(nil), rows...)
		sort.SliceStable(sorted, func(i, j int) bool { return compareSort(sorted[i], sorted[j], order) < 0 })
		for k := start - 1; k < end && int(k) < len(sorted); k++ {
			row := sorted[k]
			if outputRank {
				row = append(copyRow(row), types.BigIntV(k+1))
			}
			parts := make([]string, len(row))
			for i, v := range row {
				parts[i] = v.String()
			}
			out = append(out, strings.Join(parts, ","))
		}
	}
	sort.Strings(out)
	return out
}

func tsRow(k string, sec int64, v int64) types.Row {
	return types.Row{types.StringV(k), types.TimestampV(sec * types.MicrosPerSecond), types.IntV(v)}
}

func TestDeduplicate(t *testing.T) {
	rows := []Rec{ins(tsRow("a", 5, 1)), ins(tsRow("a", 3, 2)), ins(tsRow("b", 1, 3)), ins(tsRow("a", 7, 4)), ins(tsRow("a", 7, 5))}
	for _, tc := range []struct {
		name     string
		keepLast bool
		timeCol  int
		want     string
	}{
		{"first by proctime", false, -1, "+I(a,1970-01-01 00:00:05.000,1) +I(b,1970-01-01 00:00:01.000,3)"},
		{"last by proctime", true, -1, "+I(a,1970-01-01 00:00:05.000,1) -U(a,1970-01-01 00:00:05.000,1) +U(a,1970-01-01 00:00:03.000,2) +I(b,1970-01-01 00:00:01.000,3) " +
			"-U(a,1970-01-01 00:00:03.000,2) +U(a,1970-01-01 00:00:07.000,4) -U(a,1970-01-01 00:00:07.000,4) +U(a,1970-01-01 00:00:07.000,5)"},
		{"first by rowtime", false, 1, "+I(a,1970-01-01 00:00:05.000,1) -U(a,1970-01-01 00:00:05.000,1) +U(a,1970-01-01 00:00:03.000,2) +I(b,1970-01-01 00:00:01.000,3)"},
		{"last by rowtime", true, 1, "+I(a,1970-01-01 00:00:05.000,1) +I(b,1970-01-01 00:00:01.000,3) " +
			"-U(a,1970-01-01 00:00:05.000,1) +U(a,1970-01-01 00:00:07.000,4) -U(a,1970-01-01 00:00:07.000,4) +U(a,1970-01-01 00:00:07.000,5)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out recorder
			d := &Deduplicate{Keys: []int{0}, KeepLast: tc.keepLast, TimeCol: tc.timeCol}
			open(t, d, &out)
			// Half, a snapshot into a new operator, then the rest.
			d.Process(rows[:2])
			e := &types.Enc{}
			d.Snapshot(e)
			d2 := &Deduplicate{Keys: []int{0}, KeepLast: tc.keepLast, TimeCol: tc.timeCol}
			open(t, d2, &out)
			if err := d2.Restore(&types.Dec{B: e.B}); err != nil {
				t.Fatal(err)
			}
			d2.Process(rows[2:])
			if got := out.take(); got != tc.want {
				t.Fatalf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// wrow is (k, v, window_start, window_end) with windows of 10 s.
func wrow(k string, v int64, start int64) types.Row {
	s := int64(types.MicrosPerSecond)
	return types.Row{types.StringV(k), types.IntV(v), types.TimestampV(start * s), types.TimestampV((start + 10) * s)}
}

func TestWindowRankFiresOncePerWindow(t *testing.T) {
	var out recorder
	w := &WindowRank{StartCol: 2, EndCol: 3, Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 2, OutputRank: true}
	oc := open(t, w, &out)
	sec := int64(types.MicrosPerSecond)
	w.Process([]Rec{ins(wrow("a", 1, 0)), ins(wrow("a", 3, 0)), ins(wrow("a", 2, 0)), ins(wrow("b", 9, 0)), ins(wrow("a", 4, 10))})
	if got := out.take(); got != "" {
		t.Fatalf("emitted before the watermark: %s", got)
	}
	// A snapshot restores into a new operator that fires the same.
	e := &types.Enc{}
	w.Snapshot(e)
	w2 := &WindowRank{StartCol: 2, EndCol: 3, Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 2, OutputRank: true}
	oc = open(t, w2, &out)
	if err := w2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	w2.Watermark(10*sec - 1000) // 9.999 s: the first window ends
	want := "+I(a,3,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,1) +I(a,2,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,2) +I(b,9,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000,1)"
	if got := out.take(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	w2.Process([]Rec{ins(wrow("a", 8, 0))}) // late
	if n := oc.Metrics.LateDropped.Load(); n != 1 {
		t.Fatalf("late dropped %d", n)
	}
	w2.Watermark(MaxWatermark)
	if got, want := out.take(), "+I(a,4,1970-01-01 00:00:10.000,1970-01-01 00:00:20.000,1)"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestWindowDeduplicateKeepsLastOnTies: keeping the last row, a later row
// with the same time wins.
func TestWindowDeduplicateKeepsLastOnTies(t *testing.T) {
	var out recorder
	w := &WindowRank{StartCol: 2, EndCol: 3, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 1, NewerFirst: true}
	open(t, w, &out)
	w.Process([]Rec{ins(wrow("x", 5, 0)), ins(wrow("y", 5, 0)), ins(wrow("z", 4, 0))})
	w.Watermark(MaxWatermark)
	if got, want := out.take(), "+I(y,5,1970-01-01 00:00:00.000,1970-01-01 00:00:10.000)"; got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// BenchmarkRankTop3 ranks random rows of 100 partitions, top 3 with the
// rank number (append-only input).
func BenchmarkRankTop3(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	recs := make([]Rec, 1024)
	for i := range recs {
		recs[i] = ins(kv(fmt.Sprintf("k%d", rng.Intn(100)), int64(rng.Intn(1_000_000)), "x"))
	}
	r := &Rank{Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 3, OutputRank: true}
	r.SetNext(&discard{})
	r.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
	b.ReportAllocs()
	for b.Loop() {
		if err := r.Process(recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}

// BenchmarkDeduplicateFirst keeps the first row of 10,000 keys by
// processing time.
func BenchmarkDeduplicateFirst(b *testing.B) {
	recs := make([]Rec, 1024)
	for i := range recs {
		recs[i] = ins(kv(fmt.Sprintf("k%d", i*7%10000), int64(i), "x"))
	}
	d := &Deduplicate{Keys: []int{0}, TimeCol: -1}
	d.SetNext(&discard{})
	d.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}})
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Process(recs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/row")
}
