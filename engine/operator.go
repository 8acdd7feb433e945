// Package engine is Tumble's runtime: operators, record batches, event time
// and watermarks, windows, state, checkpoints, jobs and metrics. It imports
// nothing else of Tumble's but its leaf packages (types, expr, agg).
package engine

import (
	"context"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Watermark bounds, in microseconds.
const (
	MinWatermark int64 = math.MinInt64
	MaxWatermark int64 = math.MaxInt64
)

// OpContext is what an operator gets when the job opens it.
type OpContext struct {
	Ctx     context.Context
	Metrics *Metrics
	Log     *slog.Logger
	// Now is the job's processing-time clock (JobSpec.Clock; nil: the
	// wall clock).
	Now  func() time.Time
	node *NodeStats // the operator's graph node, if the job has a graph
	// state is the job's state backend (nil: keyed state in memory).
	state *stateBackend
}

// LateDropped counts n rows dropped because their windows had fired, in
// the job's metrics and the operator's graph node.
func (c *OpContext) LateDropped(n int64) {
	c.Metrics.LateDropped.Add(n)
	if c.node != nil {
		c.node.LateDropped.Add(n)
	}
}

// Op is a push-based operator. The job calls its methods from one goroutine.
// Records passed to Process are only valid during the call: an operator that
// keeps data copies it. An operator never modifies the records or rows it
// receives: a Tee hands the same batch to several operators.
type Op interface {
	Open(c *OpContext) error
	Process(recs []Rec) error
	// Watermark tells the operator that event time has reached wm
	// (microseconds); it fires what is due and forwards the watermark.
	Watermark(wm int64) error
	Close() error
}

// Chainable operators send their output to a next operator.
type Chainable interface {
	SetNext(next Op)
}

// Flusher is an operator that buffers output (sinks); Flush makes it
// durable. Called before checkpoints and when a caller waits for results.
type Flusher interface {
	Flush() error
}

// Snapshotter is an operator with state that checkpoints save.
type Snapshotter interface {
	Snapshot(e *types.Enc) error
	Restore(d *types.Dec) error
}

// Describer gives a one-line description of an operator for logs.
type Describer interface {
	Describe() string
}

// Metrics are a job's counters. Safe for concurrent reads.
type Metrics struct {
	RecordsIn   atomic.Int64
	RecordsOut  atomic.Int64
	Skipped     atomic.Int64
	Lost        atomic.Int64 // records a source skipped because retention deleted them first
	LateDropped atomic.Int64
	// StateExpired counts keys whose state expired (state TTL).
	StateExpired atomic.Int64
	Watermark    atomic.Int64 // micros; MinWatermark when unknown
	Checkpoints  atomic.Int64
}

// Snapshot returns a plain copy.
func (m *Metrics) Snapshot() MetricsSnapshot {
	return MetricsSnapshot{
		RecordsIn:   m.RecordsIn.Load(),
		RecordsOut:  m.RecordsOut.Load(),
		Skipped:     m.Skipped.Load(),
		Lost:        m.Lost.Load(),
		LateDropped: m.LateDropped.Load(),
		Expired:     m.StateExpired.Load(),
		Watermark:   m.Watermark.Load(),
		Checkpoints: m.Checkpoints.Load(),
	}
}

// MetricsSnapshot is a copy of Metrics.
type MetricsSnapshot struct {
	RecordsIn   int64 `json:"records_in"`
	RecordsOut  int64 `json:"records_out"`
	Skipped     int64 `json:"records_skipped"`
	Lost        int64 `json:"records_lost"`
	LateDropped int64 `json:"late_records_dropped"`
	Expired     int64 `json:"state_expired"`
	Watermark   int64 `json:"watermark"`
	Checkpoints int64 `json:"checkpoints"`
}

// base implements SetNext and forwarding for chained operators.
type base struct {
	next Op
	oc   *OpContext
}

func (b *base) SetNext(next Op)          { b.next = next }
func (b *base) Open(c *OpContext) error  { b.oc = c; return nil }
func (b *base) Close() error             { return nil }
func (b *base) Watermark(wm int64) error { return b.forwardWatermark(wm) }
func (b *base) emit(recs []Rec) error {
	if b.next == nil || len(recs) == 0 {
		return nil
	}
	return b.next.Process(recs)
}
func (b *base) forwardWatermark(wm int64) error {
	if b.next == nil {
		return nil
	}
	return b.next.Watermark(wm)
}

// arena hands out rows from a reusable slab; reset makes all rows free again.
// The slab grows to fit the largest batch; reset lets it go once a
// BufferTrim says a burst sized it (the next row starts a small one).
type arena struct {
	slab []types.Value
	used int
	trim BufferTrim
}

func (a *arena) reset() {
	if a.trim.Idle(a.used, len(a.slab)) {
		a.slab = nil
	}
	a.used = 0
}

// BufferTrim tells when a buffer reused batch after batch, and grown to fit
// the largest, should be let go: once BufferIdle batches in a row have used
// at most a quarter of a buffer larger than BufferLarge values. So the
// memory of one burst of large batches, as a job catching up after a stall,
// is not kept for the rest of the run.
type BufferTrim struct {
	small int // batches in a row that used at most a quarter of the buffer
}

const (
	BufferIdle  = 256
	BufferLarge = 1 << 14 // values (512 KiB): smaller buffers are always kept
)

// Idle records a batch that used used of size values, and reports whether
// the buffer should now be let go.
func (t *BufferTrim) Idle(used, size int) bool {
	if size <= BufferLarge || used > size/4 {
		t.small = 0
		return false
	}
	if t.small++; t.small < BufferIdle {
		return false
	}
	t.small = 0
	return true
}

func (a *arena) row(n int) types.Row {
	if a.used+n > len(a.slab) {
		size := max(2*len(a.slab), 1024, n)
		a.slab = make([]types.Value, size)
		a.used = 0
	}
	r := a.slab[a.used : a.used+n : a.used+n]
	a.used += n
	return r
}
