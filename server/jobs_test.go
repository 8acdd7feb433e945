package server

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
)

// The job page's API: the plan as a graph with per-node counters, the
// inputs against their end offsets, checkpoints and late rows per node.
func TestJobDetail(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	results := ts.statements("flink", seedFlink(t, addr))
	id := results[2].JobID
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 3000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ts.sync(false)
	j, _ := ts.srv.Jobs().Get(id)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := j.Job.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	// A row an hour before the watermark: late, dropped by the window.
	produceSeedRecords(t, addr, []time.Time{start.Add(-time.Hour)})
	ts.sync(false)

	var d JobDetail
	if st := ts.getJSON("/v1/jobs/"+id, &d); st != http.StatusOK {
		t.Fatalf("GET: %d", st)
	}
	byName := map[string]PlanNode{}
	for _, n := range d.Plan {
		byName[n.Name] = n
	}
	scan, wa, sink := byName["TableSourceScan"], byName["WindowAggregate"], byName["Sink"]
	if len(d.Plan) != 6 || scan.Name == "" || wa.Name == "" || sink.Name == "" {
		t.Fatalf("plan: %+v", d.Plan)
	}
	if sink.ID != 0 || len(sink.Inputs) != 1 || len(scan.Inputs) != 0 {
		t.Errorf("edges: sink %+v scan %+v", sink, scan)
	}
	if scan.RecordsIn != 3013 || scan.RecordsOut != 3013 {
		t.Errorf("scan counts: %+v", scan)
	}
	if sink.RecordsIn != d.Metrics.RecordsOut || sink.RecordsIn < 1 {
		t.Errorf("sink in %d, job out %d", sink.RecordsIn, d.Metrics.RecordsOut)
	}
	if wa.LateRecordsDropped != 10 || d.Metrics.LateRecordsDropped != 10 {
		t.Errorf("late rows: node %d, job %d", wa.LateRecordsDropped, d.Metrics.LateRecordsDropped)
	}
	if wa.StateBytes == nil || *wa.StateBytes <= 0 || wa.Watermark == nil || !strings.HasPrefix(*wa.WatermarkTime, "2026-11-2") {
		t.Errorf("window node: %+v state %v watermark %v", wa, *wa.StateBytes, *wa.WatermarkTime)
	}
	if !strings.Contains(wa.Detail, "TUMBLE(time_col=[event_timestamp], size=[3 s])") {
		t.Errorf("detail: %s", wa.Detail)
	}
	if len(d.Inputs) != 1 || d.Inputs[0].Lag == nil || *d.Inputs[0].Lag != 0 || len(d.Inputs[0].Partitions) != 3 {
		t.Errorf("inputs: %+v", d.Inputs)
	}
	var offsets int64
	for _, p := range d.Inputs[0].Partitions {
		offsets += p.Offset
	}
	if offsets != 3013 {
		t.Errorf("offsets sum to %d", offsets)
	}
	if d.Lag == nil || *d.Lag != 0 || d.LastCheckpoint == nil || len(d.Checkpoints) == 0 || d.Checkpoints[len(d.Checkpoints)-1].Bytes <= 0 {
		t.Errorf("lag %v, last checkpoint %+v, history %+v", d.Lag, d.LastCheckpoint, d.Checkpoints)
	}
	if len(d.Exceptions) != 0 {
		t.Errorf("exceptions: %+v", d.Exceptions)
	}
	// The list carries the lag too.
	if jobs := ts.jobs(); len(jobs) != 1 || jobs[0].Lag == nil {
		t.Errorf("jobs: %+v", jobs)
	}
}
