package filesystem

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine/types"
)

func TestEscapePathName(t *testing.T) {
	cases := map[string]string{
		"2026-01-01":     "2026-01-01",
		"a/b":            "a%2Fb",
		"k=v":            "k%3Dv",
		"10:00":          "10%3A00",
		"100%":           "100%25",
		"tab\there":      "tab%09here",
		"plain text ok!": "plain text ok!",
	}
	for in, want := range cases {
		if got := escapePathName(in); got != want {
			t.Errorf("escape %q = %q, want %q", in, got, want)
		}
		if back := unescapePathName(want); back != in {
			t.Errorf("unescape %q = %q, want %q", want, back, in)
		}
	}
	if got := unescapePathName("50%"); got != "50%" {
		t.Errorf("a lone %% stays: %q", got)
	}
}

// Partitioned tables: the sink writes k=v directories (NULL and ” as the
// default partition name) without the partition columns in the files; the
// source reads them back from the directory names.
func TestPartitionedRoundTrip(t *testing.T) {
	dir := t.TempDir()
	cols := []string{"id INT", "name STRING", "dt STRING", "h INT"}
	spec := tableSpec(dir, cols, []string{"dt", "h"})
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	row := func(id int64, name string, dt types.Value, h types.Value) types.Row {
		return types.Row{types.IntV(id), types.StringV(name), dt, h}
	}
	ctx := context.Background()
	err = s.Write(ctx, recs(
		row(1, "a", types.StringV("2026-01-01"), types.IntV(10)),
		row(2, "b", types.StringV("2026-01-01"), types.IntV(11)),
		row(3, "c", types.StringV("2026/01/02"), types.IntV(10)),
		row(4, "d", types.Value{}, types.IntV(10)),
		row(5, "e", types.StringV(""), types.Value{}),
		row(6, "f", types.StringV("2026-01-01"), types.IntV(10)),
	))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, f := range visible(listFiles(t, dir)) {
		dirs = append(dirs, filepath.Dir(f))
		body := readFileText(t, filepath.Join(dir, f))
		if strings.Contains(body, "2026") {
			t.Errorf("%s holds partition values: %q", f, body)
		}
	}
	want := "2026%2F01%2F02/h=10 2026-01-01/h=10 2026-01-01/h=11 __DEFAULT_PARTITION__/h=10 __DEFAULT_PARTITION__/h=__DEFAULT_PARTITION__"
	if got := strings.ReplaceAll(strings.Join(sorted(dirs), " "), "dt=", ""); got != want {
		t.Fatalf("directories %s\nwant %s", got, want)
	}
	got := sorted(readTable(t, spec))
	wantRows := "1|a|2026-01-01|10 2|b|2026-01-01|11 3|c|2026/01/02|10 4|d|NULL|10 5|e|NULL|NULL 6|f|2026-01-01|10"
	if strings.Join(got, " ") != wantRows {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), wantRows)
	}
}

func TestPartitionedSourceTypesAndLayout(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "day=2026-03-04", "n=7", "p1"), "x\n")
	writeFile(t, filepath.Join(dir, "day=__DEFAULT_PARTITION__", "n=8", "p1"), "y\n")
	writeFile(t, filepath.Join(dir, "stray.csv"), "not in a partition\n")
	writeFile(t, filepath.Join(dir, "day=2026-03-05", "loose.csv"), "no n\n")
	spec := tableSpec(dir, []string{"v STRING", "day DATE", "n BIGINT"}, []string{"day", "n"})
	got := readTable(t, spec)
	if strings.Join(got, " ") != "x|2026-03-04|7 y|NULL|8" {
		t.Fatalf("got %q", got)
	}
	// A value that is not of the column's type fails the read, or skips
	// the file with ignore-parse-errors.
	writeFile(t, filepath.Join(dir, "day=soon", "n=1", "p1"), "z\n")
	src, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "'soon'") {
		t.Fatalf("got %v", err)
	}
	lenient := tableSpec(dir, []string{"v STRING", "day DATE", "n BIGINT"}, []string{"day", "n"}, "csv.ignore-parse-errors", "true")
	if got := readTable(t, lenient); len(got) != 2 {
		t.Fatalf("got %q", got)
	}
}

func TestPartitionDefaultNameOption(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "dt STRING"}, []string{"dt"}, "partition.default-name", "none")
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	s.Write(context.Background(), recs(types.Row{types.IntV(1), types.Value{}}))
	s.Close()
	files := visible(listFiles(t, dir))
	if len(files) != 1 || !strings.HasPrefix(files[0], "dt=none/") {
		t.Fatalf("files %v", files)
	}
	if got := readTable(t, spec); strings.Join(got, " ") != "1|NULL" {
		t.Fatalf("got %q", got)
	}
}

func TestPartitionSuccessFile(t *testing.T) {
	dir := t.TempDir()
	spec := tableSpec(dir, []string{"id INT", "dt STRING"}, []string{"dt"},
		"sink.partition-commit.policy.kind", "success-file", "sink.partition-commit.delay", "1 h")
	s, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s.Write(ctx, recs(types.Row{types.IntV(1), types.StringV("d1")}))
	s.Flush(ctx)
	if exists(filepath.Join(dir, "dt=d1", "_SUCCESS")) {
		t.Fatal("success file before the commit delay")
	}
	s.firstSeen["dt=d1"] = time.Now().Add(-2 * time.Hour)
	s.Write(ctx, recs(types.Row{types.IntV(2), types.StringV("d1")}))
	s.Close()
	if !exists(filepath.Join(dir, "dt=d1", "_SUCCESS")) {
		t.Fatal("no success file after the delay")
	}
	if got := readTable(t, spec); len(got) != 2 {
		t.Fatalf("the success file is read as data: %q", got)
	}
}

func readFileText(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
