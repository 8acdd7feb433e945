package server

import (
	"context"

	"github.com/tumble/tumble/engine"
)

// knownConnectors are the connector names connectors/all registers. The
// engine's registry cannot list its names; one it does not know here is
// simply missing from the inert registry (its replay fails and is skipped).
var knownConnectors = []string{"kafka", "upsert-kafka", "datagen", "print", "blackhole", "filesystem", "jdbc", "nexmark", "values"}

// inertRegistry copies the connectors of reg with sources that never
// produce and sinks that drop everything: a replayed statement whose job
// must not run again builds its plan (and so its catalog objects) on it.
func inertRegistry(reg *engine.Registry) *engine.Registry {
	out := engine.NewRegistry()
	for _, name := range knownConnectors {
		c, err := reg.Lookup(name)
		if err != nil {
			continue
		}
		cp := *c
		if c.Source != nil {
			cp.Source = func(*engine.TableSpec) (engine.Source, error) { return idleSource{}, nil }
		}
		if c.Sink != nil {
			cp.Sink = func(*engine.TableSpec) (engine.Sink, error) { return discardSink{}, nil }
		}
		out.Register(&cp)
	}
	return out
}

// idleSource has no splits and no records; Poll waits for ctx.
type idleSource struct{}

func (idleSource) Open(context.Context, map[int32]int64) error { return nil }
func (idleSource) Splits() []int32                             { return nil }
func (idleSource) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}
func (idleSource) Close() error { return nil }

// discardSink drops what it is given.
type discardSink struct{}

func (discardSink) Write(context.Context, []engine.Rec) error { return nil }
func (discardSink) Flush(context.Context) error               { return nil }
func (discardSink) Close() error                              { return nil }
