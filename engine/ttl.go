package engine

import "time"

// Idle state retention (Flink's table.exec.state.ttl). An operator with a
// TTL drops a key's state once it has not been written for that long of
// processing time, as if the key had never been seen: a later row of the
// key starts afresh (an aggregate emits +I again, a deduplicated key lets
// its next row through), and nothing is emitted when state expires.
// Expired state is dropped when its key is next touched and by a sweep the
// job runs every tick (each operator sweeps at most every TTL/2), and
// counted in the job's state_expired metric. The clock is the job's
// (JobSpec.Clock), so tests move time by hand. After a restore, restored
// keys count their idle time from the restore.

// StateExpirer is an operator whose state expires; the job calls
// ExpireState with the processing time (micros) on every tick.
type StateExpirer interface {
	ExpireState(now int64)
}

// nowMicros is the job's processing time.
func (c *OpContext) nowMicros() int64 {
	if c != nil && c.Now != nil {
		return c.Now().UnixMicro()
	}
	return time.Now().UnixMicro()
}

// stateExpired counts n keys whose state expired.
func (c *OpContext) stateExpired(n int64) {
	if c != nil && n > 0 {
		c.Metrics.StateExpired.Add(n)
	}
}

// keyTTL tracks when each key's state was last written.
type keyTTL struct {
	seen      map[string]int64 // key -> last write, micros
	lastSweep int64
}

// expired reports whether key's state has expired (and forgets the key,
// counting it); the caller then drops the key's state.
func (k *keyTTL) expired(oc *OpContext, ttl time.Duration, key []byte) bool {
	if ttl <= 0 {
		return false
	}
	last, ok := k.seen[string(key)]
	if !ok || oc.nowMicros()-last < ttl.Microseconds() {
		return false
	}
	delete(k.seen, string(key))
	oc.stateExpired(1)
	return true
}

// touch records a write of key's state.
func (k *keyTTL) touch(oc *OpContext, ttl time.Duration, key []byte) {
	if ttl <= 0 {
		return
	}
	if k.seen == nil {
		k.seen = map[string]int64{}
	}
	k.seen[string(key)] = oc.nowMicros()
}

// forget stops tracking a key whose state is gone.
func (k *keyTTL) forget(key []byte) {
	if k.seen != nil {
		delete(k.seen, string(key))
	}
}

// sweep drops (through drop) the state of every expired key, at most
// every ttl/2.
func (k *keyTTL) sweep(oc *OpContext, ttl time.Duration, now int64, drop func(key []byte)) {
	t := ttl.Microseconds()
	if t <= 0 || now-k.lastSweep < max(t/2, int64(100*time.Millisecond/time.Microsecond)) {
		return
	}
	k.lastSweep = now
	var n int64
	for key, last := range k.seen {
		if now-last >= t {
			drop([]byte(key))
			delete(k.seen, key)
			n++
		}
	}
	oc.stateExpired(n)
}

// SetStateTTL gives the operators whose idle state may expire (regular
// joins, group aggregates, Top-N, deduplication) a TTL, where they have
// none of their own.
func (spec *JobSpec) SetStateTTL(ttl time.Duration) {
	for _, op := range spec.Ops {
		switch o := op.(type) {
		case *GroupAgg:
			if o.TTL == 0 {
				o.TTL = ttl
			}
		case *Deduplicate:
			if o.TTL == 0 {
				o.TTL = ttl
			}
		case *Rank:
			if o.TTL == 0 {
				o.TTL = ttl
			}
		case *Join:
			if o.TTL == 0 && o.Kind == RegularJoin {
				o.TTL = ttl
			}
		case *Normalize:
			if o.TTL == 0 && !o.Final {
				o.TTL = ttl
			}
		}
	}
}
