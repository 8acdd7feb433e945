package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The seed's ten users: the first digit of the id says what the user pays
// (10 x digit, 100 for 0).
var seedUsers = []string{
	"14660caf-508e-42bf-8cc5-c4b9a576a6ac", "245d2676-04f8-4036-bc25-1a9b02bb75f1",
	"357a63c8-e1f6-4adf-8a54-25e78ef6a0f0", "4536beb6-b9b1-4fdf-b248-41807cd5b080",
	"58c405ab-535e-4d25-b76a-7d6cab8adcd1", "6dce3cca-2bf1-488a-8e43-6f05e15ae84f",
	"7c0284d-d1a4-44ab-9e32-b4d61a586f35", "8d1417e6-9429-4220-9874-14e475aed9d2",
	"93e01ba4-861c-4e1e-9ae8-b0e317214c24", "071a417f-b4df-487d-8bd3-d54c7ad14672",
}

func paid(user string) int64 {
	d := int64(user[0] - '0')
	if d == 0 {
		return 100
	}
	return 10 * d
}

// txn is a record of the topic 'transactions'.
type txn struct {
	EventTimestamp string `json:"event_timestamp"`
	TransactionID  int64  `json:"transaction_id"`
	UserID         string `json:"user_id"`
	TotalPaid      int64  `json:"total_paid"`
	Status         string `json:"status"`
}

// window is a row of a seed sink: Flink's field names.
type window struct {
	Start string `json:"window_start"`
	End   string `json:"window_end"`
	Total int64  `json:"total_paid"`
	Count int64  `json:"total_transactions"`
	Avg   int64  `json:"average_transaction_value"`
}

const tsLayout = "2006-01-02 15:04:05.000"

// seedData returns n transactions with event times from base, 40 ms
// apart, in time order (so every partition is in order and no row is late
// under the seed's watermark, which has no delay).
func seedData(seed int64, base time.Time, n int) []txn {
	r := rand.New(rand.NewSource(seed))
	out := make([]txn, n)
	for i := range out {
		u := seedUsers[r.Intn(len(seedUsers))]
		st := "Paid"
		if r.Intn(2) == 0 {
			st = "Refused"
		}
		out[i] = txn{EventTimestamp: base.Add(time.Duration(i) * 40 * time.Millisecond).Format(tsLayout),
			TransactionID: int64(r.Intn(1000000) + 1), UserID: u, TotalPaid: paid(u), Status: st}
	}
	return out
}

// expected computes each 3-second window of Paid transactions by hand,
// keyed by the window's start as "yyyy-MM-dd HH:mm:ss".
func expected(txns []txn) map[string]window {
	out := map[string]window{}
	for _, x := range txns {
		if x.Status != "Paid" {
			continue
		}
		t, err := time.Parse(tsLayout, x.EventTimestamp)
		if err != nil {
			panic(err)
		}
		start := t.Truncate(3 * time.Second)
		key := start.Format(time.DateTime)
		w := out[key]
		w.Start, w.End = key, start.Add(3*time.Second).Format(time.DateTime)
		w.Total += x.TotalPaid
		w.Count++
		out[key] = w
	}
	for k, w := range out {
		w.Avg = w.Total / w.Count
		out[k] = w
	}
	return out
}

// produceSeed writes txns to topic (keyed by user id, Kafka's default
// partitioner) and then, to every partition, a Refused transaction 10 s
// after the last one, which moves every partition's watermark past the
// last window.
func produceSeed(ctx context.Context, bootstrap, topic string, txns []txn, closers bool) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		return err
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, x := range txns {
		v, _ := json.Marshal(x)
		recs = append(recs, &kgo.Record{Key: []byte(x.UserID), Value: v})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return fmt.Errorf("producing to %s: %w", topic, err)
	}
	if !closers || len(txns) == 0 {
		return nil
	}
	last, _ := time.Parse(tsLayout, txns[len(txns)-1].EventTimestamp)
	return produceClosers(ctx, bootstrap, topic, last.Add(10*time.Second))
}

