package engine

import (
	"context"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// scriptedSource returns its batches one Poll at a time, then waits.
type scriptedSource struct {
	polls [][]SplitBatch
	i     int
}

func (s *scriptedSource) Open(context.Context, map[int32]int64) error { return nil }
func (s *scriptedSource) Splits() []int32                             { return []int32{0, 1} }
func (s *scriptedSource) Close() error                                { return nil }
func (s *scriptedSource) Poll(ctx context.Context) ([]SplitBatch, error) {
	if s.i < len(s.polls) {
		s.i++
		return s.polls[s.i-1], nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// A split that ended no longer holds the job watermark back.
func TestDoneSplitReleasesWatermark(t *testing.T) {
	at := func(sec int64) []Rec { return []Rec{{Row: types.Row{types.TimestampV(sec * types.MicrosPerSecond)}}} }
	src := &scriptedSource{polls: [][]SplitBatch{
		{{Split: 0, Recs: at(100), Next: 1}, {Split: 1, Recs: at(50), Next: 1}},
		{{Split: 1, Next: 1, Done: true}},
	}}
	var out collected
	sink := NewSinkOp("out", out.sink())
	spec := &JobSpec{ID: "done", Ops: []Op{sink}, Inputs: []*Input{{Name: "in", Source: src, Head: sink,
		Watermark: &expr.Col{Idx: 0, T: types.TTS3, Name: "ts"}}}}
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	deadline := time.Now().Add(30 * time.Second)
	for job.Metrics.Watermark.Load() != 100*types.MicrosPerSecond {
		if time.Now().After(deadline) {
			t.Fatalf("watermark %d, want %d once split 1 is done", job.Metrics.Watermark.Load(), 100*types.MicrosPerSecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
