package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// Statements run one at a time (the server's command lock), so that the
// order of the command log is the order in which they changed the catalog,
// and so that what changed can be read off the catalog and the job list
// before and after each statement.

// acquire takes the command lock, or gives up when ctx is done.
func (s *Server) acquire(ctx context.Context) error {
	select {
	case s.cmdLock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) release() { <-s.cmdLock }

// session returns a session of the given dialect with props set.
func (s *Server) session(d sql.Dialect, props map[string]string) *session.Session {
	sess := session.New(session.Config{
		Catalog:         s.cat,
		Registry:        s.reg,
		Jobs:            s.jobs,
		Bootstrap:       s.cfg.Bootstrap,
		KafkaProperties: s.cfg.KafkaProperties,
		DataDir:         s.cfg.DataDir,
		Dialect:         d,
		Log:             s.log,
	})
	for k, v := range props {
		sess.Set(k, v)
	}
	return sess
}

// checkProps checks a request's session properties against the settings
// Tumble reads: an error for a value a key does not accept, warnings for
// keys Tumble does not read (or deprecated ones).
func checkProps(d sql.Dialect, props map[string]string) (warnings []string, err error) {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		_, w, err := planner.CheckSetting(d, k, props[k])
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, w...)
	}
	return warnings, nil
}

// state is what a statement can change: the catalog's objects and the
// jobs, by identity.
type state struct {
	// tables are the catalog's objects by name: those of the default
	// database by their name alone, the others by catalog.database.name.
	tables map[string]*planner.Table
	// namespaces are the catalogs and databases made by statements
	// (planner.Catalog.Namespaces).
	namespaces map[string]string
	jobs       map[string]*session.JobInfo
	status     map[string]engine.Status
}

func (s *Server) snapshot() state {
	st := state{tables: map[string]*planner.Table{}, namespaces: s.cat.Namespaces(), jobs: map[string]*session.JobInfo{}, status: map[string]engine.Status{}}
	for _, t := range s.cat.All() {
		name := t.Name
		if id := t.ID(); id.Path() != planner.DefaultPath {
			name = id.String()
		}
		st.tables[name] = t
	}
	for _, j := range s.jobs.List() {
		st.jobs[j.ID] = j
		st.status[j.ID] = j.Job.Status()
	}
	return st
}

// change is the difference between two states.
type change struct {
	creates, drops, started, stopped []string
}

func (c change) empty() bool {
	return len(c.creates)+len(c.drops)+len(c.started)+len(c.stopped) == 0
}

func diff(before, after state) change {
	var c change
	for name, t := range after.tables {
		if before.tables[name] != t {
			c.creates = append(c.creates, name)
		}
	}
	for name := range before.tables {
		if _, ok := after.tables[name]; !ok {
			c.drops = append(c.drops, name)
		}
	}
	for name, v := range after.namespaces {
		if old, ok := before.namespaces[name]; !ok || old != v {
			c.creates = append(c.creates, name)
		}
	}
	for name := range before.namespaces {
		if _, ok := after.namespaces[name]; !ok {
			c.drops = append(c.drops, name)
		}
	}
	for id, j := range after.jobs {
		if old, ok := before.jobs[id]; !ok || old.Job != j.Job {
			c.started = append(c.started, id)
		}
	}
	for id, j := range before.jobs {
		if before.status[id] != engine.Running {
			continue
		}
		now, ok := after.jobs[id]
		switch {
		case !ok:
			c.stopped = append(c.stopped, id)
		case now.Job == j.Job && now.Job.Status() == engine.Stopped:
			c.stopped = append(c.stopped, id)
		}
	}
	for _, l := range [][]string{c.creates, c.drops, c.started, c.stopped} {
		sort.Strings(l)
	}
	return c
}

// outcome is one executed statement.
type outcome struct {
	result *planner.Result
	// seq is the command-log sequence number of the statement, or 0 when
	// it changed nothing.
	seq int64
}

