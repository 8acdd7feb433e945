package engine

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// GroupAgg is an unbounded GROUP BY: after every input row it emits the
// change of that row's group. Output rows are keys..., aggregates....
// Emit and NullKeys name its behaviours.
type GroupAgg struct {
	base
	Keys []int
	Aggs []AggCall
	// Emit says when and how a group's result goes out.
	Emit GroupEmit
	// Upsert (with EmitOnChange) emits only the new value (+I, +U) and -D
	// instead of -U old / +U new.
	Upsert bool
	// NullKeys says what becomes of rows whose grouping key has a NULL.
	NullKeys NullKeys
	// DropDeletes ignores Delete records (a ksqlDB stream's tombstones).
	DropDeletes bool
	// TTL drops a group not updated for that long (state TTL, see
	// ttl.go); 0 keeps groups for ever.
	TTL time.Duration
	ttl keyTTL
	// OverEmpty (a global aggregate, no Keys, of a bounded input: Flink's
	// and Spark's batch mode) emits the aggregates over no rows — COUNT
	// 0, SUM NULL — at the end of input when no row came.
	OverEmpty bool
	endDone   bool

	st     keyedState[*group]
	keyBuf []byte
	// With the disk backend, DISTINCT aggregates keep their values as
	// map state, as Flink's do, and the group's accumulator of such an
	// aggregate is the plain one (accAggs). The DISTINCT aggregates over
	// one column share it (Flink's DistinctInfo): one LSM entry per group,
	// column and value, holding each aggregate's count of the value, so
	// that COUNT(DISTINCT x) and its FILTERed variants cost one lookup.
	distinct *diskState[[]int64]
	dArgs    []distinctArg
	accAggs  []AggCall
	dkBuf    []byte
	out      []Rec
	arena    arena
}

var (
	_ Op          = (*GroupAgg)(nil)
	_ Snapshotter = (*GroupAgg)(nil)
)

func (g *GroupAgg) result(gr *group) types.Row {
	row := make(types.Row, len(g.Keys)+len(g.Aggs))
	n := copy(row, gr.key)
	for i, a := range gr.accs {
		row[n+i] = a.Result()
	}
	return row
}

func rowsEqual(a, b types.Row) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].IsNull() != b[i].IsNull() || (!a[i].IsNull() && types.Compare(a[i], b[i]) != 0) || a[i].K != b[i].K {
			return false
		}
	}
	return true
}

// GroupEmit says when a group aggregate emits.
type GroupEmit uint8

const (
	// EmitOnChange emits a group's result when it differs from the last
	// one emitted: +I for a new group, -U old / +U new (or +U alone with
	// Upsert), -D when the group's last row is retracted; the output time
	// is the row's (Flink).
	EmitOnChange GroupEmit = iota
	// EmitPerRow emits the group's result after every input row, equal or
	// not, as an upsert (+I, then +U); a row moving within its group (-U
	// then +U of the same key) updates it once; groups stay when all
	// their rows are retracted; the output time is the largest input time
	// of the group (ksqlDB's table aggregation, as Kafka Streams').
	EmitPerRow
)

// NullKeys says what an aggregate does with rows whose grouping key has
// a NULL.
type NullKeys uint8

const (
	NullKeysGroup NullKeys = iota // NULL is a key like any other (SQL)
	NullKeysDrop                  // the row is dropped (ksqlDB)
)

func (g *GroupAgg) dropKey(row types.Row) bool {
	return g.NullKeys == NullKeysDrop && anyNull(row, g.Keys)
}

