package kafka

import (
	"math"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
)

// Micro-batches (engine.Limiter): the engine tells the source where each
// partition stops for the current micro-batch. Records fetched at or past
// a partition's limit are held back, in order, and the partition's
// fetching is paused until a later limit lets them through.

var _ engine.Limiter = (*Source)(nil)

// Limit implements engine.Limiter: each partition stops at its end in
// ends (one not in ends, where it is), and with max > 0 at its share of
// max: max times its part of the offsets to read, rounded down (up when
// below one), as Spark's maxOffsetsPerTrigger. It returns every
// partition's limit. Safe to call while Poll runs; it does not block.
func (s *Source) Limit(ends map[int32]int64, max int64) map[int32]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limiting = true
	size := map[int32]int64{}
	var total int64
	for p, sp := range s.splits {
		if e, ok := ends[p]; ok && !sp.done && sp.next >= 0 && e > sp.next {
			size[p] = e - sp.next
			total += e - sp.next
		}
	}
	out := make(map[int32]int64, len(s.splits))
	for p, sp := range s.splits {
		if sp.next < 0 {
			continue
		}
		limit := sp.next
		if n, ok := size[p]; ok {
			limit += n
			if max > 0 {
				share := float64(max) * float64(n) / float64(total)
				if share < 1 {
					share = math.Ceil(share)
				} else {
					share = math.Floor(share)
				}
				limit = min(limit, sp.next+int64(share))
			}
		}
		sp.limit = limit
		out[p] = limit
		if s.cl != nil {
			s.pause(p, sp)
		}
	}
	if s.wake != nil {
		s.wake() // a Poll waiting for records reads the held ones now
	}
	return out
}

// hold keeps rest (records of sp's partition from the first one on) for
// a later micro-batch when the first is at or past sp's limit.
func (s *Source) hold(sp *split, rest []*kgo.Record) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sp.limit < 0 || rest[0].Offset < sp.limit {
		return false
	}
	cp := append([]*kgo.Record(nil), rest...)
	if len(sp.held) > 0 && sp.held[0].Offset < cp[0].Offset {
		sp.held = append(sp.held, cp...)
	} else {
		sp.held = append(cp, sp.held...)
	}
	return true
}

// pause pauses the fetching of a partition that holds records or has
// reached its limit, and resumes it otherwise. s.mu is held.
func (s *Source) pause(p int32, sp *split) {
	want := sp.limit >= 0 && (len(sp.held) > 0 || sp.next >= sp.limit) && !sp.done
	if want == sp.paused {
		return
	}
	sp.paused = want
	if want {
		s.cl.PauseFetchPartitions(map[string][]int32{s.cfg.topic: {p}})
	} else {
		s.cl.ResumeFetchPartitions(map[string][]int32{s.cfg.topic: {p}})
	}
}

// takeHeld decodes the held records the limits now let through.
func (s *Source) takeHeld() ([]engine.SplitBatch, error) {
	s.mu.Lock()
	var parts []partRecords
	n := 0
	for p, sp := range s.splits {
		if len(sp.held) > 0 && (sp.limit < 0 || sp.held[0].Offset < sp.limit) {
			parts = append(parts, partRecords{p, sp.held})
			n += len(sp.held)
			sp.held = nil
		}
	}
	s.mu.Unlock()
	if len(parts) == 0 {
		return nil, nil
	}
	slices.SortFunc(parts, func(a, b partRecords) int { return int(a.p - b.p) })
	return s.decodeParts(parts, n)
}
