package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// TemporalJoin is Flink's event-time temporal join: each left (probe) row
// joins the version of the right (versioned, keyed) table that was valid
// at the left row's time, FOR SYSTEM_TIME AS OF its rowtime.
//
// The right input is a changelog keyed by the join keys (the versioned
// table's primary key): +I and +U add the version valid from the row's
// time (the column RightTime), -D marks the row deleted from its time, and
// -U is ignored (the +U that follows carries the new version). Left rows
// wait until the watermark reaches their time (LeftTime); then, in arrival
// order, each joins the latest version whose time is at most its own, if
// that version is not a delete and Cond holds (a LEFT join pads with NULLs
// otherwise), with the left row's kind. Versions older than the latest one
// at or before the watermark can no longer be joined and are dropped, so
// the state is bounded by the watermark.
type TemporalJoin struct {
	base
	Left                  bool        // LEFT JOIN: unmatched left rows padded with NULLs
	LeftKeys, RightKeys   []expr.Expr // equal keys (the right side's primary key)
	Cond                  expr.Expr   // over the joined row; nil: keys only
	LeftWidth, RightWidth int
	LeftTime, RightTime   int // the time attribute columns (micros)

	pending  []tjProbe
	versions map[string][]tjVersion
	// dirty holds the keys with more than one version or a delete: only
	// they can have versions to drop.
	dirty  map[string]struct{}
	wm     int64
	keyBuf []byte
	out    []Rec
	arena  arena
}

type tjProbe struct {
	rec  Rec // row copied
	time int64
	null bool // the time is NULL: joins nothing
}

type tjVersion struct {
	time    int64
	row     types.Row
	deleted bool
}

var (
	_ Op          = (*TemporalJoin)(nil)
	_ Snapshotter = (*TemporalJoin)(nil)
)

type temporalSide struct {
	j     *TemporalJoin
	right bool
}

func (s *temporalSide) Open(*OpContext) error { return nil }
func (s *temporalSide) Close() error          { return nil }
func (s *temporalSide) Process(recs []Rec) error {
	if s.right {
		s.j.addVersions(recs)
		return nil
	}
	s.j.addProbes(recs)
	return nil
}
func (s *temporalSide) Watermark(wm int64) error { return s.j.Watermark(wm) }

// LeftInput is the operator the left (probe) input feeds.
func (j *TemporalJoin) LeftInput() Op { return &temporalSide{j: j} }

// RightInput is the operator the right (versioned table) input feeds.
func (j *TemporalJoin) RightInput() Op { return &temporalSide{j: j, right: true} }

// Open implements Op.
func (j *TemporalJoin) Open(c *OpContext) error {
	j.oc = c
	j.versions, j.dirty = map[string][]tjVersion{}, map[string]struct{}{}
	j.pending = nil
	j.wm = MinWatermark
	return nil
}

// Process implements Op: records pushed to the join itself are left rows.
func (j *TemporalJoin) Process(recs []Rec) error {
	j.addProbes(recs)
	return nil
}

func (j *TemporalJoin) key(row types.Row, keys []expr.Expr) ([]byte, bool) {
	j.keyBuf = j.keyBuf[:0]
	for _, k := range keys {
		v := k.Eval(row)
		if v.IsNull() {
			return nil, false
		}
		j.keyBuf = types.AppendKey(j.keyBuf, v)
	}
	return j.keyBuf, true
}

func (j *TemporalJoin) addProbes(recs []Rec) {
	for _, r := range recs {
		p := tjProbe{rec: Rec{Row: copyRow(r.Row), Kind: r.Kind, Ts: r.Ts}}
		if v := r.Row[j.LeftTime]; v.IsNull() {
			p.null = true
		} else {
			p.time = v.I
		}
		j.pending = append(j.pending, p)
	}
}

func (j *TemporalJoin) addVersions(recs []Rec) {
	for _, r := range recs {
		if r.Kind == UpdateBefore {
			continue
		}
		tv := r.Row[j.RightTime]
		if tv.IsNull() {
			continue
		}
		key, ok := j.key(r.Row, j.RightKeys)
		if !ok {
			continue
		}
		v := tjVersion{time: tv.I, row: copyRow(r.Row), deleted: r.Kind == Delete}
		list := j.versions[string(key)]
		i := sort.Search(len(list), func(i int) bool { return list[i].time >= v.time })
		switch {
		case i < len(list) && list[i].time == v.time:
			list[i] = v // a later change at the same time replaces it
		default:
			list = append(list, tjVersion{})
			copy(list[i+1:], list[i:])
			list[i] = v
		}
		k := string(key)
		j.versions[k] = list
		if len(list) > 1 || v.deleted {
			j.dirty[k] = struct{}{}
		}
	}
}

