package engine

import (
	"sort"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// SortKey is one ORDER BY column of a ranking operator.
type SortKey struct {
	Col  int
	Desc bool
}

// compareSort orders two rows by keys. NULL is the lowest value: first
// when ascending, last when descending.
func compareSort(a, b types.Row, keys []SortKey) int {
	for _, k := range keys {
		if c := types.Compare(a[k.Col], b[k.Col]); c != 0 {
			if k.Desc {
				return -c
			}
			return c
		}
	}
	return 0
}

// rankList is one partition's rows in rank order (index 0 is rank 1).
type rankList struct {
	key  types.Row
	rows []types.Row
}

// insertPos is where row goes: after the rows that sort equal to it
// (arrival order), or before them with newerFirst.
func (l *rankList) insertPos(row types.Row, keys []SortKey, newerFirst bool) int {
	return sort.Search(len(l.rows), func(i int) bool {
		c := compareSort(l.rows[i], row, keys)
		if newerFirst {
			return c >= 0
		}
		return c > 0
	})
}

// find returns the position of a row equal to row, or -1.
func (l *rankList) find(row types.Row, keys []SortKey) int {
	i := sort.Search(len(l.rows), func(i int) bool { return compareSort(l.rows[i], row, keys) >= 0 })
	for ; i < len(l.rows) && compareSort(l.rows[i], row, keys) == 0; i++ {
		if rowsEqual(l.rows[i], row) {
			return i
		}
	}
	return -1
}

func (l *rankList) insert(p int, row types.Row) {
	l.rows = append(l.rows, nil)
	copy(l.rows[p+1:], l.rows[p:])
	l.rows[p] = row
}

func (l *rankList) remove(p int) {
	copy(l.rows[p:], l.rows[p+1:])
	l.rows[len(l.rows)-1] = nil
	l.rows = l.rows[:len(l.rows)-1]
}

// truncate keeps the first n rows.
func (l *rankList) truncate(n int) {
	for i := n; i < len(l.rows); i++ {
		l.rows[i] = nil
	}
	if n < len(l.rows) {
		l.rows = l.rows[:n]
	}
}

// rankTable is an insertion-ordered hash table of partitions.
type rankTable struct {
	index map[string]int
	lists []*rankList
}

func (t *rankTable) lookup(key []byte) *rankList {
	if i, ok := t.index[string(key)]; ok {
		return t.lists[i]
	}
	return nil
}

// get returns the partition of key, creating it from row's cols.
func (t *rankTable) get(key []byte, row types.Row, cols []int) *rankList {
	if l := t.lookup(key); l != nil {
		return l
	}
	k := make(types.Row, len(cols))
	for i, c := range cols {
		k[i] = row[c]
	}
	return t.add(key, k)
}

func (t *rankTable) add(key []byte, k types.Row) *rankList {
	l := &rankList{key: k}
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.index[string(key)] = len(t.lists)
	t.lists = append(t.lists, l)
	return l
}

// drop removes the partition of key.
func (t *rankTable) drop(key []byte) {
	i, ok := t.index[string(key)]
	if !ok {
		return
	}
	delete(t.index, string(key))
	last := len(t.lists) - 1
	if i != last {
		moved := t.lists[last]
		t.lists[i] = moved
		t.index[string(rowKey(moved.key))] = i
	}
	t.lists[last] = nil
	t.lists = t.lists[:last]
}

func rowKey(r types.Row) []byte {
	var b []byte
	for _, v := range r {
		b = types.AppendKey(b, v)
	}
	return b
}

func (t *rankTable) encode(e *types.Enc) {
	e.Uint(uint64(len(t.lists)))
	for _, l := range t.lists {
		e.Row(l.key)
		e.Uint(uint64(len(l.rows)))
		for _, r := range l.rows {
			e.Row(r)
		}
	}
}

func (t *rankTable) decode(d *types.Dec) {
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		k := d.Row()
		l := t.add(rowKey(k), k)
		nr := d.Uint()
		for j := uint64(0); j < nr && d.Err == nil; j++ {
			l.rows = append(l.rows, d.Row())
		}
	}
}

