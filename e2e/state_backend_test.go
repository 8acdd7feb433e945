package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
)

// TestKill9DiskStateBackend runs a regular GROUP BY over 500 keys with
// its state in the disk backend ('state.backend.type' = 'rocksdb') and
// 300 ms incremental checkpoints as `tumble run --data-dir`, kills the
// process with SIGKILL mid-stream, writes more input, restarts it on the
// same data dir and checks that each key's last upserted result counts
// every input record exactly once: the state came back from the LSM
// checkpoint together with the offsets (a lost state would count too
// few; the at-least-once sink may repeat updates, not change the last).
func TestKill9DiskStateBackend(t *testing.T) {
	addr := startBroker(t)
	queries, data := t.TempDir(), t.TempDir()
	stmt := fmt.Sprintf(`SET 'state.backend.type' = 'rocksdb';
SET 'execution.checkpointing.interval' = '300ms';
CREATE TABLE transactions (transaction_id INT, user_id STRING, total_paid INT, status STRING)
WITH ('connector' = 'kafka', 'topic' = 'transactions', 'properties.bootstrap.servers' = '%[1]s',
  'scan.startup.mode' = 'earliest-offset', 'format' = 'json');
CREATE TABLE per_bucket (bucket INT, n BIGINT, total INT, PRIMARY KEY (bucket) NOT ENFORCED)
WITH ('connector' = 'upsert-kafka', 'topic' = 'per_bucket', 'properties.bootstrap.servers' = '%[1]s',
  'key.format' = 'json', 'value.format' = 'json');
INSERT INTO per_bucket SELECT MOD(transaction_id, 500) AS bucket, COUNT(*) AS n, SUM(total_paid) AS total
FROM transactions GROUP BY MOD(transaction_id, 500);
`, addr)
	if err := os.WriteFile(filepath.Join(queries, "state.sql"), []byte(stmt), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func() (*exec.Cmd, *lockedBuffer) {
		var out lockedBuffer
		cmd := exec.Command(tumbleBin, "run", "--data-dir", data, "-f", queries)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &out
	}
	type bucket struct {
		Bucket int   `json:"bucket"`
		N      int64 `json:"n"`
		Total  int64 `json:"total"`
	}
	produceSeed(t, addr, 0, 20000, false)
	cmd, out := run()
	// Wait for an LSM checkpoint of the running job.
	sharedFiles := func() []string {
		files, _ := filepath.Glob(filepath.Join(data, "jobs", "*", "state", "shared", "*.sst"))
		return files
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(sharedFiles()) == 0 || len(readTopic[bucket](t, addr, "per_bucket")) < 500 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("no LSM checkpoint or results within a minute\n%s", out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(out.String(), "Pebble") {
		t.Errorf("SET 'state.backend.type' = 'rocksdb' gave no notice of what it means:\n%s", out)
	}
	produceSeed(t, addr, 20000, 25000, false)
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	produceSeed(t, addr, 25000, 30000, false)
	cmd, out = run()
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()

	want := map[int]bucket{}
	for i := 0; i < 30000; i++ {
		b := want[(i+1)%500]
		b.Bucket, b.N, b.Total = (i+1)%500, b.N+1, b.Total+int64(datagen.Amount(i%10))
		want[(i+1)%500] = b
	}
	var last map[int]bucket
	deadline = time.Now().Add(90 * time.Second)
	for {
		last = map[int]bucket{}
		for _, b := range readTopic[bucket](t, addr, "per_bucket") {
			last[b.Bucket] = b
		}
		done := len(last) == 500
		for k, w := range want {
			if last[k].N < w.N {
				done = false
			}
		}
		if done || time.Now().After(deadline) {
			break
		}
		time.Sleep(300 * time.Millisecond)
	}
	for k, w := range want {
		if last[k] != w {
			t.Fatalf("bucket %d after the kill and restart: %+v, want %+v\n%s", k, last[k], w, out)
		}
	}
	if !strings.Contains(out.String(), "restored checkpoint") {
		t.Errorf("the restarted job did not restore a checkpoint:\n%s", out)
	}
}
