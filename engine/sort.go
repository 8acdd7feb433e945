package engine

import (
	"sort"

	"github.com/tumble/tumble/engine/types"
)

// Sort is ORDER BY (and LIMIT) where a query's result can be ordered:
//
//   - TimeCol < 0 (a bounded query, Flink's batch mode): rows are held
//     (a retraction removes an equal row) and, at the end of input, the
//     first Limit of them (all when Limit is 0) come out in Keys' order.
//   - TimeCol >= 0 (Flink's streaming ORDER BY an event-time attribute
//     first, ascending): each row is held until the watermark reaches its
//     time, then rows come out in Keys' order; a row already behind the
//     watermark is late: dropped and counted.
//
// Ties keep their arrival order.
type Sort struct {
	base
	Keys    []SortKey
	Limit   int64
	TimeCol int

	rows []types.Row
	wm   int64
	out  []Rec
}

var (
	_ Op          = (*Sort)(nil)
	_ Snapshotter = (*Sort)(nil)
)

// Open implements Op.
func (s *Sort) Open(c *OpContext) error {
	s.oc = c
	s.wm = MinWatermark
	return nil
}

// Process implements Op.
func (s *Sort) Process(recs []Rec) error {
	for i := range recs {
		r := &recs[i]
		if s.TimeCol >= 0 {
			if r.Kind.IsRetract() {
				continue // the planner only sorts insert-only input by time
			}
			if t := r.Row[s.TimeCol]; t.IsNull() || t.I <= s.wm {
				s.oc.LateDropped(1)
				continue
			}
		}
		if r.Kind.IsRetract() {
			for k := len(s.rows) - 1; k >= 0; k-- {
				if rowsEqual(s.rows[k], r.Row) {
					s.rows = append(s.rows[:k], s.rows[k+1:]...)
					break
				}
			}
			continue
		}
		s.rows = append(s.rows, copyRow(r.Row))
	}
	return nil
}

// Watermark implements Op: it emits what is due in order.
func (s *Sort) Watermark(wm int64) error {
	if wm <= s.wm {
		return nil
	}
	s.wm = wm
	var due []types.Row
	switch {
	case s.TimeCol < 0 && wm == MaxWatermark:
		due, s.rows = s.rows, nil
	case s.TimeCol >= 0:
		kept := s.rows[:0:0]
		for _, r := range s.rows {
			if r[s.TimeCol].I <= wm {
				due = append(due, r)
			} else {
				kept = append(kept, r)
			}
		}
		s.rows = kept
	}
	if len(due) > 0 {
		sort.SliceStable(due, func(i, j int) bool { return compareSort(due[i], due[j], s.Keys) < 0 })
		if s.Limit > 0 && int64(len(due)) > s.Limit {
			due = due[:s.Limit]
		}
		s.out = s.out[:0]
		for _, r := range due {
			s.out = append(s.out, Rec{Row: r, Kind: Insert})
		}
		if err := s.emit(s.out); err != nil {
			return err
		}
	}
	return s.forwardWatermark(wm)
}

// Snapshot implements Snapshotter.
func (s *Sort) Snapshot(e *types.Enc) error {
	e.Int(s.wm)
	e.Uint(uint64(len(s.rows)))
	for _, r := range s.rows {
		e.Row(r)
	}
	return nil
}

// Restore implements Snapshotter.
func (s *Sort) Restore(d *types.Dec) error {
	s.wm = d.Int()
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		s.rows = append(s.rows, d.Row())
	}
	return d.Err
}
