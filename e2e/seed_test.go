// Package e2e holds end-to-end tests: the seed pipeline on the embedded
// broker, reached over TCP, in-process and as the built binary.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/topicread"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// window is one row of transactions_aggregate_flink.
type window struct {
	Start string `json:"window_start"`
	End   string `json:"window_end"`
	Total int64  `json:"total_paid"`
	Count int64  `json:"total_transactions"`
	Avg   int64  `json:"average_transaction_value"`
}

type txn struct {
	EventTimestamp string `json:"event_timestamp"`
	TransactionID  int64  `json:"transaction_id"`
	UserID         string `json:"user_id"`
	TotalPaid      int64  `json:"total_paid"`
	Status         string `json:"status"`
}

func startBroker(t testing.TB) string {
	t.Helper()
	return startBrokerHandle(t).Addr()
}

// startBrokerHandle starts an in-memory broker on a free port, closed with
// the test, for tests that run its retention or cleaner.
func startBrokerHandle(t testing.TB) *kafka.Broker {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close(); cancel() })
	return b
}

// seedText returns queries/flink with the broker's address.
func seedText(t *testing.T, addr string) string {
	t.Helper()
	files, err := filepath.Glob("../queries/flink/*.sql")
	if err != nil || len(files) != 3 {
		t.Fatalf("queries/flink: %v %v", files, err)
	}
	var sb strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sb.WriteString(strings.ReplaceAll(string(b), "localhost:9092", addr))
		sb.WriteString("\n;\n")
	}
	return sb.String()
}

func readTopic[T any](t *testing.T, addr, topic string) []T {
	t.Helper()
	return readTopicIso[T](t, addr, topic, false)
}

// readTopicIso reads a topic from its start to the end offsets it has
// when called (committed: as a read_committed consumer), decoding each
// record's JSON value.
func readTopicIso[T any](t *testing.T, addr, topic string, committed bool) []T {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	recs, err := topicread.Read(ctx, addr, topic, committed)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		var v T
		if err := jsonUnmarshal(r.Value, &v); err != nil {
			t.Fatalf("bad record %s: %v", r.Value, err)
		}
		out = append(out, v)
	}
	return out
}

// expectedWindows computes each 3-second window of Paid transactions by hand.
func expectedWindows(t *testing.T, txns []txn) map[string]window {
	t.Helper()
	out := map[string]window{}
	for _, x := range txns {
		if x.Status != "Paid" {
			continue
		}
		us, err := types.ParseTimestamp(x.EventTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		size := int64(3 * types.MicrosPerSecond)
		start := us - ((us%size)+size)%size
		key := types.FormatTimestamp(start, 0, ' ')
		w := out[key]
		w.Start, w.End = key, types.FormatTimestamp(start+size, 0, ' ')
		if x.TotalPaid != int64(datagen.Amount(int(x.UserID[0]-'0'))) {
			t.Fatalf("user %s paid %d", x.UserID, x.TotalPaid)
		}
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

type pipeline struct {
	jobs    *session.JobManager
	session *session.Session
}

func runSeed(t *testing.T, addr string) *pipeline {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Dialect: sql.Flink})
	if _, err := s.ExecuteText(context.Background(), seedText(t, addr)); err != nil {
		t.Fatal(err)
	}
	if len(jobs.List()) != 1 {
		t.Fatalf("want one job, have %d", len(jobs.List()))
	}
	return &pipeline{jobs: jobs, session: s}
}

// TestSeedPipelineEveryWindowOnce writes seed records with in-order event
// time (1000 per second over 3 partitions, then a far-future record per
// partition) and checks that every 3-second window of Paid transactions
// appears exactly once with the sum, count and average computed by hand.
func TestSeedPipelineEveryWindowOnce(t *testing.T) {
	addr := startBroker(t)
	p := runSeed(t, addr)
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	const n = 30000
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", n, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.jobs.SyncAll(ctx, false); err != nil {
		t.Fatal(err)
	}
	txns := readTopic[txn](t, addr, "transactions")
	if len(txns) != n+3 {
		t.Fatalf("input has %d records, want %d", len(txns), n+3)
	}
	want := expectedWindows(t, txns)
	got := readTopic[window](t, addr, "transactions_aggregate_flink")
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w.Start] {
			t.Errorf("window %s emitted twice", w.Start)
		}
		seen[w.Start] = true
		if w != want[w.Start] {
			t.Errorf("window %s: got %+v, want %+v", w.Start, w, want[w.Start])
		}
	}
	// 30 s of event time: 10 windows, all fired by the far-future records
	// (which are Refused, so they open no window of their own).
	if len(got) != 10 || len(want) != 10 {
		t.Fatalf("got %d windows, computed %d by hand, want 10", len(got), len(want))
	}
	j := p.jobs.List()[0].Job
	if late := j.Metrics.LateDropped.Load(); late != 0 {
		t.Errorf("%d late records dropped, want none", late)
	}
}

// TestSeedPipelineOutOfOrder runs the real generator (10 workers, so
// records arrive out of order) and checks the pipeline's bookkeeping: no
// window twice, every Paid record either counted in a window or counted as
// late, and each window's average is its sum over its count.
func TestSeedPipelineOutOfOrder(t *testing.T) {
	addr := startBroker(t)
	p := runSeed(t, addr)
	const n = 3000
	st, err := datagen.ProduceTransactions(context.Background(), datagen.TxConfig{Bootstrap: addr, N: n, Parallel: 10, Rate: 3000})
	if err != nil || st.Sent != n {
		t.Fatalf("produce: %+v %v", st, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := p.jobs.SyncAll(ctx, true); err != nil {
		t.Fatal(err)
	}
	txns := readTopic[txn](t, addr, "transactions")
	paid := 0
	for _, x := range txns {
		if x.Status == "Paid" {
			paid++
		}
	}
	got := readTopic[window](t, addr, "transactions_aggregate_flink")
	seen := map[string]bool{}
	var counted int64
	for _, w := range got {
		if seen[w.Start] {
			t.Errorf("window %s emitted twice", w.Start)
		}
		seen[w.Start] = true
		counted += w.Count
		if w.Count == 0 || w.Avg != w.Total/w.Count {
			t.Errorf("window %+v: average is not sum/count", w)
		}
	}
	late := p.jobs.List()[0].Job.Metrics.LateDropped.Load()
	if counted+late != int64(paid) {
		t.Errorf("windows count %d Paid rows and %d were late; the topic has %d", counted, late, paid)
	}
	want := expectedWindows(t, txns)
	exact := 0
	for _, w := range got {
		if w == want[w.Start] {
			exact++
		}
	}
	t.Logf("%d windows, %d exact, %d late rows of %d Paid", len(got), exact, late, paid)
	if late == 0 && exact != len(got) {
		t.Errorf("no late rows, yet only %d of %d windows are exact", exact, len(got))
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(got) != len(want) {
		t.Errorf("got %d windows, the input spans %d: %v", len(got), len(want), keys)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
