package session

import (
	"context"
	"strings"
	"sync"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Starting jobs and result streams: a job for an INSERT (or a ksqlDB
// persistent query), rebuilt on restart by the Planner that planned it; a
// transient job whose rows stream to the client for a query.

// startPlan builds the sink and the job for a Sink plan and starts it. A
// job that restarts is rebuilt by pl, the planner of the statement that
// submitted it: the settings it was submitted with, not the session's
// settings of the moment.
func (s *Session) startPlan(ctx context.Context, pl *planner.Planner, info *JobInfo, plan *planner.Sink) error {
	info.Plan = plan
	info.RemoveOnStop = s.statementsOf().stopRemoves()
	spec, err := pl.BuildSinkJob(info.ID, plan)
	if err != nil {
		return err
	}
	if !info.Transient {
		// A failed attempt restarts from the last checkpoint with fresh
		// sources and sinks built from the same plan.
		spec.Rebuild = func() (*engine.JobSpec, error) { return pl.BuildSinkJob(info.ID, plan) }
	}
	if err := s.Jobs.Start(info, spec); err != nil {
		return err
	}
	if v, _ := s.Setting("table.dml-sync"); strings.EqualFold(v, "true") {
		select {
		case <-info.Job.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := info.Job.Err(); err != nil {
			return err
		}
	}
	return nil
}

// startStream runs a plan whose rows go to the client.
func (s *Session) startStream(pl *planner.Planner, node planner.Node, n sql.Statement) (*planner.Result, error) {
	rows := make(chan engine.Rec, 1024)
	streamCtx, cancel := context.WithCancel(context.Background())
	sink := &engine.CollectSink{Fn: func(ctx context.Context, recs []engine.Rec) error {
		for _, r := range recs {
			select {
			case rows <- r:
			case <-ctx.Done():
				return ctx.Err()
			case <-streamCtx.Done():
				return streamCtx.Err()
			}
		}
		return nil
	}}
	spec, err := pl.Build(&planner.Sink{Input: node}, sink, "*client*")
	if err != nil {
		cancel()
		return nil, err
	}
	id := NewJobID()
	if err := pl.JobSettings(spec, id); err != nil {
		cancel()
		return nil, err
	}
	spec.CheckpointDir = ""
	_, text := n.Span()
	info := &JobInfo{ID: id, Name: "collect", Statement: text, Dialect: s.Dialect, Transient: true}
	if err := s.Jobs.Start(info, spec); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		<-info.Job.Done()
		cancel()
		s.Jobs.Remove(id)
		close(rows)
	}()
	st := &planner.Stream{Columns: node.Fields(), Rows: rows, Job: info.Job, Changelog: node.Mode(), Cancel: func() {
		cancel()
		info.Job.Stop()
	}}
	st.Display(pl.Settings)
	return &planner.Result{Kind: planner.ResultRows, Stream: st, JobID: id}, nil
}

// limitStream ends a stream after n rows. Its Cancel stops the stream at
// once: a reader that goes away need not read on.
func limitStream(st *planner.Stream, n int) *planner.Stream {
	out := make(chan engine.Rec)
	done := make(chan struct{})
	var once sync.Once
	cancel := func() { once.Do(func() { close(done); st.Cancel() }) }
	go func() {
		defer close(out)
		defer func() {
			// Stop the query and let it finish (it closes its rows).
			st.Cancel()
			for range st.Rows {
			}
		}()
		for count := 0; count < n; count++ {
			var r engine.Rec
			var ok bool
			select {
			case r, ok = <-st.Rows:
				if !ok {
					return
				}
			case <-done:
				return
			}
			select {
			case out <- r:
			case <-done:
				return
			}
		}
	}()
	limited := *st
	limited.Rows, limited.Cancel = out, cancel
	return &limited
}
