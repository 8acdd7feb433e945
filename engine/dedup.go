package engine

import (
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Deduplicate keeps one row per key of an insert-only input: the first or
// the last by processing time (arrival order, TimeCol < 0) or by the event
// time at TimeCol.
//
// Keeping the first row by processing time emits each key's first row
// (+I) and nothing more. The other modes replace a key's row when a better
// one arrives — a later one (or one with an event time at least as large)
// when keeping the last, one with a smaller event time when keeping the
// first — and emit -U old / +U new.
type Deduplicate struct {
	base
	Keys     []int
	KeepLast bool
	TimeCol  int
	// TTL forgets a key not written for that long (state TTL, see
	// ttl.go): its next row is kept as if it were the first.
	TTL time.Duration
	ttl keyTTL

	st     keyedState[*rankList]
	keyBuf []byte
	out    []Rec
}

var (
	_ Op          = (*Deduplicate)(nil)
	_ Snapshotter = (*Deduplicate)(nil)
)

// Process implements Op.
func (d *Deduplicate) Process(recs []Rec) error {
	d.out = d.out[:0]
	for i := range recs {
		rec := &recs[i]
		if rec.Kind.IsRetract() {
			continue // the planner only deduplicates insert-only input
		}
		d.keyBuf = appendKeyCols(d.keyBuf[:0], rec.Row, d.Keys)
		if d.ttl.expired(d.oc, d.TTL, d.keyBuf) {
			d.st.del(d.keyBuf)
		}
		l, ok := d.st.get(d.keyBuf)
		if !ok {
			d.ttl.touch(d.oc, d.TTL, d.keyBuf)
			l = &rankList{key: keyRow(rec.Row, d.Keys)}
			row := copyRow(rec.Row)
			if !d.KeepLast && d.TimeCol < 0 {
				// Only the key matters from now on.
				l.rows = []types.Row{nil}
			} else {
				l.rows = []types.Row{row}
			}
			d.st.put(d.keyBuf, l)
			d.out = append(d.out, Rec{Row: row, Kind: Insert, Ts: rec.Ts})
			continue
		}
		old := l.rows[0]
		var replace bool
		switch {
		case d.TimeCol < 0:
			replace = d.KeepLast
		case d.KeepLast:
			replace = types.Compare(rec.Row[d.TimeCol], old[d.TimeCol]) >= 0
		default:
			replace = types.Compare(rec.Row[d.TimeCol], old[d.TimeCol]) < 0
		}
		if !replace {
			continue
		}
		d.ttl.touch(d.oc, d.TTL, d.keyBuf)
		row := copyRow(rec.Row)
		l.rows[0] = row
		d.st.put(d.keyBuf, l)
		d.out = append(d.out, Rec{Row: old, Kind: UpdateBefore, Ts: rec.Ts}, Rec{Row: row, Kind: UpdateAfter, Ts: rec.Ts})
	}
	if err := d.st.commit(); err != nil {
		return err
	}
	return d.emit(d.out)
}

// Open implements Op.
func (d *Deduplicate) Open(c *OpContext) error {
	d.oc = c
	d.st = newKeyedState(c, rankListCodec)
	return nil
}

// Snapshot implements Snapshotter.
func (d *Deduplicate) Snapshot(e *types.Enc) error { return d.st.snapshot(e) }

// Restore implements Snapshotter.
func (d *Deduplicate) Restore(dec *types.Dec) error {
	return restoreKeyed(d.st, dec, d.oc, d.TTL, &d.ttl)
}

// ExpireState implements StateExpirer.
func (d *Deduplicate) ExpireState(now int64) {
	d.ttl.sweep(d.oc, d.TTL, now, d.st.del)
	d.st.commit() // an error shows at the next batch
}
