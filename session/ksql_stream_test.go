package session

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// fakeAdmin is a topic administrator that fails on demand: a unit-test
// stand-in for the broker's answers (the end-to-end tests use the real
// embedded broker).
type fakeAdmin struct {
	tailErr error
	live    []string // calls that got a context that was not done
}

func (a *fakeAdmin) note(ctx context.Context, call string) error {
	if ctx.Err() == nil {
		a.live = append(a.live, call)
		return nil
	}
	return ctx.Err()
}

func (a *fakeAdmin) ListTopics(ctx context.Context, _ map[string]string) ([]engine.TopicInfo, error) {
	return []engine.TopicInfo{{Name: "t", Partitions: 1}}, a.note(ctx, "ListTopics")
}
func (a *fakeAdmin) DeleteTopic(ctx context.Context, _ map[string]string, _ string) error {
	return a.note(ctx, "DeleteTopic")
}
func (a *fakeAdmin) Partitions(context.Context, map[string]string, string) (int, error) {
	return 1, nil
}
func (a *fakeAdmin) Tail(ctx context.Context, _ map[string]string, topic string, _ bool, fn func(engine.RawRecord) error) error {
	if err := fn(engine.RawRecord{Topic: topic, Value: []byte("v")}); err != nil {
		return err
	}
	return a.tailErr
}

func fakeKafkaSession(t *testing.T, a *fakeAdmin) *Session {
	t.Helper()
	reg := engine.NewRegistry()
	reg.Register(&engine.Connector{Name: "kafka", Options: []string{"*"}, Admin: a})
	ctx, cancel := context.WithCancel(context.Background())
	jobs := NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	return New(Config{Registry: reg, Jobs: jobs, Bootstrap: "127.0.0.1:1", Dialect: sql.KSQL})
}

// TestPrintReportsTailError: PRINT's stream ends with the error that
// stopped reading the topic, not as if the topic had ended.
func TestPrintReportsTailError(t *testing.T) {
	a := &fakeAdmin{tailErr: errors.New("broker went away")}
	s := fakeKafkaSession(t, a)
	res, err := s.ExecuteText(context.Background(), "PRINT 't' FROM BEGINNING;")
	if err != nil {
		t.Fatal(err)
	}
	st := res[0].Stream
	n := 0
	for range st.Rows {
		n++
	}
	if n != 1 || st.Err() == nil || !strings.Contains(st.Err().Error(), "broker went away") {
		t.Fatalf("%d rows, error %v", n, st.Err())
	}
}

// TestDropAndShowTopicsTakeTheCallersContext: DROP ... DELETE TOPIC and
// SHOW TOPICS reach the broker with the caller's context, so a caller who
// gave up (a client that went away) stops them.
func TestDropAndShowTopicsTakeTheCallersContext(t *testing.T) {
	a := &fakeAdmin{}
	s := fakeKafkaSession(t, a)
	if _, err := s.ExecuteText(context.Background(), "CREATE STREAM S (K INT KEY, V INT) WITH (kafka_topic='t', value_format='JSON');"); err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.ExecuteText(gone, "SHOW TOPICS;"); err == nil || !errors.Is(err, context.Canceled) && !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("SHOW TOPICS with a cancelled context: %v", err)
	}
	if _, err := s.ExecuteText(gone, "DROP STREAM S DELETE TOPIC;"); err == nil || !strings.Contains(err.Error(), "context canceled") {
		t.Errorf("DROP ... DELETE TOPIC with a cancelled context: %v", err)
	}
	if len(a.live) > 0 {
		t.Errorf("the broker was called with a live context: %v", a.live)
	}
}

// TestLimitStreamReaderGoesAway: a reader that takes one row of a LIMIT
// query and cancels does not leave the limiting goroutine blocked.
func TestLimitStreamReaderGoesAway(t *testing.T) {
	rows := make(chan engine.Rec)
	stop := make(chan struct{})
	go func() {
		defer close(rows)
		for {
			select {
			case rows <- engine.Rec{Row: types.Row{types.IntV(1)}}:
			case <-stop:
				return
			}
		}
	}()
	var once sync.Once // a query's Cancel may be called more than once
	st := limitStream(&planner.Stream{Rows: rows, Cancel: func() { once.Do(func() { close(stop) }) }}, 10)
	<-st.Rows
	st.Cancel()
	for i := 0; i < 200 && limitGoroutines() > 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if n := limitGoroutines(); n > 0 {
		t.Fatalf("%d limitStream goroutines still running after the reader went away", n)
	}
	if _, ok := <-st.Rows; ok {
		// A row may have been on its way; after it the stream is closed.
		if _, ok := <-st.Rows; ok {
			t.Fatal("rows after Cancel")
		}
	}
}

func limitGoroutines() int {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	return strings.Count(string(buf[:n]), "session.limitStream.func")
}
