package filesystem

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
)

// gatedSource lets the first n Polls through, then blocks each Poll until
// release says how many more may pass.
type gatedSource struct {
	*Source
	n       int
	blocked chan struct{} // a Poll is waiting at the gate
	release chan int
}

func (g *gatedSource) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	for g.n == 0 {
		select {
		case g.blocked <- struct{}{}:
		default:
		}
		select {
		case g.n = <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	g.n--
	return g.Source.Poll(ctx)
}

// failingSink fails every Write once told to (a crash after a checkpoint).
type failingSink struct {
	*Sink
	fail atomic.Bool
}

func (f *failingSink) Write(ctx context.Context, recs []engine.Rec) error {
	if f.fail.Load() {
		return engine.Permanent(errors.New("injected failure"))
	}
	return f.Sink.Write(ctx, recs)
}

// A job copying one filesystem table into another fails after a
// checkpoint; its restart resumes from that checkpoint: every row is in the
// output exactly once, also rows of a file added meanwhile.
func TestJobExactlyOnceAcrossFailure(t *testing.T) {
	in, out, ckpt := t.TempDir(), t.TempDir(), t.TempDir()
	var want []string
	addFile := func(name string, from, n int) {
		var b strings.Builder
		for i := from; i < from+n; i++ {
			fmt.Fprintf(&b, "%d,r%d\n", i, i)
			want = append(want, fmt.Sprintf("%d|r%d", i, i))
		}
		writeFile(t, filepath.Join(in, name), b.String())
	}
	for f := 0; f < 3; f++ {
		addFile(fmt.Sprintf("f%d.csv", f), f*10000, 5000)
	}
	cols := []string{"id INT", "name STRING"}
	const job = "job-under-test"
	build := func(gate *gatedSource, fs *failingSink) *engine.JobSpec {
		src, err := NewSource(tableSpec(in, cols, nil))
		if err != nil {
			t.Fatal(err)
		}
		sinkSpec := tableSpec(out, cols, nil)
		sinkSpec.Defaults[engine.DefaultJobID] = job
		sink, err := NewSink(sinkSpec)
		if err != nil {
			t.Fatal(err)
		}
		var source engine.Source = src
		var target engine.Sink = sink
		if gate != nil {
			gate.Source = src
			source = gate
			fs.Sink = sink
			target = fs
		}
		op := engine.NewSinkOp("out", target)
		return &engine.JobSpec{ID: job, CheckpointDir: ckpt, CheckpointInterval: time.Hour,
			Inputs: []*engine.Input{{Name: "in", Source: source, Head: op}}, Ops: []engine.Op{op}}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	// First run: three polls (4096 + 904 rows of f0, 4096 of f1), a
	// checkpoint, then a failure while writing the next poll.
	gate := &gatedSource{n: 3, blocked: make(chan struct{}, 1), release: make(chan int)}
	failing := &failingSink{}
	j1, err := engine.StartJob(ctx, build(gate, failing))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-gate.blocked:
	case <-ctx.Done():
		t.Fatal("the source never reached the gate")
	}
	if err := j1.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, tableSpec(out, cols, nil)); len(got) != 4096+904+4096 {
		t.Fatalf("after the checkpoint %d rows are visible, want %d", len(got), 4096+904+4096)
	}
	failing.fail.Store(true)
	gate.release <- 1
	select {
	case <-j1.Done():
	case <-ctx.Done():
		t.Fatal("the first run did not fail")
	}
	if j1.Status() != engine.Failed {
		t.Fatalf("first run: %s %v", j1.Status(), j1.Err())
	}
	if got := readTable(t, tableSpec(out, cols, nil)); len(got) != 4096+904+4096 {
		t.Fatalf("after the failure %d rows are visible, want %d", len(got), 4096+904+4096)
	}

	addFile("f3.csv", 30000, 10)
	j2, err := engine.StartJob(ctx, build(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-j2.Done():
	case <-ctx.Done():
		t.Fatal("the second run did not finish")
	}
	if j2.Status() != engine.Finished {
		t.Fatalf("second run: %s %v", j2.Status(), j2.Err())
	}
	got := readTable(t, tableSpec(out, cols, nil))
	if len(got) != len(want) || strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Fatalf("output has %d rows, want each of %d exactly once", len(got), len(want))
	}
	for _, f := range listFiles(t, out) {
		if strings.Contains(f, ".inprogress.") {
			t.Fatalf("left behind %s", f)
		}
	}
}
