package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// Status is a job's lifecycle state.
type Status string

const (
	Created  Status = "CREATED"
	Running  Status = "RUNNING"
	Failed   Status = "FAILED"
	Stopped  Status = "STOPPED"
	Finished Status = "FINISHED"
)

// Input is one source of a job: the source, the computed columns appended
// to each row (Prep), the watermark expression over the prepared row, and
// the operator the prepared records go to.
type Input struct {
	Name      string
	Source    Source
	Prep      []expr.Expr // full output row; nil: rows pass as read
	Watermark expr.Expr   // nil: this input has no event time
	// Ts, if set, gives each record's timestamp (epoch ms) from the
	// prepared row (ksqlDB's timestamp column); records where it is NULL
	// are skipped and counted.
	Ts   expr.Expr
	Head Op
	// UID names the input's positions in a savepoint (see Savepoint); ""
	// uses Name.
	UID string
	// IdleTimeout, if positive, is this input's idle timeout, over the
	// job's (Flink's table option 'scan.watermark.idle-timeout').
	IdleTimeout time.Duration
}

// JobSpec is a compiled pipeline, ready to run.
type JobSpec struct {
	ID        string
	Name      string
	Statement string
	Inputs    []*Input
	// Ops are all operators, upstream first (for open, flush, snapshot, close).
	Ops []Op
	// IdleTimeout marks a split idle after this long without records (0: never).
	IdleTimeout time.Duration
	// WatermarkInterval is how often watermarks are emitted; 0 emits after
	// every record (deterministic, slower).
	WatermarkInterval time.Duration
	// CheckpointDir enables checkpoints every CheckpointInterval.
	CheckpointDir      string
	CheckpointInterval time.Duration
	// Rebuild makes a fresh spec (new sources, operators, sinks) for a
	// restart after a failure; nil disables restarts.
	Rebuild func() (*JobSpec, error)
	// RestartAttempts bounds restarts (-1: unlimited); RestartDelay is the
	// wait before each.
	RestartAttempts int
	RestartDelay    time.Duration
	Log             *slog.Logger
	// Graph describes the plan for status displays (optional): its nodes,
	// the operators that run them, and the probes on the edges.
	Graph []*GraphNode
	// StateIDs name the state of stateful operators in a savepoint, so
	// that a job built from a changed statement finds the state of the
	// operators it kept (see Savepoint).
	StateIDs map[Op]string
	// SavepointPath, when set, is the savepoint a job without checkpoints
	// of its own starts from (read when the job opens: a missing or
	// unusable savepoint fails the start); IgnoreUnclaimed drops savepoint
	// state that no operator claims instead of failing.
	SavepointPath   string
	IgnoreUnclaimed bool
	// Clock is the processing-time clock operators read (state TTL); nil
	// is the wall clock.
	Clock func() time.Time
	// Trigger runs the job in micro-batches (Spark Structured
	// Streaming); see Trigger. nil: the default trigger when an operator
	// emits per micro-batch (BatchEnder).
	Trigger *Trigger
	// State says where keyed state lives (memory or disk) and its number
	// of key groups.
	State StateConfig
	// Batch: the inputs are bounded and read whole (Flink's batch runtime
	// mode). The watermark stays at its start until every input has
	// ended, so no row is late and every window fires at the end, as
	// Flink's batch execution sees all rows before any result.
	Batch bool
}

type splitState struct {
	wm         int64
	next       int64
	lastActive time.Time
	idle       bool
	done       bool // the source said the split ended (SplitBatch.Done)
}

type inputState struct {
	in       *Input
	splits   map[int32]*splitState
	finished bool
	ack      chan struct{}
	prepBuf  []Rec
	arena    arena
}

type pollResult struct {
	input   int
	batches []SplitBatch
	err     error
}

type ctlKind int

