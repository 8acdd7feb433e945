package engine

import (
	"context"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// ProcClock is the source of ticks for processing-time windows. It has
// one split and no event time; Poll blocks until the wall clock (Now)
// passes the next possible end of a window of W, then returns one record
// (an empty row) for the window operator's Clock input, which fires the
// windows that ended. It never ends, so a job uses it only when its other
// inputs are unbounded: with bounded ones, the end of input fires every
// window. Its position is always 0.
type ProcClock struct {
	W Window
	// Now is the wall clock (nil: time.Now), the one the window operator
	// fires by.
	Now  func() time.Time
	tick []Rec
}

// wallClock reads now, or time.Now when it is nil.
func wallClock(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}

var _ Source = (*ProcClock)(nil)

func (c *ProcClock) Open(context.Context, map[int32]int64) error {
	c.tick = []Rec{{Row: types.Row{}}}
	return nil
}

func (c *ProcClock) Splits() []int32 { return []int32{0} }

// Poll blocks until the next window end or until ctx is done.
func (c *ProcClock) Poll(ctx context.Context) ([]SplitBatch, error) {
	now := wallClock(c.Now).UnixMicro()
	wait := time.Duration(c.W.nextEnd(now)-now)*time.Microsecond + time.Millisecond
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	return []SplitBatch{{Split: 0, Recs: c.tick}}, nil
}

func (c *ProcClock) Close() error { return nil }

// nextEnd is the first time after t at which a window may end: ends fall
// on multiples of the size (TUMBLE), the slide (HOP) or the step
// (CUMULATE), shifted by the offset.
func (w Window) nextEnd(t int64) int64 {
	unit := w.Size
	switch w.Kind {
	case Hop:
		unit = w.Slide
	case Cumulate:
		unit = w.Step
	}
	if unit <= 0 {
		return t + types.MicrosPerSecond
	}
	return t - floorMod(t-w.Offset, unit) + unit
}
