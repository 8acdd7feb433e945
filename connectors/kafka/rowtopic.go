package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// DefaultRowTopic is the TableSpec.Defaults key a front-end sets to
// "true" to let a sink's rows choose their record's topic and partition,
// as Spark's Kafka sink does: the metadata columns 'topic' (used when the
// table has no 'topic' option) and 'partition' (NULL: the partitioner
// chooses) become writable.
const DefaultRowTopic = "kafka.row-topic"

// DefaultPartitions is the TableSpec.Defaults key a front-end sets to the
// partitions a source reads, comma-separated (Spark's 'assign'); the
// others, and partitions added later, are not read.
const DefaultPartitions = "kafka.partitions"

// DefaultSpecialOffsets is the TableSpec.Defaults key a front-end sets to
// "true" to let specific offsets (start and bounded) be -1, a partition's
// end, and -2, its start (Spark's startingOffsets and endingOffsets).
const DefaultSpecialOffsets = "kafka.special-offsets"

const (
	offsetLatest   = -1
	offsetEarliest = -2
)

// rowTopic sets r's topic and partition from the row's metadata columns.
func (s *Sink) rowTopic(ctx context.Context, r *kgo.Record, row types.Row) error {
	if r.Topic == "" { // no 'topic' option: a topic column is there
		v := row[s.topicMeta]
		if v.IsNull() || v.S == "" {
			return engine.Permanent(fmt.Errorf("kafka sink '%s': null topic present in the data. Use the topic option for setting a default topic.", s.cfg.name))
		}
		r.Topic = v.S
	}
	n, err := s.ensureTopic(ctx, r.Topic)
	if err != nil {
		return err
	}
	r.Partition = -1 // the partitioner chooses
	if s.partMeta >= 0 {
		if v := row[s.partMeta]; !v.IsNull() {
			if v.I < 0 || v.I >= int64(n) {
				return engine.Permanent(fmt.Errorf("kafka sink '%s': Invalid partition given with record: %d is not in the range [0...%d).", s.cfg.name, v.I, n))
			}
			r.Partition = int32(v.I)
		}
	}
	return nil
}

// rowPartitioner sends a record whose partition is set (>= 0) there and
// leaves the others to its partitioner.
type rowPartitioner struct{ kgo.Partitioner }

func (p rowPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &rowTopicPartitioner{p.Partitioner.ForTopic(t)}
}

type rowTopicPartitioner struct{ kgo.TopicPartitioner }

func (p *rowTopicPartitioner) Partition(r *kgo.Record, n int) int {
	if r.Partition >= 0 && int(r.Partition) < n {
		return int(r.Partition)
	}
	return p.TopicPartitioner.Partition(r, n)
}

func (p *rowTopicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	return r.Partition >= 0 || p.TopicPartitioner.RequiresConsistency(r)
}

// OnNewBatch passes the batch boundary to a sticky partitioner.
func (p *rowTopicPartitioner) OnNewBatch() {
	if o, ok := p.TopicPartitioner.(kgo.TopicPartitionerOnNewBatch); ok {
		o.OnNewBatch()
	}
}