func copyRow(r types.Row) types.Row { return append(types.Row(nil), r...) }

// Rank is Flink's Top-N over an unbounded input: per partition, the rows
// ranked Start..End (1-based, inclusive) by Order, kept up to date as rows
// arrive (and, with KeepAll, are retracted).
//
// With OutputRank each output row carries its rank (BIGINT) as a last
// column, and a row that moves changes the rows at each rank it touches:
// -U old / +U new per rank, +I for a rank filled for the first time, -D
// for a rank left empty. Without it, rows entering the range come out as
// +I and rows leaving it as -D (the -D first).
//
// KeepAll keeps every row of a partition so that retractions can bring
// lower rows back into the range (Flink's RetractStrategy); otherwise only
// the top End rows are kept and retractions of forgotten rows are ignored
// (AppendFastStrategy, for insert-only input).
type Rank struct {
	base
	Partition  []int
	Order      []SortKey
	Start, End int64
	OutputRank bool
	KeepAll    bool
	// TTL forgets a partition not written for that long (state TTL, see
	// ttl.go); its rows are not retracted.
	TTL time.Duration
	ttl keyTTL

	st     keyedState[*rankList]
	keyBuf []byte
	out    []Rec
	arena  arena
}

var (
	_ Op          = (*Rank)(nil)
	_ Snapshotter = (*Rank)(nil)
)

// Process implements Op.
func (r *Rank) Process(recs []Rec) error {
	r.out = r.out[:0]
	r.arena.reset()
	for i := range recs {
		rec := &recs[i]
		r.keyBuf = appendKeyCols(r.keyBuf[:0], rec.Row, r.Partition)
		if r.ttl.expired(r.oc, r.TTL, r.keyBuf) {
			r.st.del(r.keyBuf)
		}
		if rec.Kind.IsRetract() {
			l, ok := r.st.get(r.keyBuf)
			if !ok {
				continue
			}
			p := l.find(rec.Row, r.Order)
			if p < 0 {
				continue
			}
			removed := l.rows[p]
			l.remove(p)
			r.afterRemove(l, p, removed, rec.Ts)
			if len(l.rows) == 0 {
				r.st.del(r.keyBuf)
				r.ttl.forget(r.keyBuf)
			} else {
				r.st.put(r.keyBuf, l)
				r.ttl.touch(r.oc, r.TTL, r.keyBuf)
			}
			continue
		}
		l, ok := r.st.get(r.keyBuf)
		if !ok {
			l = &rankList{key: keyRow(rec.Row, r.Partition)}
		}
		r.ttl.touch(r.oc, r.TTL, r.keyBuf)
		p := l.insertPos(rec.Row, r.Order, false)
		if !r.KeepAll && int64(p) >= r.End {
			if !ok {
				r.st.put(r.keyBuf, l)
			}
			continue // never reaches the range: forget it
		}
		l.insert(p, copyRow(rec.Row))
		r.afterInsert(l, p, rec.Ts)
		if !r.KeepAll && int64(len(l.rows)) > r.End {
			l.truncate(int(r.End))
		}
		r.st.put(r.keyBuf, l)
	}
	if err := r.st.commit(); err != nil {
		return err
	}
	return r.emit(r.out)
}

// Open implements Op.
func (r *Rank) Open(c *OpContext) error {
	r.oc = c
	r.st = newKeyedState(c, rankListCodec)
	return nil
}

// rankListCodec encodes a partition of Top-N or deduplication state.
var rankListCodec = stateCodec[*rankList]{
	enc: func(e *types.Enc, l *rankList) {
		e.Row(l.key)
		e.Uint(uint64(len(l.rows)))
		for _, r := range l.rows {
			e.Row(r)
		}
	},
	dec: func(d *types.Dec) *rankList {
		l := &rankList{key: d.Row()}
		n := d.Uint()
		if d.Err != nil || n > uint64(len(d.B)) {
			return l
		}
		l.rows = make([]types.Row, 0, n)
		for i := uint64(0); i < n && d.Err == nil; i++ {
			l.rows = append(l.rows, d.Row())
		}
		return l
	},
}

