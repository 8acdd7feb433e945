package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// countState is the number of entries of a keyed state.
func countState[V any](st keyedState[V]) int {
	n := 0
	st.each(func([]byte, V) bool { n++; return true })
	return n
}

// diskBackend opens a disk backend in a temporary directory whose stores
// write out after more than cacheEntries entries.
func diskBackend(t *testing.T, cacheEntries int) *stateBackend {
	t.Helper()
	spec := &JobSpec{State: StateConfig{Backend: DiskState, Dir: filepath.Join(t.TempDir(), "work"), CacheEntries: cacheEntries,
		MemTableSize: 1 << 20, BlockCacheSize: 1 << 20}}
	sb, err := newStateBackend(spec, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sb.close)
	return sb
}

var intCodec = stateCodec[*int64]{
	enc: func(e *types.Enc, v *int64) { e.Int(*v) },
	dec: func(d *types.Dec) *int64 { v := d.Int(); return &v },
}

// dump renders a keyed state of counters, sorted.
func dump(st keyedState[*int64]) string {
	var out []string
	st.each(func(k []byte, v *int64) bool {
		out = append(out, fmt.Sprintf("%s=%d", k, *v))
		return true
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestKeyedStateBackends: the memory and disk backends hold the same
// entries through puts, deletes, write-outs and a scan that deletes, and
// their canonical snapshots restore into either backend.
func TestKeyedStateBackends(t *testing.T) {
	sb := diskBackend(t, 3)
	mem := newKeyedState(&OpContext{}, intCodec)
	disk := newKeyedState(&OpContext{state: sb}, intCodec)
	rng := rand.New(rand.NewSource(1))
	for step := 0; step < 2000; step++ {
		key := []byte(fmt.Sprintf("k%02d", rng.Intn(40)))
		drop := rng.Intn(5) == 0
		for _, st := range []keyedState[*int64]{mem, disk} {
			switch v, ok := st.get(key); {
			case drop && ok:
				st.del(key)
			case ok:
				*v += int64(step)
				st.put(key, v)
			default:
				n := int64(step)
				st.put(key, &n)
			}
			if err := st.commit(); err != nil {
				t.Fatal(err)
			}
		}
		if step%250 == 0 {
			if m, d := dump(mem), dump(disk); m != d {
				t.Fatalf("step %d:\nmemory %s\ndisk   %s", step, m, d)
			}
		}
	}
	want := dump(mem)
	if want == "" {
		t.Fatal("no entries")
	}
	// A scan may delete what it visits.
	for _, st := range []keyedState[*int64]{mem, disk} {
		st.each(func(k []byte, v *int64) bool {
			if *v%2 == 0 {
				st.del(k)
			}
			return true
		})
		st.commit()
	}
	if m, d := dump(mem), dump(disk); m != d || m == "" {
		t.Fatalf("after deleting even values:\nmemory %s\ndisk   %s", m, d)
	}
	disk.each(func(k []byte, v *int64) bool {
		if *v%2 == 0 {
			t.Errorf("%s=%d survived the scan", k, *v)
		}
		return true
	})
	want = dump(mem)

	// Canonical snapshots (the memory backend's, the disk backend's for a
	// savepoint) restore into both backends.
	sb.canonical = true
	for _, from := range []keyedState[*int64]{mem, disk} {
		e := &types.Enc{}
		if err := from.snapshot(e); err != nil {
			t.Fatal(err)
		}
		for _, to := range []keyedState[*int64]{newKeyedState(&OpContext{}, intCodec), newKeyedState(&OpContext{state: diskBackend(t, 2)}, intCodec)} {
			if err := to.restore(&types.Dec{B: e.B}); err != nil {
				t.Fatal(err)
			}
			if got := dump(to); got != want {
				t.Fatalf("restored %T into %T:\ngot  %s\nwant %s", from, to, got, want)
			}
		}
	}
	// A checkpoint's marker is refused by the memory backend.
	sb.canonical = false
	e := &types.Enc{}
	disk.snapshot(e)
	if err := newKeyedState(&OpContext{}, intCodec).restore(&types.Dec{B: e.B}); err == nil || !strings.Contains(err.Error(), "rocksdb") {
		t.Fatalf("memory backend restoring a disk checkpoint: %v", err)
	}
}

// TestKeyGroups: key groups are a fixed function of the key (checkpoints
// and a later repartitioning depend on it), spread keys over the groups,
// and come first in the disk backend's keys, so that each key group of a
// store is one range.
func TestKeyGroups(t *testing.T) {
	for key, want := range map[string]int{"": 69, "a": 44, "auction-1000": 28} {
		if g := KeyGroup([]byte(key), 128); g != want {
			t.Errorf("KeyGroup(%q, 128) = %d, want %d", key, g, want)
		}
	}
	seen := map[int]bool{}
	for i := 0; i < 10000; i++ {
		seen[KeyGroup([]byte(fmt.Sprint(i)), 128)] = true
	}
	if len(seen) != 128 {
		t.Errorf("10,000 keys fell in %d of 128 key groups", len(seen))
	}
	sb := diskBackend(t, 1)
	sb.cfg.MaxParallelism = 16
	st := newKeyedState(&OpContext{state: sb}, intCodec)
	for i := 0; i < 100; i++ {
		n := int64(i)
		st.put([]byte(fmt.Sprint(i)), &n)
	}
	if err := st.(*diskState[*int64]).writeOut(true); err != nil {
		t.Fatal(err)
	}
	it, err := sb.db.NewIter(&pebble.IterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n, last := 0, -1
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		g := int(k[0])<<8 | int(k[1])
		if want := KeyGroup(k[4:], 16); g != want {
			t.Fatalf("key %q stored in key group %d, want %d", k[4:], g, want)
		}
		if g < last {
			t.Fatalf("key groups out of order: %d after %d", g, last)
		}
		last = g
		n++
	}
	if n != 100 {
		t.Fatalf("%d keys in the LSM, want 100", n)
	}
}

// TestOperatorsOnDiskState runs the operator tests of group aggregates,
// deduplication, Top-N and regular joins (state, TTL expiry, snapshots)
// again with their state in the disk backend, whose cache holds two
// entries, so that nearly every access goes through the LSM. Their
// snapshots are canonical, as savepoints are.
func TestOperatorsOnDiskState(t *testing.T) {
	for name, test := range map[string]func(*testing.T){
		"GroupAggBehaviours":        TestGroupAggBehaviours,
		"GroupAggStateTTL":          TestGroupAggStateTTL,
		"DeduplicateStateTTL":       TestDeduplicateStateTTL,
		"RankStateTTL":              TestRankStateTTL,
		"JoinStateTTL":              TestJoinStateTTL,
		"RegularLeftJoinRetracts":   TestRegularLeftJoinRetracts,
		"RegularJoinUpsert":         TestRegularJoinUpsert,
		"SemiAntiJoinFollowMatches": TestSemiAntiJoinFollowMatches,
		"RankMatchesRecomputation":  TestRankMatchesRecomputation,
		"Deduplicate":               TestDeduplicate,
	} {
		t.Run(name, func(t *testing.T) {
			testStateBackend = diskBackend(t, 2)
			// The tests move state between operators by hand through
			// Snapshot and Restore, as a savepoint does.
			testStateBackend.canonical = true
			defer func() { testStateBackend = nil }()
			test(t)
		})
	}
}

// countingSource emits rows (key k<i mod keys>, i) for positions up to a
// limit the test raises; it resumes from the position it is opened at.
type countingSource struct {
	keys  int64
	limit atomic.Int64
	pos   int64
}

func (s *countingSource) Open(_ context.Context, start map[int32]int64) error {
	s.pos = start[0]
	return nil
}
func (s *countingSource) Splits() []int32 { return []int32{0} }
func (s *countingSource) Close() error    { return nil }
func (s *countingSource) Poll(ctx context.Context) ([]SplitBatch, error) {
	for s.pos >= s.limit.Load() {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	end := min(s.limit.Load(), s.pos+100)
	var recs []Rec
	for i := s.pos; i < end; i++ {
		recs = append(recs, Rec{Row: types.Row{types.StringV(fmt.Sprintf("k%d", i%s.keys)), types.BigIntV(i)}})
	}
	s.pos = end
	return []SplitBatch{{Split: 0, Recs: recs, Next: end}}, nil
}

// aggJob is countingSource -> GROUP BY key COUNT(*), SUM(v) -> out, with
// its state in the disk backend and checkpoints in dir (taken by hand).
func aggJob(t *testing.T, dir string, src *countingSource, out *collected) *JobSpec {
	t.Helper()
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	sum, _ := agg.New("SUM", []types.Type{types.TBigInt}, false, agg.Semantics{})
	g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{{Func: cnt, Arg: -1}, {Func: sum, Arg: 1}}, Upsert: true}
	sink := NewSinkOp("out", out.sink())
	g.SetNext(sink)
	return &JobSpec{ID: "state", Inputs: []*Input{{Name: "in", Source: src, Head: g}}, Ops: []Op{g, sink},
		CheckpointDir: dir, State: StateConfig{Backend: DiskState, MemTableSize: 1 << 20}}
}

// latest is each key's last upserted row.
func latest(out *collected) map[string]string {
	out.mu.Lock()
	defer out.mu.Unlock()
	m := map[string]string{}
	for _, r := range out.rows {
		k := r[strings.Index(r, "[")+1 : strings.Index(r, ",")]
		m[k] = r[strings.Index(r, "["):]
	}
	return m
}

func waitIn(t *testing.T, job *Job, n int64) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d records in", n), func() bool { return job.Metrics.RecordsIn.Load() >= n })
	if err := job.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestDiskStateIncrementalCheckpoint: with the disk backend a checkpoint
// adds only the LSM files written since the last one, and a job started
// over the checkpoint directory as a crash left it (a later checkpoint's
// half-written files, a working directory) resumes from the last complete
// checkpoint with its state.
func TestDiskStateIncrementalCheckpoint(t *testing.T) {
	dir := t.TempDir()
	const keys = 300
	src := &countingSource{keys: keys}
	var out collected
	job, err := StartJob(context.Background(), aggJob(t, dir, src, &out))
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	src.limit.Store(30000)
	waitIn(t, job, 30000)
	if err := job.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	shared := func() map[string]int64 {
		m := map[string]int64{}
		entries, _ := os.ReadDir(filepath.Join(dir, stateRootDir, stateSharedDir))
		for _, e := range entries {
			info, _ := e.Info()
			m[e.Name()] = info.Size()
		}
		return m
	}
	first := shared()
	var firstBytes int64
	for _, n := range first {
		firstBytes += n
	}
	if len(first) == 0 {
		t.Fatal("the first checkpoint has no LSM files")
	}
	// A few more rows: the second checkpoint adds one small file.
	src.limit.Store(30010)
	waitIn(t, job, 30010)
	if err := job.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := shared()
	var added []string
	for f := range second {
		if _, ok := first[f]; !ok {
			added = append(added, f)
		}
	}
	for f := range first {
		if _, ok := second[f]; !ok {
			t.Errorf("file %s of the first checkpoint is no longer kept (no compaction expected)", f)
		}
	}
	newBytes := job.state.newBytes
	if len(added) == 0 || newBytes == 0 || newBytes*4 > firstBytes {
		t.Fatalf("second checkpoint added %v (%d bytes) to %d bytes: not incremental", added, newBytes, firstBytes)
	}
	t.Logf("checkpoint 1: %d files, %d bytes; checkpoint 2 added %d file(s), %d bytes", len(first), firstBytes, len(added), newBytes)

	// A crash now: copy the directory as it is (the job keeps running
	// and processes more, which the copy never sees).
	crashed := t.TempDir()
	if err := copyLive(crashed, dir); err != nil {
		t.Fatal(err)
	}
	// The leftovers of a checkpoint that never completed.
	os.WriteFile(filepath.Join(crashed, stateRootDir, stateSharedDir, "999999.sst"), []byte("garbage"), 0o644)
	os.MkdirAll(filepath.Join(crashed, stateRootDir, chkDirName(3)+".tmp"), 0o755)
	job.Stop()
	<-job.Done()

	src2 := &countingSource{keys: keys}
	var out2 collected
	job2, err := StartJob(context.Background(), aggJob(t, crashed, src2, &out2))
	if err != nil {
		t.Fatal(err)
	}
	defer job2.Stop()
	if src2.pos != 30010 {
		t.Fatalf("restored job resumed at %d, want 30010", src2.pos)
	}
	src2.limit.Store(30600)
	waitIn(t, job2, 600-10)
	got := latest(&out2)
	if len(got) != keys {
		t.Fatalf("%d keys updated after the restore, want %d", len(got), keys)
	}
	for k := int64(0); k < keys; k++ {
		var n, sum int64
		for i := k; i < 30600; i += keys {
			n, sum = n+1, sum+i
		}
		if want := fmt.Sprintf("[k%d, %d, %d]", k, n, sum); got[fmt.Sprintf("k%d", k)] != want {
			t.Fatalf("key k%d after the restore: %s, want %s", k, got[fmt.Sprintf("k%d", k)], want)
		}
	}
	if _, err := os.Stat(filepath.Join(crashed, stateRootDir, stateSharedDir, "999999.sst")); err == nil {
		t.Error("a file no checkpoint names was kept")
	}
}

// TestGroupAggDistinctOnDisk: with the disk backend, DISTINCT aggregates
// keep their values as map state; on a random stream of inserts and
// retractions, with groups that expire (state TTL) and come back, they
// emit exactly what the memory backend's accumulators do.
func TestGroupAggDistinctOnDisk(t *testing.T) {
	clock := &virtualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	mk := func(sb *stateBackend) (*GroupAgg, *recorder) {
		cntD, _ := agg.New("COUNT", []types.Type{types.TBigInt}, true, agg.Semantics{})
		sumD, _ := agg.New("SUM", []types.Type{types.TBigInt}, true, agg.Semantics{})
		cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
		g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{{Func: cntD, Arg: 1}, {Func: sumD, Arg: 1}, {Func: cnt, Arg: -1}}, TTL: 10 * time.Second}
		out := &recorder{}
		g.SetNext(out)
		if err := g.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}, Now: clock.Now, state: sb}); err != nil {
			t.Fatal(err)
		}
		return g, out
	}
	mem, memOut := mk(nil)
	disk, diskOut := mk(diskBackend(t, 2))
	if disk.distinct == nil {
		t.Fatal("the disk backend keeps no map state for DISTINCT")
	}
	rng := rand.New(rand.NewSource(3))
	var live []types.Row
	for step := 0; step < 3000; step++ {
		var rec Rec
		if len(live) > 0 && rng.Intn(3) == 0 {
			i := rng.Intn(len(live))
			rec = del(live[i])
			live = append(live[:i], live[i+1:]...)
		} else {
			row := types.Row{types.StringV(fmt.Sprint("k", rng.Intn(5))), types.BigIntV(int64(rng.Intn(8)))}
			rec = ins(row)
			live = append(live, row)
		}
		if step%500 == 499 {
			clock.advance(11 * time.Second) // every group expires
			live = nil
		}
		for _, g := range []*GroupAgg{mem, disk} {
			if err := g.Process([]Rec{rec}); err != nil {
				t.Fatal(err)
			}
		}
		if m, d := memOut.take(), diskOut.take(); m != d {
			t.Fatalf("step %d (%s %v):\nmemory %s\ndisk   %s", step, rec.Kind, rec.Row, m, d)
		}
	}
}