func (g *GroupAgg) Process(recs []Rec) error {
	if g.Emit == EmitPerRow {
		return g.processPerRow(recs)
	}
	g.out = g.out[:0]
	for i := range recs {
		r := &recs[i]
		if g.DropDeletes && r.Kind == Delete || g.dropKey(r.Row) {
			continue
		}
		g.keyBuf = appendKeyCols(g.keyBuf[:0], r.Row, g.Keys)
		if g.ttl.expired(g.oc, g.TTL, g.keyBuf) {
			g.removeKey(g.keyBuf) // as if never seen: its next result is +I
		}
		retract := r.Kind.IsRetract()
		gr, known := g.st.get(g.keyBuf)
		if retract && !known {
			continue // retraction of a group we never saw
		}
		if !known {
			gr = newGroup(keyRow(r.Row, g.Keys), g.accAggs)
		}
		g.add(gr, r.Row, retract)
		if gr.rows <= 0 {
			if gr.emitted != nil {
				g.out = append(g.out, Rec{Row: gr.emitted, Kind: Delete, Ts: r.Ts})
			}
			g.st.del(g.keyBuf)
			g.ttl.forget(g.keyBuf)
			continue
		}
		g.ttl.touch(g.oc, g.TTL, g.keyBuf)
		now := g.result(gr)
		if gr.emitted != nil && rowsEqual(gr.emitted, now) {
			g.st.put(g.keyBuf, gr)
			continue
		}
		switch {
		case gr.emitted == nil:
			g.out = append(g.out, Rec{Row: now, Kind: Insert, Ts: r.Ts})
		case g.Upsert:
			g.out = append(g.out, Rec{Row: now, Kind: UpdateAfter, Ts: r.Ts})
		default:
			g.out = append(g.out, Rec{Row: gr.emitted, Kind: UpdateBefore, Ts: r.Ts}, Rec{Row: now, Kind: UpdateAfter, Ts: r.Ts})
		}
		gr.emitted = now
		g.st.put(g.keyBuf, gr)
	}
	if err := g.commit(); err != nil {
		return err
	}
	return g.emit(g.out)
}

// Watermark implements Op: with OverEmpty, the end of input (the final
// watermark) emits the result of an aggregate that saw no row.
func (g *GroupAgg) Watermark(wm int64) error {
	if wm == MaxWatermark && g.OverEmpty && len(g.Keys) == 0 && !g.endDone {
		g.endDone = true
		if _, seen := g.st.get(nil); !seen {
			row := g.result(newGroup(types.Row{}, g.accAggs))
			if err := g.emit([]Rec{{Row: row, Kind: Insert}}); err != nil {
				return err
			}
		}
	}
	return g.forwardWatermark(wm)
}

// processPerRow is EmitPerRow: a table row that moves within one group
// (-U then +U of the same key) updates it once; every change emits the
// group's new value.
func (g *GroupAgg) processPerRow(recs []Rec) error {
	g.out = g.out[:0]
	for i := 0; i < len(recs); i++ {
		r := &recs[i]
		if g.DropDeletes && r.Kind == Delete || g.dropKey(r.Row) {
			continue
		}
		g.keyBuf = appendKeyCols(g.keyBuf[:0], r.Row, g.Keys)
		retract := r.Kind.IsRetract()
		gr, known := g.st.get(g.keyBuf)
		if retract && !known {
			continue
		}
		if !known {
			gr = newGroup(keyRow(r.Row, g.Keys), g.accAggs)
		}
		g.add(gr, r.Row, retract)
		ts := r.Ts
		if r.Kind == UpdateBefore && i+1 < len(recs) && recs[i+1].Kind == UpdateAfter && !g.dropKey(recs[i+1].Row) &&
			string(appendKeyCols(nil, recs[i+1].Row, g.Keys)) == string(g.keyBuf) {
			i++
			g.add(gr, recs[i].Row, false)
			ts = max(ts, recs[i].Ts)
		}
		if ts > gr.maxTs {
			gr.maxTs = ts
		}
		now := g.result(gr)
		kind := UpdateAfter
		if gr.emitted == nil {
			kind = Insert
		}
		g.out = append(g.out, Rec{Row: now, Kind: kind, Ts: gr.maxTs})
		gr.emitted = now
		g.st.put(g.keyBuf, gr)
	}
	if err := g.commit(); err != nil {
		return err
	}
	return g.emit(g.out)
}

// Open implements Op.
func (g *GroupAgg) Open(c *OpContext) error {
	g.oc = c
	g.accAggs = g.Aggs
	g.dArgs = nil
	if sb := onDisk(c); sb != nil {
		for i, a := range g.Aggs {
			if !a.Func.Distinct {
				continue
			}
			if g.distinct == nil {
				g.accAggs = append([]AggCall(nil), g.Aggs...)
				g.distinct = newDiskState(sb, distinctCodec)
				g.distinct.scope = distinctScope
			}
			plain := *a.Func
			plain.Distinct = false
			g.accAggs[i].Func = &plain
			k := 0
			for k < len(g.dArgs) && g.dArgs[k].arg != a.Arg {
				k++
			}
			if k == len(g.dArgs) {
				g.dArgs = append(g.dArgs, distinctArg{arg: a.Arg})
			}
			g.dArgs[k].aggs = append(g.dArgs[k].aggs, i)
		}
	}
	g.st = newKeyedState(c, groupCodec(g.accAggs))
	return nil
}

