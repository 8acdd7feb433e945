package engine

import (
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// windowJoin joins on column 0 rows whose window bounds are columns 2
// (start) and 3 (end) on both sides: (key, name, window_start, window_end).
func windowJoin(t *testing.T, typ JoinType) (*WindowJoin, *ttlHarness) {
	t.Helper()
	j := &WindowJoin{Type: typ,
		LeftKeys:  []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		LeftWidth: 4, RightWidth: 4, LeftStart: 2, LeftEnd: 3, RightStart: 2, RightEnd: 3}
	return j, newTTLHarness(t, j)
}

// inWindow is a row of the 10-second window starting at s seconds.
func inWindow(k int64, name string, s int64) Rec {
	key := types.IntV(k)
	if k < 0 {
		key = types.NullValue
	}
	return Rec{Row: types.Row{key, types.StringV(name), types.TimestampV(s * sec), types.TimestampV((s + 10) * sec)}}
}

// TestWindowJoinEmitsWhenWindowCloses: nothing comes out until the
// watermark passes the window's end; then the window's rows are joined
// once and its state is gone.
func TestWindowJoinEmitsWhenWindowCloses(t *testing.T) {
	j, h := windowJoin(t, InnerJoin)
	j.Left().Process(recs(inWindow(1, "a", 0), inWindow(2, "b", 0), inWindow(1, "c", 10)))
	j.Right().Process(recs(inWindow(1, "x", 0), inWindow(1, "y", 10), inWindow(3, "z", 0)))
	watermark(t, j.Left(), j.Right(), 9)
	check(t, "open window", h.take(), "")
	if n := j.Windows(); n != 2 {
		t.Fatalf("windows held: %d, want 2", n)
	}
	// The window [0, 10) ends: its last time is 9.999.
	if err := j.Left().Watermark(10*sec - 1000); err != nil {
		t.Fatal(err)
	}
	check(t, "one input's watermark is not enough", h.take(), "")
	if err := j.Right().Watermark(10*sec - 1000); err != nil {
		t.Fatal(err)
	}
	check(t, "closed", h.take(), "+I[1, a, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1, x, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000]")
	if n := j.Windows(); n != 1 {
		t.Fatalf("windows held after the first closed: %d, want 1", n)
	}
	watermark(t, j.Left(), j.Right(), 30)
	check(t, "second", h.take(), "+I[1, c, 1970-01-01 00:00:10.000, 1970-01-01 00:00:20.000, 1, y, 1970-01-01 00:00:10.000, 1970-01-01 00:00:20.000]")
	if n := j.Windows(); n != 0 {
		t.Fatalf("windows held: %d, want 0", n)
	}
}

// TestWindowJoinLateRow: a row of a window that has fired is dropped and
// counted.
func TestWindowJoinLateRow(t *testing.T) {
	j, h := windowJoin(t, InnerJoin)
	watermark(t, j.Left(), j.Right(), 15)
	j.Left().Process(recs(inWindow(1, "late", 0)))
	j.Right().Process(recs(inWindow(1, "x", 0)))
	watermark(t, j.Left(), j.Right(), 30)
	check(t, "late", h.take(), "")
	if n := h.oc.Metrics.LateDropped.Load(); n != 2 {
		t.Fatalf("late rows: %d, want 2", n)
	}
}

// TestWindowJoinTypes: outer rows are padded with NULLs in their window,
// semi and anti joins emit left rows alone; NULL keys match nothing.
func TestWindowJoinTypes(t *testing.T) {
	const (
		w   = "1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000"
		nul = "NULL, NULL, NULL, NULL"
	)
	for _, tc := range []struct {
		typ  JoinType
		want string
	}{
		{InnerJoin, "+I[1, a, " + w + ", 1, x, " + w + "]"},
		{LeftJoin, "+I[1, a, " + w + ", 1, x, " + w + "] +I[2, b, " + w + ", " + nul + "] +I[NULL, n, " + w + ", " + nul + "]"},
		{RightJoin, "+I[1, a, " + w + ", 1, x, " + w + "] +I[" + nul + ", 3, z, " + w + "]"},
		{FullJoin, "+I[1, a, " + w + ", 1, x, " + w + "] +I[2, b, " + w + ", " + nul + "] +I[NULL, n, " + w + ", " + nul + "] +I[" + nul + ", 3, z, " + w + "]"},
		{SemiJoin, "+I[1, a, " + w + "]"},
		{AntiJoin, "+I[2, b, " + w + "] +I[NULL, n, " + w + "]"},
	} {
		j, h := windowJoin(t, tc.typ)
		j.Left().Process(recs(inWindow(1, "a", 0), inWindow(2, "b", 0), inWindow(-1, "n", 0)))
		j.Right().Process(recs(inWindow(1, "x", 0), inWindow(3, "z", 0)))
		watermark(t, j.Left(), j.Right(), -1)
		check(t, tc.typ.String(), h.take(), tc.want)
	}
}

// TestWindowJoinRestore: open windows survive a checkpoint.
func TestWindowJoinRestore(t *testing.T) {
	j, _ := windowJoin(t, LeftJoin)
	j.Left().Process(recs(inWindow(1, "a", 0), inWindow(-1, "n", 0)))
	j.Right().Process(recs(inWindow(1, "x", 0)))
	var e types.Enc
	if err := j.Snapshot(&e); err != nil {
		t.Fatal(err)
	}
	j2, h := windowJoin(t, LeftJoin)
	if err := j2.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	watermark(t, j2.Left(), j2.Right(), 10)
	check(t, "restored", h.take(), "+I[1, a, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, 1, x, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000] +I[NULL, n, 1970-01-01 00:00:00.000, 1970-01-01 00:00:10.000, NULL, NULL, NULL, NULL]")
}
