package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// TestNormalizeUpsertChangelog: Flink's ChangelogNormalize over an upsert
// source. A new key is +I, a replaced row -U old / +U new, a tombstone
// (value columns NULL) -D with the old row; a tombstone for an unknown key
// and a row equal to the current one emit nothing. The state survives a
// checkpoint.
func TestNormalizeUpsertChangelog(t *testing.T) {
	var out collected
	n := &Normalize{Keys: []int{0}, DropUnchanged: true}
	sink := NewSinkOp("out", out.sink())
	n.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	n.Open(oc)
	sink.Open(oc)
	up := func(k int64, city string) Rec {
		return Rec{Row: types.Row{types.IntV(k), types.StringV(city)}, Kind: UpdateAfter}
	}
	tomb := func(k int64) Rec { return Rec{Row: types.Row{types.IntV(k), {}}, Kind: Delete} }
	if err := n.Process([]Rec{up(1, "NY"), up(2, "NY"), up(1, "SF"), up(2, "NY"), tomb(3)}); err != nil {
		t.Fatal(err)
	}
	var e types.Enc
	if err := n.Snapshot(&e); err != nil {
		t.Fatal(err)
	}
	restored := &Normalize{Keys: []int{0}, DropUnchanged: true}
	restored.SetNext(sink)
	restored.Open(oc)
	if err := restored.Restore(&types.Dec{B: e.B}); err != nil {
		t.Fatal(err)
	}
	if err := restored.Process([]Rec{tomb(2), tomb(2), up(1, "SF")}); err != nil {
		t.Fatal(err)
	}
	want := "[+I[1, NY] +I[2, NY] -U[1, NY] +U[1, SF] -D[2, NY]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestNormalizeStateTTL: with table.exec.state.ttl a key not written for
// that long is forgotten (its next row is +I again), and an unchanged row
// is emitted, as Flink does with a TTL.
func TestNormalizeStateTTL(t *testing.T) {
	var out collected
	now := time.Unix(0, 0)
	n := &Normalize{Keys: []int{0}, DropUnchanged: true, TTL: time.Minute}
	sink := NewSinkOp("out", out.sink())
	n.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}, Now: func() time.Time { return now }}
	n.Open(oc)
	sink.Open(oc)
	up := func(k int64, city string) Rec {
		return Rec{Row: types.Row{types.IntV(k), types.StringV(city)}, Kind: UpdateAfter}
	}
	n.Process([]Rec{up(1, "NY"), up(1, "NY"), up(2, "SF")})
	now = now.Add(50 * time.Second)
	n.Process([]Rec{up(2, "SF")}) // 2 written again: it stays
	now = now.Add(20 * time.Second)
	n.ExpireState(now.UnixMicro())
	n.Process([]Rec{up(1, "LA"), {Row: types.Row{types.IntV(1), {}}, Kind: Delete}, up(2, "SF")})
	want := "[+I[1, NY] -U[1, NY] +U[1, NY] +I[2, SF] -U[2, SF] +U[2, SF] +I[1, LA] -D[1, LA] -U[2, SF] +U[2, SF]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if oc.Metrics.StateExpired.Load() != 1 {
		t.Errorf("%d keys expired, want 1", oc.Metrics.StateExpired.Load())
	}
}