const (
	ctlSync ctlKind = iota
	ctlEndInput
	ctlCheckpoint
	ctlPositions
	ctlSavepoint // write a savepoint, then stop
	ctlDrain     // fire every window, flush, then stop
	ctlBatch     // start a micro-batch (Trigger)
	ctlFinish    // end the job as finished (Trigger.AvailableNow, Once)
)

type ctlReq struct {
	kind    ctlKind
	targets []map[int32]int64
	reply   chan error
	// positions receives the answer to a ctlPositions request.
	positions *[]InputPosition
	// savepoints: the directory, whether to drain first, and where the
	// savepoint's path is written before reply.
	dir   string
	drain bool
	path  *string
	// done, for ctlBatch: set false when the micro-batch reads less than
	// the ends it was given (MaxOffsets).
	done *bool
}

// Job runs a JobSpec: one goroutine per source polls, one goroutine drives
// the operators. When an attempt fails with an error that a restart may
// fix (a broker that went away) and the spec can be rebuilt, the job
// restarts from its last checkpoint after RestartDelay; meanwhile its
// status is RESTARTING. Methods are safe for concurrent use.
type Job struct {
	Metrics Metrics
	log     *slog.Logger

	mu     sync.Mutex // guards spec and inputs (swapped by restarts)
	spec   *JobSpec
	inputs []*inputState

	status   atomic.Value // Status
	errMu    sync.Mutex
	err      error
	started  time.Time
	restarts atomic.Int64

	histMu sync.Mutex // guards ckpts and excs
	ckpts  []CheckpointRecord
	excs   []ExceptionRecord

	ctx       context.Context // the job's lifetime: Stop cancels it
	cancel    context.CancelFunc
	runCtx    context.Context // one attempt
	runCancel context.CancelFunc
	done      chan struct{}
	wg        sync.WaitGroup

	ctl     chan ctlReq
	results chan pollResult

	// owned by the run goroutine
	emittedWM  int64
	lastEmit   time.Time
	lastCkpt   time.Time
	waiting    []ctlReq
	stopReason Status
	ckptNum    int64 // the last checkpoint taken or restored
	state      *stateBackend
	stateFiles []string // the shared files of the last LSM checkpoint
	expirers   []StateExpirer
	procTimers []ProcTimer
	enders     []BatchEnder // operators that emit per micro-batch
	batch      *batch       // the micro-batch in progress (fixed triggers)
	bc         batchClock
}

// Restarting is the status of a job waiting to restart after a failure.
const Restarting Status = "RESTARTING"

// Paused is the status of a running job whose source or sink cannot make
// progress (its broker is away); it goes on by itself when they recover.
const Paused Status = "PAUSED"

// StartJob opens the operators and sources (restoring the last checkpoint
// if there is one) and starts the job. It returns once the job runs;
// errors opening anything are returned and nothing keeps running.
func StartJob(parent context.Context, spec *JobSpec) (*Job, error) {
	if spec.Log == nil {
		spec.Log = slog.Default()
	}
	j := &Job{
		log:     spec.Log.With("job", spec.ID),
		done:    make(chan struct{}),
		ctl:     make(chan ctlReq),
		results: make(chan pollResult),
		started: time.Now(),
	}
	j.Metrics.Watermark.Store(MinWatermark)
	j.status.Store(Created)
	j.ctx, j.cancel = context.WithCancel(parent)
	if err := j.open(spec); err != nil {
		j.cancel()
		return nil, err
	}
	j.status.Store(Running)
	go j.supervise()
	return j, nil
}

