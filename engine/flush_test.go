package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// lossySink accepts writes and reports the failure only when flushed, as
// an asynchronous producer whose broker refused the records.
type lossySink struct{ flushes int }

var errRefused = errors.New("the broker refused the records")

func (s *lossySink) Write(context.Context, []Rec) error { return nil }
func (s *lossySink) Flush(context.Context) error        { s.flushes++; return errRefused }
func (s *lossySink) Close() error                       { return nil }

// Without checkpoints a job still flushes its sinks every checkpoint
// interval, so a delivery failure that no later write reports fails the
// job instead of being lost.
func TestFlushWithoutCheckpoints(t *testing.T) {
	src := &scriptedSource{polls: [][]SplitBatch{{{Split: 0, Recs: []Rec{{Row: types.Row{types.TimestampV(0)}}}, Next: 1}}}}
	sink := NewSinkOp("out", &lossySink{})
	spec := &JobSpec{ID: "flush", Ops: []Op{sink}, CheckpointInterval: 50 * time.Millisecond,
		Inputs: []*Input{{Name: "in", Source: src, Head: sink, Watermark: &expr.Col{Idx: 0, T: types.TTS3, Name: "ts"}}}}
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for !errors.Is(job.Err(), errRefused) {
		if time.Now().After(deadline) {
			t.Fatalf("job %s, error %v; want the sink's flush error", job.Status(), job.Err())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
