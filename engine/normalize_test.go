package engine

import (
	"context"
	"fmt"
	"testing"

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
