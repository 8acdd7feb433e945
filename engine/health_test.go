package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

// stuckSink is an exactly-once sink whose commit waits until released and
// which reports itself unhealthy meanwhile, as a Kafka sink whose broker
// went away does.
type stuckSink struct {
	entered chan struct{} // closed at the first commit
	release chan struct{} // closing it lets commits finish
	waiting atomic.Bool
	commits atomic.Int64
}

func (s *stuckSink) Write(context.Context, []Rec) error { return nil }
func (s *stuckSink) Flush(context.Context) error        { return nil }
func (s *stuckSink) Close() error                       { return nil }
func (s *stuckSink) ExactlyOnce() bool                  { return true }
func (s *stuckSink) Begin(context.Context) error        { return nil }
func (s *stuckSink) Abort(context.Context) error        { return nil }
func (s *stuckSink) LastCommitted(context.Context) (int64, error) {
	return -1, nil
}
func (s *stuckSink) Commit(ctx context.Context, _ int64) error {
	s.waiting.Store(true)
	defer s.waiting.Store(false)
	if s.commits.Add(1) == 1 {
		close(s.entered)
	}
	select {
	case <-s.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
func (s *stuckSink) Health() error {
	if s.waiting.Load() {
		return errors.New("cannot reach the cluster")
	}
	return nil
}

// A job waiting in a checkpoint for a sink that cannot reach its system
// shows PAUSED with the sink's reason, and RUNNING again once the commit
// went through.
func TestJobPausedWhileSinkCommitWaits(t *testing.T) {
	sink := &stuckSink{entered: make(chan struct{}), release: make(chan struct{})}
	op := NewSinkOp("out", sink)
	spec := &JobSpec{ID: "stuck", Ops: []Op{op}, CheckpointInterval: 10 * time.Millisecond,
		Inputs: []*Input{{Name: "in", Source: &oneSplitSource{}, Head: op}}}
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	<-sink.entered
	waitFor(t, "PAUSED while the commit waits", func() bool { return job.Status() == Paused })
	if err := job.Err(); err == nil || err.Error() != "sink out: cannot reach the cluster" {
		t.Errorf("paused with reason %v", err)
	}
	close(sink.release)
	waitFor(t, "RUNNING after the commit", func() bool { return job.Status() == Running && sink.commits.Load() > 1 })
	if err := job.Err(); err != nil {
		t.Errorf("running with error %v", err)
	}
}