// execute runs one statement of a request under the command lock and
// records it in the command log if it changed the catalog or the jobs.
// text is the request's whole text (for error excerpts).
func (s *Server) execute(ctx context.Context, sess *session.Session, st sql.Statement, text string) (outcome, error) {
	if _, ok := st.(*sql.StatementSet); ok {
		// The command log replays statements one by one, so a statement
		// set's INSERTs run as they come, each recorded with its job.
		return outcome{result: &planner.Result{Kind: planner.ResultOK, Message: "Execute statement succeeded.", Statement: st}}, nil
	}
	if err := s.acquire(ctx); err != nil {
		return outcome{}, err
	}
	defer s.release()
	before := s.snapshot()
	r, err := sess.Execute(ctx, st)
	after := s.snapshot()
	c := diff(before, after)
	if err != nil {
		if !c.empty() {
			s.log.Warn("a failed statement changed the catalog; not recorded", "creates", c.creates, "drops", c.drops, "started", c.started, "stopped", c.stopped)
		}
		err = sql.WithNear(err, text)
		var se *sql.Error
		if errors.As(err, &se) && !sql.IsUserError(err) {
			// A statement that failed for another's fault (the broker's):
			// the server failed, not the request.
			err = &internalError{err}
		}
		return outcome{}, err
	}
	r.Statement = st
	out := outcome{result: r}
	if c.empty() || r.Kind == planner.ResultRows {
		return out, nil
	}
	_, stmtText := st.Span()
	e := entry{
		Kind:       kindStatement,
		Dialect:    sess.Dialect.String(),
		Statement:  stmtText,
		Properties: sess.Settings(),
		Creates:    c.creates,
		Drops:      c.drops,
		Stops:      c.stopped,
	}
	if p := sess.Path(); p != (planner.Path{}) && p != planner.DefaultPath {
		e.Catalog, e.Database = p.Catalog, p.Database
	}
	if len(e.Properties) == 0 {
		e.Properties = nil
	}
	if len(c.started) > 0 {
		e.JobID = c.started[0]
		if len(c.started) > 1 {
			s.log.Warn("a statement started several jobs; only the first keeps its id across restarts", "jobs", c.started)
		}
	}
	seq, err := s.clog.Append(e)
	if err != nil {
		s.log.Error("statement executed but not persisted", "statement", stmtText, "err", err)
		return out, &internalError{fmt.Errorf("the statement ran but could not be persisted: %w", err)}
	}
	out.seq = seq
	for _, id := range c.stopped {
		s.dropCheckpoints(id)
	}
	for _, id := range c.started {
		if j, ok := after.jobs[id]; ok {
			s.watch(j)
		}
	}
	return out, nil
}

// stopJob stops a job for DELETE /v1/jobs/{id} and records it. A ksqlDB
// query is forgotten, as TERMINATE does; a Flink job stays listed as
// STOPPED, as STOP JOB does.
func (s *Server) stopJob(ctx context.Context, id string) (*session.JobInfo, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	j, ok := s.jobs.Get(id)
	if !ok || j.Transient {
		return nil, errNotFound
	}
	if j.Job.Status() != engine.Running {
		return j, nil
	}
	if err := s.jobs.Stop(id, j.RemoveOnStop); err != nil {
		return nil, err
	}
	if _, err := s.clog.Append(entry{Kind: kindStop, Stops: []string{id}}); err != nil {
		return j, &internalError{fmt.Errorf("the job stopped but that could not be persisted: %w", err)}
	}
	s.dropCheckpoints(id)
	return j, nil
}