// TestGroupAggDistinctShared: on disk, DISTINCT aggregates over one
// column (with and without FILTER) share one map-state entry per value;
// through inserts and retractions they answer as the memory backend's,
// and so do aggregates restored from a savepoint of theirs and from one
// written before the sharing (an entry per aggregate).
func TestGroupAggDistinctShared(t *testing.T) {
	mk := func(sb *stateBackend) (*GroupAgg, *recorder) {
		fn := func(name string, distinct bool) *agg.Func {
			var args []types.Type
			if name != "COUNT" || distinct {
				args = []types.Type{types.TBigInt}
			}
			f, err := agg.New(name, args, distinct, agg.Semantics{})
			if err != nil {
				t.Fatal(err)
			}
			return f
		}
		g := &GroupAgg{Keys: []int{0}, Aggs: []AggCall{
			{Func: fn("COUNT", true), Arg: 1},
			{Func: fn("COUNT", true), Arg: 1, HasFilter: true, Filter: 2},
			{Func: fn("COUNT", false), Arg: -1},
			{Func: fn("SUM", true), Arg: 4, HasFilter: true, Filter: 3},
			{Func: fn("COUNT", true), Arg: 1, HasFilter: true, Filter: 3},
			{Func: fn("COUNT", true), Arg: 4},
		}}
		out := &recorder{}
		g.SetNext(out)
		if err := g.Open(&OpContext{Ctx: context.Background(), Metrics: &Metrics{}, state: sb}); err != nil {
			t.Fatal(err)
		}
		return g, out
	}
	mem, memOut := mk(nil)
	sbA := diskBackend(t, 5)
	disk, diskOut := mk(sbA)
	if len(disk.dArgs) != 2 || fmt.Sprint(disk.dArgs[0].aggs, disk.dArgs[1].aggs) != "[0 1 4] [3 5]" {
		t.Fatalf("DISTINCT aggregates by column: %+v", disk.dArgs)
	}
	rng := rand.New(rand.NewSource(7))
	var live []types.Row
	step := func(aggs []*GroupAgg, outs []*recorder, n int) {
		t.Helper()
		for ; n > 0; n-- {
			var rec Rec
			if len(live) > 0 && rng.Intn(3) == 0 {
				i := rng.Intn(len(live))
				rec = del(live[i])
				live = append(live[:i], live[i+1:]...)
			} else {
				x := rng.Intn(12)
				row := types.Row{types.StringV(fmt.Sprint("k", rng.Intn(4))), types.BigIntV(int64(x)),
					types.BoolV(rng.Intn(2) == 0), types.BoolV(x%3 != 0), types.BigIntV(int64(rng.Intn(6)))}
				if rng.Intn(10) == 0 {
					row[1] = types.Value{} // NULL
				}
				rec = ins(row)
				live = append(live, row)
			}
			for _, g := range aggs {
				if err := g.Process([]Rec{rec}); err != nil {
					t.Fatal(err)
				}
			}
			want := outs[0].take()
			for i, o := range outs[1:] {
				if got := o.take(); got != want {
					t.Fatalf("%s %v: aggregate %d\ngot  %s\nwant %s", rec.Kind, rec.Row, i+1, got, want)
				}
			}
		}
	}
	step([]*GroupAgg{mem, disk}, []*recorder{memOut, diskOut}, 1500)

	// A savepoint of the shared layout, and one as written before it.
	sbA.canonical = true
	shared := &types.Enc{}
	if err := disk.Snapshot(shared); err != nil {
		t.Fatal(err)
	}
	old := &types.Enc{}
	if err := disk.st.snapshot(old); err != nil {
		t.Fatal(err)
	}
	scratch := diskBackend(t, 1000)
	scratch.canonical = true
	perAgg := newDiskState(scratch, distinctCodec)
	perAgg.scope = distinctScope
	entries := 0
	disk.distinct.each(func(key []byte, ns []int64) bool {
		n, w := binary.Uvarint(key)
		first, w2 := binary.Uvarint(key[w+int(n):])
		for _, da := range disk.dArgs {
			if uint64(da.aggs[0]) != first {
				continue
			}
			for j, c := range ns {
				if c > 0 {
					k := binary.AppendUvarint(append([]byte(nil), key[:w+int(n)]...), uint64(da.aggs[j]))
					perAgg.put(append(k, key[w+int(n)+w2:]...), []int64{c})
					entries++
				}
			}
		}
		return true
	})
	if entries == 0 {
		t.Fatal("no DISTINCT entries")
	}
	if err := perAgg.snapshot(old); err != nil {
		t.Fatal(err)
	}
	fromShared, sharedOut := mk(diskBackend(t, 5))
	fromOld, oldOut := mk(diskBackend(t, 5))
	for _, r := range []struct {
		g    *GroupAgg
		blob []byte
	}{{fromShared, shared.B}, {fromOld, old.B}} {
		if err := r.g.Restore(&types.Dec{B: r.blob}); err != nil {
			t.Fatal(len(r.blob), err)
		}
	}
	step([]*GroupAgg{mem, disk, fromShared, fromOld}, []*recorder{memOut, diskOut, sharedOut, oldOut}, 1500)
}

