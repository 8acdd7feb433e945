package datagen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brianvoe/gofakeit/v6"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine/types"
)

// Users are the seed workload's ten users. Users[d] starts with the digit d
// and always pays Amount(d), so every window's result can be worked out by
// hand.
var Users = [10]string{
	"08334d79-a60f-41f4-ba2f-717efe14ca81",
	"192b7ff1-bba8-4534-a23f-bf70c7f22500",
	"2a5bbd2b-7557-4330-a9bd-b03c8efe5c3f",
	"3327238f-adaa-4fe8-b6a8-5233e7ae5398",
	"4d5b7603-8c24-4cd9-ab7a-8bab6d313a7b",
	"5f836637-8ce0-48bb-9f80-f338a554bf3d",
	"63b7d0da-c959-49f9-ac97-73500b3a0a7f",
	"7cd1d59f-748f-494f-8ea6-3b36c62da693",
	"80fb8edb-441a-43e3-b15c-063c7cd9dadd",
	"92618025-04d8-470c-b0d9-ed29bfe2653c",
}

// Amount is what the user whose id starts with digit d pays: 10*d, and 100
// for 0.
func Amount(d int) int {
	if d == 0 {
		return 100
	}
	return 10 * d
}

// TxConfig configures ProduceTransactions.
type TxConfig struct {
	Bootstrap string           // comma-separated brokers; "localhost:9092" when empty
	Topic     string           // "transactions" when empty
	N         int              // records to send; 100 when 0
	Parallel  int              // concurrent workers; 10 when 0
	Rate      float64          // records per second over all workers; 0 = as fast as possible
	Progress  io.Writer        // progress lines (about one a second) and a summary; nil = silent
	Clock     func() time.Time // event time of each record; time.Now when nil
	Seed      int64            // gofakeit seed; 0 = random
	// Partitions is the partition count used if the topic must be
	// created; 3 when 0.
	Partitions int
}

// TxStats reports what a producer did.
type TxStats struct {
	Sent    int64
	Failed  int64
	Elapsed time.Duration
}

const connectTimeout = 15 * time.Second

func brokers(s string) []string {
	var out []string
	for _, b := range strings.Split(s, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		out = []string{"localhost:9092"}
	}
	return out
}

// ensureTopic creates topic with partitions unless it exists and returns
// its partition count. It fails if no broker answers within 15 s.
func ensureTopic(ctx context.Context, cl *kgo.Client, addrs []string, topic string, partitions int) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	adm := kadm.NewClient(cl)
	_, err := adm.CreateTopic(ctx, int32(partitions), -1, nil, topic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return 0, fmt.Errorf("creating topic '%s' at %v: %w", topic, addrs, err)
	}
	td, err := adm.ListTopics(ctx, topic)
	if err == nil {
		err = td.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("reading topic '%s' at %v: %w", topic, addrs, err)
	}
	n := len(td[topic].Partitions)
	if n == 0 {
		return 0, fmt.Errorf("topic '%s' has no partitions", topic)
	}
	return n, nil
}

