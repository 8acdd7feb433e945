package engine

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Trigger makes a job run in Spark Structured Streaming's micro-batches:
// operators that emit per micro-batch (BatchEnder: Spark's output modes)
// emit when the job ends one. A job whose spec has BatchEnders and no
// Trigger runs the default trigger.
//
// The default trigger (the zero value) runs micro-batches back to back:
// each is what one poll of the sources returned, ended when it has gone
// through the operators. With an Interval, AvailableNow, Once or
// MaxOffsets the job reads in micro-batches of offsets fixed when each
// starts, as Spark does: at its start a micro-batch takes each split's end
// (EndOffsetter), bounded by MaxOffsets, tells the sources to read no
// further (Limiter), and ends when the job has read up to there; between
// micro-batches the job reads nothing.
type Trigger struct {
	// Interval starts a micro-batch every Interval of processing time, at
	// multiples of it since the epoch (the first at once), over what the
	// sources hold then; when a micro-batch takes longer, the next starts
	// as soon as it ends. A trigger with nothing new to read runs no
	// micro-batch.
	Interval time.Duration
	// AvailableNow reads what the sources hold when the job starts, in
	// micro-batches of at most MaxOffsets, then finishes the job. Once
	// reads it in one micro-batch (MaxOffsets ignored), then finishes.
	AvailableNow, Once bool
	// MaxOffsets bounds how many offsets a micro-batch reads from one
	// input, over its splits in proportion to what each has to read
	// (Spark's maxOffsetsPerTrigger); 0 is no bound.
	MaxOffsets int64
	// PollingDelay is how long back-to-back micro-batches with a bound
	// (MaxOffsets without Interval) wait before looking again when there
	// was nothing new (0: 10 ms, Spark's spark.sql.streaming.pollingDelay).
	PollingDelay time.Duration
	// Tick, if set, starts each micro-batch instead of the wall clock
	// (tests).
	Tick <-chan time.Time
}

// fixed reports whether micro-batches read up to offsets fixed at their
// start (rather than one poll each).
func (t *Trigger) fixed() bool {
	return t != nil && (t.Interval > 0 || t.AvailableNow || t.Once || t.MaxOffsets > 0 || t.Tick != nil)
}

// String is the trigger as Spark names it.
func (t *Trigger) String() string {
	switch {
	case t == nil:
		return "ProcessingTime(0)"
	case t.Once:
		return "Once"
	case t.AvailableNow:
		return "AvailableNow"
	}
	return fmt.Sprintf("ProcessingTime(%s)", t.Interval)
}

// BatchEnder is an operator that emits at the end of each micro-batch
// (see Trigger). The job calls EndBatch from the goroutine that drives
// the operators, upstream operators first; checkpoints fall between
// micro-batches.
type BatchEnder interface {
	EndBatch() error
}

// Limiter is an optional Source ability that makes micro-batches exact:
// Limit sets, per split, the offset Poll stops before (records at or past
// it wait for a later limit). ends gives each split's end; a split not in
// it is read no further than where it is. max > 0 bounds the offsets
// read over all splits: each split gets a share of max in proportion to
// what it has to read (at least one offset; never past its end), as
// Spark's maxOffsetsPerTrigger. Limit returns the limit of every split.
// It is called from the job's run goroutine while Poll may run; it must
// not block on the network.
type Limiter interface {
	Limit(ends map[int32]int64, max int64) map[int32]int64
}

// BatchProgress is what the last micro-batch of a job did (Spark's
// StreamingQueryProgress).
type BatchProgress struct {
	ID       int64     // 0, 1, ... over the job's life
	Start    time.Time // when it started
	Duration time.Duration
	Rows     int64 // records read
	// Ends holds, per input, each split's position after the batch.
	Ends []map[int32]int64
}

// batch is the micro-batch in progress (fixed triggers), owned by the run
// goroutine.
type batch struct {
	req     ctlReq
	targets []map[int32]int64
	// one: inputs without end offsets, which give the batch the next poll
	// result they have.
	one   []bool
	start time.Time
}

