package engine

import (
	"testing"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// TestGroupAggBehaviours runs the same rows through the group
// aggregate's named behaviours: when it emits and what it does with NULL
// keys.
func TestGroupAggBehaviours(t *testing.T) {
	cnt, err := agg.New("COUNT", nil, false, agg.Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	row := func(k types.Value, ts int64) Rec { return Rec{Row: types.Row{k, types.IntV(1)}, Kind: Insert, Ts: ts} }
	in := []Rec{row(types.StringV("a"), 5), row(types.NullValue, 6), row(types.StringV("a"), 3)}
	cases := []struct {
		emit GroupEmit
		keys NullKeys
		want string
	}{
		{EmitOnChange, NullKeysGroup, "+I(a,1) +I(NULL,1) -U(a,1) +U(a,2)"},
		{EmitOnChange, NullKeysDrop, "+I(a,1) -U(a,1) +U(a,2)"},
		{EmitPerRow, NullKeysDrop, "+I(a,1) +U(a,2)"},
		{EmitPerRow, NullKeysGroup, "+I(a,1) +I(NULL,1) +U(a,2)"},
	}
	for _, c := range cases {
		g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{{Func: cnt, Arg: -1}}, Emit: c.emit, NullKeys: c.keys}
		rec := &recorder{}
		open(t, g, rec)
		if err := g.Process(append([]Rec(nil), in...)); err != nil {
			t.Fatal(err)
		}
		if got := rec.take(); got != c.want {
			t.Errorf("emit %d, null keys %d: got %s, want %s", c.emit, c.keys, got, c.want)
		}
	}
	// EmitPerRow: a new value after every row, equal or not, at the
	// group's largest time so far.
	g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{{Func: cnt, Arg: -1}}, Emit: EmitPerRow}
	var ts []int64
	next := &tsRecorder{ts: &ts}
	open(t, g, next)
	if err := g.Process([]Rec{row(types.StringV("a"), 5), {Row: types.Row{types.StringV("a"), types.IntV(1)}, Kind: Delete, Ts: 3}, row(types.StringV("a"), 4)}); err != nil {
		t.Fatal(err)
	}
	if len(ts) != 3 || ts[0] != 5 || ts[1] != 5 || ts[2] != 5 {
		t.Errorf("EmitPerRow output times %v, want [5 5 5]", ts)
	}
}

type tsRecorder struct {
	base
	ts *[]int64
}

func (r *tsRecorder) Process(recs []Rec) error {
	for _, rec := range recs {
		*r.ts = append(*r.ts, rec.Ts)
	}
	return nil
}

// TestGroupAggOverEmpty: a global aggregate of a bounded input emits its
// result over no rows at the end of input (batch mode); a stream's waits
// for its first row, and one that saw rows emits nothing more.
func TestGroupAggOverEmpty(t *testing.T) {
	cnt, err := agg.New("COUNT", nil, false, agg.Semantics{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		overEmpty bool
		in        []Rec
		want      string
	}{
		{true, nil, "+I(0)"},
		{false, nil, ""},
		{true, []Rec{{Row: types.Row{types.IntV(7)}, Kind: Insert}}, "+I(1)"},
	} {
		g := &GroupAgg{Aggs: []AggCall{{Func: cnt, Arg: -1}}, OverEmpty: c.overEmpty}
		rec := &recorder{}
		open(t, g, rec)
		if err := g.Process(c.in); err != nil {
			t.Fatal(err)
		}
		for range 2 { // the end of input comes once; a second is ignored
			if err := g.Watermark(MaxWatermark); err != nil {
				t.Fatal(err)
			}
		}
		if got := rec.take(); got != c.want {
			t.Errorf("OverEmpty %v over %d rows: got %q, want %q", c.overEmpty, len(c.in), got, c.want)
		}
	}
}
