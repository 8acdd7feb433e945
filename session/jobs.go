package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// JobInfo describes a job the manager runs.
type JobInfo struct {
	ID        string
	Name      string
	Statement string
	Dialect   sql.Dialect
	Sink      string
	// Plan is the plan the job runs, as it was planned when submitted
	// (EXPLAIN <query id> shows it).
	Plan planner.Node
	// RemoveOnStop: stopping the job forgets it (ksqlDB's TERMINATE)
	// rather than keeping it listed (Flink's STOP JOB), as the dialect
	// that started it does.
	RemoveOnStop bool
	// Transient jobs (SELECT shown in a client) are not listed or persisted.
	Transient bool
	Job       *engine.Job
}

// JobManager owns the running jobs of a process. Jobs run under the
// manager's context, not the context of the request that started them.
// Safe for concurrent use.
type JobManager struct {
	ctx  context.Context
	mu   sync.Mutex
	jobs map[string]*JobInfo
	log  *slog.Logger
	// OnChange, if set, is called after a job is added or removed (the
	// server persists the list).
	OnChange func()
}

// NewJobManager returns a manager whose jobs stop when ctx is done.
func NewJobManager(ctx context.Context, log *slog.Logger) *JobManager {
	if log == nil {
		log = slog.Default()
	}
	return &JobManager{ctx: ctx, jobs: map[string]*JobInfo{}, log: log}
}

// NewJobID returns a random 32-hex-digit id, as Flink's job ids look.
func NewJobID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:])
}

// Start runs spec as the job described by info.
func (m *JobManager) Start(info *JobInfo, spec *engine.JobSpec) error {
	spec.ID, spec.Name, spec.Statement = info.ID, info.Name, info.Statement
	if spec.Log == nil {
		spec.Log = m.log
	}
	m.mu.Lock()
	if _, dup := m.jobs[info.ID]; dup {
		m.mu.Unlock()
		return fmt.Errorf("a job with id %s already exists", info.ID)
	}
	m.mu.Unlock()
	job, err := engine.StartJob(m.ctx, spec)
	if err != nil {
		return err
	}
	info.Job = job
	m.mu.Lock()
	m.jobs[info.ID] = info
	m.mu.Unlock()
	if !info.Transient {
		m.log.Info("job started", "id", info.ID, "name", info.Name)
		m.changed()
	}
	return nil
}

func (m *JobManager) changed() {
	if m.OnChange != nil {
		m.OnChange()
	}
}

// Get returns a job by id.
func (m *JobManager) Get(id string) (*JobInfo, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	j, ok := m.jobs[id]
	return j, ok
}

// List returns the non-transient jobs, oldest first.
func (m *JobManager) List() []*JobInfo {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*JobInfo, 0, len(m.jobs))
	for _, j := range m.jobs {
		if !j.Transient {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		ta, tb := out[a].Job.Started(), out[b].Job.Started()
		if ta.Equal(tb) {
			return out[a].ID < out[b].ID
		}
		return ta.Before(tb)
	})
	return out
}

// Stop stops a job and forgets it if remove is set.
func (m *JobManager) Stop(id string, remove bool) error {
	m.mu.Lock()
	j, ok := m.jobs[id]
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("job '%s' not found", id)
	}
	j.Job.Stop()
	if remove {
		m.mu.Lock()
		delete(m.jobs, id)
		m.mu.Unlock()
	}
	if !j.Transient {
		m.log.Info("job stopped", "id", id)
		m.changed()
	}
	return nil
}

// StopWithSavepoint writes a savepoint of a job under dir, stops the job
// (it stays listed, STOPPED) and returns the savepoint's path; with drain
// every window fires first. It waits up to two minutes.
func (m *JobManager) StopWithSavepoint(id, dir string, drain bool) (string, error) {
	j, ok := m.Get(id)
	if !ok {
		return "", fmt.Errorf("job '%s' not found", id)
	}
	ctx, cancel := context.WithTimeout(m.ctx, 2*time.Minute)
	defer cancel()
	path, err := j.Job.StopWithSavepoint(ctx, dir, drain)
	if err != nil {
		return "", err
	}
	m.log.Info("job stopped with a savepoint", "id", id, "savepoint", path)
	m.changed()
	return path, nil
}

// Drain fires every window of a job as if its input had ended, flushes
// and stops it (STOP JOB ... WITH DRAIN).
func (m *JobManager) Drain(id string) error {
	j, ok := m.Get(id)
	if !ok {
		return fmt.Errorf("job '%s' not found", id)
	}
	ctx, cancel := context.WithTimeout(m.ctx, 2*time.Minute)
	defer cancel()
	if err := j.Job.Drain(ctx); err != nil {
		return err
	}
	m.log.Info("job drained and stopped", "id", id)
	m.changed()
	return nil
}

// Remove forgets a finished job (transient SELECTs).
func (m *JobManager) Remove(id string) {
	m.mu.Lock()
	delete(m.jobs, id)
	m.mu.Unlock()
}

// StopAll stops every job (on shutdown). It waits for all of them.
func (m *JobManager) StopAll() {
	m.mu.Lock()
	jobs := make([]*JobInfo, 0, len(m.jobs))
	for _, j := range m.jobs {
		jobs = append(jobs, j)
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j.Job.Stop()
		}()
	}
	wg.Wait()
}

// SyncAll waits until every running job has caught up with its input and
// flushed its output (used by tests and by `tumble test`).
func (m *JobManager) SyncAll(ctx context.Context, end bool) error {
	for _, j := range m.List() {
		if st := j.Job.Status(); st != engine.Running && st != engine.Paused && st != engine.Restarting {
			if err := j.Job.Err(); err != nil {
				return fmt.Errorf("job %s failed: %w", j.ID, err)
			}
			continue
		}
		var err error
		if end {
			err = j.Job.EndInput(ctx)
		} else {
			err = j.Job.Sync(ctx)
		}
		if err != nil {
			return fmt.Errorf("job %s: %w", j.ID, err)
		}
	}
	return nil
}

// statusTime formats a start time as Flink's SHOW JOBS does.
func statusTime(t time.Time) string { return t.Format("2006-01-02T15:04:05.000") }