type batchClock struct {
	mu       sync.Mutex
	next     int64 // the next batch's id
	last     BatchProgress
	hasLast  bool
	rowsSeen int64
}

// LastBatch returns the job's last micro-batch and whether it had one.
func (j *Job) LastBatch() (BatchProgress, bool) {
	j.bc.mu.Lock()
	defer j.bc.mu.Unlock()
	return j.bc.last, j.bc.hasLast
}

// MicroBatches returns how many micro-batches the job has run.
func (j *Job) MicroBatches() int64 {
	j.bc.mu.Lock()
	defer j.bc.mu.Unlock()
	return j.bc.next
}

// batchEnders are the operators that emit per micro-batch, upstream first.
func batchEnders(spec *JobSpec) []BatchEnder {
	var out []BatchEnder
	for _, op := range spec.Ops {
		if b, ok := op.(BatchEnder); ok {
			out = append(out, b)
		}
	}
	return out
}

// endBatch ends a micro-batch: every BatchEnder emits, the progress is
// recorded and, with a fixed trigger, a checkpoint is taken when one is
// due (Spark commits each micro-batch; Tumble at most every
// CheckpointInterval).
func (j *Job) endBatch(start time.Time) error {
	for _, b := range j.enders {
		if err := b.EndBatch(); err != nil {
			return err
		}
	}
	rows := j.Metrics.RecordsIn.Load()
	j.bc.mu.Lock()
	j.bc.last = BatchProgress{ID: j.bc.next, Start: start, Duration: time.Since(start), Rows: rows - j.bc.rowsSeen}
	for _, p := range j.positions() {
		j.bc.last.Ends = append(j.bc.last.Ends, p.Next)
	}
	j.bc.hasLast = true
	j.bc.next++
	j.bc.rowsSeen = rows
	j.bc.mu.Unlock()
	return nil
}

// gated reports whether the run goroutine leaves the sources' results
// unread: between the micro-batches of a fixed trigger.
func (j *Job) gated() bool {
	return j.spec.Trigger.fixed() && j.batch == nil
}

// startBatch begins the micro-batch a trigger asked for: the sources are
// limited to the request's ends (bounded by MaxOffsets); with nothing to
// read the request is answered at once.
func (j *Job) startBatch(req ctlReq) error {
	t := j.spec.Trigger
	b := &batch{req: req, start: time.Now(), one: make([]bool, len(j.inputs)), targets: make([]map[int32]int64, len(j.inputs))}
	max := t.MaxOffsets
	if t.Once {
		max = 0
	}
	work := false
	for i, st := range j.inputs {
		var ends map[int32]int64
		if i < len(req.targets) {
			ends = req.targets[i]
		}
		if ends == nil {
			if _, ok := st.in.Source.(EndOffsetter); !ok && !st.finished {
				b.one[i] = true // read what it has now
				work = true
			}
			continue
		}
		if l, ok := st.in.Source.(Limiter); ok {
			b.targets[i] = l.Limit(ends, max)
		} else {
			b.targets[i] = ends
		}
		for split, end := range b.targets[i] {
			if s := st.splits[split]; s == nil || s.next < end {
				work = true
			}
		}
		if req.done != nil {
			for split, end := range ends {
				if b.targets[i][split] < end {
					*req.done = false // bounded: more batches to come
				}
			}
		}
	}
	if !work {
		req.reply <- errNoData
		return nil
	}
	j.batch = b
	return j.checkBatch()
}

// errNoData answers a trigger whose micro-batch had nothing to read.
var errNoData = fmt.Errorf("no new data")

// checkBatch ends the micro-batch in progress once it has read up to its
// targets.
func (j *Job) checkBatch() error {
	b := j.batch
	if b == nil {
		return nil
	}
	for _, one := range b.one {
		if one {
			return nil
		}
	}
	if !j.caughtUp(b.targets) {
		return nil
	}
	j.batch = nil
	err := j.endBatch(b.start)
	b.req.reply <- err
	if err != nil {
		return err
	}
	if j.checkpointing() && time.Since(j.lastCkpt) >= j.spec.CheckpointInterval {
		return j.checkpoint()
	}
	return nil
}

