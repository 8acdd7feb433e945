package engine

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// rssMiB is this process's resident memory.
func rssMiB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}

// BenchmarkRegularJoinTTL streams b.N rows, alternately left and right,
// each with a new key and every 4th matching the row before it, through
// a regular inner join with a 10-second state TTL, while processing time
// advances 100 µs per row (so about 100,000 rows are live). It reports
// the process's RSS after a tenth of the rows and at the end: with a TTL
// the state, and so memory, stays flat however many rows pass
// (go test ./engine -run '^$' -bench RegularJoinTTL -benchtime 50000000x).
func BenchmarkRegularJoinTTL(b *testing.B) {
	for _, backend := range []StateBackendKind{MemoryState, DiskState} {
		b.Run(string(backend), func(b *testing.B) {
			clock := &virtualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
			j := &Join{Kind: RegularJoin, Type: InnerJoin,
				LeftKeys:  []expr.Expr{&expr.Col{Idx: 0, T: types.TBigInt}},
				RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TBigInt}},
				LeftWidth: 2, RightWidth: 2, TTL: 10 * time.Second}
			var out discardOp
			j.SetNext(&out)
			oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}, Now: clock.Now}
			if backend == DiskState {
				sb, err := newStateBackend(&JobSpec{State: StateConfig{Backend: DiskState, Dir: b.TempDir() + "/work", MemTableSize: 4 << 20}}, slog.Default())
				if err != nil {
					b.Fatal(err)
				}
				defer sb.close()
				oc.state = sb
			}
			if err := j.Open(oc); err != nil {
				b.Fatal(err)
			}
			left, right := j.Left(), j.Right()
			const batch = 1000
			recs := make([]Rec, batch)
			pad := types.StringV(strings.Repeat("x", 100))
			var early float64
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				n := min(batch, b.N-i)
				for k := 0; k < n; k++ {
					key := int64(i + k)
					if (i+k)%4 == 3 {
						key-- // matches the row before it, on the other side
					}
					recs[k] = Rec{Row: types.Row{types.BigIntV(key), pad}, Kind: Insert}
				}
				side := left
				if (i/batch)%2 == 1 {
					side = right
				}
				if err := side.Process(recs[:n]); err != nil {
					b.Fatal(err)
				}
				clock.advance(time.Duration(n) * 100 * time.Microsecond)
				j.ExpireState(clock.micros())
				if early == 0 && i >= b.N/10 {
					runtime.GC()
					early = rssMiB()
				}
			}
			b.StopTimer()
			runtime.GC()
			b.ReportMetric(early, "RSS-MiB-at-10%")
			b.ReportMetric(rssMiB(), "RSS-MiB-at-end")
			b.ReportMetric(float64(oc.Metrics.StateExpired.Load()), "expired")
			_ = fmt.Sprint
		})
	}
}

// discardOp counts what it receives.
type discardOp struct {
	base
	n int
}

func (d *discardOp) Process(recs []Rec) error { d.n += len(recs); return nil }

// BenchmarkGroupAggDistinct is Nexmark q16's aggregate on b.N bids: per
// channel (4), COUNT(*), COUNT(DISTINCT bidder) and COUNT(DISTINCT
// auction), each also FILTERed by three price ranges, with bidders and
// auctions drawn from a range that grows with the input (most values are
// new to their group: an LSM lookup that finds nothing). On disk it
// reports the LSM's block-cache hit rate
// (go test ./engine -run '^$' -bench GroupAggDistinct -benchtime 1000000x).
func BenchmarkGroupAggDistinct(b *testing.B) {
	for _, backend := range []StateBackendKind{MemoryState, DiskState} {
		b.Run(string(backend), func(b *testing.B) {
			fn := func(distinct bool) *agg.Func {
				var args []types.Type
				if distinct {
					args = []types.Type{types.TBigInt}
				}
				f, err := agg.New("COUNT", args, distinct, agg.Semantics{})
				if err != nil {
					b.Fatal(err)
				}
				return f
			}
			// row: channel, bidder, auction, rank1, rank2, rank3
			var aggs []AggCall
			for _, arg := range []int{-1, 1, 2} {
				aggs = append(aggs, AggCall{Func: fn(arg >= 0), Arg: arg})
				for r := 3; r <= 5; r++ {
					aggs = append(aggs, AggCall{Func: fn(arg >= 0), Arg: arg, HasFilter: true, Filter: r})
				}
			}
			g := &GroupAgg{Keys: []int{0}, Aggs: aggs}
			g.SetNext(&discardOp{})
			oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
			if backend == DiskState {
				sb, err := newStateBackend(&JobSpec{State: StateConfig{Backend: DiskState, Dir: b.TempDir() + "/work"}}, slog.Default())
				if err != nil {
					b.Fatal(err)
				}
				defer sb.close()
				oc.state = sb
			}
			if err := g.Open(oc); err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewSource(1))
			const batch = 1000
			recs := make([]Rec, batch)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += batch {
				n := min(batch, b.N-i)
				for k := 0; k < n; k++ {
					seen := int64(i+k)/2 + 1000
					rank := rng.Intn(3)
					recs[k] = Rec{Row: types.Row{types.StringV([]string{"apple", "google", "facebook", "baidu"}[rng.Intn(4)]),
						types.BigIntV(rng.Int63n(seen)), types.BigIntV(rng.Int63n(seen / 10)),
						types.BoolV(rank == 0), types.BoolV(rank == 1), types.BoolV(rank == 2)}, Kind: Insert}
				}
				if err := g.Process(recs[:n]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/row")
			if oc.state != nil {
				m := oc.state.db.Metrics().BlockCache
				if m.Hits+m.Misses > 0 {
					b.ReportMetric(100*float64(m.Hits)/float64(m.Hits+m.Misses), "block-cache-hit-%")
				}
			}
		})
	}
}
