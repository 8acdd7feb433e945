package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// Tumble's own API: statements in either dialect, streaming queries with
// changelog kinds, jobs with their metrics, the catalog, and Prometheus
// metrics.

// StatementRequest is the body of POST /v1/statements and /v1/query.
type StatementRequest struct {
	Statement string `json:"statement"`
	// Dialect is "flink", "ksql" or "auto" (the default: detected from the
	// text).
	Dialect    string            `json:"dialect,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
}

// StatementResult is the answer for one statement.
type StatementResult struct {
	Statement string `json:"statement"`
	// Kind is "ok" (Message), "table" (Columns, Rows), "job" (JobID: a job
	// was started), "explain" (Plan) or "quit".
	Kind    string     `json:"kind"`
	Message string     `json:"message,omitempty"`
	JobID   string     `json:"job_id,omitempty"`
	Columns []string   `json:"columns,omitempty"`
	Rows    [][]string `json:"rows,omitempty"`
	Plan    string     `json:"plan,omitempty"`
	// Warnings come before the result (a SET of a key Tumble does not
	// read).
	Warnings []string `json:"warnings,omitempty"`
	// Seq is the command-log sequence number when the statement changed
	// the catalog or the jobs.
	Seq int64 `json:"seq,omitempty"`
}

// StatementsResponse is the body of a /v1/statements answer; on failure,
// Error says why and Results holds the statements that ran before.
type StatementsResponse struct {
	Results []StatementResult `json:"results"`
	// Warnings are about the request's properties: keys Tumble does not
	// read, deprecated keys.
	Warnings []string   `json:"warnings,omitempty"`
	Error    *ErrorInfo `json:"error,omitempty"`
}

// ErrorInfo is Tumble's error body. Line and Column (1-based) place an
// error in the request's statement text when it is about the SQL.
type ErrorInfo struct {
	Code      int    `json:"code"`
	Message   string `json:"message"`
	Reason    string `json:"reason,omitempty"` // the message without the position
	Line      int    `json:"line,omitempty"`
	Column    int    `json:"column,omitempty"`
	Near      string `json:"near,omitempty"`
	Statement string `json:"statement,omitempty"`
}

func errorInfo(status int, err error) *ErrorInfo {
	info := &ErrorInfo{Code: status, Message: err.Error()}
	var se *sql.Error
	if errors.As(err, &se) {
		info.Line, info.Column, info.Near, info.Reason = se.Pos.Line, se.Pos.Col, se.Near, se.Msg
		info.Message = se.Error()
	}
	return info
}

func v1ErrorBody(status int, err error, results []StatementResult) StatementsResponse {
	if results == nil {
		results = []StatementResult{}
	}
	return StatementsResponse{Results: results, Error: errorInfo(status, err)}
}

func parseDialect(name, text string) (sql.Dialect, error) {
	switch strings.ToLower(name) {
	case "flink":
		return sql.Flink, nil
	case "ksql", "ksqldb":
		return sql.KSQL, nil
	case "", "auto":
		return sql.DetectDialect(text), nil
	}
	return 0, fmt.Errorf("unknown dialect %q: use flink, ksql or auto", name)
}

// handleStatements is POST /v1/statements.
func (s *Server) handleStatements(w http.ResponseWriter, r *http.Request) {
	var req StatementRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Statement) == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New(`the request has no "statement"`))
		return
	}
	d, err := parseDialect(req.Dialect, req.Statement)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	stmts, err := session.Parse(req.Statement, d)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, err, []StatementResult{}))
		return
	}
	for _, st := range stmts {
		switch st.(type) {
		case *sql.Query, *sql.Print:
			pos, _ := st.Span()
			err := sql.Errorf(pos, "SELECT and PRINT stream rows: send them to /v1/query")
			writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, sql.WithNear(err, req.Statement), []StatementResult{}))
			return
		}
	}
	warnings, err := checkProps(d, req.Properties)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, err, nil))
		return
	}
	sess := s.session(d, req.Properties)
	results := []StatementResult{}
	for _, st := range stmts {
		_, text := st.Span()
		out, err := s.execute(r.Context(), sess, st, req.Statement)
		if err != nil {
			status := http.StatusBadRequest
			var ie *internalError
			if errors.As(err, &ie) {
				status = http.StatusInternalServerError
			}
			writeJSON(w, status, "", StatementsResponse{Results: results, Warnings: warnings, Error: withStatement(errorInfo(status, err), text)})
			return
		}
		results = append(results, statementResult(text, out))
	}
	writeJSON(w, http.StatusOK, "", StatementsResponse{Results: results, Warnings: warnings})
}

func withStatement(e *ErrorInfo, text string) *ErrorInfo {
	e.Statement = text
	return e
}

func statementResult(text string, out outcome) StatementResult {
	r := out.result
	res := StatementResult{Statement: text, Message: r.Message, Seq: out.seq, Warnings: r.Warnings}
	switch r.Kind {
	case planner.ResultOK:
		res.Kind = "ok"
	case planner.ResultTable:
		res.Kind = "table"
		res.Columns, res.Rows = r.Columns, r.Rows
		if res.Rows == nil {
			res.Rows = [][]string{}
		}
	case planner.ResultJob:
		res.Kind = "job"
		res.JobID = r.JobID
	case planner.ResultExplain:
		res.Kind, res.Plan, res.Message = "explain", r.Message, ""
	case planner.ResultQuit:
		res.Kind = "quit"
	default:
		res.Kind = "ok"
	}
	if res.JobID == "" && r.KSQL != nil && r.KSQL.QueryID != "" {
		res.JobID = r.KSQL.QueryID
	}
	return res
}

// QueryColumn describes a column of /v1/query: its name, its type as SQL
// text, and the type itself (to decode the values with DecodeValue).
type QueryColumn struct {
	Name     string     `json:"name"`
	Type     string     `json:"type"`
	DataType types.Type `json:"data_type"`
}

// QueryHeader is the first line of a /v1/query answer.
type QueryHeader struct {
	JobID   string        `json:"job_id"`
	Columns []QueryColumn `json:"columns"`
	// Warnings are about the request's properties (see StatementsResponse).
	Warnings []string `json:"warnings,omitempty"`
	// Mode is the changelog the rows form: "insert-only", "retract"
	// (-U and -D carry the row they take back) or "upsert".
	Mode string `json:"changelog_mode"`
}

// handleV1Query is POST /v1/query: one SELECT (or PRINT), answered as
// newline-delimited JSON: {"header": QueryHeader}, then {"kind": "+I",
// "row": [...]} per row (kinds +I, -U, +U, -D), then {"end": {}} or
// {"end": {"error": "..."}} when the rows end. It runs until the rows end
// or the client goes away.
func (s *Server) handleV1Query(w http.ResponseWriter, r *http.Request) {
	var req StatementRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.Statement) == "" {
		s.fail(w, r, http.StatusBadRequest, errors.New(`the request has no "statement"`))
		return
	}
	d, err := parseDialect(req.Dialect, req.Statement)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	stmts, err := session.Parse(req.Statement, d)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, err, nil))
		return
	}
	if len(stmts) != 1 {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("/v1/query runs exactly one statement, got %d", len(stmts)))
		return
	}
	st := stmts[0]
	switch st.(type) {
	case *sql.Query, *sql.Print:
	default:
		pos, _ := st.Span()
		err := sql.WithNear(sql.Errorf(pos, "only SELECT and PRINT run on /v1/query; send other statements to /v1/statements"), req.Statement)
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, err, nil))
		return
	}
	warnings, err := checkProps(d, req.Properties)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, err, nil))
		return
	}
	out, err := s.execute(r.Context(), s.session(d, req.Properties), st, req.Statement)
	if err != nil {
		status := http.StatusBadRequest
		var ie *internalError
		if errors.As(err, &ie) {
			status = http.StatusInternalServerError
		}
		writeJSON(w, status, "", v1ErrorBody(status, err, nil))
		return
	}
	res := out.result
	if res.Kind != planner.ResultRows || res.Stream == nil {
		writeJSON(w, http.StatusBadRequest, "", v1ErrorBody(http.StatusBadRequest, errors.New("the statement did not start a query"), nil))
		return
	}
	stream := res.Stream
	defer stream.Cancel()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	fl := flusher(w)
	hdr := QueryHeader{JobID: queryID(res), Warnings: warnings, Mode: modeName(stream.Changelog)}
	for _, c := range stream.Columns {
		hdr.Columns = append(hdr.Columns, QueryColumn{Name: c.Name, Type: c.Type.String(), DataType: c.Type})
	}
	buf, _ := jsonLine(map[string]any{"header": hdr})
	w.Write(buf)
	fl()
	err = pump(r.Context(), s.ctx, stream, func(batch []engine.Rec) error {
		buf = buf[:0]
		for _, rec := range batch {
			buf = append(buf, `{"kind":"`...)
			buf = append(buf, rec.Kind.String()...)
			buf = append(buf, `","row":[`...)
			for i, v := range rec.Row {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = AppendValue(buf, v, stream.Columns[i].Type, tumbleValues)
			}
			buf = append(buf, "]}\n"...)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		fl()
		return nil
	})
	if errors.Is(err, errClientGone) {
		return
	}
	end := map[string]any{}
	if err != nil {
		end["error"] = errorMessage(err)
	}
	buf, _ = jsonLine(map[string]any{"end": end})
	w.Write(buf)
	fl()
}