// restoreKeyed restores a keyed state; with a TTL its keys count their
// idle time from the restore.
func restoreKeyed[V any](st keyedState[V], d *types.Dec, oc *OpContext, ttl time.Duration, k *keyTTL) error {
	if err := st.restore(d); err != nil {
		return err
	}
	if ttl > 0 {
		st.each(func(key []byte, _ V) bool {
			k.touch(oc, ttl, key)
			return true
		})
	}
	return st.commit()
}

// afterInsert emits the changes of inserting at position p (the list
// already holds the new row).
func (r *Rank) afterInsert(l *rankList, p int, ts int64) {
	n, s, t := len(l.rows), int(r.Start-1), int(r.End-1)
	if p > t {
		return
	}
	if r.OutputRank {
		// Before the insert, position k >= p held what is now at k+1.
		for k := max(p, s); k <= t && k < n; k++ {
			cur := l.rows[k]
			if k+1 < n {
				old := l.rows[k+1]
				if !rowsEqual(old, cur) {
					r.add(UpdateBefore, old, k+1, ts)
					r.add(UpdateAfter, cur, k+1, ts)
				}
			} else {
				r.add(Insert, cur, k+1, ts)
			}
		}
		return
	}
	var leaving, entering types.Row
	switch {
	case p >= s:
		entering = l.rows[p]
	case s < n:
		entering = l.rows[s]
	}
	if t+1 < n {
		leaving = l.rows[t+1]
	}
	r.change(leaving, entering, ts)
}

// afterRemove emits the changes of removing removed from position p.
func (r *Rank) afterRemove(l *rankList, p int, removed types.Row, ts int64) {
	n, s, t := len(l.rows), int(r.Start-1), int(r.End-1)
	if p > t {
		return
	}
	if r.OutputRank {
		// Before the removal, position k > p held what is now at k-1;
		// positions 0..n existed.
		for k := max(p, s); k <= t && k <= n; k++ {
			old := removed
			if k > p {
				old = l.rows[k-1]
			}
			if k < n {
				cur := l.rows[k]
				if !rowsEqual(old, cur) {
					r.add(UpdateBefore, old, k+1, ts)
					r.add(UpdateAfter, cur, k+1, ts)
				}
			} else {
				r.add(Delete, old, k+1, ts)
			}
		}
		return
	}
	var leaving, entering types.Row
	switch {
	case p >= s:
		leaving = removed
	case s <= n:
		leaving = l.rows[s-1]
	}
	if t < n {
		entering = l.rows[t]
	}
	r.change(leaving, entering, ts)
}

// change emits a row leaving the range and one entering it (no rank
// numbers): the deletion first, so that upsert sinks keyed by the
// partition end with the new row.
func (r *Rank) change(leaving, entering types.Row, ts int64) {
	if leaving != nil && entering != nil && rowsEqual(leaving, entering) {
		return
	}
	if leaving != nil {
		r.add(Delete, leaving, 0, ts)
	}
	if entering != nil {
		r.add(Insert, entering, 0, ts)
	}
}

func (r *Rank) add(kind RowKind, row types.Row, rank int, ts int64) {
	if r.OutputRank {
		out := r.arena.row(len(row) + 1)
		copy(out, row)
		out[len(row)] = types.BigIntV(int64(rank))
		row = out
	}
	r.out = append(r.out, Rec{Row: row, Kind: kind, Ts: ts})
}

// Snapshot implements Snapshotter.
func (r *Rank) Snapshot(e *types.Enc) error { return r.st.snapshot(e) }

// Restore implements Snapshotter.
func (r *Rank) Restore(d *types.Dec) error {
	return restoreKeyed(r.st, d, r.oc, r.TTL, &r.ttl)
}

// ExpireState implements StateExpirer.
func (r *Rank) ExpireState(now int64) {
	r.ttl.sweep(r.oc, r.TTL, now, r.st.del)
	r.st.commit() // an error shows at the next batch
}
