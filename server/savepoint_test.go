package server

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
)

// TestSavepointOverREST: STOP JOB ... WITH SAVEPOINT on /v1/statements
// answers the savepoint's path (kept under the data dir after the job's
// checkpoints are dropped); an INSERT whose request names that savepoint
// in its properties restores it, and one naming a missing savepoint is
// refused.
func TestSavepointOverREST(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	ts := startServer(t, dir, addr)
	results := ts.statements("flink", seedFlink(t, addr))
	id := results[2].JobID
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 3000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ts.sync(false)
	res := ts.statements("flink", "STOP JOB '"+id+"' WITH SAVEPOINT")
	if len(res) != 1 || res[0].Kind != "table" || len(res[0].Columns) != 1 || res[0].Columns[0] != "savepoint path" || len(res[0].Rows) != 1 {
		t.Fatalf("STOP JOB WITH SAVEPOINT: %+v", res)
	}
	path := res[0].Rows[0][0]
	if !strings.HasPrefix(path, filepath.Join(dir, "savepoints")) {
		t.Errorf("savepoint %s is not under the data dir", path)
	}
	if _, err := os.Stat(filepath.Join(path, "_metadata")); err != nil {
		t.Fatalf("the savepoint was not kept: %v", err)
	}
	insert := strings.TrimSpace(results[2].Statement)

	status, body := ts.postJSON("/v1/statements", StatementRequest{Statement: insert, Dialect: "flink",
		Properties: map[string]string{"execution.savepoint.path": filepath.Join(dir, "nope")}})
	if status != http.StatusBadRequest || !strings.Contains(string(body), "does not exist") {
		t.Errorf("a missing savepoint: %d %s", status, body)
	}
	status, body = ts.postJSON("/v1/statements", StatementRequest{Statement: insert, Dialect: "flink",
		Properties: map[string]string{"execution.savepoint.path": path}})
	var resp StatementsResponse
	if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusOK || len(resp.Results) != 1 || resp.Results[0].Kind != "job" {
		t.Fatalf("restoring the savepoint: %d %s", status, body)
	}
	var job JobStatus
	if st := ts.getJSON("/v1/jobs/"+resp.Results[0].JobID, &job); st != http.StatusOK || job.Status != "RUNNING" {
		t.Fatalf("the restored job: %d %+v", st, job)
	}
	// The restored job resumes the stopped one's positions: it reads none
	// of the records the first job read.
	ts.sync(false)
	if st := ts.getJSON("/v1/jobs/"+resp.Results[0].JobID, &job); st != http.StatusOK || job.Metrics.RecordsIn != 0 {
		t.Errorf("the restored job read %d records again, want 0", job.Metrics.RecordsIn)
	}
	if _, err := os.Stat(filepath.Join(path, "_metadata")); err != nil {
		t.Errorf("the savepoint was removed: %v", err)
	}
}