// ProduceTransactions writes cfg.N seed transactions to Kafka as the demo's
// producer does: key user_id, JSON value
//
//	{"event_timestamp": "2026-11-23 23:09:46.153", "user_id": "...", "transaction_id": 393722, "total_paid": 20, "status": "Paid"}
//
// with the user one of Users, total_paid fixed per user, status Paid or
// Refused and transaction_id 1..1000000 at random, event_timestamp the
// clock's wall time. Parallel workers send concurrently, so records do not
// arrive in event-time order. It blocks until every record is acknowledged
// or failed, or ctx is done; it creates the topic if needed.
func ProduceTransactions(ctx context.Context, cfg TxConfig) (TxStats, error) {
	if cfg.Topic == "" {
		cfg.Topic = "transactions"
	}
	if cfg.N <= 0 {
		cfg.N = 100
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 10
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = 3
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	addrs := brokers(cfg.Bootstrap)
	// Records wait up to 250 ms to share a batch: at a steady rate, sent
	// one by one, each would be a batch of its own, and a broker keeps
	// memory for every batch it holds (the embedded broker ~72 bytes per
	// retained batch: at 2,000 records/s a 50 ms linger made 33-record
	// batches, 216,000 an hour, 16 MiB of index under the default one-hour
	// retention; 250 ms makes a fifth of that). At higher rates batches
	// fill (1 MB) before the linger ends.
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.ProducerLinger(250*time.Millisecond),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)), kgo.AllowAutoTopicCreation())
	if err != nil {
		return TxStats{}, err
	}
	defer cl.Close()
	if _, err := ensureTopic(ctx, cl, addrs, cfg.Topic, cfg.Partitions); err != nil {
		return TxStats{}, err
	}

	var sent, failed atomic.Int64
	var errOnce sync.Once
	var firstErr error
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			errOnce.Do(func() { firstErr = err })
			return
		}
		sent.Add(1)
	}
	begin := time.Now()
	stopProgress := progress(cfg.Progress, cfg.N, &sent, &failed, begin)

	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < cfg.Parallel; w++ {
		seed := cfg.Seed
		if seed != 0 {
			seed += int64(w)
		}
		faker := gofakeit.New(seed)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(cfg.N) || ctx.Err() != nil {
					return
				}
				if cfg.Rate > 0 && !sleepUntil(ctx, begin.Add(time.Duration(float64(i)/cfg.Rate*float64(time.Second)))) {
					return
				}
				now := cfg.Clock()
				d := faker.IntRange(0, 9)
				status := faker.RandomString([]string{"Paid", "Refused"})
				wall := types.ToWallClock(now.UnixMicro(), now.Location())
				v := appendSeedValue(nil, wall, Users[d], faker.IntRange(1, 1000000), Amount(d), status)
				cl.Produce(ctx, &kgo.Record{Topic: cfg.Topic, Key: []byte(Users[d]), Value: v, Timestamp: now}, promise)
			}
		}()
	}
	wg.Wait()
	ferr := cl.Flush(ctx)
	stats := TxStats{Sent: sent.Load(), Failed: failed.Load(), Elapsed: time.Since(begin)}
	stopProgress(stats)
	switch {
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case ferr != nil:
		return stats, ferr
	case firstErr != nil:
		return stats, fmt.Errorf("%d of %d records failed, first: %w", stats.Failed, cfg.N, firstErr)
	}
	return stats, nil
}

// sleepUntil waits for t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// progress prints a line about once a second until the returned function
// is called, which prints the summary and waits for the printer to stop.
func progress(w io.Writer, n int, sent, failed *atomic.Int64, begin time.Time) func(TxStats) {
	if w == nil {
		return func(TxStats) {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				s := sent.Load()
				fmt.Fprintf(w, "sent %d/%d records (%d failed), %.0f records/s\n", s, n, failed.Load(), float64(s)/time.Since(begin).Seconds())
			}
		}
	}()
	return func(st TxStats) {
		close(done)
		wg.Wait()
		fmt.Fprintf(w, "done: sent %d, failed %d, %.2f seconds\n", st.Sent, st.Failed, st.Elapsed.Seconds())
	}
}

// appendSeedValue writes one seed record value, fields in the producer's
// order.
func appendSeedValue(b []byte, wall int64, user string, id, paid int, status string) []byte {
	b = append(b, `{"event_timestamp": "`...)
	b = types.AppendTimestamp(b, wall, 3, ' ', false)
	b = append(b, `", "user_id": "`...)
	b = append(b, user...)
	b = append(b, `", "transaction_id": `...)
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, `, "total_paid": `...)
	b = strconv.AppendInt(b, int64(paid), 10)
	b = append(b, `, "status": "`...)
	b = append(b, status...)
	return append(b, `"}`...)
}

