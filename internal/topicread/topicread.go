// Package topicread reads a Kafka topic from its start to its end, for
// tests and test runners that check what a job wrote. It imports nothing
// of ours.
package topicread

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Read returns the records of topic from each partition's log start to
// the end offset the partition has when Read is called (with committed,
// the last stable offset, records of aborted transactions left out, as a
// read_committed consumer sees them), in partition and offset order,
// without transaction markers. A missing topic has no records. Read does
// not stop at a quiet moment: a first fetch that is slow on a loaded
// machine is waited for, until ctx ends (then it returns ctx's error).
// opts are more client options (security settings).
func Read(ctx context.Context, addr, topic string, committed bool, opts ...kgo.Opt) ([]*kgo.Record, error) {
	opts = append([]kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.KeepControlRecords(), // a partition's last offset is often a commit marker
	}, opts...)
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("start offsets of %s: %w", topic, err)
	}
	list := adm.ListEndOffsets
	if committed {
		list = adm.ListCommittedOffsets
	}
	ends, err := list(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	left := map[int32]int64{} // partition -> end offset not reached yet
	var lerr error
	ends.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
		case o.Err != nil:
			lerr = fmt.Errorf("end offset of %s partition %d: %w", topic, o.Partition, o.Err)
		default:
			start := int64(0)
			if s, ok := starts.Lookup(topic, o.Partition); ok && s.Err == nil {
				start = s.Offset
			}
			if o.Offset > start { // else empty
				left[o.Partition] = o.Offset
			}
		}
	})
	if lerr != nil {
		return nil, lerr
	}
	var out []*kgo.Record
	for len(left) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("reading %s: partitions (end offsets) %v not read to the end: %w", topic, left, err)
		}
		var ferr error
		fs.EachError(func(_ string, p int32, err error) {
			if ferr == nil && !kerr.IsRetriable(err) {
				ferr = fmt.Errorf("reading %s partition %d: %w", topic, p, err)
			}
		})
		if ferr != nil {
			return out, ferr
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := left[r.Partition]
			if !ok || r.Offset >= end {
				return // past the end Read was asked for
			}
			if r.Offset+1 >= end {
				delete(left, r.Partition)
			}
			if !r.Attrs.IsControl() {
				out = append(out, r)
			}
		})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Partition != out[j].Partition {
			return out[i].Partition < out[j].Partition
		}
		return out[i].Offset < out[j].Offset
	})
	return out, nil
}
