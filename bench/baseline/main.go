// Command baseline is the yardstick for Tumble's seed pipeline: the Go
// program a user would write by hand. It reads the transactions topic from
// the start with franz-go, decodes each record with encoding/json into a
// struct, keeps the Paid ones, and sums and counts them per 3-second window.
// It stops at the end offsets it saw when it started and prints the windows
// as JSON lines ({"start":..., "sum":..., "count":...}) and, on stderr, the
// time it took.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

type transaction struct {
	EventTimestamp string `json:"event_timestamp"`
	UserID         string `json:"user_id"`
	TransactionID  int64  `json:"transaction_id"`
	TotalPaid      int64  `json:"total_paid"`
	Status         string `json:"status"`
}

type window struct {
	Start string `json:"start"`
	Sum   int64  `json:"sum"`
	Count int64  `json:"count"`
}

func main() {
	bootstrap := flag.String("bootstrap", "localhost:9092", "Kafka bootstrap servers")
	topic := flag.String("topic", "transactions", "topic to read")
	flag.Parse()
	begin := time.Now()
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(*bootstrap), kgo.ConsumeTopics(*topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxBytes(64<<20))
	if err != nil {
		fail(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, *topic)
	if err != nil {
		fail(err)
	}
	remaining := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Offset > 0 {
			remaining[o.Partition] = o.Offset
		}
	})
	const size = 3 * time.Second
	sums := map[int64]*window{}
	for len(remaining) > 0 {
		fs := cl.PollFetches(ctx)
		if errs := fs.Errors(); len(errs) > 0 {
			fail(errs[0].Err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset+1 >= remaining[r.Partition] {
				delete(remaining, r.Partition)
			}
			var t transaction
			if err := json.Unmarshal(r.Value, &t); err != nil || t.Status != "Paid" {
				return
			}
			ts, err := time.ParseInLocation("2006-01-02 15:04:05.000", t.EventTimestamp, time.Local)
			if err != nil {
				return
			}
			start := ts.Truncate(size).UnixMilli()
			w := sums[start]
			if w == nil {
				w = &window{Start: ts.Truncate(size).Format("2006-01-02 15:04:05")}
				sums[start] = w
			}
			w.Sum += t.TotalPaid
			w.Count++
		})
	}
	took := time.Since(begin)
	keys := make([]int64, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	enc := json.NewEncoder(os.Stdout)
	for _, k := range keys {
		enc.Encode(sums[k])
	}
	fmt.Fprintf(os.Stderr, "baseline: %d windows in %.3f s\n", len(keys), took.Seconds())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "baseline:", err)
	os.Exit(1)
}
