package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
)

// changedProjection is the seed's INSERT with another projection: other
// names and another expression for the average over the same aggregates.
const changedProjection = `
INSERT INTO transactions_paid_agg_table
SELECT window_start AS ws, window_end AS we, SUM(total_paid) AS paid, COUNT(*) AS n,
       (SUM(total_paid) + 0) / COUNT(*) AS avg_value
FROM TABLE(TUMBLE(TABLE transactions_table, DESCRIPTOR(event_timestamp), INTERVAL '3' SECONDS))
WHERE status = 'Paid'
GROUP BY window_start, window_end;`

// TestStopWithSavepointThenChangedQuery: the seed pipeline runs over 15 s
// of events and is stopped WITH SAVEPOINT (its last windows still open);
// the savepoint's path is printed and kept; a query with another
// projection restores it (SET 'execution.savepoint.path') and reads 15 s
// more. The Kafka sink then holds every window exactly once with the
// values computed by hand: none lost, none doubled. A missing savepoint
// and one whose state the new query cannot claim are refused.
func TestStopWithSavepointThenChangedQuery(t *testing.T) {
	addr := startBroker(t)
	dataDir := t.TempDir()
	ctx := context.Background()
	s, jobs := inProcess(t, session.Config{DataDir: dataDir})
	s.Set("pipeline.auto-watermark-interval", "0")

	produceSeed(t, addr, 0, 15000, false)
	if _, err := s.ExecuteText(ctx, seedText(t, addr)); err != nil {
		t.Fatal(err)
	}
	sync := func() {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 60*time.Second)
		defer scancel()
		if err := jobs.SyncAll(sctx, false); err != nil {
			t.Fatal(err)
		}
	}
	sync()
	first := jobs.List()[0]
	before := readTopic[window](t, addr, "transactions_aggregate_flink")
	if len(before) == 0 || len(before) >= 5 {
		t.Fatalf("%d windows before the savepoint, want some but not all 5", len(before))
	}

	res, err := s.ExecuteText(ctx, "STOP JOB '"+first.ID+"' WITH SAVEPOINT;")
	if err != nil {
		t.Fatal(err)
	}
	r := res[0]
	if r.Kind != planner.ResultTable || len(r.Columns) != 1 || r.Columns[0] != "savepoint path" || len(r.Rows) != 1 {
		t.Fatalf("STOP JOB WITH SAVEPOINT answered %+v, want a table with the savepoint path", r)
	}
	path := r.Rows[0][0]
	if !strings.HasPrefix(path, filepath.Join(dataDir, "savepoints")+string(filepath.Separator)) {
		t.Errorf("savepoint %s is not under the data dir's savepoints", path)
	}
	if _, err := os.Stat(filepath.Join(path, engine.SavepointFile)); err != nil {
		t.Fatalf("the savepoint was not kept: %v", err)
	}
	if st := first.Job.Status(); st != engine.Stopped {
		t.Errorf("job status %s after STOP WITH SAVEPOINT, want STOPPED", st)
	}

	// Refused: a savepoint that does not exist, and one whose window state
	// the new query (other aggregates) does not claim.
	s.Set("execution.savepoint.path", filepath.Join(dataDir, "nonexistent"))
	if _, err := s.ExecuteText(ctx, changedProjection); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing savepoint: %v, want an error saying it does not exist", err)
	}
	s.Set("execution.savepoint.path", path)
	otherAggs := strings.Replace(changedProjection, "COUNT(*) AS n", "MAX(total_paid) AS n", 1)
	otherAggs = strings.Replace(otherAggs, "/ COUNT(*)", "/ MAX(total_paid)", 1)
	if _, err := s.ExecuteText(ctx, otherAggs); err == nil || !strings.Contains(err.Error(), "no operator of the new job claims") {
		t.Errorf("unclaimed state: %v, want an error naming the unclaimed state", err)
	}
	if n := len(jobs.List()); n != 1 {
		t.Fatalf("%d jobs after refused restores, want only the stopped one", n)
	}

	produceSeed(t, addr, 15000, 30000, true)
	if _, err := s.ExecuteText(ctx, changedProjection); err != nil {
		t.Fatal(err)
	}
	sync()
	got := readTopic[window](t, addr, "transactions_aggregate_flink")
	checkOnce(t, addr, got, 10, "after restoring the savepoint into a query with another projection")
	if _, err := os.Stat(filepath.Join(path, engine.SavepointFile)); err != nil {
		t.Errorf("the savepoint was removed: %v", err)
	}
}
