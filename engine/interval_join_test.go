package engine

import (
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

const sec = int64(types.MicrosPerSecond)

// intervalJoin is a join on column 0 with the time in column 1 of both
// sides, chained to a collecting sink on a virtual clock.
func intervalJoin(t *testing.T, j *TimeIntervalJoin) *ttlHarness {
	t.Helper()
	j.LeftKeys = []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}}
	j.RightKeys = []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}}
	j.LeftWidth, j.RightWidth, j.LeftTime, j.RightTime = 2, 2, 1, 1
	return newTTLHarness(t, j)
}

func timedRow(k, s int64) Rec {
	return Rec{Row: types.Row{types.IntV(k), types.TimestampLTZV(s * sec)}, Ts: s * 1000}
}

func recs(rs ...Rec) []Rec { return rs }

// watermark moves both inputs of a two-input operator to wm seconds.
func watermark(t *testing.T, left, right Op, s int64) {
	t.Helper()
	wm := s * sec
	if s == -1 {
		wm = MaxWatermark
	}
	if err := left.Watermark(wm); err != nil {
		t.Fatal(err)
	}
	if err := right.Watermark(wm); err != nil {
		t.Fatal(err)
	}
}

// TestIntervalJoinStreamTimeBounds (ksqlDB's WITHIN 5 SECONDS GRACE PERIOD
// 0): a right row joins left rows within 5 s of its time; an unmatched
// left row of a left join comes out with NULLs once stream time has passed
// it by the bound, and its state is gone.
func TestIntervalJoinStreamTimeBounds(t *testing.T) {
	j := &TimeIntervalJoin{Type: LeftJoin, Clock: ByStreamTime, Lower: -5 * sec, Upper: 5 * sec}
	h := intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10), timedRow(2, 10)))
	j.Right().Process(recs(timedRow(1, 14))) // within 5 s of 10
	check(t, "match", h.take(), "+I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:14.000]")
	j.Right().Process(recs(timedRow(1, 40))) // too late for 10; drops the left rows
	check(t, "expired", h.take(), "+I[2, 1970-01-01 00:00:10.000, NULL, NULL]")
	if n := j.Rows(); n != 1 {
		t.Fatalf("rows held: %d, want 1 (the right row at 40 s)", n)
	}
}

// TestIntervalJoinStreamTimeGrace: with a grace period rows are kept that
// much longer: a right row 8 s behind stream time still joins a left row
// within the bound, until stream time passes the bound plus the grace.
func TestIntervalJoinStreamTimeGrace(t *testing.T) {
	j := &TimeIntervalJoin{Type: InnerJoin, Clock: ByStreamTime, Lower: -2 * sec, Upper: 2 * sec, Grace: 10 * sec}
	h := intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10)))
	j.Left().Process(recs(timedRow(9, 20))) // stream time 20: 10 is 10 s behind, kept (2 + 10 s)
	j.Right().Process(recs(timedRow(1, 11)))
	check(t, "in grace", h.take(), "+I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:11.000]")
	j.Left().Process(recs(timedRow(9, 23))) // 10 + 12 < 23: gone
	j.Right().Process(recs(timedRow(1, 12)))
	check(t, "after grace", h.take(), "")
	if n := j.Rows(); n != 4 {
		t.Fatalf("rows held: %d, want 4 (left 20, 23; right 11, 12)", n)
	}
}

// TestIntervalJoinEager: without a grace period (ksqlDB's WITHIN without
// GRACE PERIOD) an unmatched outer row comes out with NULLs at once, a
// later match comes out too, and nothing more when the rows expire.
func TestIntervalJoinEager(t *testing.T) {
	j := &TimeIntervalJoin{Type: FullJoin, Clock: ByStreamTime, Eager: true, Lower: -5 * sec, Upper: 5 * sec}
	h := intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10)))
	j.Right().Process(recs(timedRow(1, 12)))
	j.Right().Process(recs(timedRow(2, 40)))
	watermark(t, j.Left(), j.Right(), -1)
	check(t, "eager", h.take(), "+I[1, 1970-01-01 00:00:10.000, NULL, NULL] +I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:12.000] +I[NULL, NULL, 2, 1970-01-01 00:00:40.000]")
}

