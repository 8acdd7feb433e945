package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// logSource is an in-memory log of records per split with end offsets and
// limits, as the Kafka source has them.
type logSource struct {
	mu     sync.Mutex
	log    map[int32][]Rec
	next   map[int32]int64
	limit  map[int32]int64 // nil: no limits
	opened bool
}

func newLogSource(splits ...int32) *logSource {
	s := &logSource{log: map[int32][]Rec{}, next: map[int32]int64{}}
	for _, p := range splits {
		s.log[p] = nil
	}
	return s
}

func (s *logSource) add(split int32, secs ...float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sec := range secs {
		s.log[split] = append(s.log[split], Rec{Row: types.Row{types.TimestampV(int64(sec * float64(types.MicrosPerSecond)))}})
	}
}

func (s *logSource) Open(_ context.Context, start map[int32]int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.log {
		s.next[p] = start[p]
	}
	s.opened = true
	return nil
}
func (s *logSource) Close() error { return nil }
func (s *logSource) Splits() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int32
	for p := range s.log {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

func (s *logSource) Poll(ctx context.Context) ([]SplitBatch, error) {
	s.mu.Lock()
	var out []SplitBatch
	for _, p := range []int32{0, 1, 2} {
		recs, ok := s.log[p]
		if !ok {
			continue
		}
		end := int64(len(recs))
		if s.limit != nil {
			end = min(end, s.limit[p])
		}
		if n := s.next[p]; n < end {
			out = append(out, SplitBatch{Split: p, Recs: slices.Clone(recs[n:end]), Next: end})
			s.next[p] = end
		}
	}
	s.mu.Unlock()
	if len(out) == 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return out, nil
}

func (s *logSource) EndOffsets(context.Context) (map[int32]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int32]int64{}
	for p, r := range s.log {
		out[p] = int64(len(r))
	}
	return out, nil
}

// Limit shares max over the splits as the Kafka source does (the simple
// case the tests need: one split, or no bound).
func (s *logSource) Limit(ends map[int32]int64, max int64) map[int32]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = map[int32]int64{}
	for p := range s.log {
		l := s.next[p]
		if e, ok := ends[p]; ok && e > l {
			l = e
			if max > 0 {
				l = min(l, s.next[p]+max)
			}
		}
		s.limit[p] = l
	}
	return maps(s.limit)
}

func maps(m map[int32]int64) map[int32]int64 {
	out := map[int32]int64{}
	for k, v := range m {
		out[k] = v
	}
	return out
}

// countJob counts rows per 3-second window in Spark's update mode.
func countJob(t *testing.T, src Source, trig *Trigger, emit EmitMode, out *collected) *JobSpec {
	t.Helper()
	cnt, _ := agg.New("COUNT", nil, false, agg.Semantics{})
	win := &WindowAgg{W: Window{Kind: Tumble, Size: 3 * types.MicrosPerSecond}, TimeCol: 0, TimeKind: types.Timestamp,
		Aggs: []AggCall{{Func: cnt, Arg: -1}}, Emit: emit}
	sink := NewSinkOp("out", out.sink())
	win.SetNext(sink)
	return &JobSpec{ID: "mb", Trigger: trig, Inputs: []*Input{{Name: "log", Source: src, Head: win}}, Ops: []Op{win, sink}}
}

func (c *collected) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.rows
	c.rows = nil
	for i, r := range out {
		// +I[start, end, window_time, count]: keep start and count
		f := strings.Split(strings.Trim(r, "+I[]"), ", ")
		out[i] = f[0][17:19] + ":" + f[3]
	}
	slices.Sort(out)
	return out
}

// A processing-time trigger reads nothing between its ticks; each tick's
// micro-batch reads what the log held then, and update mode emits every
// window the micro-batch changed, once, with its new value.
func TestTriggerIntervalUpdateMode(t *testing.T) {
	src := newLogSource(0, 1)
	tick := make(chan time.Time)
	var out collected
	job, err := StartJob(context.Background(), countJob(t, src, &Trigger{Interval: time.Hour, Tick: tick}, EmitBatchUpdates, &out))
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	waitFor(t, "the source limited", func() bool { src.mu.Lock(); defer src.mu.Unlock(); return src.limit != nil })
	src.add(0, 1, 2)
	src.add(1, 1.5, 4)
	time.Sleep(100 * time.Millisecond)
	if n := job.Metrics.RecordsIn.Load(); n != 0 {
		t.Fatalf("read %d records between triggers", n)
	}
	tick <- time.Now()
	waitFor(t, "the first micro-batch", func() bool { return job.MicroBatches() == 1 })
	if got, want := out.take(), []string{"00:3", "03:1"}; !slices.Equal(got, want) {
		t.Errorf("micro-batch 1: %v, want %v", got, want)
	}
	src.add(0, 2.5, 2.6)
	src.add(1, 2.7)
	tick <- time.Now()
	waitFor(t, "the second micro-batch", func() bool { return job.MicroBatches() == 2 })
	if got, want := out.take(), []string{"00:6"}; !slices.Equal(got, want) {
		t.Errorf("micro-batch 2: %v, want %v (the window changed three times, emitted once)", got, want)
	}
	if p, ok := job.LastBatch(); !ok || p.ID != 1 || p.Rows != 3 {
		t.Errorf("last batch %+v", p)
	}
	// Nothing new: no micro-batch, nothing emitted.
	tick <- time.Now()
	tick <- time.Now() // the trigger took the first: it has answered
	if got := out.take(); len(got) != 0 || job.MicroBatches() != 2 {
		t.Errorf("a trigger without data emitted %v (%d micro-batches)", got, job.MicroBatches())
	}
}

