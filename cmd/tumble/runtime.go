package main

import (
	"context"
	"io"
	"log/slog"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// runtime is one process's engine: connectors, catalog and jobs.
type runtime struct {
	reg       *engine.Registry
	cat       *planner.Catalog
	jobs      *session.JobManager
	bootstrap string
	// kafkaProps are the default cluster's security properties (--kafka-config).
	kafkaProps map[string]string
	dataDir    string
	log        *slog.Logger
}

// newRuntime registers the connectors; print output goes to out.
func newRuntime(ctx context.Context, bootstrap, dataDir string, out io.Writer, log *slog.Logger) *runtime {
	reg := engine.NewRegistry()
	all.Register(reg, out)
	return &runtime{
		reg:       reg,
		cat:       planner.NewCatalog(),
		jobs:      session.NewJobManager(ctx, log),
		bootstrap: bootstrap,
		dataDir:   dataDir,
		log:       log,
	}
}

func (rt *runtime) session(d sql.Dialect) *session.Session {
	return session.New(session.Config{
		Catalog:         rt.cat,
		Registry:        rt.reg,
		Jobs:            rt.jobs,
		Bootstrap:       rt.bootstrap,
		KafkaProperties: rt.kafkaProps,
		DataDir:         rt.dataDir,
		Dialect:         d,
		Log:             rt.log,
	})
}