// versionAt returns the latest version of key at or before t.
func (j *TemporalJoin) versionAt(key []byte, t int64) (tjVersion, bool) {
	list := j.versions[string(key)]
	i := sort.Search(len(list), func(i int) bool { return list[i].time > t })
	if i == 0 {
		return tjVersion{}, false
	}
	return list[i-1], true
}

func (j *TemporalJoin) joined(l, r types.Row) types.Row {
	row := j.arena.row(j.LeftWidth + j.RightWidth)
	copy(row, l)
	if r != nil {
		copy(row[j.LeftWidth:], r)
	} else {
		clear(row[j.LeftWidth:])
	}
	return row
}

// Watermark implements Op: left rows at or before wm are joined and
// emitted, and versions no longer needed are dropped.
func (j *TemporalJoin) Watermark(wm int64) error {
	if wm <= j.wm {
		return nil
	}
	j.wm = wm
	j.out = j.out[:0]
	j.arena.reset()
	kept := j.pending[:0]
	for _, p := range j.pending {
		if !p.null && p.time > wm {
			kept = append(kept, p)
			continue
		}
		var match types.Row
		if key, ok := j.key(p.rec.Row, j.LeftKeys); ok && !p.null {
			if v, ok := j.versionAt(key, p.time); ok && !v.deleted {
				row := j.joined(p.rec.Row, v.row)
				if j.Cond == nil || j.Cond.Eval(row).Bool() {
					match = row
				}
			}
		}
		switch {
		case match != nil:
			j.out = append(j.out, Rec{Row: match, Kind: p.rec.Kind, Ts: p.rec.Ts})
		case j.Left:
			j.out = append(j.out, Rec{Row: j.joined(p.rec.Row, nil), Kind: p.rec.Kind, Ts: p.rec.Ts})
		}
	}
	clear(j.pending[len(kept):])
	j.pending = kept
	j.expire(wm)
	if err := j.emit(j.out); err != nil {
		return err
	}
	return j.forwardWatermark(wm)
}

// expire drops, per key, the versions before the latest one at or before
// wm (no later left row can join them), and a key whose only remaining
// version is such a delete (a later left row finds no version either way).
func (j *TemporalJoin) expire(wm int64) {
	for k := range j.dirty {
		list := j.versions[k]
		i := sort.Search(len(list), func(i int) bool { return list[i].time > wm })
		if i > 1 {
			n := copy(list, list[i-1:])
			clear(list[n:])
			list = list[:n]
			j.versions[k] = list
		}
		switch {
		case len(list) == 1 && list[0].deleted && list[0].time <= wm:
			delete(j.versions, k)
			delete(j.dirty, k)
		case len(list) == 1 && !list[0].deleted:
			delete(j.dirty, k)
		}
	}
}

// Snapshot implements Snapshotter.
func (j *TemporalJoin) Snapshot(e *types.Enc) error {
	e.Int(j.wm)
	e.Uint(uint64(len(j.pending)))
	for _, p := range j.pending {
		e.Row(p.rec.Row)
		e.Uint(uint64(p.rec.Kind))
		e.Int(p.rec.Ts)
	}
	keys := make([]string, 0, len(j.versions))
	for k := range j.versions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	e.Uint(uint64(len(keys)))
	for _, k := range keys {
		list := j.versions[k]
		e.String(k)
		e.Uint(uint64(len(list)))
		for _, v := range list {
			e.Int(v.time)
			e.Row(v.row)
			e.Uint(boolUint(v.deleted))
		}
	}
	return nil
}

// Restore implements Snapshotter.
func (j *TemporalJoin) Restore(d *types.Dec) error {
	j.wm = d.Int()
	n := d.Uint()
	var recs []Rec
	for i := uint64(0); i < n && d.Err == nil; i++ {
		recs = append(recs, Rec{Row: d.Row(), Kind: RowKind(d.Uint()), Ts: d.Int()})
	}
	if d.Err != nil {
		return d.Err
	}
	j.addProbes(recs)
	nk := d.Uint()
	for i := uint64(0); i < nk && d.Err == nil; i++ {
		k := d.String()
		nv := d.Uint()
		var list []tjVersion
		for x := uint64(0); x < nv && d.Err == nil; x++ {
			list = append(list, tjVersion{time: d.Int(), row: d.Row(), deleted: d.Uint() == 1})
		}
		j.versions[k] = list
		j.dirty[k] = struct{}{}
	}
	return d.Err
}

func boolUint(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