// open prepares one attempt: it opens the operators, restores the
// checkpoint, begins the sink transaction, opens the sources and starts
// their pollers. On error everything it opened is closed again.
func (j *Job) open(spec *JobSpec) error {
	j.mu.Lock()
	j.spec = spec
	j.inputs = nil
	j.mu.Unlock()
	j.emittedWM, j.ckptNum = MinWatermark, 0
	j.runCtx, j.runCancel = context.WithCancel(j.ctx)
	fail := func(err error) error {
		j.runCancel()
		for _, st := range j.inputs {
			st.in.Source.Close()
		}
		j.closeOps()
		return err
	}
	sb, err := newStateBackend(spec, j.log)
	if err != nil {
		return fail(err)
	}
	j.state = sb
	oc := &OpContext{Ctx: j.runCtx, Metrics: &j.Metrics, Log: j.log, Now: spec.Clock, state: sb}
	j.expirers, j.procTimers = nil, nil
	j.enders, j.batch = batchEnders(spec), nil
	for _, op := range spec.Ops {
		if e, ok := op.(StateExpirer); ok {
			j.expirers = append(j.expirers, e)
		}
		if p, ok := op.(ProcTimer); ok {
			j.procTimers = append(j.procTimers, p)
		}
	}
	ocs := opContexts(spec, *oc)
	for _, op := range spec.Ops {
		c := ocs[op]
		if c == nil {
			c = oc
		}
		if err := op.Open(c); err != nil {
			return fail(fmt.Errorf("open operator: %w", err))
		}
	}
	starts, err := j.restore(j.runCtx)
	if err != nil {
		return fail(err)
	}
	if txn := j.txnSink(); txn != nil {
		if err := txn.Begin(j.runCtx); err != nil {
			return fail(fmt.Errorf("begin transaction: %w", err))
		}
	}
	var inputs []*inputState
	for i, in := range spec.Inputs {
		st := &inputState{in: in, splits: map[int32]*splitState{}, ack: make(chan struct{}, 1)}
		for split, s := range starts[i] {
			st.splits[split] = s
		}
		start := map[int32]int64{}
		for split, s := range st.splits {
			start[split] = s.next
		}
		if err := in.Source.Open(j.runCtx, start); err != nil {
			j.inputs = inputs
			return fail(fmt.Errorf("open source %s: %w", in.Name, err))
		}
		inputs = append(inputs, st)
	}
	j.mu.Lock()
	j.inputs = inputs
	j.mu.Unlock()
	j.limitSources()
	for i := range inputs {
		j.wg.Add(1)
		go j.poll(i)
	}
	if t := spec.Trigger; t.fixed() {
		var ends []map[int32]int64
		if t.AvailableNow || t.Once {
			// What is available now: the sources' ends at the start.
			if ends, err = j.endOffsets(j.runCtx); err != nil {
				return fail(err)
			}
		}
		j.wg.Add(1)
		go j.trigger(j.runCtx, ends)
	}
	return nil
}

// ID returns the job id.
func (j *Job) ID() string { return j.Spec().ID }

// Spec returns the job's (current) spec.
func (j *Job) Spec() *JobSpec {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.spec
}

// Status returns the job's state.
func (j *Job) Status() Status { return j.status.Load().(Status) }

// Err returns why the job failed (or, while RESTARTING, why it is
// restarting).
func (j *Job) Err() error {
	j.errMu.Lock()
	defer j.errMu.Unlock()
	return j.err
}

// Restarts returns how many times the job restarted after a failure.
func (j *Job) Restarts() int64 { return j.restarts.Load() }

// Started returns when the job started.
func (j *Job) Started() time.Time { return j.started }

// Done is closed when the job has stopped, failed or finished.
func (j *Job) Done() <-chan struct{} { return j.done }

// Stop cancels the job and waits for it to end. Safe to call twice.
func (j *Job) Stop() {
	j.cancel()
	<-j.done
}