func produceClosers(ctx context.Context, bootstrap, topic string, at time.Time) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.DefaultProduceTopic(topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer cl.Close()
	parts, err := partitions(ctx, cl, topic)
	if err != nil {
		return err
	}
	var recs []*kgo.Record
	for p := int32(0); p < parts; p++ {
		v, _ := json.Marshal(txn{EventTimestamp: at.Format(tsLayout), TransactionID: 1, UserID: seedUsers[0], TotalPaid: 10, Status: "Refused"})
		recs = append(recs, &kgo.Record{Partition: p, Key: []byte(seedUsers[0]), Value: v})
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

func partitions(ctx context.Context, cl *kgo.Client, topic string) (int32, error) {
	td, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		return 0, err
	}
	t, ok := td[topic]
	if !ok || t.Err != nil {
		return 0, fmt.Errorf("topic %s: %v", topic, t.Err)
	}
	return int32(len(t.Partitions)), nil
}

func createTopic(ctx context.Context, bootstrap, topic string, parts int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, parts, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	return err
}

// rawRecord is a record as read back, with its value's text.
type rawRecord struct {
	Key, Value []byte
	Partition  int32
	Offset     int64
	Timestamp  time.Time
}

// readUntil reads topic from the start until done(records) says so or the
// time runs out; committed reads with isolation read_committed.
func readUntil(ctx context.Context, bootstrap, topic string, committed bool, within time.Duration, done func([]rawRecord) bool) ([]rawRecord, error) {
	// A topic created after the reader started must be seen soon, not at
	// the next metadata refresh (5 minutes by default).
	opts := []kgo.Opt{kgo.SeedBrokers(bootstrap), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.MetadataMinAge(200 * time.Millisecond), kgo.MetadataMaxAge(time.Second)}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []rawRecord
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if done != nil && done(out) {
			return out, nil
		}
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fs := cl.PollFetches(pctx)
		cancel()
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		fs.EachRecord(func(r *kgo.Record) {
			out = append(out, rawRecord{Key: r.Key, Value: r.Value, Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp})
		})
	}
	if done == nil {
		return out, nil
	}
	return out, fmt.Errorf("topic %s: timed out after %s with %d records", topic, within, len(out))
}

// windows decodes a Flink seed sink's records.
func windows(recs []rawRecord) ([]window, error) {
	out := make([]window, 0, len(recs))
	for _, r := range recs {
		var w window
		if err := json.Unmarshal(r.Value, &w); err != nil {
			return nil, fmt.Errorf("bad record %q: %v", r.Value, err)
		}
		w.Start, w.End = trimMillis(w.Start), trimMillis(w.End)
		out = append(out, w)
	}
	return out, nil
}

func trimMillis(s string) string { return strings.TrimSuffix(s, ".000") }

// compareWindows checks got (each window once unless dups) against want.
func compareWindows(got []window, want map[string]window, dups bool) error {
	seen := map[string]int{}
	var problems []string
	for _, w := range got {
		seen[w.Start]++
		e, ok := want[w.Start]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected window %+v", w))
		case e != w:
			problems = append(problems, fmt.Sprintf("window %s: got %+v, want %+v", w.Start, w, e))
		}
	}
	for k := range want {
		switch n := seen[k]; {
		case n == 0:
			problems = append(problems, fmt.Sprintf("window %s missing", k))
		case n > 1 && !dups:
			problems = append(problems, fmt.Sprintf("window %s written %d times", k, n))
		}
	}
	sort.Strings(problems)
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// seedFiles copies the seed's Flink or ksqlDB files into dir, each edited
// by edit (the broker's address and what a check changes).
func (e *env) seedFiles(kind, dir string, edit func(name, text string) string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(e.shared, "seed", kind, "*.sql"))
	if err != nil || len(files) == 0 {
		return nil, skipf("the seed's %s files are absent (%s)", kind, filepath.Join(e.shared, "seed", kind))
	}
	sort.Strings(files)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		p := filepath.Join(dir, filepath.Base(f))
		if err := os.WriteFile(p, []byte(edit(filepath.Base(f), string(b))), 0o644); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
