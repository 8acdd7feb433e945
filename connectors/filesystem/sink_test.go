package filesystem

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func recs(rows ...types.Row) []engine.Rec {
	out := make([]engine.Rec, len(rows))
	for i, r := range rows {
		out[i] = engine.Rec{Row: r}
	}
	return out
}

func idName(id int64, name string) types.Row {
	return types.Row{types.IntV(id), types.StringV(name)}
}

func visible(files []string) []string {
	var out []string
	for _, f := range files {
		hiddenPart := false
		for _, part := range strings.Split(f, "/") {
			hiddenPart = hiddenPart || hidden(part)
		}
		if !hiddenPart {
			out = append(out, f)
		}
	}
	return out
}

func newJobSink(t *testing.T, spec *engine.TableSpec, job string) *Sink {
	t.Helper()
	spec.Defaults[engine.DefaultJobID] = job
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Without checkpoints (no Begin) every Flush commits; files are hidden
// until then.
func TestSinkUnmanagedCommitsOnFlush(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil)
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s.ExactlyOnce() {
		t.Fatal("a sink outside a job is not transactional")
	}
	if err := s.Write(ctx, recs(idName(1, "a"), idName(2, "b,c"))); err != nil {
		t.Fatal(err)
	}
	if files := listFiles(t, dir); len(files) != 1 || len(visible(files)) != 0 || !strings.Contains(files[0], ".inprogress.") {
		t.Fatalf("before the flush: %v", files)
	}
	if got := readTable(t, spec); len(got) != 0 {
		t.Fatalf("readers see uncommitted rows: %q", got)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|a 2|b,c" {
		t.Fatalf("got %q", got)
	}
	// Close commits what is left (the end of a bounded job).
	if err := s.Write(ctx, recs(idName(3, "d"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := sorted(readTable(t, spec)); strings.Join(got, " ") != "1|a 2|b,c 3|d" {
		t.Fatalf("got %q", got)
	}
	files := listFiles(t, dir)
	if len(files) != 2 || len(visible(files)) != 2 || !strings.HasPrefix(files[0], "part-") {
		t.Fatalf("files %v", files)
	}
}

// Under checkpoints files become visible with Commit, with a marker
// naming the checkpoint; Flush only makes them durable.
func TestSinkCommitsWithCheckpoints(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil, "format", "json")
	s := newJobSink(t, spec, "job1")
	ctx := context.Background()
	if !s.ExactlyOnce() {
		t.Fatal("a job's sink commits with checkpoints")
	}
	if n, err := s.LastCommitted(ctx); err != nil || n != -1 {
		t.Fatalf("last committed %d, %v", n, err)
	}
	if err := s.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, recs(idName(1, "a"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, spec); len(got) != 0 {
		t.Fatalf("visible before the checkpoint: %q", got)
	}
	if err := s.Commit(ctx, 7); err != nil {
		t.Fatal(err)
	}
	if err := s.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|a" {
		t.Fatalf("got %q", got)
	}
	if n, err := s.LastCommitted(ctx); err != nil || n != 7 {
		t.Fatalf("last committed %d, %v", n, err)
	}
	// Written after the checkpoint, then the job fails: Close drops it.
	if err := s.Write(ctx, recs(idName(2, "b"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|a" {
		t.Fatalf("got %q", got)
	}
	for _, f := range listFiles(t, dir) {
		if strings.Contains(f, ".inprogress.") {
			t.Fatalf("left behind %s", f)
		}
	}
}

// A process that dies leaves in-progress files; the next run of the job
// removes them (their rows are written again from the checkpoint) and
// keeps what was committed.
func TestSinkRecoveryRemovesUncommittedFiles(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil)
	ctx := context.Background()
	s := newJobSink(t, spec, "job1")
	s.Begin(ctx)
	s.Write(ctx, recs(idName(1, "a")))
	if err := s.Commit(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Begin(ctx)
	s.Write(ctx, recs(idName(2, "b")))
	s.Flush(ctx) // durable but uncommitted; then the process dies (no Close)

	other := newJobSink(t, tableSpec(dir, []string{"id INT", "name STRING"}, nil), "job2")
	other.Begin(ctx)
	other.Write(ctx, recs(idName(9, "other job")))
	other.Flush(ctx)

	again := newJobSink(t, tableSpec(dir, []string{"id INT", "name STRING"}, nil), "job1")
	if n, err := again.LastCommitted(ctx); err != nil || n != 1 {
		t.Fatalf("last committed %d, %v", n, err)
	}
	if err := again.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	var inProgress []string
	for _, f := range listFiles(t, dir) {
		if strings.Contains(f, ".inprogress.") {
			inProgress = append(inProgress, f)
		}
	}
	if len(inProgress) != 1 || !strings.HasSuffix(inProgress[0], ".inprogress.job2") {
		t.Fatalf("in-progress files after recovery: %v (only the other job's should remain)", inProgress)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|a" {
		t.Fatalf("got %q", got)
	}
}

// A crash between the marker (the commit point) and the renames: the next
// run finishes the renames before it reports the checkpoint.
func TestSinkRollsForwardAnInterruptedCommit(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil)
	ctx := context.Background()
	s := newJobSink(t, spec, "job1")
	s.Begin(ctx)
	s.Write(ctx, recs(idName(1, "a"), idName(2, "b")))
	for _, dir := range s.openDirs() {
		if err := s.roll(s.open[dir]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.writeMarker(3); err != nil { // ... and the process dies here
		t.Fatal(err)
	}
	if got := readTable(t, spec); len(got) != 0 {
		t.Fatalf("visible before the renames: %q", got)
	}
	again := newJobSink(t, tableSpec(dir, []string{"id INT", "name STRING"}, nil), "job1")
	if n, err := again.LastCommitted(ctx); err != nil || n != 3 {
		t.Fatalf("last committed %d, %v", n, err)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|a 2|b" {
		t.Fatalf("got %q", got)
	}
	// Doing it twice is harmless.
	if n, err := again.LastCommitted(ctx); err != nil || n != 3 {
		t.Fatalf("last committed %d, %v", n, err)
	}
}

func TestSinkDamagedMarker(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, markerDir, "job1"), "garbage\n")
	s := newJobSink(t, tableSpec(dir, []string{"id INT"}, nil), "job1")
	if _, err := s.LastCommitted(context.Background()); err == nil || !engine.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
}

func TestSinkRefusesUpdates(t *testing.T) {
	s, err := NewSink(tableSpec(t.TempDir(), []string{"id INT", "name STRING"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Write(context.Background(), []engine.Rec{{Row: idName(1, "a"), Kind: engine.UpdateBefore}})
	if !errors.Is(err, ErrUpdates) || !engine.IsPermanent(err) {
		t.Fatalf("got %v", err)
	}
}

func TestSinkRefusesWrittenMetadata(t *testing.T) {
	spec := tableSpec(t.TempDir(), []string{"id INT", "f META file.name"}, nil)
	spec.Columns[1].Virtual = false
	if _, err := NewSink(spec); err == nil || !strings.Contains(err.Error(), "VIRTUAL") {
		t.Fatalf("got %v", err)
	}
}

func TestSinkRollsBySize(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil, "sink.rolling-policy.file-size", "10b")
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.Write(ctx, recs(idName(1, "aaaa"), idName(2, "bbbb"), idName(3, "cccc"))) // 7 bytes each
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if files := visible(listFiles(t, dir)); len(files) != 2 {
		t.Fatalf("files %v, want two parts", files)
	}
	if got := sorted(readTable(t, spec)); strings.Join(got, " ") != "1|aaaa 2|bbbb 3|cccc" {
		t.Fatalf("got %q", got)
	}
	s.Close()
}

func TestSinkWritesRawAndEmptyFile(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"line STRING"}, nil, "format", "raw")
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Flush(ctx); err != nil { // nothing written: no file
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
	s.Write(ctx, recs(types.Row{types.StringV("hello world")}, types.Row{types.StringV("")}))
	s.Close()
	if got := readTable(t, spec); len(got) != 2 || got[0] != "hello world" || got[1] != "" {
		t.Fatalf("got %q", got)
	}
}

// Under 'sink.partition-commit.trigger' = 'partition-time' a partition's
// success file comes once the watermark passes the partition's time (from
// its values through the timestamp pattern) plus the delay, as Flink's
// partition-time commit trigger does; Nexmark's q10 writes so.
func TestSinkPartitionTimeTrigger(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "dt STRING", "hm STRING"}, []string{"dt", "hm"},
		"sink.partition-commit.trigger", "partition-time", "sink.partition-commit.delay", "1 min",
		"sink.partition-commit.policy.kind", "success-file",
		"partition.time-extractor.timestamp-pattern", "$dt $hm:00")
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	row := func(id int64, dt, hm string) types.Row {
		return types.Row{types.IntV(id), types.StringV(dt), types.StringV(hm)}
	}
	if err := s.Write(ctx, recs(row(1, "2015-07-15", "00:00"), row(2, "2015-07-15", "00:01"))); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	success := func() []string {
		var out []string
		for _, f := range listFiles(t, dir) {
			if strings.HasSuffix(f, "_SUCCESS") {
				out = append(out, f)
			}
		}
		return out
	}
	if got := success(); len(got) != 0 {
		t.Fatalf("success files before any watermark: %v", got)
	}
	ms := func(s string) int64 {
		tm, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	// 00:00 + 1 min delay: not yet at 00:01:00 exactly, done just after.
	if err := s.Watermark(ctx, ms("2015-07-15 00:01:00")); err != nil {
		t.Fatal(err)
	}
	if got := success(); len(got) != 0 {
		t.Fatalf("success files at the bound: %v", got)
	}
	if err := s.Watermark(ctx, ms("2015-07-15 00:01:00")+1); err != nil {
		t.Fatal(err)
	}
	if got := success(); len(got) != 1 || !strings.Contains(got[0], "hm=00%3A00") {
		t.Fatalf("after 00:01:00.001: %v", got)
	}
	// The end of input (the maximal watermark) completes every partition.
	if err := s.Watermark(ctx, engine.MaxWatermark); err != nil {
		t.Fatal(err)
	}
	if got := success(); len(got) != 2 {
		t.Fatalf("at the end: %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A value that does not parse fails the job, naming the partition.
	spec2 := tableSpec(t.TempDir(), []string{"id INT", "dt STRING", "hm STRING"}, []string{"dt", "hm"},
		"sink.partition-commit.trigger", "partition-time", "sink.partition-commit.policy.kind", "success-file",
		"partition.time-extractor.timestamp-pattern", "$dt $hm:00")
	s2, err := NewSink(spec2)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Write(ctx, recs(row(1, "yesterday", "00:00"))); err != nil {
		t.Fatal(err)
	}
	err = s2.Flush(ctx) // the commit reads the partition's time
	if err == nil {
		err = s2.Watermark(ctx, engine.MaxWatermark)
	}
	if err == nil || !strings.Contains(err.Error(), "yesterday 00:00:00") {
		t.Fatalf("got %v, want the partition's time text in the error", err)
	}

	for _, bad := range [][]string{
		{"sink.partition-commit.trigger", "event-time"},
		{"partition.time-extractor.kind", "custom"},
		{"partition.time-extractor.class", "com.example.Extractor"},
		{"partition.time-extractor.timestamp-patern", "$dt"},
		{"sink.partition-commit.watermark-time-zone", "Mars/Olympus"},
	} {
		if _, err := NewSink(tableSpec(t.TempDir(), []string{"id INT", "dt STRING"}, []string{"dt"}, bad...)); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}
