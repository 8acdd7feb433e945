// Package blackhole owns Flink's 'blackhole' connector: a sink that
// accepts every row and keeps none, for benchmarks and tests.
package blackhole

import (
	"context"
	"sync/atomic"

	"github.com/tumble/tumble/engine"
)

// Name is the connector name.
const Name = "blackhole"

// Register adds the 'blackhole' connector (a sink) to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:       Name,
		Sink:       func(*engine.TableSpec) (engine.Sink, error) { return &Sink{}, nil },
		Options:    []string{"connector"},
		Partitions: true,
		// Flink's blackhole sink takes every change.
		SinkChanges: engine.AllChanges,
	})
}

// Sink discards rows. It counts them so tests and benchmarks can check how
// many went through; the count is safe to read from any goroutine.
type Sink struct {
	n atomic.Int64
}

var _ engine.Sink = (*Sink)(nil)

// Write drops recs; it never blocks.
func (s *Sink) Write(_ context.Context, recs []engine.Rec) error {
	s.n.Add(int64(len(recs)))
	return nil
}

// Flush does nothing.
func (s *Sink) Flush(context.Context) error { return nil }

// Close does nothing.
func (s *Sink) Close() error { return nil }

// Count returns the number of records written so far.
func (s *Sink) Count() int64 { return s.n.Load() }
