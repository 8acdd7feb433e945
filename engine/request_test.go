package engine

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// failingLateSource claims one record at its end and fails once a caller
// asked for its end offsets (and two polls later, so that the caller's
// request is usually waiting in the job by then).
type failingLateSource struct {
	asked atomic.Bool
	polls int
}

var errSourceBroke = errors.New("the source broke")

func (s *failingLateSource) Open(context.Context, map[int32]int64) error { return nil }
func (s *failingLateSource) Splits() []int32                             { return []int32{0} }
func (s *failingLateSource) Close() error                                { return nil }
func (s *failingLateSource) EndOffsets(context.Context) (map[int32]int64, error) {
	s.asked.Store(true)
	return map[int32]int64{0: 1}, nil
}
func (s *failingLateSource) Poll(ctx context.Context) ([]SplitBatch, error) {
	if s.asked.Load() {
		if s.polls++; s.polls > 2 {
			return nil, errSourceBroke
		}
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Millisecond):
	}
	return nil, nil
}

// A request waiting for the job to catch up when the job fails is
// answered with the job's failure, not a bare "job ... FAILED" (not_null.slt
// failed 1 run in 40 with it).
func TestWaitingRequestGetsTheFailure(t *testing.T) {
	for i := 0; i < 20; i++ {
		var out collected
		sink := NewSinkOp("out", out.sink())
		spec := &JobSpec{ID: "fails", Ops: []Op{sink}, Inputs: []*Input{{Name: "in", Source: &failingLateSource{}, Head: sink,
			Watermark: &expr.Col{Idx: 0, T: types.TTS3, Name: "ts"}}}}
		job, err := StartJob(context.Background(), spec)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		err = job.Sync(ctx)
		cancel()
		job.Stop()
		if !errors.Is(err, errSourceBroke) {
			t.Fatalf("run %d: Sync answered %v, want the job's failure (%v)", i, err, job.Err())
		}
	}
}
