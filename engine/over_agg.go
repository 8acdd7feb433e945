package engine

import (
	"fmt"
	"sort"

	"github.com/tumble/tumble/engine/types"
)

// OverFrame is the frame of an OVER window: which rows before the current
// one its aggregates see (the frame always ends at the current row).
type OverFrame struct {
	// Rows counts the frame in rows (ROWS); otherwise it is measured on
	// the order key (RANGE), and rows with the same order key (peers) are
	// in each other's frame and get the same result.
	Rows bool
	// Unbounded: every earlier row (UNBOUNDED PRECEDING).
	Unbounded bool
	// Preceding is the frame's extent before the current row: a number of
	// rows (ROWS) or a distance on the order key, in microseconds for a
	// time (RANGE).
	Preceding int64
}

// String renders the frame as Flink's EXPLAIN does.
func (f OverFrame) String() string {
	kind := "RANG"
	if f.Rows {
		kind = "ROWS"
	}
	switch {
	case f.Unbounded:
		return kind + " BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	case f.Rows:
		return fmt.Sprintf("ROWS BETWEEN %d PRECEDING AND CURRENT ROW", f.Preceding)
	}
	return fmt.Sprintf("RANG BETWEEN %d PRECEDING AND CURRENT ROW", f.Preceding/types.MicrosPerMilli)
}

// OverAgg is Flink's OverAggregate: each input row comes out once, with
// the aggregates of its frame appended, as the rows of its partition are
// ordered.
//
// With TimeCol >= 0 (streaming), the rows are ordered by that event-time
// column (ascending) and a row is emitted once the watermark reaches it,
// in time order (across partitions too). A row at or before the watermark
// (unbounded frames) or at or before the last time its partition emitted
// (bounded frames) is late: dropped and counted, as Flink's operators do.
// A bounded frame keeps only the rows still in it: ROWS the last
// Preceding+1 rows of a partition, RANGE the rows within Preceding of the
// last time emitted, and a RANGE partition whose rows have all left its
// frame as the watermark passed is dropped. The input is insert-only.
//
// With TimeCol < 0 (a bounded query, Flink's batch mode), rows are held —
// a retraction removes an equal row held — and at the end of input each
// partition is sorted by Order (stably: ties keep their arrival order)
// and emitted. A RANGE frame with an offset then measures it on RangeCol
// (a timestamp, ascending).
type OverAgg struct {
	base
	Partition []int
	TimeCol   int
	Order     []SortKey
	RangeCol  int
	Frame     OverFrame
	Aggs      []AggCall
	Width     int // input columns; the aggregates follow them

	parts map[string]*overPart
	// waiting are the partitions with rows not emitted yet, framed
	// (bounded RANGE) those whose frame still holds rows: the watermark
	// visits only these.
	waiting, framed []*overPart
	seq             int
	wm              int64
	keyBuf          []byte
	out             []Rec
	arena           arena
}

var (
	_ Op          = (*OverAgg)(nil)
	_ Snapshotter = (*OverAgg)(nil)
)

type overRow struct {
	row types.Row
	ts  int64 // the order position: event time, or RangeCol's value
}

// overPart is one partition's state.
type overPart struct {
	key     string
	seq     int
	waiting bool
	framed  bool
	pending []overRow // not emitted yet
	frame   []overRow // bounded frames: the emitted rows still in the frame, oldest first
	acc     *group
	lastTs  int64 // the time of the last rows emitted
	hasLast bool
}

// Open implements Op.
func (o *OverAgg) Open(c *OpContext) error {
	o.oc = c
	o.parts = map[string]*overPart{}
	o.wm = MinWatermark
	return nil
}

// Describe implements Describer.
func (o *OverAgg) Describe() string {
	return fmt.Sprintf("OverAggregate(partitionBy=%v, %s, %d aggregates)", o.Partition, o.Frame, len(o.Aggs))
}

func (o *OverAgg) part(row types.Row) *overPart {
	o.keyBuf = appendKeyCols(o.keyBuf[:0], row, o.Partition)
	p, ok := o.parts[string(o.keyBuf)]
	if !ok {
		o.seq++
		p = &overPart{key: string(o.keyBuf), seq: o.seq, acc: newGroup(nil, o.Aggs)}
		o.parts[string(o.keyBuf)] = p
	}
	return p
}

