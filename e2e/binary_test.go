package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
)

var tumbleBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tumble-e2e-")
	if err != nil {
		panic(err)
	}
	tumbleBin = filepath.Join(dir, "tumble")
	out, err := exec.Command("go", "build", "-o", tumbleBin, "../cmd/tumble").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// waitWindows polls the sink topic until it holds at least n windows.
func waitWindows(t *testing.T, addr string, n int, timeout time.Duration) []window {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := readTopic[window](t, addr, "transactions_aggregate_flink")
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func checkWindows(t *testing.T, addr string, got []window) {
	t.Helper()
	want := expectedWindows(t, readTopic[txn](t, addr, "transactions"))
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w.Start] {
			t.Errorf("window %s twice", w.Start)
		}
		seen[w.Start] = true
		if w != want[w.Start] {
			t.Errorf("window %s: got %+v want %+v", w.Start, w, want[w.Start])
		}
	}
}

// startAndProduce runs cmd, then writes 12 s of seed data.
func startAndProduce(t *testing.T, cmd *exec.Cmd, addr string) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 12000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
}

func stopAndWait(t *testing.T, cmd *exec.Cmd, out *lockedBuffer) {
	t.Helper()
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGINT: %v\n%s", err, out)
		}
	case <-time.After(time.Minute):
		t.Fatalf("no exit a minute after SIGINT\n%s", out)
	}
}

// TestRunHeadless runs `tumble run -f queries/flink` as a process.
func TestRunHeadless(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	files, _ := filepath.Glob("../queries/flink/*.sql")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(strings.ReplaceAll(string(b), "localhost:9092", addr)), 0o644)
	}
	var out lockedBuffer
	cmd := exec.Command(tumbleBin, "run", "-f", dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	startAndProduce(t, cmd, addr)
	got := waitWindows(t, addr, 4, 30*time.Second)
	if len(got) != 4 {
		t.Fatalf("got %d windows, want 4\n%s", len(got), out.String())
	}
	checkWindows(t, addr, got)
	stopAndWait(t, cmd, &out)
	if !strings.Contains(out.String(), "Job ID:") {
		t.Errorf("no job id printed:\n%s", out.String())
	}
}

// TestPasteIntoSQLClient pipes the three files into `tumble sql`, as a user
// pasting them.
func TestPasteIntoSQLClient(t *testing.T) {
	addr := startBroker(t)
	var out lockedBuffer
	cmd := exec.Command(tumbleBin, "sql")
	cmd.Stdin = strings.NewReader(seedText(t, addr))
	cmd.Stdout, cmd.Stderr = &out, &out
	startAndProduce(t, cmd, addr)
	got := waitWindows(t, addr, 4, 30*time.Second)
	if len(got) != 4 {
		t.Fatalf("got %d windows, want 4\n%s", len(got), out.String())
	}
	checkWindows(t, addr, got)
	stopAndWait(t, cmd, &out)
	if n := strings.Count(out.String(), "[INFO] Execute statement succeeded."); n != 2 {
		t.Errorf("%d DDL successes printed, want 2:\n%s", n, out.String())
	}
}

// TestRunRefusesBadSQL: a misspelt column fails the run with its position.
func TestRunRefusesBadSQL(t *testing.T) {
	dir := t.TempDir()
	bad := `CREATE TABLE t (ts TIMESTAMP(3), status STRING) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');
CREATE TABLE s (n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO s
SELECT COUNT(*)
FROM t
WHERE sttus = 'Paid';
`
	path := filepath.Join(dir, "bad.sql")
	os.WriteFile(path, []byte(bad), 0o644)
	out, err := exec.Command(tumbleBin, "run", "-f", path).CombinedOutput()
	if err == nil {
		t.Fatalf("run succeeded:\n%s", out)
	}
	if !strings.Contains(string(out), "line 6, column 7") || !strings.Contains(string(out), "sttus") {
		t.Errorf("error does not name line 6, column 7:\n%s", out)
	}
}