// Complete mode emits every window at the end of each micro-batch that
// read rows.
func TestTriggerCompleteMode(t *testing.T) {
	src := newLogSource(0)
	tick := make(chan time.Time)
	var out collected
	job, err := StartJob(context.Background(), countJob(t, src, &Trigger{Tick: tick}, EmitBatchAll, &out))
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	src.add(0, 1, 4)
	tick <- time.Now()
	waitFor(t, "a micro-batch with rows", func() bool { return job.Metrics.RecordsIn.Load() == 2 && job.Metrics.RecordsOut.Load() == 2 })
	src.add(0, 5)
	tick <- time.Now()
	waitFor(t, "the next micro-batch", func() bool { return job.Metrics.RecordsOut.Load() == 4 })
	if got, want := out.take(), []string{"00:1", "00:1", "03:1", "03:2"}; !slices.Equal(got, want) {
		t.Errorf("complete mode: %v, want %v", got, want)
	}
}

// AvailableNow reads what the log held at the start in micro-batches of
// at most MaxOffsets, then finishes; rows added later are not read. Once
// reads it in one micro-batch.
func TestTriggerAvailableNowAndOnce(t *testing.T) {
	for _, tc := range []struct {
		trig    Trigger
		batches int64
		want    []string
	}{
		{Trigger{AvailableNow: true, MaxOffsets: 2}, 3, []string{"00:2", "00:3", "03:1", "03:2"}},
		{Trigger{AvailableNow: true}, 1, []string{"00:3", "03:2"}},
		{Trigger{Once: true, MaxOffsets: 2}, 1, []string{"00:3", "03:2"}},
	} {
		t.Run(tc.trig.String()+fmt.Sprint(tc.trig.MaxOffsets), func(t *testing.T) {
			src := newLogSource(0)
			src.add(0, 0.5, 1, 2, 3.5, 4)
			var out collected
			job, err := StartJob(context.Background(), countJob(t, src, &tc.trig, EmitBatchUpdates, &out))
			if err != nil {
				t.Fatal(err)
			}
			src.add(0, 5) // after the start: not read
			select {
			case <-job.Done():
			case <-time.After(time.Minute):
				job.Stop()
				t.Fatal("the job did not finish")
			}
			if job.Status() != Finished || job.MicroBatches() != tc.batches {
				t.Errorf("status %s after %d micro-batches, want FINISHED after %d", job.Status(), job.MicroBatches(), tc.batches)
			}
			if got := out.take(); !slices.Equal(got, tc.want) {
				t.Errorf("emitted %v, want %v", got, tc.want)
			}
		})
	}
}

// The default trigger: a micro-batch per poll; a window changed by
// several splits of one poll is emitted once.
func TestTriggerDefault(t *testing.T) {
	src := &scriptedSource{polls: [][]SplitBatch{
		{{Split: 0, Recs: []Rec{{Row: types.Row{types.TimestampV(1e6)}}}, Next: 1}, {Split: 1, Recs: []Rec{{Row: types.Row{types.TimestampV(2e6)}}}, Next: 1}},
		{{Split: 0, Recs: []Rec{{Row: types.Row{types.TimestampV(2.5e6)}}}, Next: 2}},
	}}
	var out collected
	job, err := StartJob(context.Background(), countJob(t, src, nil, EmitBatchUpdates, &out))
	if err != nil {
		t.Fatal(err)
	}
	defer job.Stop()
	waitFor(t, "two micro-batches", func() bool { return job.MicroBatches() == 2 })
	if got, want := out.take(), []string{"00:2", "00:3"}; !slices.Equal(got, want) {
		t.Errorf("emitted %v, want %v", got, want)
	}
}