// ProduceSeedBulk writes n seed records as fast as it can, for benchmarks:
// record i has event time start + i/eventsPerSecond (i ms at 1000/s) and a
// user, status and transaction id derived from i (deterministic), keyed
// and partitioned as ProduceTransactions does. After them it writes one
// record per partition an hour past the last event time (status Refused,
// so no aggregate changes) to move every partition's watermark past the
// last window. It creates the topic with partitions partitions (3 when 0)
// if missing and blocks until everything is acknowledged or ctx is done.
func ProduceSeedBulk(ctx context.Context, bootstrap, topic string, n, eventsPerSecond int, start time.Time, partitions int) (TxStats, error) {
	if topic == "" {
		topic = "transactions"
	}
	if eventsPerSecond <= 0 {
		eventsPerSecond = 1000
	}
	if partitions <= 0 {
		partitions = 3
	}
	addrs := brokers(bootstrap)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.ProducerLinger(5*time.Millisecond), kgo.MaxBufferedRecords(200000),
		kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.AllowAutoTopicCreation())
	if err != nil {
		return TxStats{}, err
	}
	defer cl.Close()
	nparts, err := ensureTopic(ctx, cl, addrs, topic, partitions)
	if err != nil {
		return TxStats{}, err
	}
	var failed atomic.Int64
	var errOnce sync.Once
	var firstErr error
	promise := func(_ *kgo.Record, err error) {
		if err != nil {
			failed.Add(1)
			errOnce.Do(func() { firstErr = err })
		}
	}
	keyPart := kgo.StickyKeyPartitioner(nil).ForTopic(topic)
	var keys [10][]byte
	var userPart [10]int32
	for d, u := range Users {
		keys[d] = []byte(u)
		userPart[d] = int32(keyPart.Partition(&kgo.Record{Key: keys[d]}, nparts))
	}
	step := time.Second / time.Duration(eventsPerSecond)
	loc := start.Location()
	startUs := start.UnixMicro()
	stepUs := step.Microseconds()
	// One zone offset for the whole run unless it crosses a DST change.
	endUs := startUs + int64(n)*stepUs
	off := types.ToWallClock(startUs, loc) - startUs
	constOff := types.ToWallClock(endUs, loc)-endUs == off
	wall := func(us int64) int64 {
		if constOff {
			return us + off
		}
		return types.ToWallClock(us, loc)
	}
	begin := time.Now()
	var slab []byte
	var recs []kgo.Record
	emit := func(d int, part int32, us int64, id int, status string) {
		if cap(slab)-len(slab) < 256 {
			slab = make([]byte, 0, 1<<20)
		}
		at := len(slab)
		slab = appendSeedValue(slab, wall(us), Users[d], id, Amount(d), status)
		if len(recs) == 0 {
			recs = make([]kgo.Record, 4096)
		}
		r := &recs[0]
		recs = recs[1:]
		*r = kgo.Record{Topic: topic, Partition: part, Key: keys[d], Value: slab[at:len(slab):len(slab)], Timestamp: time.UnixMicro(us)}
		cl.Produce(ctx, r, promise)
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		h := mix64(uint64(i))
		d := int(h % 10)
		status := "Paid"
		if h>>8&1 == 1 {
			status = "Refused"
		}
		emit(d, userPart[d], startUs+int64(i)*stepUs, 1+int(h>>16%1000000), status)
	}
	future := endUs + time.Hour.Microseconds()
	for p := 0; p < nparts && ctx.Err() == nil; p++ {
		emit(0, int32(p), future, 1, "Refused")
	}
	ferr := cl.Flush(ctx)
	stats := TxStats{Sent: int64(n+nparts) - failed.Load(), Failed: failed.Load(), Elapsed: time.Since(begin)}
	switch {
	case ctx.Err() != nil:
		return stats, ctx.Err()
	case ferr != nil:
		return stats, ferr
	case firstErr != nil:
		return stats, fmt.Errorf("%d records failed, first: %w", stats.Failed, firstErr)
	}
	return stats, nil
}

// mix64 is SplitMix64's finalizer: a cheap, well-spread hash of i.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
