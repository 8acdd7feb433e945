package filesystem

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine"
)

func TestSourceReadsVisibleFilesRecursively(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1,one\n2,two\n")
	writeFile(t, filepath.Join(dir, "sub", "b.csv"), "3,three\r\n\n4,\"fo,ur\"") // CRLF, blank line, no final newline
	writeFile(t, filepath.Join(dir, ".hidden.csv"), "9,hidden\n")
	writeFile(t, filepath.Join(dir, "_SUCCESS"), "")
	writeFile(t, filepath.Join(dir, "_tmp", "c.csv"), "9,underscore dir\n")
	writeFile(t, filepath.Join(dir, ".part-x.inprogress.y"), "9,in progress\n")
	got := readTable(t, tableSpec(dir, []string{"id INT", "name STRING"}, nil))
	want := []string{"1|one", "2|two", "3|three", "4|fo,ur"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestSourceFormats(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "j", "x.json"), `{"id": 1, "name": "a"}`+"\n"+`{"name": "b", "id": 2, "extra": true}`+"\n")
	writeFile(t, filepath.Join(dir, "r", "x.txt"), "line one\n\nline three\n")
	writeFile(t, filepath.Join(dir, "c", "x.csv"), "1;\"multi\nline; with \"\"quotes\"\"\"\n2;plain\n")
	cases := []struct {
		name string
		spec func() *engine.TableSpec
		want []string
	}{
		{"json", func() *engine.TableSpec {
			return tableSpec(filepath.Join(dir, "j"), []string{"id INT", "name STRING"}, nil, "format", "json")
		}, []string{"1|a", "2|b"}},
		{"raw keeps empty lines", func() *engine.TableSpec {
			return tableSpec(filepath.Join(dir, "r"), []string{"line STRING"}, nil, "format", "raw")
		}, []string{"line one", "", "line three"}},
		{"csv quoted line breaks", func() *engine.TableSpec {
			return tableSpec(filepath.Join(dir, "c"), []string{"id INT", "txt STRING"}, nil, "csv.field-delimiter", ";")
		}, []string{"1|multi\nline; with \"quotes\"", "2|plain"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := readTable(t, c.spec())
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestSourceJSONProjection(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.json"), `{"id": 1, "name": "a"}`+"\n")
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil, "format", "json")
	spec.Needed = []bool{false, true}
	if got := readTable(t, spec); len(got) != 1 || got[0] != "NULL|a" {
		t.Fatalf("got %q", got)
	}
}

func TestSourceMetadata(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f1.csv"), "1\n")
	got := readTable(t, tableSpec(dir, []string{"id INT", "fname META file.name", "fsize META file.size"}, nil))
	if len(got) != 1 || got[0] != "1|f1.csv|2" {
		t.Fatalf("got %q", got)
	}
}

func TestSourceBadRecords(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.json"), `{"id": 1}`+"\n"+`not json`+"\n"+`{"id": "two"}`+"\n"+`{"id": 3}`+"\n")
	t.Run("fail", func(t *testing.T) {
		src, err := NewSource(tableSpec(dir, []string{"id INT"}, nil, "format", "json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Open(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		_, err = drain(t, src, -1)
		if err == nil || !engine.IsPermanent(err) || !strings.Contains(err.Error(), "file 'x.json' line 2") {
			t.Fatalf("want a permanent error naming file and line, got %v", err)
		}
	})
	t.Run("skip", func(t *testing.T) {
		src, err := NewSource(tableSpec(dir, []string{"id INT"}, nil, "format", "json", "json.ignore-parse-errors", "true"))
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Open(context.Background(), nil); err != nil {
			t.Fatal(err)
		}
		d, err := drain(t, src, -1)
		if err != nil {
			t.Fatal(err)
		}
		// The line that is not JSON is skipped and counted; the bad field
		// is NULL and its row kept, as in Flink.
		if strings.Join(d.rows, " ") != "1 NULL 3" || d.skipped != 1 {
			t.Fatalf("rows %q skipped %d", d.rows, d.skipped)
		}
	})
}

func TestSourceMissingPath(t *testing.T) {
	src, err := NewSource(tableSpec(filepath.Join(t.TempDir(), "nope"), []string{"id INT"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "cannot be read") {
		t.Fatalf("got %v", err)
	}
}

// A restored source resumes every file at its checkpointed offset: rows
// before it are not read again and none after it are lost.
func TestSourceResumesFromPositions(t *testing.T) {
	dir := t.TempDir()
	var all []string
	for f := 0; f < 3; f++ {
		var b strings.Builder
		for i := 0; i < 5000; i++ {
			id := f*10000 + i
			fmt.Fprintf(&b, "%d,r%d\n", id, id)
			all = append(all, fmt.Sprintf("%d|r%d", id, id))
		}
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.csv", f)), b.String())
	}
	spec := tableSpec(dir, []string{"id INT", "name STRING"}, nil)
	var got []string
	start := map[int32]int64{}
	for round := 0; ; round++ {
		src, err := NewSource(spec)
		if err != nil {
			t.Fatal(err)
		}
		if err := src.Open(context.Background(), start); err != nil {
			t.Fatal(err)
		}
		d, err := drain(t, src, 2) // a "checkpoint" every two polls
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, d.rows...)
		for id, n := range d.next {
			start[id] = n
		}
		if len(d.rows) == 0 && round > 0 {
			break
		}
		if round > 50 {
			t.Fatal("did not finish")
		}
	}
	if len(got) != len(all) || strings.Join(sorted(got), "\n") != strings.Join(sorted(all), "\n") {
		t.Fatalf("read %d rows, want %d exactly once", len(got), len(all))
	}
}

func TestSourceReportsDoneAndEndOffsets(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1\n2\n")
	writeFile(t, filepath.Join(dir, "b.csv"), "3\n")
	src, err := NewSource(tableSpec(dir, []string{"id INT"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	ends, err := src.EndOffsets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d, err := drain(t, src, -1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ends) != 2 || len(d.done) != 2 {
		t.Fatalf("ends %v done %v", ends, d.done)
	}
	for id, end := range ends {
		if d.next[id] != end || !d.done[id] {
			t.Fatalf("split %d: next %d done %v, end %d", id, d.next[id], d.done[id], end)
		}
	}
	if len(src.Splits()) != 2 || !src.Bounded() {
		t.Fatalf("splits %v bounded %v", src.Splits(), src.Bounded())
	}
	// Restoring every file at its end reads nothing and reports them done.
	again, _ := NewSource(tableSpec(dir, []string{"id INT"}, nil))
	if err := again.Open(context.Background(), d.next); err != nil {
		t.Fatal(err)
	}
	d2, err := drain(t, again, -1)
	if err != nil || len(d2.rows) != 0 || len(d2.done) != 2 {
		t.Fatalf("rows %q done %v err %v", d2.rows, d2.done, err)
	}
}

func TestSourceMonitorsNewFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1\n")
	src, err := NewSource(tableSpec(dir, []string{"id INT"}, nil, "source.monitor-interval", "50 ms"))
	if err != nil {
		t.Fatal(err)
	}
	if src.Bounded() {
		t.Fatal("a monitoring source is unbounded")
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var rows []string
	for i := 0; i < 100 && len(rows) < 2; i++ {
		if i == 3 {
			writeFile(t, filepath.Join(dir, "b.csv"), "2\n")
		}
		d, err := drain(t, src, 1)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, d.rows...)
	}
	if strings.Join(rows, " ") != "1 2" {
		t.Fatalf("got %q", rows)
	}
}

func TestSourcePathPattern(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "keep-1.csv"), "1\n")
	writeFile(t, filepath.Join(dir, "drop-2.csv"), "2\n")
	got := readTable(t, tableSpec(dir, []string{"id INT"}, nil, "source.path.regex-pattern", ".*/keep-[0-9]+\\.csv"))
	if strings.Join(got, " ") != "1" {
		t.Fatalf("got %q", got)
	}
}

func TestSourceSkipsCommentLines(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "x.csv"), "# header\n1\n")
	got := readTable(t, tableSpec(dir, []string{"id INT"}, nil, "csv.allow-comments", "true"))
	if strings.Join(got, " ") != "1" {
		t.Fatalf("got %q", got)
	}
}

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		spec *engine.TableSpec
		want string
	}{
		{tableSpec(dir, []string{"id INT"}, nil, "path", ""), "missing required option 'path'"},
		{tableSpec(dir, []string{"id INT"}, nil, "format", "avro"), "format 'avro'"},
		{tableSpec(dir, []string{"id INT"}, []string{"dt"}), "partition column 'dt' is not a physical column"},
		{tableSpec(dir, []string{"a STRING", "b STRING"}, nil, "format", "raw"), "exactly one"},
		{tableSpec(dir, []string{"a STRING", "b STRING"}, []string{"b"}, "format", "raw"), ""},
		{tableSpec(dir, []string{"id INT"}, nil, "sink.rolling-policy.file-size", "lots"), "file-size"},
		{tableSpec(dir, []string{"id INT"}, nil, "sink.rolling-policy.file-size", "1 kb"), ""},
		{tableSpec(dir, []string{"id INT"}, nil, "auto-compaction", "true"), "auto-compaction"},
		{tableSpec(dir, []string{"id INT"}, nil, "path", "hdfs://nn/x"), "file system 'hdfs'"},
		{tableSpec(dir, []string{"id INT"}, nil, "path", "file://"+dir), ""},
		{tableSpec(dir, []string{"id INT", "m META file.owner"}, nil), "unknown metadata key 'file.owner'"},
		{tableSpec(dir, []string{"id INT"}, nil, "sink.partition-commit.policy.kind", "metastore,success-file"), ""},
		{tableSpec(dir, []string{"id INT"}, nil, "sink.partition-commit.trigger", "event-time"), "must be 'process-time' or 'partition-time'"},
	}
	for _, c := range cases {
		err := Validate(c.spec)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: unexpected error %v", c.spec.Options, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%v: got %v, want an error containing %q", c.spec.Options, err, c.want)
		case err != nil && !errors.Is(err, ErrOption):
			t.Errorf("%v: %v does not wrap ErrOption", c.spec.Options, err)
		}
	}
}

func TestParseMemorySize(t *testing.T) {
	for in, want := range map[string]int64{"128MB": 128 << 20, "1 kb": 1024, "10": 10, "2g": 2 << 30, "5 bytes": 5} {
		if got, err := ParseMemorySize(in); err != nil || got != want {
			t.Errorf("%q: got %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MB", "1 zb", "-1"} {
		if _, err := ParseMemorySize(in); err == nil {
			t.Errorf("%q: want an error", in)
		}
	}
}

// In batch mode every file is a split from the first Poll and none is
// released when read: the watermark waits for all of them.
func TestSourceBatchModeHoldsEveryFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.csv"), "1\n")
	writeFile(t, filepath.Join(dir, "b.csv"), "2\n")
	spec := tableSpec(dir, []string{"id INT"}, nil)
	spec.Defaults["execution.runtime-mode"] = "batch"
	src, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if got := src.Splits(); len(got) != 2 {
		t.Fatalf("splits after Open: %v", got)
	}
	d, err := drain(t, src, -1)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.rows, " ") != "1 2" || d.done[src.idFor("a.csv")] || d.done[src.idFor("b.csv")] {
		t.Fatalf("rows %q done %v", d.rows, d.done)
	}
}