// limitSources makes Limiter sources read nothing until the first
// micro-batch of a fixed trigger (called before the pollers start).
func (j *Job) limitSources() {
	if !j.spec.Trigger.fixed() {
		return
	}
	for _, st := range j.inputs {
		if l, ok := st.in.Source.(Limiter); ok {
			l.Limit(nil, 0)
		}
	}
}

// trigger starts the micro-batches of a fixed trigger until the attempt
// ends (and, for AvailableNow and Once, finishes the job when what the
// sources held at the start is read).
// fixedEnds are the ends of AvailableNow and Once: the sources' ends
// when the attempt starts.
func (j *Job) trigger(ctx context.Context, fixedEnds []map[int32]int64) {
	defer j.wg.Done()
	t := j.spec.Trigger
	first := t.Tick == nil // a test's ticks start every micro-batch
	for {
		if !first && !j.waitTrigger(ctx, t) {
			return
		}
		first = false
		ends := fixedEnds
		if ends == nil {
			var err error
			if ends, err = j.endOffsets(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				j.log.Warn("micro-batch: end offsets", "err", err)
				if !sleepCtx(ctx, time.Second) {
					return
				}
				continue
			}
		}
		done := true
		req := ctlReq{kind: ctlBatch, targets: ends, reply: make(chan error, 1), done: &done}
		select {
		case j.ctl <- req:
		case <-ctx.Done():
			return
		}
		var err error
		select {
		case err = <-req.reply:
		case <-ctx.Done():
			return
		}
		switch {
		case err == errNoData:
			if t.AvailableNow || t.Once {
				j.finishRequest(ctx)
				return
			}
			if t.Interval == 0 && t.Tick == nil {
				delay := t.PollingDelay
				if delay <= 0 {
					delay = 10 * time.Millisecond
				}
				if !sleepCtx(ctx, delay) {
					return
				}
			}
		case err != nil:
			return // the run goroutine fails the job
		case t.Once, t.AvailableNow && done:
			j.finishRequest(ctx)
			return
		}
	}
}

// waitTrigger waits for the next micro-batch of an Interval trigger (the
// next multiple of the interval), or returns at once for back-to-back
// ones; false when ctx is done.
func (j *Job) waitTrigger(ctx context.Context, t *Trigger) bool {
	switch {
	case t.Tick != nil:
		select {
		case <-t.Tick:
			return true
		case <-ctx.Done():
			return false
		}
	case t.Interval > 0 && !t.AvailableNow && !t.Once:
		now := time.Now()
		next := now.Truncate(t.Interval).Add(t.Interval)
		return sleepCtx(ctx, next.Sub(now))
	}
	return ctx.Err() == nil
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// endOffsets are the inputs' end offsets (nil for a source that cannot
// tell).
func (j *Job) endOffsets(ctx context.Context) ([]map[int32]int64, error) {
	j.mu.Lock()
	inputs := j.inputs
	j.mu.Unlock()
	out := make([]map[int32]int64, len(inputs))
	for i, st := range inputs {
		if eo, ok := st.in.Source.(EndOffsetter); ok {
			end, err := eo.EndOffsets(ctx)
			if err != nil {
				return nil, fmt.Errorf("end offsets of %s: %w", st.in.Name, err)
			}
			out[i] = end
		}
	}
	return out, nil
}

// finishRequest asks the run goroutine to finish the job (AvailableNow,
// Once).
func (j *Job) finishRequest(ctx context.Context) {
	req := ctlReq{kind: ctlFinish, reply: make(chan error, 1)}
	select {
	case j.ctl <- req:
	case <-ctx.Done():
		return
	}
	select {
	case <-req.reply:
	case <-ctx.Done():
	}
}
