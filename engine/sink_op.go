package engine

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// SinkOp writes records to a Sink. It is the last operator of a job.
type SinkOp struct {
	base
	Sink Sink
	Name string
	// NotNull, if set, is enforced on every row before it is written.
	NotNull *NotNullEnforcer
}

// NotNullEnforcer checks the NOT NULL columns of a sink's rows, as Flink's
// sink constraint enforcer does: a NULL in one of them fails the job (a
// Permanent error: a restart would meet the same row) or, with Drop, the
// row is dropped.
type NotNullEnforcer struct {
	Cols  []int    // row positions that must not be NULL
	Names []string // their column names, for the error
	Drop  bool
	// Message formats the error; its %s is the column's name.
	Message string
}

// filter returns recs without the rows Drop removes (recs itself when
// none is), or the error of the first NULL.
func (e *NotNullEnforcer) filter(recs []Rec) ([]Rec, error) {
	var kept []Rec
	for i, r := range recs {
		bad := -1
		for j, c := range e.Cols {
			if c < len(r.Row) && r.Row[c].IsNull() {
				bad = j
				break
			}
		}
		if bad < 0 {
			if kept != nil {
				kept = append(kept, r)
			}
			continue
		}
		if !e.Drop {
			return nil, Permanent(fmt.Errorf(e.Message, e.Names[bad]))
		}
		if kept == nil {
			kept = append(make([]Rec, 0, len(recs)), recs[:i]...)
		}
	}
	if kept == nil {
		return recs, nil
	}
	return kept, nil
}

var (
	_ Op      = (*SinkOp)(nil)
	_ Flusher = (*SinkOp)(nil)
)

// NewSinkOp wraps a sink.
func NewSinkOp(name string, s Sink) *SinkOp { return &SinkOp{Sink: s, Name: name} }

func (s *SinkOp) Process(recs []Rec) error {
	if s.NotNull != nil {
		var err error
		if recs, err = s.NotNull.filter(recs); err != nil {
			return err
		}
	}
	if len(recs) == 0 {
		return nil
	}
	if err := s.Sink.Write(s.oc.Ctx, recs); err != nil {
		return err
	}
	s.oc.Metrics.RecordsOut.Add(int64(len(recs)))
	return nil
}

// Watermark hands the watermark to a sink that wants it (WatermarkSink).
func (s *SinkOp) Watermark(wm int64) error {
	if ws, ok := s.Sink.(WatermarkSink); ok {
		return ws.Watermark(s.oc.Ctx, wm)
	}
	return nil
}

// Flush waits for the sink; when the job is stopping (its context is
// done) it still waits, up to 30 s, so a clean stop loses nothing.
func (s *SinkOp) Flush() error {
	ctx := s.oc.Ctx
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
	}
	return s.Sink.Flush(ctx)
}
func (s *SinkOp) Close() error { return s.Sink.Close() }

// CollectSink is a Sink that hands copies of the records to a callback; the
// REPL and the REST server use it for SELECT results.
type CollectSink struct {
	mu sync.Mutex
	Fn func(ctx context.Context, recs []Rec) error
}

// Write copies the records and calls Fn.
func (c *CollectSink) Write(ctx context.Context, recs []Rec) error {
	cp := make([]Rec, len(recs))
	for i, r := range recs {
		cp[i] = Rec{Row: append(types.Row(nil), r.Row...), Kind: r.Kind, Ts: r.Ts}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Fn(ctx, cp)
}

func (c *CollectSink) Flush(context.Context) error { return nil }
func (c *CollectSink) Close() error                { return nil }
