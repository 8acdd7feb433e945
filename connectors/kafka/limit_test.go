package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine/types"
)

// Limit makes micro-batches exact: nothing is read before the first
// limit, each partition stops at its limit, records fetched past it are
// delivered once a later limit lets them through, and maxOffsetsPerTrigger
// shares the bound over the partitions in proportion to what each has.
func TestSourceLimit(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 2})
	cl := client(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	// Partition 0 gets 30 records, partition 1 gets 10.
	for i := 0; i < 40; i++ {
		p := int32(0)
		if i%4 == 3 {
			p = 1
		}
		produce(t, cl, &kgo.Record{Topic: "lim", Partition: p, Value: []byte(fmt.Sprintf(`{"n": %d}`, i))})
	}
	spec := tableSpec(b, "flink", []col{{Name: "n", Type: types.TInt}}, "topic", "lim", "format", "json", "scan.startup.mode", "earliest-offset")
	src := openSource(t, spec, nil)
	src.Limit(nil, 0)
	if recs, _, _ := collect(t, src, 1, 700*time.Millisecond); len(recs) != 0 {
		t.Fatalf("read %d records before any limit", len(recs))
	}
	ends, err := src.EndOffsets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ends[0] != 30 || ends[1] != 10 {
		t.Fatalf("ends %v", ends)
	}
	// 20 over 40 offsets to read: partition 0 gets 15, partition 1 gets 5.
	lim := src.Limit(ends, 20)
	if lim[0] != 15 || lim[1] != 5 {
		t.Fatalf("limits %v, want 0:15 1:5", lim)
	}
	recs, next, _ := collect(t, src, 20, 5*time.Second)
	if more, _, _ := collect(t, src, 1, 500*time.Millisecond); len(more) != 0 {
		t.Errorf("read %d records past the limits", len(more))
	}
	if len(recs) != 20 || next[0] != 15 || next[1] != 5 {
		t.Fatalf("first micro-batch: %d records, positions %v", len(recs), next)
	}
	// No bound: the rest, the records held back included, in order.
	lim = src.Limit(ends, 0)
	if lim[0] != 30 || lim[1] != 10 {
		t.Fatalf("limits %v", lim)
	}
	recs, next, _ = collect(t, src, 20, 5*time.Second)
	if len(recs) != 20 || next[0] != 30 || next[1] != 10 {
		t.Fatalf("second micro-batch: %d records, positions %v", len(recs), next)
	}
	last := map[int32]int64{0: -1, 1: -1}
	for _, r := range recs {
		n := r.row[0].I
		if n <= last[r.split] {
			t.Errorf("partition %d: %d after %d", r.split, n, last[r.split])
		}
		last[r.split] = n
	}
	// A tiny bound still reads a partition with little to read.
	produce(t, cl, &kgo.Record{Topic: "lim", Partition: 0, Value: []byte(`{"n": 100}`)}, &kgo.Record{Topic: "lim", Partition: 0, Value: []byte(`{"n": 101}`)},
		&kgo.Record{Topic: "lim", Partition: 1, Value: []byte(`{"n": 102}`)})
	ends, _ = src.EndOffsets(context.Background())
	// Shares of 2/3 and 1/3 of one offset: each rounds up to one.
	if lim = src.Limit(ends, 1); lim[0] != 31 || lim[1] != 11 {
		t.Errorf("limits %v, want 0:31 1:11", lim)
	}
	recs, _, _ = collect(t, src, 2, 5*time.Second)
	if len(recs) != 2 {
		t.Errorf("read %d records, want 2", len(recs))
	}
}