// distinctArg is the DISTINCT aggregates over one argument column. Their
// map-state key is the group key (length-prefixed), the index of the
// first of them and the value; the entry holds each one's count of the
// value, in the order of aggs (an aggregate whose FILTER was false for
// every row of the value counts 0).
type distinctArg struct {
	arg  int
	aggs []int // indices into Aggs, ascending
}

// distinctCodec encodes the counts of a value of a distinctArg, one per
// aggregate: a single count as itself (positive: an entry is deleted at
// 0), as the entries of one aggregate were before the sharing; several
// as their number, negated, then each count.
var distinctCodec = stateCodec[[]int64]{
	enc: func(e *types.Enc, ns []int64) {
		if len(ns) != 1 {
			e.Int(-int64(len(ns)))
		}
		for _, n := range ns {
			e.Int(n)
		}
	},
	dec: func(d *types.Dec) []int64 {
		n := d.Int()
		if n > 0 {
			return []int64{n}
		}
		if -n > int64(len(d.B)) { // each count takes a byte at least
			d.Err, d.B = types.ErrCorrupt, nil
			return nil
		}
		ns := make([]int64, -n)
		for i := range ns {
			ns[i] = d.Int()
		}
		return ns
	},
}

// add adds (or retracts) row to a group.
func (g *GroupAgg) add(gr *group, row types.Row, retract bool) {
	if g.distinct == nil {
		gr.add(row, g.Aggs, retract)
		return
	}
	for i, a := range g.Aggs {
		if a.Func.Distinct || !g.passes(a, row) {
			continue
		}
		var v types.Value
		if a.Arg >= 0 {
			v = row[a.Arg]
		}
		if retract {
			gr.accs[i].Retract(v)
		} else {
			gr.accs[i].Add(v)
		}
	}
	for _, da := range g.dArgs {
		if da.arg < 0 {
			continue // no argument: no value to count (the planner makes none)
		}
		v := row[da.arg]
		if v.IsNull() {
			continue
		}
		any := false
		for _, i := range da.aggs {
			any = any || g.passes(g.Aggs[i], row)
		}
		if !any {
			continue
		}
		g.dkBuf = distinctKey(g.dkBuf[:0], g.keyBuf, da.aggs[0], v)
		ns, seen := g.distinct.get(g.dkBuf)
		if !seen && retract {
			continue
		}
		for len(ns) < len(da.aggs) {
			ns = append(ns, 0) // an older entry of the first aggregate only
		}
		live := false
		for j, i := range da.aggs {
			if g.passes(g.Aggs[i], row) {
				switch {
				case !retract:
					if ns[j]++; ns[j] == 1 {
						gr.accs[i].Add(v)
					}
				case ns[j] > 0:
					if ns[j]--; ns[j] == 0 {
						gr.accs[i].Retract(v)
					}
				}
			}
			live = live || ns[j] > 0
		}
		if live {
			g.distinct.put(g.dkBuf, ns)
		} else {
			g.distinct.del(g.dkBuf)
		}
	}
	if retract {
		gr.rows--
	} else {
		gr.rows++
	}
}

// passes says whether row is aggregated by a (its FILTER).
func (g *GroupAgg) passes(a AggCall, row types.Row) bool {
	if !a.HasFilter {
		return true
	}
	f := row[a.Filter]
	return f.K == types.Boolean && f.I != 0
}

// distinctKey appends the map-state key of value v of the DISTINCT
// aggregates whose first is aggregate first, in the group of key.
func distinctKey(buf, key []byte, first int, v types.Value) []byte {
	buf = binary.AppendUvarint(buf, uint64(len(key)))
	buf = append(buf, key...)
	buf = binary.AppendUvarint(buf, uint64(first))
	return types.AppendKey(buf, v)
}

func (g *GroupAgg) commit() error {
	if g.distinct != nil {
		if err := g.distinct.commit(); err != nil {
			return err
		}
	}
	return g.st.commit()
}

// distinctScope is the group key of a distinct value's key, which picks
// its key group.
func distinctScope(key []byte) []byte {
	n, w := binary.Uvarint(key)
	if w <= 0 || uint64(len(key)-w) < n {
		return key
	}
	return key[w : w+int(n)]
}

// keyRow is a copy of row's key columns.
func keyRow(row types.Row, keys []int) types.Row {
	k := make(types.Row, len(keys))
	for i, c := range keys {
		k[i] = row[c]
	}
	return k
}