func jsonLine(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(b, '\n'), err
}

// JobMetrics are a job's counters in /v1/jobs.
type JobMetrics struct {
	RecordsIn          int64 `json:"records_in"`
	RecordsOut         int64 `json:"records_out"`
	RecordsSkipped     int64 `json:"records_skipped"`
	RecordsLost        int64 `json:"records_lost"`
	LateRecordsDropped int64 `json:"late_records_dropped"`
	// StateExpired counts keys whose state expired (table.exec.state.ttl).
	StateExpired int64 `json:"state_expired"`
	// Watermark is the job's event-time watermark in microseconds (nil
	// before the first one); WatermarkTime renders it.
	Watermark     *int64  `json:"watermark"`
	WatermarkTime *string `json:"watermark_time"`
	Checkpoints   int64   `json:"checkpoints"`
}

// JobStatus is one job in /v1/jobs.
type JobStatus struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Statement string     `json:"statement"`
	Dialect   string     `json:"dialect"`
	Sink      string     `json:"sink,omitempty"`
	Status    string     `json:"status"`
	Error     *string    `json:"error"`
	Started   time.Time  `json:"started"`
	Metrics   JobMetrics `json:"metrics"`
	// Restarts counts restarts after failures; Lag is how many records
	// the job's sources are behind their partitions' ends (null when not
	// known: a stopped job, a source that cannot tell).
	Restarts int64  `json:"restarts"`
	Lag      *int64 `json:"lag"`
	// LastCheckpoint is the job's newest checkpoint (null before one).
	LastCheckpoint *CheckpointInfo `json:"last_checkpoint"`
}

