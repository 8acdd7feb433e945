package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/sql"
)

// TestRunFromMissingSavepoint: tumble run --from-savepoint refuses a path
// that is no savepoint before running anything.
func TestRunFromMissingSavepoint(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "q.sql")
	os.WriteFile(f, []byte("CREATE TABLE t (x INT) WITH ('connector' = 'datagen');\n"), 0o644)
	err := runCmd(context.Background(), []string{"--from-savepoint", filepath.Join(dir, "nope"), "-f", f})
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("--from-savepoint of a missing path: %v", err)
	}
	err = runCmd(context.Background(), []string{"--allow-non-restored-state", "-f", f})
	if err == nil || !strings.Contains(err.Error(), "needs --from-savepoint") {
		t.Errorf("--allow-non-restored-state alone: %v", err)
	}
}

// TestRunFromSavepoint: tumble run --from-savepoint restores the INSERT
// jobs of its files: a query whose state the savepoint holds starts, one
// with other aggregates is refused for the state it does not claim, and
// --allow-non-restored-state lets it start without that state.
func TestRunFromSavepoint(t *testing.T) {
	dir := t.TempDir()
	ddl := "CREATE TABLE src (k INT, v INT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'fields.k.min' = '1', 'fields.k.max' = '3');\n" +
		"CREATE TABLE dst (k INT, n BIGINT) WITH ('connector' = 'blackhole');\n"
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	same := write("same.sql", ddl+"INSERT INTO dst SELECT k, COUNT(*) FROM src GROUP BY k;\n")
	other := write("other.sql", ddl+"INSERT INTO dst SELECT k, MAX(v) FROM src GROUP BY k;\n")

	jobsCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rt := newRuntime(jobsCtx, "", filepath.Join(dir, "data"), io.Discard, slog.New(slog.NewTextHandler(io.Discard, nil)))
	defer rt.jobs.StopAll()
	s := rt.session(sql.Flink)
	raw, _ := os.ReadFile(same)
	if _, err := s.ExecuteText(context.Background(), string(raw)); err != nil {
		t.Fatal(err)
	}
	id := rt.jobs.List()[0].ID
	res, err := s.ExecuteText(context.Background(), "STOP JOB '"+id+"' WITH SAVEPOINT;")
	if err != nil {
		t.Fatal(err)
	}
	path := res[0].Rows[0][0]

	err = runCmd(context.Background(), []string{"--from-savepoint", path, "-f", other})
	if err == nil || !strings.Contains(err.Error(), "no operator of the new job claims") {
		t.Fatalf("restoring other aggregates: %v", err)
	}
	for _, args := range [][]string{{"--from-savepoint", path, "-f", same}, {"--from-savepoint", path, "--allow-non-restored-state", "-f", other}} {
		ctx, stop := context.WithTimeout(context.Background(), 2*time.Second)
		err := runCmd(ctx, args)
		stop()
		if err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
}
