package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// savepointJob is seedJob over a source that stays open after its rows,
// with state ids for its window and input.
func savepointJob(t *testing.T, rows []types.Row, out *collected, windowID string) *JobSpec {
	t.Helper()
	spec := seedJob(t, nil, out)
	var recs []Rec
	for _, r := range rows {
		recs = append(recs, Rec{Row: r})
	}
	spec.Inputs[0].Source = &oneSplitSource{scriptedSource{polls: [][]SplitBatch{{{Split: 0, Recs: recs, Next: int64(len(recs))}}}}}
	spec.Inputs[0].UID = "source values"
	spec.StateIDs = map[Op]string{spec.Ops[1]: windowID}
	return spec
}

// oneSplitSource is a scriptedSource with one split.
type oneSplitSource struct{ scriptedSource }

func (s *oneSplitSource) Splits() []int32 { return []int32{0} }

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// TestSavepointRoundTrip: a job stopped with a savepoint while a window
// is open; a new job restores it (same state ids), and the open window
// fires with the rows of both jobs. A job whose window has another id
// refuses the savepoint unless unclaimed state may be dropped.
func TestSavepointRoundTrip(t *testing.T) {
	row := func(s string, amount int64) types.Row {
		return types.Row{ts(s), types.IntV(amount), types.StringV("Paid")}
	}
	dir := t.TempDir()
	var out1 collected
	spec := savepointJob(t, []types.Row{row("2026-01-01 00:00:00", 10), row("2026-01-01 00:00:04", 7)}, &out1, "window A")
	spec.WatermarkInterval = 0
	job, err := StartJob(context.Background(), spec)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the first window", func() bool { out1.mu.Lock(); defer out1.mu.Unlock(); return len(out1.rows) == 1 })
	path, err := job.StopWithSavepoint(context.Background(), dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if job.Status() != Stopped {
		t.Errorf("status %s after the savepoint, want STOPPED", job.Status())
	}
	sp, err := ReadSavepoint("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	if sp.JobID != "test" || len(sp.Ops) != 1 || sp.Ops[0].UID != "window A" || len(sp.Inputs) != 1 || sp.Inputs[0].Splits[0].Next != 2 {
		t.Fatalf("savepoint %+v", sp)
	}

	// Another window id: refused, or started without that state.
	var out2 collected
	other := savepointJob(t, nil, &out2, "window B")
	other.SavepointPath = path
	if _, err := StartJob(context.Background(), other); err == nil || !errors.Is(err, ErrSavepoint) || !strings.Contains(err.Error(), "window A") {
		t.Fatalf("unclaimed state: %v, want an error naming 'window A'", err)
	}
	other = savepointJob(t, nil, &out2, "window B")
	other.SavepointPath, other.IgnoreUnclaimed = path, true
	j2, err := StartJob(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	j2.Stop()

	// The same id: the open window [3, 6) holds 7 and gets 5 more.
	var out3 collected
	same := savepointJob(t, []types.Row{row("2026-01-01 00:00:05", 5), row("2026-01-01 00:00:09", 1)}, &out3, "window A")
	same.SavepointPath = path
	j3, err := StartJob(context.Background(), same)
	if err != nil {
		t.Fatal(err)
	}
	defer j3.Stop()
	waitFor(t, "the restored window", func() bool { out3.mu.Lock(); defer out3.mu.Unlock(); return len(out3.rows) == 1 })
	out3.mu.Lock()
	got := fmt.Sprint(out3.rows)
	out3.mu.Unlock()
	if want := "[+I[2026-01-01 00:00:03.000, 2026-01-01 00:00:06.000, 2026-01-01 00:00:05.999, 12, 2]]"; got != want {
		t.Errorf("restored window: %s, want %s", got, want)
	}
}

func TestReadSavepointErrors(t *testing.T) {
	dir := t.TempDir()
	notSP := filepath.Join(dir, "plain")
	os.MkdirAll(notSP, 0o755)
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(bad, 0o755)
	os.WriteFile(filepath.Join(bad, SavepointFile), []byte("hello"), 0o644)
	damaged := filepath.Join(dir, "damaged")
	if err := writeAtomicMagic(damaged, SavepointFile, svpMagic, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(damaged, SavepointFile))
	raw[len(raw)-1] ^= 0xff
	os.WriteFile(filepath.Join(damaged, SavepointFile), raw, 0o644)
	for path, want := range map[string]string{
		filepath.Join(dir, "nope"): "does not exist",
		notSP:                      "has no _metadata file",
		bad:                        "is not a Tumble savepoint",
		damaged:                    "checksum mismatch",
	} {
		_, err := ReadSavepoint(path)
		if err == nil || !errors.Is(err, ErrSavepoint) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}