// dropCheckpoints removes the checkpoints of a job stopped for good (its
// stop is in the command log), so that a later job under the same id (a
// ksqlDB query id used again) does not resume from them.
func (s *Server) dropCheckpoints(id string) {
	if id == "" || strings.ContainsAny(id, `/\`) || id == "." || id == ".." {
		return
	}
	if j, ok := s.jobs.Get(id); ok && j.Job.Status() == engine.Running {
		return // the id runs again (replaced in place)
	}
	if err := os.RemoveAll(filepath.Join(s.cfg.DataDir, "jobs", id)); err != nil {
		s.log.Warn("could not remove the checkpoints of a stopped job", "job", id, "err", err)
	}
}

// watch records a job's end in the command log if it finishes (a bounded
// INSERT ... VALUES), so that a restart does not run it again.
func (s *Server) watch(j *session.JobInfo) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-j.Job.Done():
		case <-s.ctx.Done():
			return
		}
		if j.Job.Status() != engine.Finished {
			return
		}
		if _, err := s.clog.Append(entry{Kind: kindFinished, JobID: j.ID}); err != nil {
			s.log.Warn("could not record that a job finished", "job", j.ID, "err", err)
		}
	}()
}

// replay rebuilds the catalog and restarts the jobs from the command log.
// A statement that fails is logged and skipped. A statement whose job must
// not run again (stopped, finished or replaced later) still has to create
// its objects (a CSAS whose query was terminated leaves its stream): it
// runs on connectors that read and write nothing, and its job is stopped
// once the replay is over.
func (s *Server) replay(ctx context.Context) {
	all := s.clog.Entries()
	keep := live(all)
	var entries []entry
	for i, e := range all {
		if keep[i] {
			entries = append(entries, e)
		}
	}
	runs := jobLive(entries)
	var inert []string
	started, failed := 0, 0
	for i, e := range entries {
		if e.Kind != kindStatement {
			continue
		}
		d := sql.Flink
		if dl, ok := dialect.Named(e.Dialect); ok {
			d = dl.Syntax()
		}
		stmts, err := session.Parse(e.Statement, d)
		if err != nil || len(stmts) != 1 {
			s.log.Error("replay: cannot parse a logged statement; skipped", "seq", e.Seq, "statement", e.Statement, "err", err)
			failed++
			continue
		}
		if drop, ok := stmts[0].(*sql.Drop); ok {
			drop.DeleteTopic = false // the topic went the first time
		}
		sess := s.session(d, e.Properties)
		if e.Catalog != "" {
			sess.SetPath(planner.Path{Catalog: e.Catalog, Database: e.Database})
		}
		quiet := e.JobID != "" && !runs[i]
		if quiet {
			sess.Registry = s.inert
			sess.DataDir = ""
		}
		if _, err := s.replayOne(ctx, sess, stmts[0], e.JobID); err != nil {
			s.log.Error("replay: statement failed; skipped", "seq", e.Seq, "statement", e.Statement, "err", err)
			failed++
			continue
		}
		if e.JobID == "" {
			continue
		}
		if quiet {
			inert = append(inert, e.JobID)
			continue
		}
		if j, ok := s.jobs.Get(e.JobID); ok {
			started++
			s.watch(j)
		}
	}
	for _, id := range inert {
		if j, ok := s.jobs.Get(id); ok && j.Job.Spec().CheckpointDir == "" {
			s.jobs.Stop(id, true)
		}
	}
	s.log.Info("catalog restored", "statements", len(entries), "jobs", started, "failed", failed, "objects", len(s.cat.List()))
	if len(entries) != len(all) {
		if err := s.clog.Compact(); err != nil {
			s.log.Warn("command log: compaction failed", "err", err)
		}
	}
}

// replayOne executes one logged statement, recovering a panic.
func (s *Server) replayOne(ctx context.Context, sess *session.Session, st sql.Statement, jobID string) (r *planner.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return sess.ExecuteAs(ctx, st, jobID)
}

// internalError marks a failure of the server rather than of the request.
type internalError struct{ err error }

func (e *internalError) Error() string { return e.err.Error() }
func (e *internalError) Unwrap() error { return e.err }

var errNotFound = errors.New("not found")