// TestIntervalJoinWatermarkClearsState (Flink's rowtime interval join,
// r BETWEEN l - 1 s AND l + 3 s): rows are kept until the watermark passes
// the last time a row of the other side could match them, then dropped;
// an unmatched left row of a LEFT join comes out padded at that moment,
// and the output watermark is held back by the longest bound.
func TestIntervalJoinWatermarkClearsState(t *testing.T) {
	j := &TimeIntervalJoin{Type: LeftJoin, Clock: ByWatermark, Lower: -1 * sec, Upper: 3 * sec}
	h := intervalJoin(t, j)
	var wms []int64
	j.SetNext(&wmProbe{next: j.next, wms: &wms})
	j.Left().Process(recs(timedRow(1, 10), timedRow(2, 10)))
	j.Right().Process(recs(timedRow(1, 9))) // l - 1 s: matches
	check(t, "match", h.take(), "+I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:09.000]")
	// The right row at 9 can match left rows up to 10 (r - Lower): gone
	// at watermark 10; the left rows wait for right rows up to 13.
	watermark(t, j.Left(), j.Right(), 10)
	if n := j.Rows(); n != 2 {
		t.Fatalf("rows at watermark 10: %d, want the 2 left rows", n)
	}
	j.Right().Process(recs(timedRow(2, 12)))
	check(t, "late match", h.take(), "+I[2, 1970-01-01 00:00:10.000, 2, 1970-01-01 00:00:12.000]")
	watermark(t, j.Left(), j.Right(), 12)
	check(t, "nothing due", h.take(), "")
	// At 13 no right row can match the left rows (l + 3 s), and no left
	// row the right row at 12 (r + 1 s): all gone, nothing padded (both
	// left rows matched).
	watermark(t, j.Left(), j.Right(), 13)
	check(t, "at the bound", h.take(), "")
	if n := j.Rows(); n != 0 {
		t.Fatalf("rows at watermark 13: %d, want none", n)
	}
	watermark(t, j.Left(), j.Right(), 14)
	if fmt.Sprint(wms) != fmt.Sprint([]int64{7 * sec, 9 * sec, 10 * sec, 11 * sec}) {
		t.Fatalf("output watermarks %v, want each 3 s behind", wms)
	}
}

// TestIntervalJoinWatermarkPadsAtBound: a LEFT join's unmatched row comes
// out padded when the watermark reaches its upper bound, not before.
func TestIntervalJoinWatermarkPadsAtBound(t *testing.T) {
	j := &TimeIntervalJoin{Type: LeftJoin, Clock: ByWatermark, Lower: 0, Upper: 5 * sec}
	h := intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10)))
	watermark(t, j.Left(), j.Right(), 14)
	check(t, "before the bound", h.take(), "")
	watermark(t, j.Left(), j.Right(), 15)
	check(t, "at the bound", h.take(), "+I[1, 1970-01-01 00:00:10.000, NULL, NULL]")
}

// TestIntervalJoinWatermarkLateRow: a row too late for any row still to
// come joins what is held but is not kept; in an inner join a late row
// without a match is counted as dropped.
func TestIntervalJoinWatermarkLateRow(t *testing.T) {
	j := &TimeIntervalJoin{Type: InnerJoin, Clock: ByWatermark, Lower: -5 * sec, Upper: 5 * sec}
	h := intervalJoin(t, j)
	j.Right().Process(recs(timedRow(1, 12))) // held while the watermark is below 17
	watermark(t, j.Left(), j.Right(), 16)
	j.Left().Process(recs(timedRow(1, 10), timedRow(2, 10))) // 10 + 5 <= 16: late
	check(t, "late row joins what is held", h.take(), "+I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:12.000]")
	if n := j.Rows(); n != 1 {
		t.Fatalf("rows held: %d, want the right row only (late rows are not kept)", n)
	}
	if n := h.oc.Metrics.LateDropped.Load(); n != 1 {
		t.Fatalf("late rows dropped: %d, want 1", n)
	}
}

// TestIntervalJoinWaitsForBothWatermarks: the join's time is the smaller
// of its inputs' watermarks, so rows the slower input still sends find
// their matches.
func TestIntervalJoinWaitsForBothWatermarks(t *testing.T) {
	j := &TimeIntervalJoin{Type: InnerJoin, Clock: ByWatermark, Lower: 0, Upper: 5 * sec}
	h := intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10)))
	if err := j.Left().Watermark(30 * sec); err != nil {
		t.Fatal(err)
	}
	j.Right().Process(recs(timedRow(1, 14)))
	check(t, "right input still at its old watermark", h.take(), "+I[1, 1970-01-01 00:00:10.000, 1, 1970-01-01 00:00:14.000]")
}

// TestIntervalJoinRestore: the rows held and the time survive a
// checkpoint, and restored rows still expire.
func TestIntervalJoinRestore(t *testing.T) {
	mk := func() *TimeIntervalJoin {
		return &TimeIntervalJoin{Type: LeftJoin, Clock: ByWatermark, Lower: 0, Upper: 5 * sec}
	}
	j := mk()
	intervalJoin(t, j)
	j.Left().Process(recs(timedRow(1, 10), timedRow(2, 11)))
	watermark(t, j.Left(), j.Right(), 12)
	var e types.Enc
	if err := j.Snapshot(&e); err != nil {
		t.Fatal(err)
	}
	j2 := mk()
	h := intervalJoin(t, j2)
	if err := j2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	j2.Right().Process(recs(timedRow(2, 13)))
	watermark(t, j2.Left(), j2.Right(), 20)
	check(t, "restored", h.take(), "+I[2, 1970-01-01 00:00:11.000, 2, 1970-01-01 00:00:13.000] +I[1, 1970-01-01 00:00:10.000, NULL, NULL]")
	if n := j2.Rows(); n != 0 {
		t.Fatalf("rows held: %d, want 0", n)
	}
}

// wmProbe records the watermarks an operator forwards.
type wmProbe struct {
	next Op
	wms  *[]int64
}

func (p *wmProbe) Open(*OpContext) error    { return nil }
func (p *wmProbe) Close() error             { return nil }
func (p *wmProbe) Process(recs []Rec) error { return p.next.Process(recs) }
func (p *wmProbe) Watermark(wm int64) error { *p.wms = append(*p.wms, wm); return p.next.Watermark(wm) }