// TestDiskJoinListAppends: a join input's rows of one key, added one at a
// time on the disk backend, are appended to the LSM (merges) between
// write-outs and read back whole, in order, after the cache is dropped;
// a removal rewrites the list; the cache stays under its byte budget.
func TestDiskJoinListAppends(t *testing.T) {
	sb := diskBackend(t, 1000)
	sb.cfg.CacheBytes = 4 << 10
	st := newDiskState(sb, joinCodec)
	row := func(i int) types.Row { return types.Row{types.BigIntV(int64(i)), types.StringV("x")} }
	for i := 0; i < 300; i++ {
		key := []byte{byte('a' + i%3)}
		if i%7 == 0 {
			st.get(key) // some lists are read before they grow, others not
		}
		st.add(key, []*joinEntry{{row: row(i), ts: int64(i)}})
		if err := st.commit(); err != nil {
			t.Fatal(err)
		}
		if st.bytes > 2*st.maxBytes {
			t.Fatalf("after %d rows the cache holds %d bytes (budget %d)", i+1, st.bytes, st.maxBytes)
		}
	}
	check := func(want map[byte][]int) {
		t.Helper()
		if err := st.writeOut(true); err != nil {
			t.Fatal(err)
		}
		for k, ids := range want {
			list, _ := st.get([]byte{k})
			var got []int
			for _, e := range list {
				got = append(got, int(e.row[0].I))
				if int64(e.row[0].I) != e.ts || e.row[1].S != "x" {
					t.Fatalf("key %c: entry %v ts %d", k, e.row, e.ts)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(ids) {
				t.Fatalf("key %c: got %v, want %v", k, got, ids)
			}
		}
	}
	want := map[byte][]int{}
	for i := 0; i < 300; i++ {
		want[byte('a'+i%3)] = append(want[byte('a'+i%3)], i)
	}
	check(want)
	// A removal rewrites the list; later additions append to it.
	list, _ := st.get([]byte("b"))
	removeEntry(st, []byte("b"), list, 0)
	st.add([]byte("b"), []*joinEntry{{row: row(1000), ts: 1000}})
	want['b'] = append(want['b'][1:], 1000)
	check(want)
	// Added to without being read, then read before a write-out.
	st.add([]byte("c"), []*joinEntry{{row: row(1001), ts: 1001}})
	list, _ = st.get([]byte("c"))
	if n := len(list); n != len(want['c'])+1 || list[n-1].row[0].I != 1001 {
		t.Fatalf("key c after an unread add: %d rows", n)
	}
	st.add([]byte("c"), []*joinEntry{{row: row(1002), ts: 1002}})
	want['c'] = append(want['c'], 1001, 1002)
	check(want)
	// A store never written answers without the LSM.
	empty := newDiskState(sb, joinCodec)
	if _, ok := empty.get([]byte("a")); ok || len(empty.cache) != 0 {
		t.Fatal("an empty store found a key")
	}
	if sb.db == nil {
		t.Fatal("no LSM")
	}
}

// copyLive copies the directory of a running job as a crash would leave
// it: a file the job deletes while the copy walks (the LSM's work files
// compact away) is simply not in the copy.
func copyLive(dst, src string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
}

// TestDiskStateBlockCache: lookups of the same keys in the LSM's files are
// answered from Pebble's block cache once the write buffers have grown to
// their full size (larger than the block cache, as by default: 2 × 64 MiB
// against 8 MiB). Pebble charges its memtables to the block cache, so a
// cache sized for the blocks alone held none and every lookup read and
// checksummed its filter, index and data blocks from the file.
func TestDiskStateBlockCache(t *testing.T) {
	spec := &JobSpec{State: StateConfig{Backend: DiskState, Dir: filepath.Join(t.TempDir(), "work"),
		CacheEntries: 1000, MemTableSize: 1 << 20, BlockCacheSize: 256 << 10}}
	sb, err := newStateBackend(spec, slog.New(slog.NewTextHandler(os.Stderr, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer sb.close()
	st := newDiskState(sb, intCodec)
	key := func(i int) []byte { return fmt.Appendf(nil, "key-%08d", i) }
	// About 8 MiB of writes: the memtables grow (256 KiB, doubling) to
	// their 1 MiB and rotate several times.
	const n = 200_000
	for i := 0; i < n; i++ {
		v := int64(i)
		st.put(key(i), &v)
		if err := st.commit(); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.writeOut(true); err != nil {
		t.Fatal(err)
	}
	if err := sb.db.Flush(); err != nil {
		t.Fatal(err)
	}
	before := sb.db.Metrics().BlockCache
	for round := 0; round < 3; round++ {
		for i := 0; i < n; i += n / 500 {
			v, ok := st.get(key(i))
			if !ok || *v != int64(i) {
				t.Fatalf("key %d: %v %v", i, ok, v)
			}
		}
		st.dropCache() // the next round asks the LSM again
	}
	m := sb.db.Metrics()
	hits, misses := m.BlockCache.Hits-before.Hits, m.BlockCache.Misses-before.Misses
	t.Logf("block cache: %d entries, %d bytes, %d hits, %d misses; memtables %d bytes", m.BlockCache.Count, m.BlockCache.Size, hits, misses, m.MemTable.Size)
	if m.BlockCache.Count == 0 || hits <= misses {
		t.Fatalf("the block cache holds %d blocks (%d bytes) and answered %d of %d block reads: repeated lookups are not cached",
			m.BlockCache.Count, m.BlockCache.Size, hits, hits+misses)
	}
	if max := spec.State.BlockCacheSize + spec.State.MemTableSize*2; m.BlockCache.Size > max {
		t.Fatalf("the block cache holds %d bytes, more than the %d of blocks and write buffers together", m.BlockCache.Size, max)
	}
}
