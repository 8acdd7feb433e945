package engine

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// virtualClock is a processing-time clock moved by hand.
type virtualClock struct{ t time.Time }

func (c *virtualClock) Now() time.Time          { return c.t }
func (c *virtualClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func (c *virtualClock) micros() int64           { return c.t.UnixMicro() }

// ttlHarness opens op (chained to a collecting sink) with a virtual clock.
type ttlHarness struct {
	clock *virtualClock
	oc    *OpContext
	out   *collected
}

func newTTLHarness(t *testing.T, op Op) *ttlHarness {
	t.Helper()
	h := &ttlHarness{clock: &virtualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, out: &collected{}}
	h.oc = &OpContext{Ctx: context.Background(), Metrics: &Metrics{}, Now: h.clock.Now}
	sink := NewSinkOp("out", h.out.sink())
	if c, ok := op.(Chainable); ok {
		c.SetNext(sink)
	}
	if err := sink.Open(h.oc); err != nil {
		t.Fatal(err)
	}
	if err := op.Open(h.oc); err != nil {
		t.Fatal(err)
	}
	return h
}

// take returns the rows emitted since the last call.
func (h *ttlHarness) take() string {
	h.out.mu.Lock()
	defer h.out.mu.Unlock()
	s := strings.Join(h.out.rows, " ")
	h.out.rows = nil
	return s
}

func (h *ttlHarness) expired() int64 { return h.oc.Metrics.StateExpired.Load() }

func strRow(vals ...string) types.Row {
	r := make(types.Row, len(vals))
	for i, v := range vals {
		r[i] = types.StringV(v)
	}
	return r
}

func check(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

// A group not updated for the TTL is forgotten: its next row starts it
// again (+I, no retraction of the old result), and the sweep drops groups
// nobody touches; both are counted.
func TestGroupAggStateTTL(t *testing.T) {
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{{Func: cnt, Arg: -1}}, TTL: 10 * time.Second}
	h := newTTLHarness(t, g)
	g.Process([]Rec{{Row: strRow("a")}})
	check(t, "first row", h.take(), "+I[a, 1]")
	h.clock.advance(9 * time.Second)
	g.Process([]Rec{{Row: strRow("a")}}) // written at 9 s: lives until 19 s
	check(t, "within the TTL", h.take(), "-U[a, 1] +U[a, 2]")
	h.clock.advance(10 * time.Second)
	g.Process([]Rec{{Row: strRow("a")}})
	check(t, "after the TTL", h.take(), "+I[a, 1]")
	if n := h.expired(); n != 1 {
		t.Errorf("state_expired %d, want 1", n)
	}
	g.Process([]Rec{{Row: strRow("b")}})
	h.take()
	h.clock.advance(11 * time.Second)
	g.ExpireState(h.clock.micros())
	if n := h.expired(); n != 3 || countState(g.st) != 0 {
		t.Errorf("after the sweep: state_expired %d (want 3), %d groups left (want 0)", n, countState(g.st))
	}
	g.Process([]Rec{{Row: strRow("b"), Kind: Delete}})
	check(t, "a retraction of an expired group", h.take(), "")
}

// Deduplication (first row by processing time) lets a key's row through
// again once its state expired.
func TestDeduplicateStateTTL(t *testing.T) {
	d := &Deduplicate{Keys: []int{0}, TimeCol: -1, TTL: time.Minute}
	h := newTTLHarness(t, d)
	d.Process([]Rec{{Row: strRow("k", "1")}, {Row: strRow("k", "2")}})
	check(t, "first rows", h.take(), "+I[k, 1]")
	h.clock.advance(time.Minute)
	d.Process([]Rec{{Row: strRow("k", "3")}})
	check(t, "after the TTL", h.take(), "+I[k, 3]")
	if n := h.expired(); n != 1 {
		t.Errorf("state_expired %d, want 1", n)
	}
}

// Top-N forgets a partition not written for the TTL.
func TestRankStateTTL(t *testing.T) {
	r := &Rank{Partition: []int{0}, Order: []SortKey{{Col: 1, Desc: true}}, Start: 1, End: 1, TTL: time.Second}
	h := newTTLHarness(t, r)
	r.Process([]Rec{{Row: strRow("p", "9")}})
	check(t, "first row", h.take(), "+I[p, 9]")
	r.Process([]Rec{{Row: strRow("p", "5")}})
	check(t, "a lower row", h.take(), "")
	h.clock.advance(2 * time.Second)
	r.ExpireState(h.clock.micros())
	r.Process([]Rec{{Row: strRow("p", "5")}})
	check(t, "after the TTL", h.take(), "+I[p, 5]")
	if n := h.expired(); n != 1 {
		t.Errorf("state_expired %d, want 1", n)
	}
}

// A regular join drops rows that arrived longer ago than the TTL: a
// later row of the other side no longer matches them.
func TestJoinStateTTL(t *testing.T) {
	key := &expr.Col{Idx: 0, T: types.TString, Name: "k"}
	j := &Join{Kind: RegularJoin, Type: InnerJoin, LeftKeys: []expr.Expr{key}, RightKeys: []expr.Expr{key},
		LeftWidth: 2, RightWidth: 2, TTL: 10 * time.Second}
	h := newTTLHarness(t, j)
	j.Left().Process([]Rec{{Row: strRow("k", "old")}})
	h.clock.advance(6 * time.Second)
	j.Left().Process([]Rec{{Row: strRow("k", "new")}})
	j.Right().Process([]Rec{{Row: strRow("k", "r1")}})
	check(t, "both left rows live", h.take(), "+I[k, old, k, r1] +I[k, new, k, r1]")
	h.clock.advance(5 * time.Second) // old arrived 11 s ago, new and r1 5 s ago
	j.Right().Process([]Rec{{Row: strRow("k", "r2")}})
	check(t, "the old left row expired", h.take(), "+I[k, new, k, r2]")
	if n := h.expired(); n != 1 {
		t.Errorf("state_expired %d, want 1", n)
	}
	h.clock.advance(20 * time.Second)
	j.ExpireState(h.clock.micros())
	if n := h.expired(); n != 4 || countState(j.left)+countState(j.right) != 0 {
		t.Errorf("after the sweep: state_expired %d (want 4), keys left %d+%d", n, countState(j.left), countState(j.right))
	}
}
