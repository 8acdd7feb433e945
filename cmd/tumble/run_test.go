package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
