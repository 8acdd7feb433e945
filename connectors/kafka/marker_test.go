package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// txnSink is an exactly-once sink of job id on the broker, with the
// table options opts added.
func txnSink(t *testing.T, b *Broker, job string, opts ...string) *Sink {
	t.Helper()
	spec := tableSpec(b, "flink", []col{{Name: "n", Type: types.TInt}}, append([]string{"topic", "out-" + job, "format", "json",
		"sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "mk"}, opts...)...)
	spec.Defaults[engine.DefaultJobID] = job
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// commitCheckpoints runs a job's checkpoints from..to as the engine does:
// records written in a transaction, committed with checkpoint n's marker.
func commitCheckpoints(t *testing.T, s *Sink, from, to int64) {
	t.Helper()
	if err := tryCheckpoints(s, from, to); err != nil {
		t.Fatal(err)
	}
}

func tryCheckpoints(s *Sink, from, to int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for n := from; n <= to; n++ {
		if err := s.Begin(ctx); err != nil {
			return err
		}
		if err := s.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(n)}}}); err != nil {
			return err
		}
		if err := s.Commit(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// runJob commits job's checkpoints 1..to and, when a commit fails, restarts
// as a job does after a failure: a new sink (which fences the old one's
// open transaction) resumes after the last committed checkpoint. Under
// heavy load the embedded broker once answered a marker write with
// OUT_OF_ORDER_SEQUENCE_NUMBER; a running job survives that by restarting.
func runJob(t *testing.T, b *Broker, job string, to int64, opts ...string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		s := txnSink(t, b, job, opts...)
		from := max(lastCommitted(t, s)+1, 1)
		err := tryCheckpoints(s, from, to)
		s.Close()
		if err == nil {
			return
		}
		if attempt == 3 {
			t.Fatalf("%s: %v (after %d restarts)", job, err, attempt-1)
		}
		t.Logf("%s: %v; restarting from the last committed checkpoint", job, err)
	}
}

func lastCommitted(t *testing.T, s *Sink) int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n, err := s.LastCommitted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMarkerTopicNotAutoCreated is the cause of kill -9 tests committing
// windows twice: with 'properties.allow.auto.create.topics' = 'true' (the
// seed's sink table sets it) the client that reads the checkpoint markers
// at a job's start asked the broker to create the marker topic, with the
// broker's default partition count (3), before the first commit created it
// with one; LastCommitted then looked at one partition picked at random and
// often answered "no checkpoint committed", and the restarted job started
// over. The topic must get its one partition, and the answer must be the
// last commit every time.
func TestMarkerTopicNotAutoCreated(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 3})
	s := txnSink(t, b, "job-a", "properties.allow.auto.create.topics", "true")
	if n := lastCommitted(t, s); n != -1 {
		t.Fatalf("before any commit: LastCommitted = %d, want -1", n)
	}
	commitCheckpoints(t, s, 1, 3)
	s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	td, err := kadm.NewClient(client(t, b)).ListTopics(ctx, MarkerTopic)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(td[MarkerTopic].Partitions); got != 1 {
		t.Errorf("%s has %d partitions, want 1 (created by the sink, not by auto-creation)", MarkerTopic, got)
	}
	again := txnSink(t, b, "job-a", "properties.allow.auto.create.topics", "true")
	for i := 0; i < 10; i++ {
		if n := lastCommitted(t, again); n != 3 {
			t.Fatalf("read %d: LastCommitted = %d, want 3", i, n)
		}
	}
}

// TestMarkersOnSeveralPartitions: a marker topic made with several
// partitions (by an administrator, or by auto-creation before the fix)
// still answers each job's last commit, whatever the table's partitioner.
func TestMarkersOnSeveralPartitions(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(client(t, b)).CreateTopic(ctx, 3, 1, nil, MarkerTopic); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{}
	for i, partitioner := range []string{"default", "round-robin", "fixed", "default", "round-robin", "fixed"} {
		job := fmt.Sprintf("job-%d", i)
		runJob(t, b, job, int64(2+i), "sink.partitioner", partitioner)
		want[job] = int64(2 + i)
	}
	for job, n := range want {
		s := txnSink(t, b, job)
		for i := 0; i < 3; i++ {
			if got := lastCommitted(t, s); got != n {
				t.Fatalf("%s: LastCommitted = %d, want %d", job, got, n)
			}
		}
		s.Close()
	}
	if n := lastCommitted(t, txnSink(t, b, "never-committed")); n != -1 {
		t.Errorf("a job without markers: LastCommitted = %d, want -1", n)
	}
}
