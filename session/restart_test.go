package session_test

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/session"
)

// failOnce is a source whose first attempt fails (a transient error) and
// whose later attempts read nothing until stopped.
type failOnce struct{ failed *atomic.Bool }

func (f *failOnce) Open(context.Context, map[int32]int64) error { return nil }
func (f *failOnce) Splits() []int32                             { return []int32{0} }
func (f *failOnce) Close() error                                { return nil }
func (f *failOnce) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if f.failed.CompareAndSwap(false, true) {
		return nil, errors.New("the source went away for a moment")
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(20 * time.Millisecond):
		return nil, nil
	}
}

// TestRestartUsesSubmittedSettings: a job that restarts is rebuilt with
// the settings it was submitted with; a SET made after it started does not
// change it.
func TestRestartUsesSubmittedSettings(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	var failed atomic.Bool
	reg.Register(&engine.Connector{Name: "fail-once", Source: func(*engine.TableSpec) (engine.Source, error) {
		return &failOnce{failed: &failed}, nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs})
	_, err := s.ExecuteText(ctx, `
		CREATE TABLE src (x INT) WITH ('connector' = 'fail-once');
		CREATE TABLE out (x INT) WITH ('connector' = 'blackhole');
		SET 'pipeline.auto-watermark-interval' = '123 ms';
		SET 'restart-strategy.fixed-delay.delay' = '10 ms';`)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := s.ExecuteText(ctx, "INSERT INTO out SELECT x FROM src")
	if err != nil {
		t.Fatal(err)
	}
	// Changed after the job started: the job must not see it.
	if _, err := s.ExecuteText(ctx, "SET 'pipeline.auto-watermark-interval' = '456 ms'"); err != nil {
		t.Fatal(err)
	}
	info, ok := jobs.Get(rs[0].JobID)
	if !ok {
		t.Fatalf("job %s not found", rs[0].JobID)
	}
	deadline := time.Now().Add(time.Minute)
	for info.Job.Restarts() == 0 || info.Job.Status() != engine.Running {
		if time.Now().After(deadline) {
			t.Fatalf("the job did not restart: %s, %v", info.Job.Status(), info.Job.Err())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := info.Job.Spec().WatermarkInterval; got != 123*time.Millisecond {
		t.Errorf("the restarted job's watermark interval is %v, want the 123ms it was submitted with", got)
	}
}