// Process implements Op.
func (o *OverAgg) Process(recs []Rec) error {
	for i := range recs {
		r := &recs[i]
		p := o.part(r.Row)
		var ts int64
		if o.TimeCol >= 0 {
			t := r.Row[o.TimeCol]
			if t.IsNull() {
				o.oc.LateDropped(1)
				continue
			}
			ts = t.I
		} else if o.RangeCol >= 0 {
			if t := r.Row[o.RangeCol]; !t.IsNull() {
				ts = t.I
			}
		}
		if r.Kind.IsRetract() {
			for k := len(p.pending) - 1; k >= 0; k-- {
				if rowsEqual(p.pending[k].row, r.Row[:o.Width]) {
					p.pending = append(p.pending[:k], p.pending[k+1:]...)
					break
				}
			}
			continue
		}
		if o.TimeCol >= 0 {
			late := ts <= o.wm
			if !o.Frame.Unbounded {
				late = p.hasLast && ts <= p.lastTs
			}
			if late {
				o.oc.LateDropped(1)
				continue
			}
		}
		p.pending = append(p.pending, overRow{row: copyRow(r.Row[:o.Width]), ts: ts})
		if !p.waiting {
			p.waiting = true
			o.waiting = append(o.waiting, p)
		}
	}
	return nil
}

// Watermark implements Op: it emits the rows the watermark has reached
// (streaming), or every row at the end of input (bounded query).
func (o *OverAgg) Watermark(wm int64) error {
	if wm <= o.wm {
		return nil
	}
	o.wm = wm
	o.out = o.out[:0]
	o.arena.reset()
	if o.TimeCol >= 0 {
		o.fire(wm)
	} else if wm == MaxWatermark {
		o.finish()
	}
	if err := o.emit(o.out); err != nil {
		return err
	}
	return o.forwardWatermark(wm)
}

// bySeq orders partitions as they were first seen.
func bySeq(ps []*overPart) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
}

// fire emits, in time order, the rows at or before wm.
func (o *OverAgg) fire(wm int64) {
	type due struct {
		p    *overPart
		rows []overRow // one timestamp's rows, in arrival order
	}
	var all []due
	bySeq(o.waiting)
	still := o.waiting[:0]
	for _, p := range o.waiting {
		var now, later []overRow
		for _, r := range p.pending {
			if r.ts <= wm {
				now = append(now, r)
			} else {
				later = append(later, r)
			}
		}
		p.pending = later
		if len(later) > 0 {
			still = append(still, p)
		} else {
			p.waiting = false
		}
		if len(now) == 0 {
			continue
		}
		sort.SliceStable(now, func(i, j int) bool { return now[i].ts < now[j].ts })
		for i := 0; i < len(now); {
			j := i + 1
			for j < len(now) && now[j].ts == now[i].ts {
				j++
			}
			all = append(all, due{p: p, rows: now[i:j]})
			i = j
		}
	}
	clear(o.waiting[len(still):])
	o.waiting = still
	sort.SliceStable(all, func(i, j int) bool { return all[i].rows[0].ts < all[j].rows[0].ts })
	for _, d := range all {
		o.emitPeers(d.p, d.rows)
	}
	// A RANGE partition whose rows have all left the frame holds nothing
	// its next row needs.
	if !o.Frame.Rows && !o.Frame.Unbounded {
		kept := o.framed[:0]
		for _, p := range o.framed {
			if !p.waiting && wm-p.lastTs > o.Frame.Preceding {
				delete(o.parts, p.key)
				continue
			}
			kept = append(kept, p)
		}
		clear(o.framed[len(kept):])
		o.framed = kept
	}
}

// finish sorts each partition and emits it (bounded query).
func (o *OverAgg) finish() {
	ps := make([]*overPart, 0, len(o.parts))
	for _, p := range o.parts {
		ps = append(ps, p)
	}
	bySeq(ps)
	for _, p := range ps {
		rows := p.pending
		p.pending = nil
		sort.SliceStable(rows, func(i, j int) bool { return compareSort(rows[i].row, rows[j].row, o.Order) < 0 })
		for i := 0; i < len(rows); {
			j := i + 1
			for j < len(rows) && compareSort(rows[j].row, rows[i].row, o.Order) == 0 {
				j++
			}
			o.emitPeers(p, rows[i:j])
			i = j
		}
	}
	o.parts = map[string]*overPart{}
	o.waiting, o.framed = nil, nil
}

