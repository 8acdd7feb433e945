package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/types"
)

// SessionAgg aggregates per key over session windows: a session grows
// while rows arrive less than Gap apart, and sessions that a row bridges
// merge. Output rows are keys..., window_start, window_end, window_time,
// aggregates... (as WindowAgg).
//
// With EmitOnWatermark (Flink) a session is [first, last + gap) and is
// emitted once, when the watermark passes its end. With the ksqlDB modes a
// session is [first, last] (WINDOWEND inclusive), stream time (the largest
// row time) closes sessions ending before streamTime - Grace, and EMIT
// CHANGES sends, for a row, deletes of the sessions it merged away and the
// new session's value.
type SessionAgg struct {
	base
	Gap      int64
	TimeCol  int
	Keys     []int
	Aggs     []AggCall
	TimeKind types.Kind
	Emit     EmitMode
	Grace    int64

	wm         int64
	streamTime int64
	sessions   map[string][]*session
	keyBuf     []byte
	out        []Rec
	arena      arena
}

type session struct {
	start, end int64 // Flink: end exclusive; ksqlDB: end inclusive
	g          *group
}

var (
	_ Op          = (*SessionAgg)(nil)
	_ Snapshotter = (*SessionAgg)(nil)
)

func (s *SessionAgg) Open(c *OpContext) error {
	s.oc = c
	s.wm, s.streamTime = MinWatermark, MinWatermark
	s.sessions = map[string][]*session{}
	if s.TimeKind == 0 {
		s.TimeKind = types.Timestamp
	}
	return nil
}

// byStreamTime: the emit modes of stream time (EmitEveryRow, EmitFinal):
// sessions close by stream time plus grace, end inclusive, and rows with
// a NULL key or a tombstone are dropped, as Kafka Streams does.
func (s *SessionAgg) byStreamTime() bool { return s.Emit != EmitOnWatermark }

func (s *SessionAgg) Process(recs []Rec) error {
	s.out = s.out[:0]
	s.arena.reset()
	for i := range recs {
		r := &recs[i]
		if s.byStreamTime() && (r.Kind == Delete || anyNull(r.Row, s.Keys)) {
			continue
		}
		tv := r.Row[s.TimeCol]
		if tv.IsNull() {
			s.oc.LateDropped(1)
			continue
		}
		t := tv.I
		lo, hi := t, t+s.Gap // the row's own session (Flink form)
		if s.byStreamTime() {
			hi = t
			if t > s.streamTime {
				s.streamTime = t
			}
			if t < s.streamTime-s.Grace {
				s.oc.LateDropped(1)
				continue
			}
		} else if windowMaxTs(hi) <= s.wm {
			s.oc.LateDropped(1)
			continue
		}
		s.keyBuf = appendKeyCols(s.keyBuf[:0], r.Row, s.Keys)
		key := string(s.keyBuf)
		list := s.sessions[key]
		merged := &session{start: lo, end: hi}
		var keep []*session
		for _, ss := range list {
			overlaps := false
			if s.byStreamTime() {
				overlaps = t >= ss.start-s.Gap && t <= ss.end+s.Gap
			} else {
				// As Flink's TimeWindow.intersects: sessions that
				// touch ([a, b) and [b, c)) merge too.
				overlaps = lo <= ss.end && ss.start <= hi
			}
			if !overlaps {
				keep = append(keep, ss)
				continue
			}
			merged.start = min(merged.start, ss.start)
			merged.end = max(merged.end, ss.end)
			if merged.g == nil {
				merged.g = ss.g
			} else {
				for k := range merged.g.accs {
					merged.g.accs[k].Merge(ss.g.accs[k])
				}
				merged.g.rows += ss.g.rows
				merged.g.maxTs = max(merged.g.maxTs, ss.g.maxTs)
			}
			if s.Emit == EmitEveryRow {
				s.out = append(s.out, Rec{Row: s.result(ss), Kind: Delete, Ts: ss.g.maxTs})
			}
		}
		if merged.g == nil {
			k := make(types.Row, len(s.Keys))
			for j, c := range s.Keys {
				k[j] = r.Row[c]
			}
			merged.g = newGroup(k, s.Aggs)
		}
		merged.g.add(r.Row, s.Aggs, false)
		if r.Ts > merged.g.maxTs {
			merged.g.maxTs = r.Ts
		}
		s.sessions[key] = append(keep, merged)
		if s.Emit == EmitEveryRow {
			s.out = append(s.out, Rec{Row: s.result(merged), Kind: UpdateAfter, Ts: merged.g.maxTs})
		}
		if s.byStreamTime() {
			s.close(s.streamTime - s.Grace)
		}
	}
	return s.emit(s.out)
}