func (j *Job) poll(i int) {
	defer j.wg.Done()
	st := j.inputs[i]
	ctx := j.runCtx
	if p, ok := st.in.Source.(Prefetcher); ok && p.Prefetch() {
		j.pollAhead(i, st, ctx)
		return
	}
	for {
		batches, err := st.in.Source.Poll(ctx)
		if ctx.Err() != nil {
			return
		}
		select {
		case j.results <- pollResult{input: i, batches: batches, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		select {
		case <-st.ack:
		case <-ctx.Done():
			return
		}
	}
}

// pollAhead polls batch n+1 while the job processes batch n (the source
// keeps two buffers), so decoding and processing use two cores.
func (j *Job) pollAhead(i int, st *inputState, ctx context.Context) {
	batches, err := st.in.Source.Poll(ctx)
	for {
		if ctx.Err() != nil {
			return
		}
		select {
		case j.results <- pollResult{input: i, batches: batches, err: err}:
		case <-ctx.Done():
			return
		}
		if err != nil {
			return
		}
		next, nerr := st.in.Source.Poll(ctx)
		select {
		case <-st.ack:
		case <-ctx.Done():
			return
		}
		batches, err = next, nerr
	}
}

func (j *Job) fail(err error) {
	j.recordException(err)
	j.errMu.Lock()
	if j.err == nil || j.Status() == Paused { // a failure replaces the reason of a pause
		j.err = err
	}
	j.errMu.Unlock()
	j.stopReason = Failed
}

func (j *Job) setErr(err error) {
	j.errMu.Lock()
	j.err = err
	j.errMu.Unlock()
}

// supervise runs attempts until the job stops, finishes, or fails for
// good.
func (j *Job) supervise() {
	defer close(j.done)
	for {
		j.runOnce()
		if !j.restart() {
			break
		}
	}
	final := j.stopReason
	if final == Failed {
		j.log.Error("job failed", "err", j.Err())
	}
	j.status.Store(final)
}

// restart decides whether a failed attempt is retried and, after the
// delay, opens the next one; it returns false when the job is over.
func (j *Job) restart() bool {
	for {
		spec := j.Spec()
		err := j.Err()
		switch {
		case j.stopReason != Failed, j.ctx.Err() != nil:
			if j.ctx.Err() != nil && j.stopReason == Failed && !IsPermanent(err) {
				j.stopReason = Stopped
			}
			return false
		case IsPermanent(err), spec.Rebuild == nil:
			return false
		case spec.RestartAttempts >= 0 && j.restarts.Load() >= int64(spec.RestartAttempts):
			j.log.Error("job failed and has no restart attempts left", "attempts", spec.RestartAttempts)
			return false
		}
		j.restarts.Add(1)
		j.status.Store(Restarting)
		j.log.Warn("job failed; restarting from its last checkpoint", "err", err, "attempt", j.restarts.Load(), "delay", spec.RestartDelay)
		select {
		case <-time.After(spec.RestartDelay):
		case <-j.ctx.Done():
			j.stopReason = Stopped
			return false
		}
		next, err := spec.Rebuild()
		if err == nil {
			err = j.open(next)
		}
		if err != nil {
			j.recordException(err)
			j.setErr(err)
			continue
		}
		j.setErr(nil)
		j.stopReason = Stopped
		j.status.Store(Running)
		j.log.Info("job restarted", "attempt", j.restarts.Load())
		return true
	}
}

// runOnce drives one attempt until it stops, finishes or fails, then
// takes a last checkpoint (clean stops) and closes the attempt.
func (j *Job) runOnce() {
	j.stopReason = Stopped
	tick := 50 * time.Millisecond
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	j.lastEmit, j.lastCkpt = time.Now(), time.Now()
	ctx := j.runCtx
	func() {
		defer func() {
			if r := recover(); r != nil {
				if ee, ok := r.(*expr.EvalError); ok {
					j.fail(Permanent(ee))
					return
				}
				j.fail(Permanent(fmt.Errorf("internal error: %v\n%s", r, debug.Stack())))
			}
		}()
		for j.stopReason == Stopped {
			results := j.results
			if j.gated() {
				results = nil // between micro-batches: read nothing
			}
			select {
			case <-ctx.Done():
				return
			case pr := <-results:
				if err := j.handle(pr); err != nil {
					j.fail(err)
					return
				}
				if pr.err == nil {
					select {
					case j.inputs[pr.input].ack <- struct{}{}:
					case <-ctx.Done():
						return
					}
				}
				if j.allFinished() {
					if err := j.finish(); err != nil {
						j.fail(err)
					} else {
						j.stopReason = Finished
					}
					return
				}
			case req := <-j.ctl:
				switch req.kind {
				case ctlBatch:
					if err := j.startBatch(req); err != nil {
						j.fail(err)
						return
					}
					continue
				case ctlFinish:
					// Flushed while the attempt's context lives: the sinks'
					// writes use it.
					err := j.flushAll()
					req.reply <- err
					if err != nil {
						j.fail(err)
					} else {
						j.stopReason = Finished
					}
					return
				}
				j.waiting = append(j.waiting, req)
				if err := j.checkWaiting(); err != nil {
					j.fail(err)
					return
				}
			case now := <-ticker.C:
				if err := j.timers(now); err != nil {
					j.fail(err)
					return
				}
			}
		}
	}()
	j.runCancel()
	j.wg.Wait()
	final := j.stopReason
	if final != Failed {
		midBatch := j.batch != nil
		if midBatch {
			// Stopped in the middle of a micro-batch: as in Spark, the
			// micro-batch is not committed; the last checkpoint stays and a
			// restart reads it again.
			j.log.Info("stopped during a micro-batch; it runs again on restart")
		}
		if j.checkpointing() && !midBatch {
			// A clean stop or end takes a last checkpoint (and commits).
			if err := j.checkpoint(); err != nil {
				j.log.Warn("checkpoint on stop", "err", err)
			}
		} else if err := j.flushAll(); err != nil && !errors.Is(err, context.Canceled) {
			j.log.Warn("flush on stop", "err", err)
		}
	}
	for _, st := range j.inputs {
		if err := st.in.Source.Close(); err != nil {
			j.log.Warn("close source", "source", st.in.Name, "err", err)
		}
	}
	j.closeOps()
	for _, req := range j.waiting {
		if final == Finished {
			req.reply <- nil // a finished job has caught up with everything
			continue
		}
		if err := j.Err(); final == Failed && err != nil {
			req.reply <- err // the failure is the answer, as for a request that came later
			continue
		}
		req.reply <- fmt.Errorf("job %s %s", j.spec.ID, final)
	}
	j.waiting = nil
}

func (j *Job) closeOps() {
	for _, op := range j.spec.Ops {
		if err := op.Close(); err != nil {
			j.log.Warn("close operator", "err", err)
		}
	}
	j.state.close()
	j.state = nil
}

func (j *Job) allFinished() bool {
	for _, st := range j.inputs {
		if !st.finished {
			return false
		}
	}
	return len(j.inputs) > 0
}

// finish ends a bounded job: the final watermark fires every window.
func (j *Job) finish() error {
	if b := j.batch; b != nil {
		j.batch = nil
		err := j.endBatch(b.start)
		b.req.reply <- err
		if err != nil {
			return err
		}
	}
	if err := j.emitWatermark(MaxWatermark); err != nil {
		return err
	}
	return j.flushAll()
}

func (j *Job) handle(pr pollResult) error {
	st := j.inputs[pr.input]
	if pr.err != nil {
		if errors.Is(pr.err, io.EOF) {
			st.finished = true
			for _, s := range st.splits {
				s.wm = MaxWatermark
			}
			return j.maybeEmit(true)
		}
		return fmt.Errorf("source %s: %w", st.in.Name, pr.err)
	}
	now := time.Now()
	j.discoverSplits(st)
	perRecord := j.spec.WatermarkInterval == 0 && st.in.Watermark != nil
	for bi := range pr.batches {
		b := &pr.batches[bi]
		s := st.splits[b.Split]
		if s == nil {
			s = &splitState{wm: MinWatermark}
			st.splits[b.Split] = s
		}
		if b.Reset {
			s.next = b.Next
		} else {
			s.next = max(s.next, b.Next)
		}
		s.done = s.done || b.Done
		if b.Skipped > 0 {
			j.Metrics.Skipped.Add(b.Skipped)
		}
		if b.Lost > 0 {
			j.Metrics.Lost.Add(b.Lost)
		}
		if len(b.Recs) == 0 {
			continue
		}
		s.lastActive = now
		if s.idle {
			s.idle = false
		}
		j.Metrics.RecordsIn.Add(int64(len(b.Recs)))
		recs := j.prepare(st, b.Recs)
		if perRecord {
			for k := range recs {
				if err := st.in.Head.Process(recs[k : k+1]); err != nil {
					return err
				}
				if v := st.in.Watermark.Eval(recs[k].Row); !v.IsNull() && v.I > s.wm {
					s.wm = v.I
					if err := j.maybeEmit(true); err != nil {
						return err
					}
				}
			}
			continue
		}
		if err := st.in.Head.Process(recs); err != nil {
			return err
		}
		if st.in.Watermark != nil {
			for k := range recs {
				if v := st.in.Watermark.Eval(recs[k].Row); !v.IsNull() && v.I > s.wm {
					s.wm = v.I
				}
			}
		}
	}
	if err := j.maybeEmit(false); err != nil {
		return err
	}
	if len(j.enders) > 0 && !j.spec.Trigger.fixed() && j.Metrics.RecordsIn.Load() > j.bc.rowsSeen {
		// The default trigger: a micro-batch is what one poll returned.
		if err := j.endBatch(now); err != nil {
			return err
		}
	}
	if j.batch != nil {
		j.batch.one[pr.input] = false
		if err := j.checkBatch(); err != nil {
			return err
		}
	}
	return j.checkWaiting()
}

// discoverSplits registers splits the source knows but has not returned
// records from yet: an empty partition holds the watermark back until it
// goes idle, as in Flink.
func (j *Job) discoverSplits(st *inputState) {
	for _, id := range st.in.Source.Splits() {
		if _, ok := st.splits[id]; !ok {
			st.splits[id] = &splitState{wm: MinWatermark}
		}
	}
}

func (j *Job) prepare(st *inputState, recs []Rec) []Rec {
	if st.in.Prep == nil && st.in.Ts == nil {
		return recs
	}
	st.arena.reset()
	st.prepBuf = st.prepBuf[:0]
	for _, r := range recs {
		row := r.Row
		if st.in.Prep != nil {
			row = st.arena.row(len(st.in.Prep))
			for i, e := range st.in.Prep {
				row[i] = e.Eval(r.Row)
			}
		}
		ts := r.Ts
		if st.in.Ts != nil {
			v := st.in.Ts.Eval(row)
			if v.IsNull() {
				j.Metrics.Skipped.Add(1)
				j.log.Warn("record skipped: its timestamp column is NULL or cannot be parsed", "source", st.in.Name)
				continue
			}
			ts = v.I
		}
		st.prepBuf = append(st.prepBuf, Rec{Row: row, Kind: r.Kind, Ts: ts})
	}
	return st.prepBuf
}

// combined is the job watermark: the minimum over active splits of inputs
// with event time; when every split is idle (or ended), the maximum (as
// Flink does).
func (j *Job) combined() int64 {
	wm := MaxWatermark
	anyActive, anyEventTime := false, false
	maxIdle := MinWatermark
	for _, st := range j.inputs {
		if st.in.Watermark == nil {
			continue
		}
		anyEventTime = true
		if len(st.splits) == 0 && !st.finished {
			return MinWatermark
		}
		for _, s := range st.splits {
			if s.idle || s.done {
				maxIdle = max(maxIdle, s.wm)
				continue
			}
			anyActive = true
			wm = min(wm, s.wm)
		}
	}
	if !anyEventTime {
		return MinWatermark
	}
	if !anyActive {
		return maxIdle
	}
	return wm
}

func (j *Job) maybeEmit(force bool) error {
	if j.spec.Batch {
		return nil // the end of input sends the one watermark (finish)
	}
	if !force && time.Since(j.lastEmit) < j.spec.WatermarkInterval {
		return nil
	}
	return j.emitWatermark(j.combined())
}

func (j *Job) emitWatermark(wm int64) error {
	j.lastEmit = time.Now()
	if wm <= j.emittedWM {
		return nil
	}
	j.emittedWM = wm
	j.Metrics.Watermark.Store(wm)
	seen := map[Op]bool{}
	for _, st := range j.inputs {
		if seen[st.in.Head] {
			continue
		}
		seen[st.in.Head] = true
		if err := st.in.Head.Watermark(wm); err != nil {
			return err
		}
	}
	return nil
}

// health updates the PAUSED status from the health of the sources and
// sinks.
func (j *Job) health() {
	var why error
	for _, st := range j.inputs {
		if h, ok := st.in.Source.(HealthReporter); ok {
			if err := h.Health(); err != nil {
				why = fmt.Errorf("source %s: %w", st.in.Name, err)
				break
			}
		}
	}
	for _, op := range j.spec.Ops {
		if why != nil {
			break
		}
		if so, ok := op.(*SinkOp); ok {
			if h, ok := so.Sink.(HealthReporter); ok {
				if err := h.Health(); err != nil {
					why = fmt.Errorf("sink %s: %w", so.Name, err)
				}
			}
		}
	}
	switch cur := j.Status(); {
	case why != nil && cur == Running:
		j.status.Store(Paused)
		j.setErr(why)
		j.log.Warn("job paused: it cannot make progress", "reason", why)
	case why == nil && cur == Paused:
		j.status.Store(Running)
		j.setErr(nil)
		j.log.Info("job resumed")
	}
}

// whileBlocked runs fn, which may wait long for an external system (a
// checkpoint committing to a broker that went away), on the run
// goroutine, and meanwhile keeps the PAUSED status current from the
// health of the sources and sinks, which the run goroutine cannot do while
// it waits. It returns fn's error once the watcher has stopped.
func (j *Job) whileBlocked(fn func() error) error {
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				j.health()
			}
		}
	}()
	err := fn()
	close(stop)
	<-done
	return err
}