func jobStatus(j *session.JobInfo) JobStatus {
	m := j.Job.Metrics.Snapshot()
	js := JobStatus{
		ID: j.ID, Name: j.Name, Statement: j.Statement, Dialect: j.Dialect.String(), Sink: j.Sink,
		Status: string(j.Job.Status()), Started: j.Job.Started().UTC(),
		Metrics: JobMetrics{RecordsIn: m.RecordsIn, RecordsOut: m.RecordsOut, RecordsSkipped: m.Skipped, RecordsLost: m.Lost,
			LateRecordsDropped: m.LateDropped, StateExpired: m.Expired, Checkpoints: m.Checkpoints},
	}
	if err := j.Job.Err(); err != nil {
		msg := err.Error()
		js.Error = &msg
	}
	js.Metrics.Watermark, js.Metrics.WatermarkTime = watermarkOf(m.Watermark)
	js.Restarts = j.Job.Restarts()
	if cs := j.Job.Checkpoints(); len(cs) > 0 {
		for i := len(cs) - 1; i >= 0; i-- {
			if c := cs[i]; c.Err == "" {
				js.LastCheckpoint = &CheckpointInfo{ID: c.ID, Time: c.Time.UTC(), DurationMS: float64(c.Duration.Microseconds()) / 1000, Bytes: c.Bytes}
				break
			}
		}
	}
	return js
}

// handleJobs is GET /v1/jobs: every job, oldest first.
func (s *Server) handleJobs(w http.ResponseWriter, r *http.Request) {
	jobs := s.jobs.List()
	out := make([]JobStatus, 0, len(jobs))
	for _, j := range jobs {
		out = append(out, jobStatus(j))
	}
	withProgress(r.Context(), jobs, out)
	writeJSON(w, http.StatusOK, "", out)
}

