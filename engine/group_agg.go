package engine

import (
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

	tab    groupTable
	keyBuf []byte
	out    []Rec
	arena  arena
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
		if retract {
			if len(g.Keys) > 0 {
				if _, ok := g.tab.index[string(g.keyBuf)]; !ok {
					continue // retraction of a group we never saw
				}
			} else if g.tab.single == nil {
				continue
			}
		}
		gr := g.tab.get(g.keyBuf, r.Row, g.Keys, g.Aggs)
		gr.add(r.Row, g.Aggs, retract)
		if gr.rows <= 0 {
			if gr.emitted != nil {
				g.out = append(g.out, Rec{Row: gr.emitted, Kind: Delete, Ts: r.Ts})
			}
			g.remove(gr)
			g.ttl.forget(g.keyBuf)
			continue
		}
		g.ttl.touch(g.oc, g.TTL, g.keyBuf)
		now := g.result(gr)
		if gr.emitted != nil && rowsEqual(gr.emitted, now) {
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
	}
	return g.emit(g.out)
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
		gr, known := g.lookup(g.keyBuf)
		if retract && !known {
			continue
		}
		if !known {
			gr = g.tab.get(g.keyBuf, r.Row, g.Keys, g.Aggs)
		}
		gr.add(r.Row, g.Aggs, retract)
		ts := r.Ts
		if r.Kind == UpdateBefore && i+1 < len(recs) && recs[i+1].Kind == UpdateAfter && !g.dropKey(recs[i+1].Row) &&
			string(appendKeyCols(nil, recs[i+1].Row, g.Keys)) == string(g.keyBuf) {
			i++
			gr.add(recs[i].Row, g.Aggs, false)
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
	}
	return g.emit(g.out)
}

func (g *GroupAgg) lookup(key []byte) (*group, bool) {
	if len(g.Keys) == 0 {
		return g.tab.single, g.tab.single != nil
	}
	i, ok := g.tab.index[string(key)]
	if !ok {
		return nil, false
	}
	return g.tab.groups[i], true
}

// removeKey drops the group of key, if there is one.
func (g *GroupAgg) removeKey(key []byte) {
	if gr, ok := g.lookup(key); ok {
		g.remove(gr)
	}
}

// ExpireState implements StateExpirer.
func (g *GroupAgg) ExpireState(now int64) {
	g.ttl.sweep(g.oc, g.TTL, now, g.removeKey)
}

func anyNull(row types.Row, cols []int) bool {
	for _, c := range cols {
		if row[c].IsNull() {
			return true
		}
	}
	return false
}

func (g *GroupAgg) remove(gr *group) {
	if len(g.Keys) == 0 {
		g.tab.single = nil
		g.tab.groups = nil
		return
	}
	k := string(appendKeyCols(nil, gr.key, seq(len(g.Keys))))
	i, ok := g.tab.index[k]
	if !ok {
		return
	}
	delete(g.tab.index, k)
	last := len(g.tab.groups) - 1
	if i != last {
		moved := g.tab.groups[last]
		g.tab.groups[i] = moved
		g.tab.index[string(appendKeyCols(nil, moved.key, seq(len(g.Keys))))] = i
	}
	g.tab.groups = g.tab.groups[:last]
}

func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func (g *GroupAgg) Snapshot(e *types.Enc) error {
	e.Uint(uint64(len(g.tab.groups)))
	for _, gr := range g.tab.groups {
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
	}
	return nil
}

func (g *GroupAgg) Restore(d *types.Dec) error {
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		key := d.Row()
		gr := g.tab.get(appendKeyCols(nil, key, seq(len(key))), key, seq(len(key)), g.Aggs)
		if len(g.Keys) == 0 {
			gr = g.tab.get(nil, nil, nil, g.Aggs)
		}
		gr.rows = d.Int()
		gr.maxTs = d.Int()
		if d.Uint() == 1 {
			gr.emitted = d.Row()
		}
		for _, a := range gr.accs {
			a.Decode(d)
		}
		g.ttl.touch(g.oc, g.TTL, appendKeyCols(nil, key, seq(len(key))))
	}
	return d.Err
}
