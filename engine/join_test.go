package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// TestRegularLeftJoinRetracts: a left row first comes out padded with
// NULLs; when its match arrives the padded row is retracted and the joined
// row emitted; when the match goes, the padded row comes back.
func TestRegularLeftJoinRetracts(t *testing.T) {
	var out collected
	j := &Join{Kind: RegularJoin, Type: LeftJoin,
		LeftKeys:  []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		LeftWidth: 2, RightWidth: 2}
	sink := NewSinkOp("out", out.sink())
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	j.Open(oc)
	sink.Open(oc)
	l := func(k int64, s string) Rec { return Rec{Row: types.Row{types.IntV(k), types.StringV(s)}} }
	del := func(r Rec) Rec { r.Kind = Delete; return r }
	j.Left().Process([]Rec{l(1, "a")})
	j.Right().Process([]Rec{l(1, "x")})
	j.Right().Process([]Rec{l(2, "y")})
	j.Right().Process([]Rec{del(l(1, "x"))})
	j.Left().Process([]Rec{del(l(1, "a"))})
	want := "[+I[1, a, NULL, NULL] -D[1, a, NULL, NULL] +I[1, a, 1, x] -D[1, a, 1, x] +I[1, a, NULL, NULL] -D[1, a, NULL, NULL]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestRegularJoinUpsert: ksqlDB's table-table joins replace a padded row
// by its match as an update, and an update of one side (-U, +U) gives one
// new result, not a retraction of the old one.
func TestRegularJoinUpsert(t *testing.T) {
	var out collected
	j := &Join{Kind: RegularJoin, Type: LeftJoin, Upsert: true,
		LeftKeys:  []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
		LeftWidth: 2, RightWidth: 2}
	sink := NewSinkOp("out", out.sink())
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	j.Open(oc)
	sink.Open(oc)
	l := func(k int64, s string, kind RowKind) Rec {
		return Rec{Row: types.Row{types.IntV(k), types.StringV(s)}, Kind: kind}
	}
	j.Left().Process([]Rec{l(1, "a", Insert)})
	j.Right().Process([]Rec{l(1, "x", Insert)})
	j.Left().Process([]Rec{l(1, "a", UpdateBefore), l(1, "b", UpdateAfter)})
	j.Right().Process([]Rec{l(1, "x", Delete)})
	want := "[+I[1, a, NULL, NULL] -U[1, a, NULL, NULL] +U[1, a, 1, x] -U[1, a, 1, x] +U[1, b, 1, x] -U[1, b, 1, x] +U[1, b, NULL, NULL]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestJoinLeftDeletes: with LeftDeletes (ksqlDB's foreign-key joins) the
// delete of a left row that joined nothing still comes out, padded with
// NULLs, so that its key's result is deleted; an update's old row does not.
func TestJoinLeftDeletes(t *testing.T) {
	var out collected
	j := &Join{Kind: RegularJoin, Type: InnerJoin, Upsert: true, LeftDeletes: true,
		LeftKeys:  []expr.Expr{&expr.Col{Idx: 1, T: types.TString}},
		RightKeys: []expr.Expr{&expr.Col{Idx: 1, T: types.TString}},
		LeftWidth: 2, RightWidth: 2}
	sink := NewSinkOp("out", out.sink())
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	j.Open(oc)
	sink.Open(oc)
	row := func(k int64, s string, kind RowKind) Rec {
		return Rec{Row: types.Row{types.IntV(k), types.StringV(s)}, Kind: kind}
	}
	j.Right().Process([]Rec{row(7, "x", Insert)})
	j.Left().Process([]Rec{row(1, "x", Insert), row(2, "y", Insert)})
	j.Left().Process([]Rec{row(2, "y", UpdateBefore), row(2, "z", UpdateAfter)})
	j.Left().Process([]Rec{row(2, "z", Delete), row(1, "x", Delete)})
	want := "[+I[1, x, 7, x] -D[2, z, NULL, NULL] -D[1, x, 7, x]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

// TestSemiAntiJoinFollowMatches: a semi join emits a left row when its
// first match arrives and retracts it when the last goes; an anti join
// does the opposite. Left rows come out alone.
func TestSemiAntiJoinFollowMatches(t *testing.T) {
	for _, tc := range []struct {
		typ  JoinType
		want string
	}{
		{SemiJoin, "[+I[1, a] +I[2, b] -D[1, a] -D[2, b]]"},
		{AntiJoin, "[+I[1, a] -D[1, a] +I[3, c] +I[1, a] -D[1, a] -D[3, c]]"},
	} {
		var out collected
		j := &Join{Kind: RegularJoin, Type: tc.typ,
			LeftKeys:  []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
			RightKeys: []expr.Expr{&expr.Col{Idx: 0, T: types.TInt}},
			LeftWidth: 2, RightWidth: 2}
		sink := NewSinkOp("out", out.sink())
		j.SetNext(sink)
		oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
		j.Open(oc)
		sink.Open(oc)
		row := func(k int64, s string) Rec { return Rec{Row: types.Row{types.IntV(k), types.StringV(s)}} }
		del := func(r Rec) Rec { r.Kind = Delete; return r }
		j.Left().Process([]Rec{row(1, "a")})
		j.Right().Process([]Rec{row(1, "x"), row(1, "y"), row(2, "z")})
		j.Left().Process([]Rec{row(2, "b"), row(3, "c")})
		j.Right().Process([]Rec{del(row(1, "x"))})
		j.Right().Process([]Rec{del(row(1, "y"))})
		j.Left().Process([]Rec{del(row(1, "a")), del(row(2, "b")), del(row(3, "c"))})
		if got := fmt.Sprint(out.rows); got != tc.want {
			t.Errorf("%s: got  %s\nwant %s", tc.typ, got, tc.want)
		}
	}
}
