package engine

import (
	"container/heap"
	"sort"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// IntervalClock is what moves an interval join's time, and so what
// decides when its rows can no longer match and are dropped.
type IntervalClock int

const (
	// ByWatermark is Flink's event-time interval join: a left row at time
	// l is kept while a right row on time (later than the watermark) could
	// still fall in its bounds, i.e. until the watermark reaches l+Upper
	// (a right row, until it reaches r-Lower). A row that arrives too late
	// for any row still to come joins the rows held and is not kept. The
	// join holds its output watermark back by the longest bound, since a
	// row padded with NULLs comes out that much after its time.
	ByWatermark IntervalClock = iota
	// ByStreamTime is Kafka Streams' stream-stream join (ksqlDB's WITHIN):
	// time is the largest row time seen, and a row is kept until it is
	// further behind than the larger bound plus Grace.
	ByStreamTime
)

// TimeIntervalJoin (Flink's name for the operator; EXPLAIN shows an
// IntervalJoin) joins rows of two append-only inputs whose keys are equal
// and whose times are close: a right row at time r matches a left row at
// time l when l+Lower <= r <= l+Upper (and Cond holds). Matches come out
// when the second row arrives; an outer row that never matched comes out
// padded with NULLs when it is dropped (or, Eager, at once). Its state is
// bounded by the bounds: rows are dropped as time passes them. Output rows
// are the left row followed by the right row. Feed it through Left() and
// Right().
type TimeIntervalJoin struct {
	base
	Type                  JoinType // InnerJoin, LeftJoin, RightJoin or FullJoin
	LeftKeys, RightKeys   []expr.Expr
	Cond                  expr.Expr // over the joined row; nil: keys only
	LeftWidth, RightWidth int
	LeftTime, RightTime   int // the time columns (micros)
	Lower, Upper          int64
	Clock                 IntervalClock
	// Grace keeps rows that much longer (ByStreamTime).
	Grace int64
	// Eager emits an outer row padded with NULLs as soon as it arrives
	// without a match, and joined rows when matches arrive later, instead
	// of when it is dropped: Kafka Streams' joins without a grace period.
	Eager bool

	state    [2]map[string][]*ijEntry // by side (0 left, 1 right), then key
	live     [2]int                   // rows held per side
	expiry   ijHeap
	seq      int64
	wms      inputWatermarks
	time     int64 // the join's time: the watermark or the stream time
	emitted  int64 // the last watermark forwarded
	keyBuf   []byte
	out      []Rec
	arena    arena
	condBuf  types.Row // the row Cond is evaluated on
	dirty    map[ijDirty]struct{}
	expiring []*ijEntry
}

type ijEntry struct {
	row     types.Row
	t       int64 // the row's time, micros
	until   int64 // dropped once the join's time passes this
	seq     int64 // arrival order
	key     string
	right   bool
	matched bool
	dead    bool
}

type ijDirty struct {
	right bool
	key   string
}

// ijHeap orders rows by the time they are dropped at.
type ijHeap []*ijEntry

func (h ijHeap) Len() int { return len(h) }
func (h ijHeap) Less(i, j int) bool {
	if h[i].until != h[j].until {
		return h[i].until < h[j].until
	}
	return h[i].seq < h[j].seq
}
func (h ijHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *ijHeap) Push(x any)   { *h = append(*h, x.(*ijEntry)) }
func (h *ijHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}

var (
	_ Op          = (*TimeIntervalJoin)(nil)
	_ Snapshotter = (*TimeIntervalJoin)(nil)
)

type ijSide struct {
	j     *TimeIntervalJoin
	right bool
}

func (s *ijSide) Open(*OpContext) error { return nil }
func (s *ijSide) Close() error          { return nil }
func (s *ijSide) Process(recs []Rec) error {
	return s.j.process(recs, s.right)
}
func (s *ijSide) Watermark(wm int64) error {
	i := 0
	if s.right {
		i = 1
	}
	return s.j.sideWatermark(i, wm)
}

// Left is the operator the left input feeds.
func (j *TimeIntervalJoin) Left() Op { return &ijSide{j: j} }

// Right is the operator the right input feeds.
func (j *TimeIntervalJoin) Right() Op { return &ijSide{j: j, right: true} }

// Open implements Op.
func (j *TimeIntervalJoin) Open(c *OpContext) error {
	j.oc = c
	j.state = [2]map[string][]*ijEntry{{}, {}}
	j.live = [2]int{}
	j.expiry = nil
	j.dirty = map[ijDirty]struct{}{}
	j.wms.reset()
	j.time, j.emitted = MinWatermark, MinWatermark
	return nil
}

// Process implements Op: records pushed to the join itself are left rows.
func (j *TimeIntervalJoin) Process(recs []Rec) error { return j.process(recs, false) }

// Rows is the number of rows held (both sides).
func (j *TimeIntervalJoin) Rows() int { return j.live[0] + j.live[1] }

func (j *TimeIntervalJoin) outer(right bool) bool {
	if right {
		return j.Type == RightJoin || j.Type == FullJoin
	}
	return j.Type == LeftJoin || j.Type == FullJoin
}

// keep is how long past its time a row of a side is held: until the
// join's time passes t + keep.
func (j *TimeIntervalJoin) keep(right bool) int64 {
	if j.Clock == ByStreamTime {
		return max(-j.Lower, j.Upper) + j.Grace
	}
	// The last on-time row of the other side that can match is later
	// than the watermark: keep while watermark < t+Upper (left) or
	// < t-Lower (right).
	if right {
		return -j.Lower - 1
	}
	return j.Upper - 1
}

func (j *TimeIntervalJoin) joined(l, r types.Row) types.Row {
	return joinedRow(&j.arena, j.LeftWidth, j.RightWidth, l, r)
}

func (j *TimeIntervalJoin) emitPair(l, r types.Row, ts int64) {
	j.out = append(j.out, Rec{Row: j.joined(l, r), Kind: Insert, Ts: ts})
}

// padded emits a row of one side with NULLs for the other.
func (j *TimeIntervalJoin) padded(row types.Row, right bool, ts int64) {
	if right {
		j.emitPair(nil, row, ts)
	} else {
		j.emitPair(row, nil, ts)
	}
}

func (j *TimeIntervalJoin) key(row types.Row, keys []expr.Expr) ([]byte, bool) {
	var ok bool
	j.keyBuf, ok = joinKey(j.keyBuf[:0], row, keys)
	return j.keyBuf, ok
}

func (j *TimeIntervalJoin) process(recs []Rec, fromRight bool) error {
	j.out = j.out[:0]
	j.arena.reset()
	for i := range recs {
		j.add(&recs[i], fromRight)
		if j.Clock == ByStreamTime {
			j.expire(j.time)
		}
	}
	return j.emit(j.out)
}

func (j *TimeIntervalJoin) add(r *Rec, fromRight bool) {
	if r.Kind.IsRetract() {
		return // append-only inputs; a ksqlDB stream's tombstone
	}
	myTime, myKeys, me, other := j.LeftTime, j.LeftKeys, 0, 1
	if fromRight {
		myTime, myKeys, me, other = j.RightTime, j.RightKeys, 1, 0
	}
	tv := r.Row[myTime]
	if tv.IsNull() {
		return
	}
	t := tv.I
	ts := max(r.Ts, 0)
	if j.Clock == ByStreamTime && t > j.time {
		j.time = t
	}
	key, ok := j.key(r.Row, myKeys)
	if !ok {
		if j.outer(fromRight) {
			j.padded(r.Row, fromRight, ts)
		}
		return
	}
	// The other side's rows in bounds: for a left row, right times in
	// [t+Lower, t+Upper]; for a right row, left times in [t-Upper, t-Lower].
	lo, hi := t+j.Lower, t+j.Upper
	if fromRight {
		lo, hi = t-j.Upper, t-j.Lower
	}
	matched := false
	for _, o := range j.state[other][string(key)] {
		if o.dead || o.t < lo || o.t > hi {
			continue
		}
		l, rr := r.Row, o.row
		if fromRight {
			l, rr = o.row, r.Row
		}
		if j.Cond != nil {
			if v := j.Cond.Eval(condRow(&j.condBuf, j.LeftWidth, j.RightWidth, l, rr)); v.K != types.Boolean || v.I == 0 {
				continue
			}
		}
		matched = true
		o.matched = true
		pairTs := ts
		if j.Clock == ByStreamTime {
			// Kafka Streams stamps a joined pair with the later of its
			// two rows' times.
			pairTs = max(ts, expr.FloorDiv(o.t, types.MicrosPerMilli))
		}
		j.emitPair(l, rr, pairTs)
	}
	until := t + j.keep(fromRight)
	if j.Clock == ByWatermark && until < j.time {
		// Too late for any row still to come: not kept.
		if !matched {
			if j.outer(fromRight) {
				j.padded(r.Row, fromRight, ts)
			} else {
				j.oc.LateDropped(1)
			}
		}
		return
	}
	if j.Eager && !matched && j.outer(fromRight) {
		j.padded(r.Row, fromRight, ts)
	}
	j.seq++
	e := &ijEntry{row: copyRow(r.Row), t: t, until: until, seq: j.seq, key: string(key), right: fromRight, matched: matched}
	j.state[me][e.key] = append(j.state[me][e.key], e)
	j.live[me]++
	heap.Push(&j.expiry, e)
}

// expire drops the rows whose time has passed (the join's time is beyond
// their until), emitting the unmatched outer ones padded with NULLs, in
// the order of side, key and arrival.
func (j *TimeIntervalJoin) expire(now int64) {
	j.expiring = j.expiring[:0]
	for len(j.expiry) > 0 && j.expiry[0].until < now {
		e := heap.Pop(&j.expiry).(*ijEntry)
		e.dead = true
		side := 0
		if e.right {
			side = 1
		}
		j.live[side]--
		j.dirty[ijDirty{right: e.right, key: e.key}] = struct{}{}
		if !e.matched && !j.Eager && j.outer(e.right) {
			j.expiring = append(j.expiring, e)
		}
	}
	if len(j.expiring) > 0 {
		sort.Slice(j.expiring, func(a, b int) bool {
			x, y := j.expiring[a], j.expiring[b]
			if x.right != y.right {
				return !x.right
			}
			if x.key != y.key {
				return x.key < y.key
			}
			return x.seq < y.seq
		})
		for _, e := range j.expiring {
			j.padded(e.row, e.right, e.t/types.MicrosPerMilli)
		}
		clear(j.expiring)
	}
	for d := range j.dirty {
		side := 0
		if d.right {
			side = 1
		}
		list := j.state[side][d.key]
		kept := list[:0]
		for _, e := range list {
			if !e.dead {
				kept = append(kept, e)
			}
		}
		clear(list[len(kept):])
		if len(kept) == 0 {
			delete(j.state[side], d.key)
		} else {
			j.state[side][d.key] = kept
		}
		delete(j.dirty, d)
	}
}

func (j *TimeIntervalJoin) sideWatermark(i int, wm int64) error {
	cur, moved := j.wms.advance(i, wm)
	if !moved {
		return nil
	}
	j.out = j.out[:0]
	j.arena.reset()
	switch {
	case j.Clock == ByWatermark:
		j.time = cur
		j.expire(cur)
	case cur == MaxWatermark:
		j.expire(MaxWatermark) // end of input: every padded row
	}
	if err := j.emit(j.out); err != nil {
		return err
	}
	// Rows padded with NULLs come out up to the longest bound after their
	// time: hold the watermark back that much.
	out := cur
	if j.Clock == ByWatermark && cur != MaxWatermark {
		if d := max(j.Upper, -j.Lower, 0); out > MinWatermark+d {
			out -= d
		} else {
			out = MinWatermark
		}
	}
	if out <= j.emitted {
		return nil
	}
	j.emitted = out
	return j.forwardWatermark(out)
}

// Watermark implements Op for a join fed through Process only.
func (j *TimeIntervalJoin) Watermark(wm int64) error {
	if err := j.sideWatermark(0, wm); err != nil {
		return err
	}
	return j.sideWatermark(1, wm)
}

// Snapshot implements Snapshotter: the join's time and the rows held.
func (j *TimeIntervalJoin) Snapshot(e *types.Enc) error {
	e.Int(j.time)
	e.Int(j.wms.side[0])
	e.Int(j.wms.side[1])
	for side := range j.state {
		keys := make([]string, 0, len(j.state[side]))
		for k := range j.state[side] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.Uint(uint64(j.live[side]))
		for _, k := range keys {
			for _, en := range j.state[side][k] {
				if en.dead {
					continue
				}
				e.String(k)
				e.Row(en.row)
				e.Int(en.t)
				e.Int(en.seq)
				e.Uint(b2u(en.matched))
			}
		}
	}
	return nil
}

// Restore implements Snapshotter.
func (j *TimeIntervalJoin) Restore(d *types.Dec) error {
	j.time = d.Int()
	j.wms.side[0], j.wms.side[1] = d.Int(), d.Int()
	j.wms.cur = min(j.wms.side[0], j.wms.side[1])
	for side := range j.state {
		n := d.Uint()
		for i := uint64(0); i < n && d.Err == nil; i++ {
			en := &ijEntry{key: d.String(), row: d.Row(), t: d.Int(), seq: d.Int(), matched: d.Uint() != 0, right: side == 1}
			en.until = en.t + j.keep(en.right)
			j.seq = max(j.seq, en.seq)
			j.state[side][en.key] = append(j.state[side][en.key], en)
			j.live[side]++
			heap.Push(&j.expiry, en)
		}
	}
	return d.Err
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
