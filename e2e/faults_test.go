package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
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

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/session"
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
	run := func() (*exec.Cmd, *lockedBuffer) {
		var out lockedBuffer
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
	checkOnce(t, addr, got, 10, fmt.Sprintf("%d before the restart\n%s", before, out))
	t.Logf("%d windows committed before the restart, %d after; each once", before, len(got))
}

// TestBrokerRestartUnderRunningJob stops the broker under the exactly-once
// seed pipeline and starts it again on the same data dir and port: the job
// waits (restarting from its checkpoint while the broker is away) and every
// window still appears exactly once for a read_committed consumer.
func TestBrokerRestartUnderRunningJob(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	kafkaDir := t.TempDir()
	start := func() *kafka.Broker {
		var b *kafka.Broker
		var err error
		for i := 0; i < 50; i++ { // the port may take a moment to be free again
			if b, err = kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: addr, DataDir: kafkaDir, Partitions: 3}); err == nil {
				return b
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatal(err)
		return nil
	}
	broker := start()
	defer func() { broker.Close() }()

	queries := t.TempDir()
	eosQueries(t, addr, queries)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, DataDir: t.TempDir()})
	s.Set("restart-strategy.fixed-delay.delay", "300ms")
	produceSeed(t, addr, 0, 15000, false)
	files, _ := filepath.Glob(filepath.Join(queries, "*.sql"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if _, err := s.ExecuteText(ctx, string(b)); err != nil {
			t.Fatal(err)
		}
	}
	if got := waitCommitted(t, addr, 3, 30*time.Second); len(got) < 3 {
		t.Fatalf("%d windows before the broker stopped", len(got))
	}
	job := jobs.List()[0].Job
	broker.Close()
	// The job notices within a few seconds (a source pings the cluster
	// about once a second when no records come; a sink's commit can take
	// longer to give up): poll rather than guess.
	status := job.Status()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if status = job.Status(); status == engine.Paused || status == engine.Restarting {
			break
		}
	}
	if status != engine.Paused && status != engine.Restarting {
		t.Errorf("while the broker was down the job was %s, want PAUSED or RESTARTING", status)
	}
	broker = start()
	produceSeed(t, addr, 15000, 30000, true)
	got := waitCommitted(t, addr, 10, 60*time.Second)
	checkOnce(t, addr, got, 10, fmt.Sprintf("job %s: %v", job.Status(), job.Err()))
	t.Logf("while the broker was down the job was %s; %d restarts; 10 windows, each once", status, job.Restarts())
}

// TestPoisonRecords: a malformed record is skipped and counted with
// 'json.ignore-parse-errors'; without it, only its job fails, naming the
// topic, partition and offset, and the other job keeps running.
func TestPoisonRecords(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr})
	_, err := s.ExecuteText(ctx, `
CREATE TABLE lenient (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'json.ignore-parse-errors' = 'true', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE strict (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE out_lenient (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'out_lenient', 'format' = 'json');
CREATE TABLE out_strict (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'out_strict', 'format' = 'json');
INSERT INTO out_lenient SELECT k, v FROM lenient;
INSERT INTO out_strict SELECT k, v FROM strict;`)
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "in"); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{`{"k": "a", "v": 1}`, `{"k": "b", "v": `, `{"k": "c", "v": 3}`} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "in", Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	var lenient, strict *session.JobInfo
	for _, j := range jobs.List() {
		if j.Sink == "out_lenient" {
			lenient = j
		} else {
			strict = j
		}
	}
	select {
	case <-strict.Job.Done():
	case <-time.After(time.Minute):
		t.Fatalf("the strict job did not fail: %s", strict.Job.Status())
	}
	if strict.Job.Status() != engine.Failed {
		t.Fatalf("strict job is %s", strict.Job.Status())
	}
	msg := strict.Job.Err().Error()
	for _, want := range []string{"topic 'in'", "partition 0", "offset 1"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	sctx, scancel := context.WithTimeout(ctx, time.Minute)
	defer scancel()
	if err := lenient.Job.Sync(sctx); err != nil {
		t.Fatal(err)
	}
	if lenient.Job.Status() != engine.Running {
		t.Fatalf("lenient job is %s", lenient.Job.Status())
	}
	if n := lenient.Job.Metrics.Skipped.Load(); n != 1 {
		t.Errorf("records_skipped = %d, want 1", n)
	}
	got := readTopic[map[string]any](t, addr, "out_lenient")
	if len(got) != 2 {
		t.Errorf("lenient output %v, want the two good records", got)
	}
}

// checkOnce checks that every window was committed exactly once with the
// values computed by hand, and that there are n of them.
func checkOnce(t *testing.T, addr string, got []window, n int, context string) {
	t.Helper()
	want := expectedWindows(t, readTopic[txn](t, addr, "transactions"))
	seen := map[string]int{}
	for _, w := range got {
		seen[w.Start]++
		if w != want[w.Start] {
			t.Errorf("window %s: got %+v, want %+v", w.Start, w, want[w.Start])
		}
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("window %s committed %d times", k, c)
		}
	}
	if len(got) != n || len(want) != n {
		t.Fatalf("%d windows committed, %d computed by hand, want %d; %s", len(got), len(want), n, context)
	}
}

// TestLateRowsCountedInShowJobs: rows behind the watermark are dropped and
// the count is visible in SHOW JOBS EXTENDED.
func TestLateRowsCountedInShowJobs(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr})
	s.Set("pipeline.auto-watermark-interval", "0")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "ev"); err != nil { // one partition: no idle one holds the watermark
		t.Fatal(err)
	}
	_, err = s.ExecuteText(ctx, `
CREATE TABLE ev (ts TIMESTAMP(3), v INT, WATERMARK FOR ts AS ts) WITH ('connector' = 'kafka', 'topic' = 'ev', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE sums (s TIMESTAMP(3), total INT) WITH ('connector' = 'blackhole');
INSERT INTO sums SELECT window_start, SUM(v) FROM TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '10' SECOND)) GROUP BY window_start, window_end;`)
	if err != nil {
		t.Fatal(err)
	}
	s.Set("table.dml-sync", "true")
	if _, err := s.ExecuteText(ctx, `INSERT INTO ev VALUES (TIMESTAMP '2026-01-01 00:00:01', 1), (TIMESTAMP '2026-01-01 00:00:12', 2), (TIMESTAMP '2026-01-01 00:00:05', 3), (TIMESTAMP '2026-01-01 00:00:02', 4);`); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, time.Minute)
	defer scancel()
	if err := jobs.SyncAll(sctx, false); err != nil {
		t.Fatal(err)
	}
	res, err := s.ExecuteText(ctx, "SHOW JOBS EXTENDED;")
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	col := -1
	for i, c := range r.Columns {
		if c == "late dropped" {
			col = i
		}
	}
	var row []string
	for _, x := range r.Rows {
		if strings.HasSuffix(x[1], ".sums") {
			row = x
		}
	}
	if col < 0 || row == nil {
		t.Fatalf("SHOW JOBS EXTENDED: %v %v", r.Columns, r.Rows)
	}
	if row[col] != "2" {
		t.Errorf("late dropped = %s, want 2 (row: %v)", row[col], row)
	}
}
