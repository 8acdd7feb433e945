package engine

import (
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// JoinKind selects how a Join keeps its inputs.
type JoinKind int

const (
	// RegularJoin keeps every row of both inputs (Flink's unbounded join,
	// ksqlDB's table-table join) and handles retractions on both sides.
	RegularJoin JoinKind = iota
	// LookupJoin joins each left (stream) row with the right input's
	// current row for the key (ksqlDB's stream-table join); right changes
	// only update the state.
	LookupJoin
	// IntervalJoin joins rows whose times are close (ksqlDB's stream-stream
	// join WITHIN, Flink's interval join); TimeIntervalJoin
	// (interval_join.go) runs it, not Join.
	IntervalJoin
)

// JoinType is INNER, LEFT, RIGHT or FULL, or a semi or anti join (IN and
// EXISTS subqueries, regular joins only).
type JoinType int

const (
	InnerJoin JoinType = iota
	LeftJoin
	RightJoin
	FullJoin
	// SemiJoin emits a left row, alone, while at least one right row
	// matches it.
	SemiJoin
	// AntiJoin emits a left row, alone, while no right row matches it.
	AntiJoin
)

func (t JoinType) String() string {
	return [...]string{"InnerJoin", "LeftOuterJoin", "RightOuterJoin", "FullOuterJoin", "LeftSemiJoin", "LeftAntiJoin"}[t]
}

// Join joins two inputs on equal keys and an optional residual condition.
// Output rows are the left row followed by the right row (NULLs for the
// missing side of an outer join). Feed it through Left() and Right().
type Join struct {
	base
	Kind       JoinKind
	Type       JoinType
	LeftKeys   []expr.Expr // over the left row
	RightKeys  []expr.Expr // over the right row
	Cond       expr.Expr   // over the joined row; nil: keys only
	LeftWidth  int
	RightWidth int
	// Upsert (ksqlDB's table-table joins, keyed by the join key) replaces a
	// row padded with NULLs by its match, and a match by the padded row,
	// as an update (-U, +U) rather than a delete and an insert.
	Upsert bool
	// LeftDeletes: the delete of a left row that joined nothing is still
	// emitted, padded with NULLs (ksqlDB's foreign-key joins: their
	// result is keyed by the left row, whose delete is a tombstone).
	LeftDeletes bool
	// TTL drops a row of either input that arrived that long ago (state
	// TTL of regular joins, see ttl.go); 0 keeps rows for ever. LeftTTL
	// and RightTTL, when set, are one input's own (the STATE_TTL hint).
	TTL, LeftTTL, RightTTL time.Duration
	lastSweep              int64

	left, right keyedState[[]*joinEntry]
	keyBuf      []byte
	out         []Rec
	arena       arena
	condBuf     types.Row // the row Cond is evaluated on
	streamTime  int64
	wm          int64
	wms         inputWatermarks
}

type joinEntry struct {
	row     types.Row
	ts      int64
	touched int64 // processing time of its arrival (state TTL)
	matches int   // rows of the other side it joined (outer joins)
	// unpadded (Upsert): its match went with an update's old row, and its
	// padded row waits for the update's new row.
	unpadded bool
}

var (
	_ Op          = (*Join)(nil)
	_ Snapshotter = (*Join)(nil)
)

type joinSide struct {
	j     *Join
	right bool
}

func (s *joinSide) Open(c *OpContext) error { return nil }
func (s *joinSide) Close() error            { return nil }
func (s *joinSide) Process(recs []Rec) error {
	return s.j.process(recs, s.right)
}

// Watermark forwards the smaller of the two inputs' watermarks, as a
// Flink two-input operator does: the end of one input must not end the
// join's output while the other input's last rows (a global aggregate's
// row over no input, at the end of a bounded query) are on their way.
func (s *joinSide) Watermark(wm int64) error {
	i := 0
	if s.right {
		i = 1
	}
	cur, moved := s.j.wms.advance(i, wm)
	if !moved {
		return nil
	}
	return s.j.Watermark(cur)
}

// Left is the operator the left input feeds.
func (j *Join) Left() Op { return &joinSide{j: j} }

// Right is the operator the right input feeds.
func (j *Join) Right() Op { return &joinSide{j: j, right: true} }

func (j *Join) Open(c *OpContext) error {
	j.oc = c
	j.left, j.right = newKeyedState(c, joinCodec), newKeyedState(c, joinCodec)
	j.streamTime, j.wm = MinWatermark, MinWatermark
	j.wms.reset()
	return nil
}

func (j *Join) Process(recs []Rec) error { return j.process(recs, false) }

func (j *Join) key(row types.Row, keys []expr.Expr) ([]byte, bool) {
	var ok bool
	j.keyBuf, ok = joinKey(j.keyBuf[:0], row, keys)
	return j.keyBuf, ok
}

func (j *Join) joined(l, r types.Row) types.Row {
	return joinedRow(&j.arena, j.LeftWidth, j.RightWidth, l, r)
}

func (j *Join) matches(l, r types.Row) bool {
	if j.Cond == nil {
		return true
	}
	v := j.Cond.Eval(condRow(&j.condBuf, j.LeftWidth, j.RightWidth, l, r))
	return v.K == types.Boolean && v.I != 0
}

func (j *Join) outerFor(right bool) bool {
	if right {
		return j.Type == RightJoin || j.Type == FullJoin
	}
	return j.Type == LeftJoin || j.Type == FullJoin
}

func (j *Join) emitPair(l, r types.Row, kind RowKind, ts int64) {
	j.out = append(j.out, Rec{Row: j.joined(l, r), Kind: kind, Ts: ts})
}

func (j *Join) process(recs []Rec, fromRight bool) error {
	j.out = j.out[:0]
	j.arena.reset()
	for i := range recs {
		r := &recs[i]
		switch j.Kind {
		case LookupJoin:
			j.lookup(r, fromRight)
		default:
			if j.Type == SemiJoin || j.Type == AntiJoin {
				j.semi(r, fromRight)
			} else {
				j.regular(r, fromRight)
			}
		}
	}
	if err := j.left.commit(); err != nil {
		return err
	}
	if err := j.right.commit(); err != nil {
		return err
	}
	return j.emit(j.out)
}

// regular is the unbounded join with retractions on both sides.
func (j *Join) regular(r *Rec, fromRight bool) {
	mine, other := j.left, j.right
	myKeys := j.LeftKeys
	if fromRight {
		mine, other, myKeys = j.right, j.left, j.RightKeys
	}
	key, ok := j.key(r.Row, myKeys)
	retract := r.Kind.IsRetract()
	pair := func(me, them types.Row) (types.Row, types.Row) {
		if fromRight {
			return them, me
		}
		return me, them
	}
	addKind, delKind := Insert, Delete
	if r.Kind == UpdateAfter {
		addKind = UpdateAfter
	}
	if r.Kind == UpdateBefore {
		delKind = UpdateBefore
	}
	if !ok {
		// A NULL key matches nothing; outer joins still pad it.
		if j.outerFor(fromRight) {
			l, rr := pair(r.Row, nil)
			if retract {
				j.emitPair(l, rr, delKind, r.Ts)
			} else {
				j.emitPair(l, rr, addKind, r.Ts)
			}
		}
		return
	}
	j.expireKey(key)
	candidates, _ := other.get(key)
	if !retract {
		e := j.newEntry(r, fromRight)
		for _, o := range candidates {
			l, rr := pair(e.row, o.row)
			if !j.matches(l, rr) {
				continue
			}
			kind := addKind
			if o.unpadded {
				o.unpadded = false
				kind = UpdateAfter
			} else if o.matches == 0 && j.outerFor(!fromRight) {
				// the other row was padded with NULLs: take that back
				pl, pr := pair(nil, o.row)
				if j.Upsert {
					j.emitPair(pl, pr, UpdateBefore, r.Ts)
					kind = UpdateAfter
				} else {
					j.emitPair(pl, pr, Delete, r.Ts)
				}
			}
			o.matches++
			e.matches++
			j.emitPair(l, rr, kind, r.Ts)
		}
		if e.matches == 0 && j.outerFor(fromRight) {
			l, rr := pair(e.row, nil)
			j.emitPair(l, rr, addKind, r.Ts)
		}
		mine.add(key, []*joinEntry{e})
		for _, o := range candidates {
			if o.unpadded { // the new row did not match it after all
				o.unpadded = false
				pl, pr := pair(nil, o.row)
				j.emitPair(pl, pr, UpdateAfter, r.Ts)
			}
		}
		if len(candidates) > 0 && j.countsMatches() {
			other.put(key, candidates) // their match counts changed
		}
		return
	}
	// Retraction: remove one equal row.
	list, _ := mine.get(key)
	idx := -1
	for i, e := range list {
		if rowsEqual(e.row, r.Row) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return
	}
	e := list[idx]
	removeEntry(mine, key, list, idx)
	if len(candidates) > 0 && j.countsMatches() {
		defer other.put(key, candidates) // their match counts change
	}
	for _, o := range candidates {
		l, rr := pair(e.row, o.row)
		if !j.matches(l, rr) {
			continue
		}
		o.matches--
		if o.matches == 0 && j.outerFor(!fromRight) {
			pl, pr := pair(nil, o.row)
			if j.Upsert {
				j.emitPair(l, rr, UpdateBefore, r.Ts)
				if r.Kind == UpdateBefore {
					o.unpadded = true // the update's new row decides
					continue
				}
				j.emitPair(pl, pr, UpdateAfter, r.Ts)
			} else {
				j.emitPair(l, rr, delKind, r.Ts)
				j.emitPair(pl, pr, Insert, r.Ts)
			}
			continue
		}
		j.emitPair(l, rr, delKind, r.Ts)
	}
	if e.matches == 0 && (j.outerFor(fromRight) || j.LeftDeletes && !fromRight && r.Kind == Delete) {
		l, rr := pair(e.row, nil)
		j.emitPair(l, rr, delKind, r.Ts)
	}
}

// countsMatches says whether the rows' match counts (and unpadded marks)
// matter: only outer and upsert joins read them, so an inner join's
// state is not written again when they change.
func (j *Join) countsMatches() bool {
	return j.Upsert || j.Type != InnerJoin
}

// ttl is the state TTL of one input's rows.
func (j *Join) ttl(right bool) int64 {
	switch {
	case right && j.RightTTL > 0:
		return j.RightTTL.Microseconds()
	case !right && j.LeftTTL > 0:
		return j.LeftTTL.Microseconds()
	}
	return j.TTL.Microseconds()
}

// newEntry is the state of an arriving row.
func (j *Join) newEntry(r *Rec, right bool) *joinEntry {
	e := &joinEntry{row: append(types.Row(nil), r.Row...), ts: r.Ts}
	if j.ttl(right) > 0 {
		e.touched = j.oc.nowMicros()
	}
	return e
}

// expireKey drops the rows of key that have expired, on both sides.
func (j *Join) expireKey(key []byte) {
	lt, rt := j.ttl(false), j.ttl(true)
	if lt <= 0 && rt <= 0 {
		return
	}
	now := j.oc.nowMicros()
	var n int64
	if list, ok := j.left.get(key); ok {
		n += expireEntries(j.left, key, list, now, lt)
	}
	if list, ok := j.right.get(key); ok {
		n += expireEntries(j.right, key, list, now, rt)
	}
	j.oc.stateExpired(n)
}

// expireEntries drops the entries of key's list older than ttl at now
// (none when ttl is 0) and returns how many.
func expireEntries(state keyedState[[]*joinEntry], key []byte, list []*joinEntry, now, ttl int64) int64 {
	if ttl <= 0 {
		return 0
	}
	kept := list[:0]
	for _, e := range list {
		if now-e.touched < ttl {
			kept = append(kept, e)
		}
	}
	n := int64(len(list) - len(kept))
	if n == 0 {
		return 0
	}
	clear(list[len(kept):])
	if len(kept) == 0 {
		state.del(key)
	} else {
		state.put(key, kept)
	}
	return n
}

// removeEntry removes list[i], key's list of state.
func removeEntry(state keyedState[[]*joinEntry], key []byte, list []*joinEntry, i int) {
	if len(list) == 1 {
		state.del(key)
		return
	}
	state.put(key, append(list[:i:i], list[i+1:]...))
}

// ExpireState implements StateExpirer: regular joins drop expired rows at
// most every half the shorter TTL.
func (j *Join) ExpireState(now int64) {
	lt, rt := j.ttl(false), j.ttl(true)
	t := max(lt, rt) // the shorter one that is set
	if lt > 0 && rt > 0 {
		t = min(lt, rt)
	}
	if t <= 0 || j.Kind != RegularJoin || now-j.lastSweep < max(t/2, int64(100*time.Millisecond/time.Microsecond)) {
		return
	}
	j.lastSweep = now
	var n int64
	j.left.each(func(key []byte, list []*joinEntry) bool {
		n += expireEntries(j.left, key, list, now, lt)
		return true
	})
	j.right.each(func(key []byte, list []*joinEntry) bool {
		n += expireEntries(j.right, key, list, now, rt)
		return true
	})
	j.oc.stateExpired(n)
	j.left.commit() // an error shows at the next batch
	j.right.commit()
}

// semi runs a semi or anti join with retractions on both sides: a left row
// is emitted (alone) when it arrives with a match (semi) or without one
// (anti), and retracted or emitted again as its matches come and go.
func (j *Join) semi(r *Rec, fromRight bool) {
	anti := j.Type == AntiJoin
	retract := r.Kind.IsRetract()
	addKind, delKind := Insert, Delete
	if r.Kind == UpdateAfter {
		addKind = UpdateAfter
	}
	if r.Kind == UpdateBefore {
		delKind = UpdateBefore
	}
	out := func(row types.Row, kind RowKind) {
		o := j.arena.row(j.LeftWidth)
		copy(o, row)
		j.out = append(j.out, Rec{Row: o, Kind: kind, Ts: r.Ts})
	}
	if !fromRight {
		key, ok := j.key(r.Row, j.LeftKeys)
		if !ok {
			// A NULL key matches nothing: the row is in an anti join's
			// result for good.
			if anti {
				out(r.Row, map[bool]RowKind{false: addKind, true: delKind}[retract])
			}
			return
		}
		j.expireKey(key)
		if !retract {
			e := j.newEntry(r, false)
			rights, _ := j.right.get(key)
			for _, o := range rights {
				if j.matches(e.row, o.row) {
					e.matches++
				}
			}
			if (e.matches > 0) != anti {
				out(e.row, addKind)
			}
			list, _ := j.left.get(key)
			j.left.put(key, append(list, e))
			return
		}
		list, _ := j.left.get(key)
		for i, e := range list {
			if !rowsEqual(e.row, r.Row) {
				continue
			}
			removeEntry(j.left, key, list, i)
			if (e.matches > 0) != anti {
				out(e.row, delKind)
			}
			return
		}
		return
	}
	key, ok := j.key(r.Row, j.RightKeys)
	if !ok {
		return
	}
	j.expireKey(key)
	var e *joinEntry
	list, _ := j.right.get(key)
	if !retract {
		e = j.newEntry(r, true)
		j.right.put(key, append(list, e))
	} else {
		for i, x := range list {
			if rowsEqual(x.row, r.Row) {
				e = x
				removeEntry(j.right, key, list, i)
				break
			}
		}
		if e == nil {
			return
		}
	}
	lefts, _ := j.left.get(key)
	if len(lefts) > 0 {
		defer j.left.put(key, lefts) // their match counts change
	}
	for _, o := range lefts {
		if !j.matches(o.row, e.row) {
			continue
		}
		if !retract {
			o.matches++
			if o.matches == 1 {
				out(o.row, map[bool]RowKind{false: Insert, true: Delete}[anti])
			}
			continue
		}
		o.matches--
		if o.matches == 0 {
			out(o.row, map[bool]RowKind{false: Delete, true: Insert}[anti])
		}
	}
}

// lookup joins left (stream) rows with the right (table) state.
func (j *Join) lookup(r *Rec, fromRight bool) {
	if fromRight {
		key, ok := j.key(r.Row, j.RightKeys)
		if !ok {
			return
		}
		switch r.Kind {
		case UpdateBefore:
		case Delete:
			j.right.del(key)
		default:
			j.right.put(key, []*joinEntry{{row: append(types.Row(nil), r.Row...)}})
		}
		return
	}
	if r.Kind == Delete || r.Kind == UpdateBefore {
		return // a stream's tombstone
	}
	key, ok := j.key(r.Row, j.LeftKeys)
	var match types.Row
	if ok {
		if list, _ := j.right.get(key); len(list) > 0 && j.matches(r.Row, list[0].row) {
			match = list[0].row
		}
	}
	if match == nil && j.Type != LeftJoin {
		return
	}
	j.emitPair(r.Row, match, Insert, r.Ts)
}

// Watermark implements Op.
func (j *Join) Watermark(wm int64) error {
	if wm <= j.wm {
		return nil
	}
	j.wm = wm
	return j.forwardWatermark(wm)
}

// joinCodec encodes a join input's rows of one key.
var joinCodec = stateCodec[[]*joinEntry]{
	enc: func(e *types.Enc, list []*joinEntry) { encodeJoinEntries(e, list) },
	dec: decodeJoinEntries,
	size: func(list []*joinEntry) int {
		if len(list) == 0 {
			return 0
		}
		// the entry (56 bytes), its pointer and its row (48 bytes a
		// value), as wide as the first
		return len(list) * (64 + len(list[0].row)*48)
	},
	tail:   func(e *types.Enc, list []*joinEntry, from int) { encodeJoinEntries(e, list[from:]) },
	length: func(list []*joinEntry) int { return len(list) },
	concat: func(a, b []*joinEntry) []*joinEntry { return append(a, b...) },
}

func encodeJoinEntries(e *types.Enc, list []*joinEntry) {
	{
		e.Uint(uint64(len(list)))
		for _, en := range list {
			e.Row(en.row)
			e.Int(en.ts)
			e.Int(en.touched)
			e.Int(int64(en.matches))
			if en.unpadded {
				e.Uint(1)
			} else {
				e.Uint(0)
			}
		}
	}
}

func decodeJoinEntries(d *types.Dec) []*joinEntry {
	n := d.Uint()
	if d.Err != nil || n > uint64(len(d.B)) {
		return nil
	}
	list := make([]*joinEntry, 0, n)
	for i := uint64(0); i < n && d.Err == nil; i++ {
		list = append(list, &joinEntry{row: d.Row(), ts: d.Int(), touched: d.Int(), matches: int(d.Int()), unpadded: d.Uint() == 1})
	}
	return list
}

// Snapshot implements Snapshotter.
func (j *Join) Snapshot(e *types.Enc) error {
	e.Int(j.streamTime)
	if err := j.left.snapshot(e); err != nil {
		return err
	}
	return j.right.snapshot(e)
}

// Restore implements Snapshotter; with a TTL, restored rows count their
// idle time from the restore.
func (j *Join) Restore(d *types.Dec) error {
	j.streamTime = d.Int()
	for _, st := range []keyedState[[]*joinEntry]{j.left, j.right} {
		if err := st.restore(d); err != nil {
			return err
		}
		if j.ttl(false) > 0 || j.ttl(true) > 0 {
			now := j.oc.nowMicros()
			st.each(func(key []byte, list []*joinEntry) bool {
				for _, en := range list {
					en.touched = now
				}
				st.put(key, list)
				return true
			})
		}
		if err := st.commit(); err != nil {
			return err
		}
	}
	return d.Err
}
