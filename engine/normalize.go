package engine

import (
	"sort"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Normalize turns a table's changelog topic into changes: it keeps the last
// row of each key and, for each record, emits the retraction of the key's
// old row (-U, or -D for a tombstone) before the new row (+U, +I for a new
// key). A tombstone for a key it does not hold emits nothing. ksqlDB
// tables and Flink's upsert sources (ChangelogNormalize) read their topic
// this way.
type Normalize struct {
	base
	Keys []int
	// Final keeps the table and emits its rows once, at the end of input
	// (a pull query over a table's topic).
	Final bool
	// DropUnchanged emits nothing for a row equal to its key's current row
	// (Flink's ChangelogNormalize); otherwise it is -U/+U of equal rows
	// (ksqlDB, as Kafka Streams forwards every update).
	DropUnchanged bool
	// NoUpdateBefore emits an update as +U alone, without the -U of the
	// old row (the consumer, a temporal join, needs only new versions).
	NoUpdateBefore bool
	// TTL forgets a key not written for that long (state TTL, see ttl.go):
	// its next row is +I again. With a TTL an unchanged row is emitted
	// even with DropUnchanged, as Flink does so that downstream state
	// does not expire too early.
	TTL time.Duration
	ttl keyTTL

	last   map[string]types.Row
	keyBuf []byte
	out    []Rec
}

var (
	_ Op          = (*Normalize)(nil)
	_ Snapshotter = (*Normalize)(nil)
)

func (n *Normalize) Open(c *OpContext) error {
	n.oc = c
	n.last = map[string]types.Row{}
	return nil
}

func (n *Normalize) Process(recs []Rec) error {
	n.out = n.out[:0]
	if n.Final {
		for _, r := range recs {
			n.keyBuf = appendKeyCols(n.keyBuf[:0], r.Row, n.Keys)
			if r.Kind.IsRetract() {
				delete(n.last, string(n.keyBuf))
				continue
			}
			n.last[string(n.keyBuf)] = append(types.Row(nil), r.Row...)
		}
		return nil
	}
	for _, r := range recs {
		n.keyBuf = appendKeyCols(n.keyBuf[:0], r.Row, n.Keys)
		if n.ttl.expired(n.oc, n.TTL, n.keyBuf) {
			delete(n.last, string(n.keyBuf))
		}
		old, had := n.last[string(n.keyBuf)]
		if r.Kind.IsRetract() {
			if had {
				n.out = append(n.out, Rec{Row: old, Kind: Delete, Ts: r.Ts})
				delete(n.last, string(n.keyBuf))
				n.ttl.forget(n.keyBuf)
			}
			continue
		}
		n.ttl.touch(n.oc, n.TTL, n.keyBuf)
		if had && n.DropUnchanged && n.TTL <= 0 && rowsEqual(old, r.Row) {
			continue
		}
		row := append(types.Row(nil), r.Row...)
		if had {
			if !n.NoUpdateBefore {
				n.out = append(n.out, Rec{Row: old, Kind: UpdateBefore, Ts: r.Ts})
			}
			n.out = append(n.out, Rec{Row: row, Kind: UpdateAfter, Ts: r.Ts})
		} else {
			n.out = append(n.out, Rec{Row: row, Kind: Insert, Ts: r.Ts})
		}
		n.last[string(n.keyBuf)] = row
	}
	return n.emit(n.out)
}

// Watermark implements Op: with Final, the end of input emits the table.
func (n *Normalize) Watermark(wm int64) error {
	if n.Final && wm == MaxWatermark {
		n.out = n.out[:0]
		keys := make([]string, 0, len(n.last))
		for k := range n.last {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.out = append(n.out, Rec{Row: n.last[k], Kind: Insert})
		}
		if err := n.emit(n.out); err != nil {
			return err
		}
	}
	return n.forwardWatermark(wm)
}

func (n *Normalize) Snapshot(e *types.Enc) error {
	e.Uint(uint64(len(n.last)))
	for _, row := range n.last {
		e.Row(row)
	}
	return nil
}

func (n *Normalize) Restore(d *types.Dec) error {
	cnt := d.Uint()
	for i := uint64(0); i < cnt && d.Err == nil; i++ {
		row := d.Row()
		key := appendKeyCols(nil, row, n.Keys)
		n.last[string(key)] = row
		n.ttl.touch(n.oc, n.TTL, key)
	}
	return d.Err
}

// ExpireState implements StateExpirer.
func (n *Normalize) ExpireState(now int64) {
	n.ttl.sweep(n.oc, n.TTL, now, func(key []byte) { delete(n.last, string(key)) })
}
