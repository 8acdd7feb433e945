package kafka

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
)

// What a source does when its position falls out of the log: retention
// deleted records it had not read yet (the position is below the log
// start), or the topic was recreated or lost data (the position is past
// the log end).
const (
	lossEarliest = "earliest" // resume at the log start
	lossLatest   = "latest"   // resume at the log end
	lossFail     = "none"     // fail the job
)

// DefaultOnDataLoss is the TableSpec.Defaults key a front-end sets to
// choose the rule itself: "earliest", "latest" or "none" (fail). Spark's
// failOnDataLoss = true (its default) is "none", false is "earliest".
const DefaultOnDataLoss = "kafka.on-data-loss"

// lossRule is the table's rule, as its dialect reads it:
//   - Flink: the reset strategy of 'scan.startup.mode' (earliest-offset and
//     specific-offsets: earliest; latest-offset: latest; timestamp: none;
//     group-offsets: 'properties.auto.offset.reset'); 'upsert-kafka':
//     earliest.
//   - ksqlDB: the session's auto.offset.reset, latest by default.
func (c *config) lossRule() string {
	if v := strings.ToLower(c.spec.Defaults[DefaultOnDataLoss]); v != "" {
		return v
	}
	switch {
	case c.upsert:
		return lossEarliest
	case c.rules.Start == engine.StartByOffsetReset:
		if v := strings.ToLower(c.spec.Defaults["auto.offset.reset"]); v == lossEarliest || v == lossFail {
			return v
		}
		return lossLatest
	}
	switch c.startMode {
	case StartLatest:
		return lossLatest
	case StartTime:
		return lossFail
	case StartGroup:
		return c.resetTo
	}
	return lossEarliest
}

// lossRuleName says where the rule comes from, for messages.
func (c *config) lossRuleName() string {
	switch {
	case c.spec.Defaults[DefaultOnDataLoss] != "":
		return "failOnDataLoss"
	case c.upsert:
		return "upsert-kafka reads from the earliest offset"
	case c.rules.Start == engine.StartByOffsetReset:
		return "auto.offset.reset"
	case c.startMode == StartGroup:
		return "'properties.auto.offset.reset'"
	}
	return "'scan.startup.mode' = '" + c.startMode + "'"
}

// outOfRange lists the partitions a fetch answered OFFSET_OUT_OF_RANGE.
func outOfRange(fs kgo.Fetches) []int32 {
	var out []int32
	fs.EachError(func(_ string, p int32, err error) {
		if errors.Is(err, kerr.OffsetOutOfRange) && !slices.Contains(out, p) {
			out = append(out, p)
		}
	})
	slices.Sort(out)
	return out
}

// recoverPositions moves partitions whose position fell out of the log
// as the table's rule says, and returns a batch for each with the new
// position and the records lost, which it logs with topic, partition and
// offsets. With the rule "none" it fails the job (a permanent error:
// restarting would meet the same gap).
func (s *Source) recoverPositions(ctx context.Context, parts []int32) ([]engine.SplitBatch, error) {
	lctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	first, _, err := s.listed(lctx, s.adm.ListStartOffsets)
	if err != nil {
		return nil, err
	}
	end, _, err := s.listed(lctx, s.endLister())
	if err != nil {
		return nil, err
	}
	rule := s.cfg.lossRule()
	var out []engine.SplitBatch
	move := map[int32]kgo.Offset{}
	for _, p := range parts {
		s.mu.Lock()
		sp := s.splits[p]
		s.mu.Unlock()
		if sp == nil || sp.done {
			continue
		}
		from, lo, hi := sp.next, first[p], end[p]
		to, lost := from, int64(0)
		switch {
		case from < lo:
			if rule == lossFail {
				return nil, engine.Permanent(fmt.Errorf("kafka source '%s': topic '%s' partition %d: records at offsets %d to %d were deleted (retention) before they were read; the log now starts at %d (%s; rule: fail)",
					s.cfg.name, s.cfg.topic, p, from, lo-1, lo, s.cfg.lossRuleName()))
			}
			to = lo
			if rule == lossLatest {
				to = hi
			}
			lost = to - from
			s.log.Warn("kafka: records lost: the position fell before the log start (retention deleted them before they were read)",
				"partition", p, "position", from, "log_start", lo, "log_end", hi, "resume_at", to, "records_lost", lost, "rule", rule)
		case from > hi:
			if rule == lossFail {
				return nil, engine.Permanent(fmt.Errorf("kafka source '%s': topic '%s' partition %d: position %d is past the log end %d (the topic was recreated or the broker lost data) (%s; rule: fail)",
					s.cfg.name, s.cfg.topic, p, from, hi, s.cfg.lossRuleName()))
			}
			to = lo
			if rule == lossLatest {
				to = hi
			}
			s.log.Warn("kafka: the position is past the log end (the topic was recreated or the broker lost data); moving it",
				"partition", p, "position", from, "log_start", lo, "log_end", hi, "resume_at", to, "rule", rule)
		}
		s.mu.Lock()
		sp.next = to
		s.mu.Unlock()
		move[p] = kgo.NewOffset().At(to)
		out = append(out, engine.SplitBatch{Split: p, Next: to, Lost: lost, Reset: to < from})
	}
	if len(move) > 0 {
		var ps []int32
		for p := range move {
			ps = append(ps, p)
		}
		s.cl.RemoveConsumePartitions(map[string][]int32{s.cfg.topic: ps})
		s.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.topic: move})
	}
	return out, nil
}