func (j *Job) timers(now time.Time) error {
	j.health()
	if len(j.expirers)+len(j.procTimers) > 0 {
		t := now.UnixMicro()
		if j.spec.Clock != nil {
			t = j.spec.Clock().UnixMicro()
		}
		for _, e := range j.expirers {
			e.ExpireState(t)
		}
		for _, p := range j.procTimers {
			if err := p.OnProcessingTime(t); err != nil {
				return err
			}
		}
	}
	for _, st := range j.inputs {
		j.discoverSplits(st)
	}
	changed := false
	for _, st := range j.inputs {
		timeout := j.spec.IdleTimeout
		if st.in.IdleTimeout > 0 {
			timeout = st.in.IdleTimeout
		}
		if timeout <= 0 {
			continue
		}
		for _, s := range st.splits {
			if !s.idle && !st.finished && !s.lastActive.IsZero() && now.Sub(s.lastActive) >= timeout {
				s.idle = true
				changed = true
			}
			if s.lastActive.IsZero() {
				s.lastActive = now // a split that never had data starts its idle clock now
			}
		}
	}
	if changed {
		if err := j.maybeEmit(true); err != nil {
			return err
		}
	}
	if err := j.maybeEmit(false); err != nil {
		return err
	}
	if j.spec.CheckpointInterval > 0 && now.Sub(j.lastCkpt) >= j.spec.CheckpointInterval && j.batch == nil {
		if j.checkpointing() {
			if err := j.checkpoint(); err != nil {
				return err
			}
		} else {
			// Without checkpoints sinks still flush at the interval, so
			// that a write the broker refused fails the job instead of
			// being lost without a word.
			j.lastCkpt = now
			if err := j.flushAll(); err != nil {
				return err
			}
		}
	}
	return j.checkWaiting()
}

