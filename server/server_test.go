package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
)

// TestFlinkJobLifecycle submits the seed's Flink files over /v1/statements,
// sees the job in /v1/jobs with metrics that move, in /metrics, and stops
// it with DELETE.
func TestFlinkJobLifecycle(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	results := ts.statements("flink", seedFlink(t, addr))
	if len(results) != 3 || results[0].Kind != "ok" || results[2].Kind != "job" || results[2].JobID == "" {
		t.Fatalf("results: %+v", results)
	}
	id := results[2].JobID
	if results[2].Seq == 0 {
		t.Errorf("the INSERT was not recorded in the command log: %+v", results[2])
	}
	jobs := ts.jobs()
	if len(jobs) != 1 || jobs[0].ID != id || jobs[0].Status != "RUNNING" || jobs[0].Error != nil {
		t.Fatalf("jobs: %+v", jobs)
	}
	if !strings.Contains(jobs[0].Statement, "INSERT INTO transactions_paid_agg_table") {
		t.Errorf("statement: %q", jobs[0].Statement)
	}
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 3000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ts.sync(false)
	var job JobStatus
	if st := ts.getJSON("/v1/jobs/"+id, &job); st != http.StatusOK {
		t.Fatalf("GET /v1/jobs/%s: %d", id, st)
	}
	if job.Metrics.RecordsIn != 3003 || job.Metrics.RecordsOut != 1 || job.Metrics.Watermark == nil || job.Metrics.LateRecordsDropped != 0 {
		t.Errorf("metrics: %+v (watermark %v)", job.Metrics, job.Metrics.WatermarkTime)
	}

	status, body := ts.do(http.MethodGet, "/metrics", "", nil)
	if status != http.StatusOK {
		t.Fatalf("/metrics: %d", status)
	}
	samples := parsePrometheus(t, string(body))
	if v := samples[`tumble_job_records_in_total{job="`+id+`",name="insert-into_default_catalog.default_database.transactions_paid_agg_table",status="RUNNING"}`]; v != "3003" {
		t.Errorf("records_in sample %q in\n%s", v, body)
	}
	if v := samples[`tumble_job_records_lost_total{job="`+id+`",name="insert-into_default_catalog.default_database.transactions_paid_agg_table",status="RUNNING"}`]; v != "0" {
		t.Errorf("records_lost sample %q in\n%s", v, body)
	}
	if samples[`tumble_jobs{status="RUNNING"}`] != "1" || samples["go_goroutines"] == "" {
		t.Errorf("process or job-count gauges missing:\n%s", body)
	}
	if live, err := strconv.ParseInt(samples["go_gc_heap_live_bytes"], 10, 64); err != nil || live <= 0 {
		t.Errorf("go_gc_heap_live_bytes %q: %v", samples["go_gc_heap_live_bytes"], err)
	}

	status, body = ts.do(http.MethodDelete, "/v1/jobs/"+id, "", nil)
	if status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if err := json.Unmarshal(body, &job); err != nil || job.Status != "STOPPED" {
		t.Fatalf("after DELETE: %s %v", body, err)
	}
	if jobs := ts.jobs(); len(jobs) != 1 || jobs[0].Status != "STOPPED" {
		t.Errorf("jobs after DELETE: %+v", jobs)
	}
	if status, _ := ts.do(http.MethodDelete, "/v1/jobs/nope", "", nil); status != http.StatusNotFound {
		t.Errorf("DELETE of an unknown job: %d", status)
	}
	// SHOW JOBS and the catalog agree.
	res := ts.statements("flink", "SHOW JOBS; SHOW TABLES")
	if len(res[0].Rows) != 1 || res[0].Rows[0][2] != "STOPPED" || len(res[1].Rows) != 2 {
		t.Errorf("SHOW: %+v", res)
	}
	var objs []CatalogObject
	ts.getJSON("/v1/catalog", &objs)
	if len(objs) != 2 || objs[0].Name != "transactions_paid_agg_table" || objs[0].Kind != "table" {
		t.Errorf("catalog: %+v", objs)
	}
}

var promLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(\\.|[^"\\])*")*\})?) (\S+)$`)

// parsePrometheus checks the text exposition format line by line and
// returns the samples by series.
func parsePrometheus(t *testing.T, text string) map[string]string {
	t.Helper()
	out := map[string]string{}
	typed := map[string]bool{}
	if !strings.HasSuffix(text, "\n") {
		t.Error("metrics do not end with a newline")
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		switch {
		case strings.HasPrefix(l, "# HELP "):
		case strings.HasPrefix(l, "# TYPE "):
			f := strings.Fields(l)
			if len(f) != 4 || !map[string]bool{"counter": true, "gauge": true}[f[3]] || typed[f[2]] {
				t.Errorf("bad TYPE line %q", l)
			}
			typed[f[2]] = true
		default:
			m := promLine.FindStringSubmatch(l)
			if m == nil {
				t.Errorf("bad sample line %q", l)
				continue
			}
			name := m[1]
			if i := strings.IndexByte(name, '{'); i >= 0 {
				name = name[:i]
			}
			if !typed[name] {
				t.Errorf("sample %q before its TYPE", l)
			}
			out[m[1]] = m[6]
		}
	}
	return out
}

// TestRestartKeepsCatalogAndJobs stops the server in the middle of the
// seed pipeline and starts a new one on the same data directory and
// broker: the tables are there, the job runs again under its id, and the
// output topic holds every window exactly once with the sums computed by
// hand — windows fired before the restart are not repeated, one open
// across it is complete, and the ones after it all come.
func TestRestartKeepsCatalogAndJobs(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	ts := startServer(t, dir, addr)
	results := ts.statements("flink", seedFlink(t, addr))
	id := results[2].JobID

	// Phase 1: 15 s of event time, then a far-future record per partition
	// (an hour later) that fires all five windows.
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 15000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	// A window that is still open at the restart: records late in
	// [S2-3s, S2), S2 three hours on, in every partition.
	s2 := start.Add(3 * time.Hour)
	produceSeedRecords(t, addr, []time.Time{s2.Add(-900 * time.Millisecond), s2.Add(-300 * time.Millisecond)})
	ts.sync(false)
	if got := readJSON[window](t, addr, "transactions_aggregate_flink"); len(got) != 5 {
		t.Fatalf("before the restart: %d windows, want 5", len(got))
	}
	ts.stop()

	ts2 := startServer(t, dir, addr)
	jobs := ts2.jobs()
	if len(jobs) != 1 || jobs[0].ID != id || jobs[0].Status != "RUNNING" {
		t.Fatalf("jobs after the restart: %+v", jobs)
	}
	res := ts2.statements("flink", "SHOW TABLES")
	if len(res[0].Rows) != 2 {
		t.Errorf("tables after the restart: %+v", res[0].Rows)
	}
	// Phase 2: 15 s from S2, then far-future records.
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 15000, 1000, s2, 3); err != nil {
		t.Fatal(err)
	}
	ts2.sync(false)

	want := expectedWindows(t, readJSON[txn](t, addr, "transactions"))
	got := readJSON[window](t, addr, "transactions_aggregate_flink")
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w.Start] {
			t.Errorf("window %s emitted twice", w.Start)
		}
		seen[w.Start] = true
		if w != want[w.Start] {
			t.Errorf("window %s: got %+v, want %+v", w.Start, w, want[w.Start])
		}
	}
	if len(want) != 11 || len(got) != len(want) {
		t.Errorf("got %d windows, computed %d by hand, want 11", len(got), len(want))
	}
	var job JobStatus
	ts2.getJSON("/v1/jobs/"+id, &job)
	if job.Metrics.LateRecordsDropped != 0 {
		t.Errorf("%d late records", job.Metrics.LateRecordsDropped)
	}

	// A stopped job stays stopped across a restart; the tables stay.
	if status, body := ts2.do(http.MethodDelete, "/v1/jobs/"+id, "", nil); status != http.StatusOK {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if _, err := os.Stat(filepath.Join(dir, "jobs", id)); !os.IsNotExist(err) {
		t.Errorf("the stopped job's checkpoints are still there: %v", err)
	}
	ts2.stop()
	ts3 := startServer(t, dir, addr)
	if jobs := ts3.jobs(); len(jobs) != 0 {
		t.Errorf("a stopped job came back: %+v", jobs)
	}
	if res := ts3.statements("flink", "SHOW TABLES"); len(res[0].Rows) != 2 {
		t.Errorf("tables after the second restart: %+v", res[0].Rows)
	}
}

// TestBadRequests: malformed or unacceptable requests get clear 4xx JSON
// errors, and the server goes on.
func TestBadRequests(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	ts.srv.cfg.MaxBodyBytes = 4096
	cases := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"bad JSON", "POST", "/v1/statements", `{"statement": `, 400, "malformed JSON"},
		{"empty body", "POST", "/v1/statements", ``, 400, "empty request body"},
		{"no statement", "POST", "/v1/statements", `{}`, 400, "has no"},
		{"bad dialect", "POST", "/v1/statements", `{"statement":"SHOW TABLES","dialect":"oracle"}`, 400, "unknown dialect"},
		{"bad SQL", "POST", "/v1/statements", `{"statement":"SHOW TABLES;\nSELEC 1"}`, 400, `"line":2,"column":1`},
		{"unknown table", "POST", "/v1/statements", `{"statement":"INSERT INTO nope SELECT 1","dialect":"flink"}`, 400, "nope"},
		{"SELECT on statements", "POST", "/v1/statements", `{"statement":"SELECT 1","dialect":"flink"}`, 400, "/v1/query"},
		{"DDL on query", "POST", "/v1/query", `{"statement":"SHOW TABLES","dialect":"flink"}`, 400, "/v1/statements"},
		{"unknown path", "GET", "/v2/nothing", ``, 404, "no such endpoint"},
		{"wrong method", "GET", "/v1/statements", ``, 405, "not allowed"},
		{"unknown job", "GET", "/v1/jobs/abc", ``, 404, "no job"},
		{"huge body", "POST", "/v1/statements", `{"statement":"` + strings.Repeat("x", 10000) + `"}`, 413, "larger than"},
		{"ksql bad JSON", "POST", "/ksql", `[1,2`, 400, `"@type":"generic_error"`},
		{"ksql no statements", "POST", "/ksql", `{"ksql":""}`, 400, `"error_code":40000`},
		{"ksql bad SQL", "POST", "/ksql", `{"ksql":"CREATE STREM x;"}`, 400, `"@type":"statement_error","error_code":40001`},
		{"ksql SELECT", "POST", "/ksql", `{"ksql":"SELECT * FROM s EMIT CHANGES;"}`, 400, `"error_code":40002`},
		{"query DDL", "POST", "/query", `{"ksql":"SHOW STREAMS;"}`, 400, "statement_error"},
		{"query-stream bad JSON", "POST", "/query-stream", `nope`, 400, "malformed JSON"},
		{"info wrong method", "DELETE", "/info", ``, 405, "generic_error"},
		{"bad property value", "POST", "/v1/statements", `{"statement":"SHOW TABLES","dialect":"flink","properties":{"table.dml-sync":"maybe"}}`, 400, "Invalid value for 'table.dml-sync'"},
		{"unknown property", "POST", "/v1/statements", `{"statement":"SHOW TABLES","dialect":"flink","properties":{"this.is.nonsense":"x"}}`, 200, `"warnings":["The specified key 'this.is.nonsense' is not used by Tumble`},
		{"SET of an unknown key", "POST", "/v1/statements", `{"statement":"SET 'no.such.key' = '1'","dialect":"flink"}`, 200, `"warnings":["The specified key 'no.such.key' is not used by Tumble`},
		{"ksql bad property value", "POST", "/ksql", `{"ksql":"SHOW STREAMS;","streamsProperties":{"auto.offset.reset":"newest"}}`, 400, "Invalid value for 'auto.offset.reset'"},
		{"ksql unknown property", "POST", "/ksql", `{"ksql":"SHOW STREAMS;","streamsProperties":{"ksql.streams.num.stream.threads":4}}`, 200, `"warnings":[{"message":"The specified key 'ksql.streams.num.stream.threads' is not used by Tumble`},
	}
	for _, c := range cases {
		status, body := ts.do(c.method, c.path, "application/json", []byte(c.body))
		if status != c.status || !strings.Contains(string(body), c.want) {
			t.Errorf("%s: %d %s; want %d with %q", c.name, status, body, c.status, c.want)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Errorf("%s: the answer is not JSON: %s", c.name, body)
		}
	}
	var info map[string]map[string]string
	if st := ts.getJSON("/info", &info); st != http.StatusOK || info["KsqlServerInfo"]["serverStatus"] != "RUNNING" {
		t.Errorf("/info after bad requests: %d %+v", st, info)
	}
}

// TestPanicInHandler: a handler that panics answers 500 and the server
// keeps serving.
func TestPanicInHandler(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	ts.srv.mux.HandleFunc("/debug/panic", func(http.ResponseWriter, *http.Request) { panic("boom") })
	status, body := ts.do(http.MethodGet, "/debug/panic", "", nil)
	if status != http.StatusInternalServerError || !strings.Contains(string(body), "boom") {
		t.Errorf("panic answer: %d %s", status, body)
	}
	var health struct {
		IsHealthy bool `json:"isHealthy"`
	}
	if st := ts.getJSON("/healthcheck", &health); st != http.StatusOK || !health.IsHealthy {
		t.Errorf("healthcheck after a panic: %d %+v", st, health)
	}
}

// TestCommandLogLiveness checks which entries a compaction keeps.
func TestCommandLogLiveness(t *testing.T) {
	st := func(creates, drops []string, job string, stops ...string) entry {
		return entry{Kind: kindStatement, Creates: creates, Drops: drops, JobID: job, Stops: stops}
	}
	n := func(names ...string) []string { return names }
	cases := []struct {
		name    string
		entries []entry
		want    []bool
	}{
		{"create and job live", []entry{st(n("a"), nil, ""), st(nil, nil, "j1")}, []bool{true, true}},
		{"stopped job goes", []entry{st(n("a"), nil, ""), st(nil, nil, "j1"), {Kind: kindStop, Stops: n("j1")}}, []bool{true, false, false}},
		{"finished job goes", []entry{st(n("a"), nil, ""), st(nil, nil, "j1"), {Kind: kindFinished, JobID: "j1"}}, []bool{true, false, false}},
		{"dropped table goes", []entry{st(n("a"), nil, ""), st(nil, n("a"), "")}, []bool{false, false}},
		{"replaced table goes", []entry{st(n("a"), nil, ""), st(n("a"), nil, "")}, []bool{false, true}},
		{"dropped table a live job read stays", []entry{st(n("a"), nil, ""), st(nil, nil, "j1"), st(nil, n("a"), "")}, []bool{true, true, true}},
		{"terminated CSAS keeps its stream", []entry{st(n("s"), nil, ""), st(n("t"), nil, "q1"), st(nil, nil, "", "q1")}, []bool{true, true, true}},
		{"terminated and dropped CSAS goes", []entry{st(n("s"), nil, ""), st(n("t"), nil, "q1"), st(nil, nil, "", "q1"), st(nil, n("t"), "")}, []bool{true, false, false, false}},
		{"a job id started again", []entry{st(nil, nil, "j1"), st(nil, nil, "j1")}, []bool{false, true}},
	}
	for _, c := range cases {
		got := live(c.entries)
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: live = %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}

// TestStreamingClientGoesAway: queries on /v1/query and /query-stream
// whose clients go away stop, and a closed server leaves no goroutine
// behind.
func TestStreamingClientGoesAway(t *testing.T) {
	before := runtime.NumGoroutine()
	ts := startServer(t, t.TempDir(), "")
	ts.statements("flink", "CREATE TABLE endless (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50')")
	tr := &http.Transport{}
	client := &http.Client{Transport: tr}
	var ids []string
	for _, body := range []string{
		`{"statement": "SELECT id FROM endless", "dialect": "flink"}`,
		`{"statement": "SELECT id FROM endless WHERE id > 0", "dialect": "flink"}`,
	} {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, ts.url+"/v1/query", strings.NewReader(body))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		lines := 0
		readNDJSON(t, resp.Body, func(line []byte) bool {
			if lines == 0 {
				var h struct {
					Header QueryHeader `json:"header"`
				}
				if err := json.Unmarshal(line, &h); err != nil || h.Header.JobID == "" {
					t.Fatalf("header %s: %v", line, err)
				}
				ids = append(ids, h.Header.JobID)
			}
			lines++
			return lines < 3 // the header and two rows
		})
		if _, ok := ts.srv.Jobs().Get(ids[len(ids)-1]); !ok {
			t.Fatal("the query does not run")
		}
		cancel()
		resp.Body.Close()
	}
	tr.CloseIdleConnections()
	for _, id := range ids {
		for deadline := time.Now().Add(time.Minute); ; {
			if _, ok := ts.srv.Jobs().Get(id); !ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("query %s still runs after its client went away", id)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	ts.stop()
	for deadline := time.Now().Add(time.Minute); runtime.NumGoroutine() > before+2; {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A server over a caller's catalog and jobs (tumble run --ui, tumble demo)
// keeps no command log, runs statements on them, and leaves the jobs to
// the caller when it closes.
func TestSharedCatalogAndJobs(t *testing.T) {
	addr := startBroker(t)
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	jobs := session.NewJobManager(jobsCtx, testLogger(t))
	defer jobs.StopAll()
	cat := planner.NewCatalog()
	ts := startServerConfig(t, Config{Bootstrap: addr, Log: testLogger(t), Out: io.Discard, Catalog: cat, Jobs: jobs})
	res := ts.statements("flink", seedFlink(t, addr))
	if res[2].JobID == "" || res[2].Seq != 3 {
		t.Errorf("results: %+v", res)
	}
	if _, ok := cat.Get("transactions_table"); !ok || len(jobs.List()) != 1 {
		t.Fatalf("the caller's catalog and jobs did not get the statements")
	}
	ts.stop()
	if st := jobs.List()[0].Job.Status(); st != "RUNNING" {
		t.Errorf("closing the server stopped the caller's job: %s", st)
	}
	if _, err := New(context.Background(), Config{Jobs: jobs}); err == nil {
		t.Error("jobs without a catalog accepted")
	}
}