// close forgets (and with EMIT FINAL emits) ksqlDB sessions that ended
// before closeTime, or fires Flink sessions whose end the watermark passed.
func (s *SessionAgg) close(closeTime int64) {
	keys := make([]string, 0, len(s.sessions))
	for k := range s.sessions {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		list := s.sessions[k]
		var keep []*session
		for _, ss := range list {
			var done bool
			if s.byStreamTime() {
				done = ss.end < closeTime
			} else {
				done = windowMaxTs(ss.end) <= closeTime
			}
			if !done {
				keep = append(keep, ss)
				continue
			}
			if s.Emit != EmitEveryRow {
				ts := ss.g.maxTs
				if !s.byStreamTime() {
					ts = windowMaxTs(ss.end) / types.MicrosPerMilli
				}
				s.out = append(s.out, Rec{Row: s.result(ss), Kind: Insert, Ts: ts})
			}
		}
		if len(keep) == 0 {
			delete(s.sessions, k)
		} else {
			s.sessions[k] = keep
		}
	}
}

func (s *SessionAgg) result(ss *session) types.Row {
	row := s.arena.row(len(s.Keys) + 3 + len(s.Aggs))
	n := copy(row, ss.g.key)
	row[n] = types.Value{K: s.TimeKind, I: ss.start}
	row[n+1] = types.Value{K: s.TimeKind, I: ss.end}
	row[n+2] = types.Value{K: s.TimeKind, I: windowMaxTs(ss.end)}
	for i, a := range ss.g.accs {
		row[n+3+i] = a.Result()
	}
	return row
}

func (s *SessionAgg) Watermark(wm int64) error {
	if s.byStreamTime() && wm != MaxWatermark {
		return s.forwardWatermark(wm)
	}
	if wm <= s.wm {
		return nil
	}
	s.wm = wm
	s.out = s.out[:0]
	s.arena.reset()
	if s.byStreamTime() {
		if s.Emit == EmitFinal {
			s.close(MaxWatermark)
		}
	} else {
		s.close(wm)
	}
	if err := s.emit(s.out); err != nil {
		return err
	}
	return s.forwardWatermark(wm)
}

func (s *SessionAgg) Snapshot(e *types.Enc) error {
	e.Int(s.wm)
	e.Int(s.streamTime)
	keys := make([]string, 0, len(s.sessions))
	n := 0
	for k, l := range s.sessions {
		keys = append(keys, k)
		n += len(l)
	}
	sort.Strings(keys)
	e.Uint(uint64(n))
	for _, k := range keys {
		for _, ss := range s.sessions[k] {
			e.Int(ss.start)
			e.Int(ss.end)
			e.Row(ss.g.key)
			e.Int(ss.g.rows)
			e.Int(ss.g.maxTs)
			for _, a := range ss.g.accs {
				a.Encode(e)
			}
		}
	}
	return nil
}

func (s *SessionAgg) Restore(d *types.Dec) error {
	s.wm = d.Int()
	s.streamTime = d.Int()
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		ss := &session{start: d.Int(), end: d.Int()}
		key := d.Row()
		ss.g = newGroup(key, s.Aggs)
		ss.g.rows = d.Int()
		ss.g.maxTs = d.Int()
		for _, a := range ss.g.accs {
			a.Decode(d)
		}
		k := string(appendKeyCols(nil, key, seq(len(key))))
		s.sessions[k] = append(s.sessions[k], ss)
	}
	return d.Err
}