// handleStopJob is DELETE /v1/jobs/{id}: stops the job (recorded, so it
// stays stopped across restarts) and answers its status.
func (s *Server) handleStopJob(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	j, err := s.stopJob(r.Context(), id)
	switch {
	case errors.Is(err, errNotFound):
		s.fail(w, r, http.StatusNotFound, errNoJob(id))
		return
	case err != nil:
		s.fail(w, r, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, "", jobStatus(j))
}

func errNoJob(id string) error { return fmt.Errorf("no job with id '%s'", id) }

// CatalogObject is one entry of GET /v1/catalog.
type CatalogObject struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Dialect string `json:"dialect"`
	// Topic and Connector say where a table's rows live (empty for views
	// and non-Kafka tables).
	Topic      string          `json:"topic,omitempty"`
	Connector  string          `json:"connector,omitempty"`
	Columns    []CatalogColumn `json:"columns,omitempty"`
	PrimaryKey []string        `json:"primary_key,omitempty"`
	// Statement is the statement that created the object.
	Statement string `json:"statement,omitempty"`
	// ShowCreate, when the object's dialect has one, is the statement
	// (in that dialect) that prints the object's DDL as it is now.
	ShowCreate string `json:"show_create,omitempty"`
}

// CatalogColumn is a column of a catalog object.
type CatalogColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Kind is "physical", "metadata" or "computed".
	Kind string `json:"kind"`
	Key  bool   `json:"key,omitempty"`
}

func catalogEntry(t *planner.Table) CatalogObject {
	o := catalogObject(t)
	o.Connector, o.Statement, o.PrimaryKey = t.Connector(), t.Statement, t.PrimaryKey
	if planner.DialectOf(t.Dialect).Rules().Client.ShowCreate {
		what := "TABLE"
		if t.Kind == sql.KindView {
			what = "VIEW"
		}
		o.ShowCreate = "SHOW CREATE " + what + " `" + strings.ReplaceAll(t.Name, "`", "``") + "`"
	}
	if t.KSQL != nil {
		o.Topic = t.KSQL.Topic
	} else if t.Kind != sql.KindView && strings.Contains(o.Connector, "kafka") {
		o.Topic = t.Option("topic")
	}
	for _, c := range t.Columns {
		kind := "physical"
		switch c.Kind {
		case sql.Metadata:
			kind = "metadata"
		case sql.Computed:
			kind = "computed"
		}
		o.Columns = append(o.Columns, CatalogColumn{Name: c.Name, Type: c.Type.String(), Kind: kind, Key: c.Key})
	}
	return o
}

// handleCatalog is GET /v1/catalog: the tables, streams and views with
// their columns, topics and the statements that created them.
func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	out := []CatalogObject{}
	for _, t := range s.cat.List() {
		out = append(out, catalogEntry(t))
	}
	writeJSON(w, http.StatusOK, "", out)
}