// emitPeers emits rows that share an order key, in order.
func (o *OverAgg) emitPeers(p *overPart, rows []overRow) {
	bounded := !o.Frame.Unbounded
	if o.Frame.Rows {
		for _, r := range rows {
			if bounded && int64(len(p.frame)) > o.Frame.Preceding {
				p.acc.add(p.frame[0].row, o.Aggs, true)
				p.frame[0] = overRow{}
				p.frame = p.frame[1:]
			}
			p.acc.add(r.row, o.Aggs, false)
			if bounded {
				p.frame = append(p.frame, r)
			}
			o.output(r.row, p.acc)
		}
	} else {
		cur := rows[0].ts
		if bounded {
			for len(p.frame) > 0 && before(p.frame[0].ts, cur, o.Frame.Preceding) {
				p.acc.add(p.frame[0].row, o.Aggs, true)
				p.frame[0] = overRow{}
				p.frame = p.frame[1:]
			}
		}
		for _, r := range rows {
			p.acc.add(r.row, o.Aggs, false)
			if bounded {
				p.frame = append(p.frame, r)
			}
		}
		for _, r := range rows {
			o.output(r.row, p.acc)
		}
	}
	p.lastTs, p.hasLast = rows[len(rows)-1].ts, true
	if !o.Frame.Rows && bounded && !p.framed {
		p.framed = true
		o.framed = append(o.framed, p)
	}
}

// before reports whether t is more than d before cur (without overflow).
func before(t, cur, d int64) bool {
	return t < cur && uint64(cur-t) > uint64(d)
}

func (o *OverAgg) output(row types.Row, acc *group) {
	out := o.arena.row(o.Width + len(o.Aggs))
	copy(out, row[:o.Width])
	for i, a := range acc.accs {
		out[o.Width+i] = a.Result()
	}
	o.out = append(o.out, Rec{Row: out, Kind: Insert})
}

// Snapshot implements Snapshotter.
func (o *OverAgg) Snapshot(e *types.Enc) error {
	e.Int(o.wm)
	e.Int(int64(o.seq))
	keys := make([]string, 0, len(o.parts))
	for k := range o.parts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		p := o.parts[k]
		e.Bytes([]byte(k))
		e.Int(int64(p.seq))
		e.Int(p.lastTs)
		if p.hasLast {
			e.Uint(1)
		} else {
			e.Uint(0)
		}
		for _, list := range [][]overRow{p.pending, p.frame} {
			e.Uint(uint64(len(list)))
			for _, r := range list {
				e.Row(r.row)
				e.Int(r.ts)
			}
		}
		e.Int(p.acc.rows)
		for _, a := range p.acc.accs {
			a.Encode(e)
		}
	}
	return nil
}

// Restore implements Snapshotter.
func (o *OverAgg) Restore(d *types.Dec) error {
	o.wm = d.Int()
	o.seq = int(d.Int())
	n := d.Uint()
	o.parts = make(map[string]*overPart, n)
	o.waiting, o.framed = nil, nil
	for i := uint64(0); i < n; i++ {
		k := string(d.Bytes())
		p := &overPart{key: k, seq: int(d.Int()), lastTs: d.Int(), hasLast: d.Uint() == 1, acc: newGroup(nil, o.Aggs)}
		for l := 0; l < 2; l++ {
			m := d.Uint()
			list := make([]overRow, 0, m)
			for j := uint64(0); j < m; j++ {
				list = append(list, overRow{row: d.Row(), ts: d.Int()})
			}
			if l == 0 {
				p.pending = list
			} else {
				p.frame = list
			}
		}
		p.acc.rows = d.Int()
		for _, a := range p.acc.accs {
			a.Decode(d)
		}
		o.parts[k] = p
		if len(p.pending) > 0 {
			p.waiting = true
			o.waiting = append(o.waiting, p)
		}
		if !o.Frame.Rows && !o.Frame.Unbounded && p.hasLast {
			p.framed = true
			o.framed = append(o.framed, p)
		}
	}
	return d.Err
}