func (j *Job) flushAll() error {
	for _, op := range j.spec.Ops {
		if f, ok := op.(Flusher); ok {
			if err := f.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}

// caughtUp reports whether every input has consumed up to its target.
func (j *Job) caughtUp(targets []map[int32]int64) bool {
	for i, st := range j.inputs {
		if st.finished || i >= len(targets) {
			continue
		}
		if targets[i] == nil {
			if b, ok := st.in.Source.(BoundedSource); ok && b.Bounded() {
				return false
			}
		}
		for split, end := range targets[i] {
			s := st.splits[split]
			if end > 0 && (s == nil || s.next < end) {
				return false
			}
		}
	}
	return true
}

func (j *Job) checkWaiting() error {
	if len(j.waiting) == 0 {
		return nil
	}
	keep := j.waiting[:0]
	for _, req := range j.waiting {
		if j.batch != nil && req.kind != ctlPositions {
			keep = append(keep, req) // answered between micro-batches
			continue
		}
		switch req.kind {
		case ctlCheckpoint:
			req.reply <- j.checkpoint()
			continue
		case ctlPositions:
			*req.positions = j.positions()
			req.reply <- nil
			continue
		case ctlSavepoint, ctlDrain:
			err := j.stopRequest(req)
			req.reply <- err
			if err != nil {
				return err
			}
			continue
		}
		if !j.caughtUp(req.targets) {
			keep = append(keep, req)
			continue
		}
		var err error
		if req.kind == ctlEndInput {
			err = j.emitWatermark(MaxWatermark)
		} else {
			err = j.maybeEmit(true)
		}
		if err == nil {
			err = j.flushAll()
		}
		req.reply <- err
		if err != nil {
			return err
		}
	}
	j.waiting = keep
	return nil
}

func (j *Job) request(ctx context.Context, kind ctlKind) error {
	var targets []map[int32]int64
	j.mu.Lock()
	inputs := j.inputs
	j.mu.Unlock()
	if kind != ctlCheckpoint {
		for _, st := range inputs {
			var t map[int32]int64
			if eo, ok := st.in.Source.(EndOffsetter); ok {
				var err error
				if t, err = eo.EndOffsets(ctx); err != nil {
					// A job that failed meanwhile closed its sources: its
					// failure is the answer, not the closed client's.
					if jerr := j.Err(); jerr != nil {
						return jerr
					}
					return fmt.Errorf("end offsets of %s: %w", st.in.Name, err)
				}
			}
			targets = append(targets, t)
		}
	}
	req := ctlReq{kind: kind, targets: targets, reply: make(chan error, 1)}
	select {
	case j.ctl <- req:
	case <-j.done:
		if err := j.Err(); err != nil {
			return err
		}
		if j.Status() == Finished {
			return nil
		}
		return fmt.Errorf("job %s is %s", j.ID(), j.Status())
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-req.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Sync blocks until the job has processed every record its sources held
// when Sync was called, emitted the resulting watermark, and flushed its
// sinks.
func (j *Job) Sync(ctx context.Context) error { return j.request(ctx, ctlSync) }

// EndInput is Sync followed by a final watermark that fires every open
// window, as if the input had ended. Later records are late.
func (j *Job) EndInput(ctx context.Context) error { return j.request(ctx, ctlEndInput) }

// Checkpoint takes a checkpoint now (CheckpointDir must be set).
func (j *Job) Checkpoint(ctx context.Context) error { return j.request(ctx, ctlCheckpoint) }

// checkpointing reports whether the job takes checkpoints: it keeps them
// in a directory, or commits an exactly-once sink with them.
func (j *Job) checkpointing() bool {
	return j.spec.CheckpointInterval > 0 && (j.spec.CheckpointDir != "" || j.txnSink() != nil)
}

// SplitPositions returns, per input, each split's next position and
// watermark; for status displays. Only approximate while running.
func (j *Job) String() string { return fmt.Sprintf("job %s (%s)", j.ID(), j.Status()) }

var _ = types.Row(nil)
