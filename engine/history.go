package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// A job's recent history for status displays: its last checkpoints and
// the errors it met (failures and restarts), newest last, and where its
// inputs stand.

// historyLen is how many checkpoints and exceptions a job remembers.
const historyLen = 20

// CheckpointRecord is one checkpoint a job took or tried to take.
type CheckpointRecord struct {
	ID       int64
	Time     time.Time // when it completed (or failed)
	Duration time.Duration
	// Bytes is the size of the state written (0 without a checkpoint
	// directory: an exactly-once sink's commit only).
	Bytes int64
	Err   string // why it failed; empty when it completed
}

// ExceptionRecord is an error a job met: its failure, or an attempt that
// failed and was restarted.
type ExceptionRecord struct {
	Time    time.Time
	Message string
}

// Checkpoints returns the job's last checkpoints, oldest first.
func (j *Job) Checkpoints() []CheckpointRecord {
	j.histMu.Lock()
	defer j.histMu.Unlock()
	return append([]CheckpointRecord(nil), j.ckpts...)
}

// Exceptions returns the errors the job met, oldest first.
func (j *Job) Exceptions() []ExceptionRecord {
	j.histMu.Lock()
	defer j.histMu.Unlock()
	return append([]ExceptionRecord(nil), j.excs...)
}

func (j *Job) recordCheckpoint(r CheckpointRecord) {
	j.histMu.Lock()
	j.ckpts = appendBounded(j.ckpts, r)
	j.histMu.Unlock()
}

func (j *Job) recordException(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	j.histMu.Lock()
	j.excs = appendBounded(j.excs, ExceptionRecord{Time: time.Now(), Message: err.Error()})
	j.histMu.Unlock()
}

func appendBounded[T any](s []T, v T) []T {
	if len(s) >= historyLen {
		s = append(s[:0], s[len(s)-historyLen+1:]...)
	}
	return append(s, v)
}

// checkpoint takes a checkpoint and records it in the history.
func (j *Job) checkpoint() error {
	start := time.Now()
	var size int
	err := j.whileBlocked(func() (err error) {
		size, err = j.takeCheckpoint()
		return err
	})
	r := CheckpointRecord{ID: j.ckptNum, Time: time.Now(), Duration: time.Since(start), Bytes: int64(size)}
	if err != nil {
		r.ID, r.Err = j.ckptNum+1, err.Error()
	}
	j.recordCheckpoint(r)
	return err
}

// InputPosition is where one input of a job stands: per split, the next
// position to read, and (when the source can tell) the split's end.
type InputPosition struct {
	Name string
	Next map[int32]int64
	End  map[int32]int64 // nil when the source cannot tell its end
}

// Lag is how many records the input is behind its splits' ends (0 when
// unknown).
func (p InputPosition) Lag() int64 {
	var lag int64
	for split, end := range p.End {
		if next := p.Next[split]; end > next {
			lag += end - next
		}
	}
	return lag
}

// Positions asks the running job where its inputs stand and the sources
// where they end. It blocks until the job answers (between two batches)
// or ctx is done.
func (j *Job) Positions(ctx context.Context) ([]InputPosition, error) {
	var out []InputPosition
	req := ctlReq{kind: ctlPositions, positions: &out, reply: make(chan error, 1)}
	select {
	case j.ctl <- req:
	case <-j.done:
		return nil, fmt.Errorf("job %s is %s", j.ID(), j.Status())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case err := <-req.reply:
		if err != nil {
			return nil, err
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	j.mu.Lock()
	inputs := j.inputs
	j.mu.Unlock()
	for i := range out {
		if i >= len(inputs) {
			break
		}
		if eo, ok := inputs[i].in.Source.(EndOffsetter); ok {
			end, err := eo.EndOffsets(ctx)
			if err != nil {
				return out, fmt.Errorf("end offsets of %s: %w", out[i].Name, err)
			}
			out[i].End = end
		}
	}
	return out, nil
}

// positions is the run goroutine's answer to Positions.
func (j *Job) positions() []InputPosition {
	out := make([]InputPosition, 0, len(j.inputs))
	for _, st := range j.inputs {
		p := InputPosition{Name: st.in.Name, Next: make(map[int32]int64, len(st.splits))}
		for id, s := range st.splits {
			p.Next[id] = s.next
		}
		out = append(out, p)
	}
	return out
}