// handleMetrics is GET /metrics in the Prometheus text format (0.0.4).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	var b strings.Builder
	jobs := s.jobs.List()
	type series struct {
		name, help, typ string
		value           func(j *session.JobInfo, m engine.MetricsSnapshot) (float64, bool)
	}
	perJob := []series{
		{"tumble_job_records_in_total", "Records read by the job's sources.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) { return float64(m.RecordsIn), true }},
		{"tumble_job_records_out_total", "Records written by the job's sinks.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) { return float64(m.RecordsOut), true }},
		{"tumble_job_records_skipped_total", "Records skipped because they could not be decoded.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) { return float64(m.Skipped), true }},
		{"tumble_job_records_lost_total", "Records deleted by the broker (retention) before the job read them.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) { return float64(m.Lost), true }},
		{"tumble_job_late_records_dropped_total", "Records dropped because their windows had fired.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) {
				return float64(m.LateDropped), true
			}},
		{"tumble_job_state_expired_total", "Keys whose idle state expired (table.exec.state.ttl).", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) { return float64(m.Expired), true }},
		{"tumble_job_checkpoints_total", "Checkpoints completed.", "counter",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) {
				return float64(m.Checkpoints), true
			}},
		{"tumble_job_watermark_seconds", "The job's event-time watermark (seconds since the epoch of its time column).", "gauge",
			func(_ *session.JobInfo, m engine.MetricsSnapshot) (float64, bool) {
				if m.Watermark == engine.MinWatermark || m.Watermark == engine.MaxWatermark {
					return 0, false
				}
				return float64(m.Watermark) / 1e6, true
			}},
		{"tumble_job_running", "1 while the job runs, 0 once it stopped, failed or finished.", "gauge",
			func(j *session.JobInfo, _ engine.MetricsSnapshot) (float64, bool) {
				if j.Job.Status() == engine.Running {
					return 1, true
				}
				return 0, true
			}},
		{"tumble_job_start_time_seconds", "When the job started (seconds since the Unix epoch).", "gauge",
			func(j *session.JobInfo, _ engine.MetricsSnapshot) (float64, bool) {
				return float64(j.Job.Started().UnixMilli()) / 1e3, true
			}},
	}
	snaps := make([]engine.MetricsSnapshot, len(jobs))
	for i, j := range jobs {
		snaps[i] = j.Job.Metrics.Snapshot()
	}
	for _, se := range perJob {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", se.name, se.help, se.name, se.typ)
		for i, j := range jobs {
			v, ok := se.value(j, snaps[i])
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "%s{job=\"%s\",name=\"%s\",status=\"%s\"} %s\n", se.name, labelValue(j.ID), labelValue(j.Name), j.Job.Status(), promFloat(v))
		}
	}
	counts := map[string]int{string(engine.Running): 0, string(engine.Failed): 0, string(engine.Stopped): 0, string(engine.Finished): 0}
	for _, j := range jobs {
		counts[string(j.Job.Status())]++
	}
	b.WriteString("# HELP tumble_jobs Jobs by status.\n# TYPE tumble_jobs gauge\n")
	for _, st := range sortedKeys(counts) {
		fmt.Fprintf(&b, "tumble_jobs{status=\"%s\"} %d\n", labelValue(st), counts[st])
	}
	b.WriteString("# HELP tumble_catalog_objects Tables, streams and views in the catalog.\n# TYPE tumble_catalog_objects gauge\n")
	fmt.Fprintf(&b, "tumble_catalog_objects %d\n", len(s.cat.List()))
	b.WriteString("# HELP tumble_command_log_sequence The sequence number of the newest command-log entry.\n# TYPE tumble_command_log_sequence gauge\n")
	fmt.Fprintf(&b, "tumble_command_log_sequence %d\n", s.clog.LastSeq())
	b.WriteString("# HELP tumble_build_info Tumble's version.\n# TYPE tumble_build_info gauge\n")
	fmt.Fprintf(&b, "tumble_build_info{version=\"%s\",goversion=\"%s\"} 1\n", labelValue(Version), labelValue(runtime.Version()))
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.WriteString("# HELP go_goroutines Goroutines that currently exist.\n# TYPE go_goroutines gauge\n")
	fmt.Fprintf(&b, "go_goroutines %d\n", runtime.NumGoroutine())
	b.WriteString("# HELP go_memstats_heap_alloc_bytes Heap bytes allocated and still in use.\n# TYPE go_memstats_heap_alloc_bytes gauge\n")
	fmt.Fprintf(&b, "go_memstats_heap_alloc_bytes %d\n", ms.HeapAlloc)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() == metrics.KindUint64 {
		b.WriteString("# HELP go_gc_heap_live_bytes Heap memory occupied by live objects, as marked by the last GC.\n# TYPE go_gc_heap_live_bytes gauge\n")
		fmt.Fprintf(&b, "go_gc_heap_live_bytes %d\n", live[0].Value.Uint64())
	}
	b.WriteString("# HELP go_memstats_sys_bytes Bytes obtained from the system.\n# TYPE go_memstats_sys_bytes gauge\n")
	fmt.Fprintf(&b, "go_memstats_sys_bytes %d\n", ms.Sys)
	b.WriteString("# HELP go_gc_cycles_total Completed GC cycles.\n# TYPE go_gc_cycles_total counter\n")
	fmt.Fprintf(&b, "go_gc_cycles_total %d\n", ms.NumGC)
	if rss, ok := residentBytes(); ok {
		b.WriteString("# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n")
		fmt.Fprintf(&b, "process_resident_memory_bytes %d\n", rss)
	}
	b.WriteString("# HELP process_start_time_seconds Start time of the server since the Unix epoch in seconds.\n# TYPE process_start_time_seconds gauge\n")
	fmt.Fprintf(&b, "process_start_time_seconds %s\n", promFloat(float64(s.started.UnixMilli())/1e3))
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(b.String()))
}

// labelValue escapes a Prometheus label value.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

func promFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// residentBytes reads the resident set size from /proc (Linux).
func residentBytes() (int64, bool) {
	raw, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, false
	}
	f := strings.Fields(string(raw))
	if len(f) < 2 {
		return 0, false
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, false
	}
	return pages * int64(os.Getpagesize()), true
}