// groupCodec encodes a group aggregate's groups (state and snapshots).
func groupCodec(aggs []AggCall) stateCodec[*group] {
	return stateCodec[*group]{
		enc: func(e *types.Enc, gr *group) {
			e.Row(gr.key)
			e.Int(gr.rows)
			e.Int(gr.maxTs)
			if gr.emitted == nil {
				e.Uint(0)
			} else {
				e.Uint(1)
				e.Row(gr.emitted)
			}
			for _, a := range gr.accs {
				a.Encode(e)
			}
		},
		dec: func(d *types.Dec) *group {
			gr := newGroup(d.Row(), aggs)
			gr.rows = d.Int()
			gr.maxTs = d.Int()
			if d.Uint() == 1 {
				gr.emitted = d.Row()
			}
			for _, a := range gr.accs {
				a.Decode(d)
			}
			return gr
		},
	}
}

// removeKey drops the group of key, if there is one.
func (g *GroupAgg) removeKey(key []byte) {
	g.st.del(key)
	if g.distinct != nil {
		g.distinct.delPrefix(append(binary.AppendUvarint(nil, uint64(len(key))), key...))
	}
}

// ExpireState implements StateExpirer.
func (g *GroupAgg) ExpireState(now int64) {
	g.ttl.sweep(g.oc, g.TTL, now, g.removeKey)
	g.commit() // an error shows at the next batch
}

func anyNull(row types.Row, cols []int) bool {
	for _, c := range cols {
		if row[c].IsNull() {
			return true
		}
	}
	return false
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Snapshot implements Snapshotter.
func (g *GroupAgg) Snapshot(e *types.Enc) error {
	if err := g.st.snapshot(e); err != nil {
		return err
	}
	if g.distinct != nil {
		if err := g.distinct.snapshot(e); err != nil {
			return err
		}
		e.Uint(distinctShared)
	}
	return nil
}

// distinctShared marks a snapshot whose DISTINCT map state has one entry
// per column (distinctArg); snapshots written before had one per
// aggregate, and end after the map state.
const distinctShared = 1

// Restore implements Snapshotter; restored groups count their idle time
// (state TTL) from the restore.
func (g *GroupAgg) Restore(d *types.Dec) error {
	if err := restoreKeyed(g.st, d, g.oc, g.TTL, &g.ttl); err != nil {
		return err
	}
	if g.distinct != nil {
		if err := g.distinct.restore(d); err != nil {
			return err
		}
		if len(d.B) == 0 {
			return g.foldDistinct()
		}
		if v := d.Uint(); v != distinctShared {
			return fmt.Errorf("group aggregate: DISTINCT state of an unknown layout %d", v)
		}
	}
	return nil
}

// foldDistinct turns the DISTINCT map state of a snapshot written before
// the aggregates over one column shared it (an entry per aggregate) into
// the shared layout: the count of a value under each aggregate but the
// first moves into the first's entry, at the aggregate's place.
func (g *GroupAgg) foldDistinct() error {
	place := map[uint64][2]int{} // aggregate -> its distinctArg, its place there
	for k, da := range g.dArgs {
		for j, i := range da.aggs[1:] {
			place[uint64(i)] = [2]int{k, j + 1}
		}
	}
	if len(place) == 0 {
		return nil
	}
	type moved struct {
		key []byte
		at  [2]int
		n   int64
	}
	var todo []moved
	g.distinct.each(func(key []byte, ns []int64) bool {
		n, w := binary.Uvarint(key)
		if w <= 0 || uint64(len(key)-w) < n {
			return true
		}
		i, w2 := binary.Uvarint(key[w+int(n):])
		if at, ok := place[i]; ok && w2 > 0 && len(ns) == 1 {
			todo = append(todo, moved{key: append([]byte(nil), key...), at: at, n: ns[0]})
		}
		return true
	})
	for _, m := range todo {
		n, w := binary.Uvarint(m.key)
		_, w2 := binary.Uvarint(m.key[w+int(n):])
		da := g.dArgs[m.at[0]]
		g.dkBuf = binary.AppendUvarint(append(g.dkBuf[:0], m.key[:w+int(n)]...), uint64(da.aggs[0]))
		g.dkBuf = append(g.dkBuf, m.key[w+int(n)+w2:]...)
		ns, _ := g.distinct.get(g.dkBuf)
		for len(ns) < len(da.aggs) {
			ns = append(ns, 0)
		}
		ns[m.at[1]] = m.n
		g.distinct.put(g.dkBuf, ns)
		g.distinct.del(m.key)
	}
	return g.distinct.commit()
}
