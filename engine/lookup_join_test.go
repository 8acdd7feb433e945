package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// memTable is a LookupSource over rows kept in memory; it counts lookups.
type memTable struct {
	rows  []types.Row
	keys  []int
	calls int
	asked int
}

func (m *memTable) OpenLookup(_ context.Context, keys []int) error { m.keys = keys; return nil }
func (m *memTable) Lookup(_ context.Context, keys []types.Row) ([][]types.Row, error) {
	m.calls++
	m.asked += len(keys)
	out := make([][]types.Row, len(keys))
	for i, k := range keys {
		for _, r := range m.rows {
			if types.Compare(r[m.keys[0]], k[0]) == 0 {
				out[i] = append(out[i], copyRow(r))
			}
		}
	}
	return out, nil
}

func newLookup(t *testing.T, dim *memTable, left bool, cache LookupCache, now *time.Time) (*LookupTableJoin, *collected) {
	t.Helper()
	out := &collected{}
	j := &LookupTableJoin{Name: "customers", NewSource: func() (LookupSource, error) { return dim, nil }, Left: left,
		Keys: []int{0}, LeftKeys: []expr.Expr{&expr.Col{Idx: 1, T: types.TInt}},
		LeftWidth: 2, RightWidth: 2, Options: LookupOptions{Cache: cache}, now: func() time.Time { return *now }}
	sink := NewSinkOp("out", out.sink())
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	if err := j.Open(oc); err != nil {
		t.Fatal(err)
	}
	sink.Open(oc)
	return j, out
}

func orderRow(id, customer int64) Rec {
	return Rec{Row: types.Row{types.IntV(id), types.IntV(customer)}}
}

// TestLookupJoinSeesTheTableNow: each order joins the customer row as it
// is when the order arrives; a customer that changes or arrives later does
// not re-emit earlier orders; a LEFT join pads a miss and a NULL key.
func TestLookupJoinSeesTheTableNow(t *testing.T) {
	now := time.Unix(0, 0)
	dim := &memTable{rows: []types.Row{{types.IntV(1), types.StringV("ann")}}}
	j, out := newLookup(t, dim, true, LookupCache{}, &now)
	if err := j.Process([]Rec{orderRow(10, 1), orderRow(11, 2), orderRow(12, 1)}); err != nil {
		t.Fatal(err)
	}
	dim.rows = []types.Row{{types.IntV(1), types.StringV("ANN")}, {types.IntV(2), types.StringV("bob")}}
	if err := j.Process([]Rec{orderRow(13, 2), {Row: types.Row{types.IntV(14), {}}}}); err != nil {
		t.Fatal(err)
	}
	want := "[+I[10, 1, 1, ann] +I[11, 2, NULL, NULL] +I[12, 1, 1, ann] +I[13, 2, 2, bob] +I[14, NULL, NULL, NULL]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// One lookup call per batch, one key each time it is asked for.
	if dim.calls != 2 || dim.asked != 3 {
		t.Errorf("%d lookup calls for %d keys, want 2 for 3", dim.calls, dim.asked)
	}
}

// TestLookupJoinPartialCache: with 'lookup.cache' = 'PARTIAL' a key is
// looked up once until its entry expires; missing keys are cached too
// unless told otherwise; max-rows evicts the least recently used key.
func TestLookupJoinPartialCache(t *testing.T) {
	now := time.Unix(0, 0)
	dim := &memTable{rows: []types.Row{{types.IntV(1), types.StringV("ann")}}}
	j, out := newLookup(t, dim, false, LookupCache{Partial: true, ExpireAfterWrite: time.Minute, CacheMissingKey: true}, &now)
	j.Process([]Rec{orderRow(10, 1), orderRow(11, 9)})
	dim.rows = []types.Row{{types.IntV(1), types.StringV("ANN")}, {types.IntV(9), types.StringV("zed")}}
	now = now.Add(30 * time.Second)
	j.Process([]Rec{orderRow(12, 1), orderRow(13, 9)}) // both cached
	now = now.Add(31 * time.Second)
	j.Process([]Rec{orderRow(14, 1), orderRow(15, 9)}) // expired
	want := "[+I[10, 1, 1, ann] +I[12, 1, 1, ann] +I[14, 1, 1, ANN] +I[15, 9, 9, zed]]"
	if got := fmt.Sprint(out.rows); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if dim.calls != 2 {
		t.Errorf("%d lookup calls, want 2", dim.calls)
	}

	dim2 := &memTable{rows: []types.Row{{types.IntV(1), types.StringV("a")}, {types.IntV(2), types.StringV("b")}}}
	j2, _ := newLookup(t, dim2, false, LookupCache{Partial: true, MaxRows: 1}, &now)
	for _, c := range []int64{1, 1, 2, 1, 9, 9} {
		j2.Process([]Rec{orderRow(0, c)})
	}
	// 1 (miss), 1 (hit), 2 (miss, evicts 1), 1 (miss), 9 (miss, not cached), 9 (miss)
	if dim2.asked != 5 {
		t.Errorf("%d keys looked up, want 5", dim2.asked)
	}
}

func TestParseLookupOptions(t *testing.T) {
	o, err := ParseLookupOptions(map[string]string{"lookup.cache": "partial", "lookup.partial-cache.max-rows": "100",
		"lookup.partial-cache.expire-after-write": "10 min", "lookup.partial-cache.cache-missing-key": "false", "lookup.max-retries": "1"})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Cache.Partial || o.Cache.MaxRows != 100 || o.Cache.ExpireAfterWrite != 10*time.Minute || o.Cache.CacheMissingKey || o.MaxRetries != 1 {
		t.Errorf("got %+v", o)
	}
	for _, bad := range []map[string]string{
		{"lookup.cache": "PARTIAL"},
		{"lookup.cache": "SOMETIMES"},
		{"lookup.partial-cache.max-rows": "10"},
		{"lookup.cache": "PARTIAL", "lookup.partial-cache.max-rows": "many"},
	} {
		if _, err := ParseLookupOptions(bad); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}

// BenchmarkLookupJoinCached: batches of 100 probes over 1,000 keys through
// a partial cache that holds them all.
func BenchmarkLookupJoinCached(b *testing.B) {
	now := time.Unix(0, 0)
	dim := &memTable{}
	for i := 0; i < 1000; i++ {
		dim.rows = append(dim.rows, types.Row{types.IntV(int64(i)), types.StringV("x")})
	}
	j := &LookupTableJoin{Name: "d", NewSource: func() (LookupSource, error) { return dim, nil },
		Keys: []int{0}, LeftKeys: []expr.Expr{&expr.Col{Idx: 1, T: types.TInt}}, LeftWidth: 2, RightWidth: 2,
		Options: LookupOptions{Cache: LookupCache{Partial: true, MaxRows: 2000}}, now: func() time.Time { return now }}
	sink := NewSinkOp("out", &CollectSink{Fn: func(context.Context, []Rec) error { return nil }})
	j.SetNext(sink)
	oc := &OpContext{Ctx: context.Background(), Metrics: &Metrics{}}
	j.Open(oc)
	sink.Open(oc)
	batch := make([]Rec, 100)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for k := range batch {
			batch[k] = orderRow(int64(k), int64((i*100+k)%1000))
		}
		j.Process(batch)
	}
}
