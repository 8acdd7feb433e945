package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine/types"
)

var eventStart = time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC)

// produceSeed writes seed records [from, to) with event time eventStart +
// i ms (1000 a second), keyed by user, and, with flush, one record per
// partition an hour later (Refused) that closes every window.
func produceSeed(t *testing.T, addr string, from, to int, flush bool) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 3, 1, nil, "transactions"); err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatal(err)
	}
	for i := from; i < to; i++ {
		d := i % 10
		status := "Paid"
		if i%3 == 0 {
			status = "Refused"
		}
		ts := types.FormatTimestamp(eventStart.Add(time.Duration(i)*time.Millisecond).UnixMicro(), 3, ' ')
		v := fmt.Sprintf(`{"event_timestamp": "%s", "user_id": "%s", "transaction_id": %d, "total_paid": %d, "status": "%s"}`,
			ts, datagen.Users[d], i+1, datagen.Amount(d), status)
		cl.Produce(ctx, &kgo.Record{Topic: "transactions", Key: []byte(datagen.Users[d]), Value: []byte(v)}, func(_ *kgo.Record, err error) {
			if err != nil {
				t.Errorf("produce: %v", err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if flush {
		man, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()))
		if err != nil {
			t.Fatal(err)
		}
		defer man.Close()
		late := types.FormatTimestamp(eventStart.Add(time.Duration(to)*time.Millisecond+time.Hour).UnixMicro(), 3, ' ')
		for p := int32(0); p < 3; p++ {
			v := fmt.Sprintf(`{"event_timestamp": "%s", "user_id": "%s", "transaction_id": 0, "total_paid": 10, "status": "Refused"}`, late, datagen.Users[1])
			if err := man.ProduceSync(ctx, &kgo.Record{Topic: "transactions", Partition: p, Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readCommitted reads the sink topic as a read_committed consumer.
func readCommitted(t *testing.T, addr string) []window {
	t.Helper()
	return readTopicIso[window](t, addr, "transactions_aggregate_flink", true)
}

func readTopicIso[T any](t *testing.T, addr, topic string, committed bool) []T {
	t.Helper()
	opts := []kgo.Opt{kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}
	if committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []T
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
		fs := cl.PollFetches(ctx)
		cancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			var v T
			if err := jsonUnmarshal(r.Value, &v); err != nil {
				t.Fatalf("bad record %s: %v", r.Value, err)
			}
			out = append(out, v)
			n++
		})
		if n == 0 {
			return out
		}
	}
}

// eosQueries writes queries/flink with an exactly-once sink and 500 ms
// checkpoints into dir.
func eosQueries(t *testing.T, addr, dir string) {
	t.Helper()
	files, _ := filepath.Glob("../queries/flink/*.sql")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		text := strings.ReplaceAll(string(b), "localhost:9092", addr)
		if strings.Contains(text, "transactions_aggregate_flink") {
			text = strings.Replace(text, "'format' = 'json'", "'format' = 'json',\n  'sink.delivery-guarantee' = 'exactly-once',\n  'sink.transactional-id-prefix' = 'seed'", 1)
		}
		if strings.HasPrefix(filepath.Base(f), "3_") {
			text = "SET 'execution.checkpointing.interval' = '500ms';\n" + text
		}
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(text), 0o644)
	}
}

func waitCommitted(t *testing.T, addr string, n int, timeout time.Duration) []window {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := readCommitted(t, addr)
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestKill9ExactlyOnce runs the seed pipeline with an exactly-once sink and
// 500 ms checkpoints as `tumble run --data-dir`, kills the process with
// SIGKILL mid-stream, writes more input, restarts it on the same data dir,
// and checks with a read_committed consumer that every window appears
// exactly once with the right values.
func TestKill9ExactlyOnce(t *testing.T) {
	addr := startBroker(t)
	queries, data := t.TempDir(), t.TempDir()
	eosQueries(t, addr, queries)
	run := func() (*exec.Cmd, *strings.Builder) {
		var out strings.Builder
		cmd := exec.Command(tumbleBin, "run", "--data-dir", data, "-f", queries)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	produceSeed(t, addr, 0, 15000, false) // 15 s of events: windows 0..3 can close
	cmd, out := run()
	got := waitCommitted(t, addr, 3, 30*time.Second)
	if len(got) < 3 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("only %d windows committed before the kill\n%s", len(got), out)
	}
	// More input while the job runs, then SIGKILL in the middle of it.
	produceSeed(t, addr, 15000, 20000, false)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := len(readCommitted(t, addr))
	produceSeed(t, addr, 20000, 30000, true)
	cmd, out = run()
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	got = waitCommitted(t, addr, 10, 60*time.Second)
	want := expectedWindows(t, readTopic[txn](t, addr, "transactions"))
	seen := map[string]int{}
	for _, w := range got {
		seen[w.Start]++
		if w != want[w.Start] {
			t.Errorf("window %s: got %+v, want %+v", w.Start, w, want[w.Start])
		}
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("window %s committed %d times", k, n)
		}
	}
	if len(got) != 10 || len(want) != 10 {
		t.Fatalf("%d windows committed (%d before the restart), want 10; computed %d\n%s", len(got), before, len(want), out)
	}
	t.Logf("%d windows committed before the restart, %d after; each once", before, len(got))
}
