package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// ksqlDB's REST API: the shapes of its answers, learned from its
// documentation, written here for Tumble's results.

// ksqlDB error codes.
const (
	codeBadRequest    = 40000
	codeBadStatement  = 40001
	codeQueryEndpoint = 40002
	codeServerError   = 50000
)

type ksqlRequest struct {
	KSQL              string     `json:"ksql"`
	StreamsProperties properties `json:"streamsProperties"`
	// Older clients send "properties".
	Properties properties `json:"properties"`
}

// ksqlAPI is the dialect of ksqlDB's REST API (/ksql, /query,
// /query-stream), and ksqlValues how its rows write values.
var (
	ksqlAPI    = sql.KSQL
	ksqlValues = planner.DialectOf(ksqlAPI).Rules().Client.Values
)

func (r *ksqlRequest) props() map[string]string {
	p := r.Properties.strings()
	for k, v := range r.StreamsProperties.strings() {
		p[k] = v
	}
	return ksqlProps(p)
}

// ksqlProps also sets "auto.offset.reset" from the
// "ksql.streams.auto.offset.reset" spelling ksqlDB clients use.
func ksqlProps(p map[string]string) map[string]string {
	for k, v := range p {
		if short, ok := strings.CutPrefix(k, "ksql.streams."); ok {
			if _, set := p[short]; !set {
				p[short] = v
			}
		}
	}
	return p
}

type ksqlGenericError struct {
	Type      string `json:"@type"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

type ksqlStatementError struct {
	Type          string `json:"@type"`
	ErrorCode     int    `json:"error_code"`
	Message       string `json:"message"`
	StatementText string `json:"statementText"`
	Entities      []any  `json:"entities"`
}

// ksqlContentType answers with the versioned type when the client asked
// for it.
func ksqlContentType(r *http.Request) string {
	if strings.Contains(r.Header.Get("Accept"), "application/vnd.ksql.v1+json") ||
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/vnd.ksql.v1+json") {
		return "application/vnd.ksql.v1+json"
	}
	return "application/json"
}

// statementError answers a failed statement as ksqlDB does: HTTP 400 with
// the entities of the statements before it, or 500 for a failure of the
// server itself.
func (s *Server) statementError(w http.ResponseWriter, r *http.Request, text string, err error, entities []any) {
	status, code := http.StatusBadRequest, codeBadStatement
	var ie *internalError
	if errors.As(err, &ie) {
		status, code = http.StatusInternalServerError, codeServerError
	}
	if entities == nil {
		entities = []any{}
	}
	writeJSON(w, status, ksqlContentType(r), ksqlStatementError{
		Type: "statement_error", ErrorCode: code, Message: errorMessage(err), StatementText: text, Entities: entities,
	})
}

func errorMessage(err error) string {
	var se *sql.Error
	if errors.As(err, &se) {
		return se.Error()
	}
	return err.Error()
}

// handleKSQL is POST /ksql: the statements of the request, in a ksqlDB
// session whose properties are streamsProperties, one entity each.
func (s *Server) handleKSQL(w http.ResponseWriter, r *http.Request) {
	var req ksqlRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	if strings.TrimSpace(req.KSQL) == "" {
		writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlGenericError{Type: "generic_error", ErrorCode: codeBadRequest, Message: `the request has no "ksql" statements`})
		return
	}
	stmts, err := session.Parse(req.KSQL, ksqlAPI)
	if err != nil {
		s.statementError(w, r, req.KSQL, err, nil)
		return
	}
	// ksqlDB sends SELECT and PRINT to /query before running anything.
	for _, st := range stmts {
		switch st.(type) {
		case *sql.Query, *sql.Print:
			_, text := st.Span()
			writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlStatementError{
				Type: "statement_error", ErrorCode: codeQueryEndpoint,
				Message:       "SELECT and PRINT statements stream rows: send them to /query or /query-stream",
				StatementText: text + ";", Entities: []any{},
			})
			return
		}
	}
	props := req.props()
	propWarnings, err := checkProps(ksqlAPI, props)
	if err != nil {
		s.statementError(w, r, req.KSQL, err, nil)
		return
	}
	sess := s.session(ksqlAPI, props)
	entities := []any{}
	for _, st := range stmts {
		_, text := st.Span()
		out, err := s.execute(r.Context(), sess, st, req.KSQL)
		if err != nil {
			s.statementError(w, r, text+";", err, entities)
			return
		}
		if e := s.ksqlEntity(st, text+";", out, propWarnings); e != nil {
			entities = append(entities, e)
		}
	}
	writeJSON(w, http.StatusOK, ksqlContentType(r), entities)
}

// ksqlEntity renders one statement's result as ksqlDB's entity; nil for
// statements ksqlDB answers without one (SET, UNSET).
func (s *Server) ksqlEntity(st sql.Statement, text string, out outcome, extra []string) any {
	r := out.result
	seq := out.seq
	if seq == 0 {
		seq = s.clog.LastSeq()
	}
	e := r.KSQL
	if e == nil {
		switch st.(type) {
		case *sql.Set, *sql.Reset:
			return nil
		}
		e = fallbackEntity(st, r)
	}
	base := func(typ string) orderedObject {
		return orderedObject{{"@type", typ}, {"statementText", text}}
	}
	list := []any{}
	for _, m := range append(extra, r.Warnings...) {
		list = append(list, orderedObject{{"message", m}})
	}
	warnings := kv{"warnings", list}
	switch e.Type {
	case "":
		return nil
	case "currentStatus":
		var qid any
		if e.QueryID != "" {
			qid = e.QueryID
		}
		status := e.Status
		if status == "" {
			status = "SUCCESS"
		}
		return append(base("currentStatus"),
			kv{"commandId", e.CommandID},
			kv{"commandStatus", orderedObject{{"status", status}, {"message", e.Message}, {"queryId", qid}}},
			kv{"commandSequenceNumber", seq},
			warnings)
	case "streams", "tables":
		list := []any{}
		for _, si := range e.Sources {
			list = append(list, orderedObject{{"type", si.Type}, {"name", si.Name}, {"topic", si.Topic},
				{"keyFormat", si.KeyFormat}, {"valueFormat", si.ValueFormat}, {"isWindowed", si.IsWindowed}})
		}
		return append(base(e.Type), kv{e.Type, list}, warnings)
	case "source_descriptions":
		list := []any{}
		for _, si := range e.Sources {
			list = append(list, sourceDescription(&planner.SourceDescription{Name: si.Name, Type: si.Type, Topic: si.Topic,
				KeyFormat: si.KeyFormat, ValueFormat: si.ValueFormat, Windowed: si.IsWindowed, Extended: true}))
		}
		return append(base("source_descriptions"), kv{"sourceDescriptions", list}, warnings)
	case "queries":
		list := []any{}
		for _, q := range e.Queries {
			list = append(list, runningQuery(q))
		}
		return append(base("queries"), kv{"queries", list}, warnings)
	case "properties":
		list := []any{}
		for _, k := range sortedKeys(e.Properties) {
			list = append(list, orderedObject{{"name", k}, {"scope", "KSQL"}, {"value", e.Properties[k]}})
		}
		return append(base("properties"), kv{"properties", list}, kv{"overwrittenProperties", []any{}}, kv{"defaultProperties", []any{}}, warnings)
	case "sourceDescription":
		if e.Source == nil {
			return nil
		}
		return append(base("sourceDescription"), kv{"sourceDescription", sourceDescription(e.Source)}, warnings)
	case "kafka_topics":
		list := []any{}
		for _, t := range e.Topics {
			replicas := make([]int, max(t.Partitions, 0))
			for i := range replicas {
				replicas[i] = 1
			}
			list = append(list, orderedObject{{"name", t.Name}, {"replicaInfo", replicas}})
		}
		return append(base("kafka_topics"), kv{"topics", list}, warnings)
	case "function_names":
		list := []any{}
		for _, row := range r.Rows {
			if len(row) > 0 {
				list = append(list, orderedObject{{"name", row[0]}, {"type", "SCALAR"}, {"category", ""}})
			}
		}
		return append(base("function_names"), kv{"functions", list}, warnings)
	case "queryDescription", "queryPlan":
		var q planner.QueryInfo
		if len(e.Queries) > 0 {
			q = e.Queries[0]
		}
		plan := e.Message
		if plan == "" {
			plan = r.Message
		}
		var id any
		if q.ID != "" {
			id = q.ID
		}
		state := q.State
		if state == "" {
			state = "UNKNOWN"
		}
		queryType := q.QueryType
		if queryType == "" {
			queryType = "PERSISTENT"
		}
		desc := orderedObject{{"id", id}, {"statementText", q.QueryString}, {"windowType", nil}, {"fields", []any{}},
			{"sources", []any{}}, {"sinks", nonNil(q.Sinks)}, {"topology", ""}, {"executionPlan", plan},
			{"overriddenProperties", map[string]string{}}, {"ksqlHostQueryStatus", map[string]string{}},
			{"queryType", queryType}, {"queryErrors", []any{}}, {"tasksMetadata", []any{}}, {"state", state}}
		return append(base("queryDescription"), kv{"queryDescription", desc}, warnings)
	}
	// An entity type this server does not know how to shape: the message.
	return append(base(e.Type), kv{"message", e.Message}, warnings)
}

// fallbackEntity is the entity of a result the planner gave none.
func fallbackEntity(st sql.Statement, r *planner.Result) *planner.KSQLEntity {
	switch r.Kind {
	case planner.ResultJob:
		return &planner.KSQLEntity{Type: "currentStatus", Status: "SUCCESS", QueryID: r.JobID,
			Message: "Created query with ID " + r.JobID, CommandID: commandID(st)}
	case planner.ResultExplain:
		return &planner.KSQLEntity{Type: "queryDescription", Message: r.Message}
	case planner.ResultTable:
		return &planner.KSQLEntity{Type: "currentStatus", Status: "SUCCESS", Message: tableText(r), CommandID: commandID(st)}
	}
	msg := r.Message
	if msg == "" {
		msg = "Statement executed"
	}
	return &planner.KSQLEntity{Type: "currentStatus", Status: "SUCCESS", Message: msg, CommandID: commandID(st)}
}

func commandID(st sql.Statement) string {
	switch n := st.(type) {
	case *sql.Insert:
		return "stream/`" + n.Table.Last() + "`/create"
	case *sql.StopJob:
		return "terminate/`" + n.ID + "`/execute"
	}
	return ""
}

func tableText(r *planner.Result) string {
	var sb strings.Builder
	sb.WriteString(strings.Join(r.Columns, " | "))
	for _, row := range r.Rows {
		sb.WriteString("\n")
		sb.WriteString(strings.Join(row, " | "))
	}
	return sb.String()
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func runningQuery(q planner.QueryInfo) orderedObject {
	state := q.State
	if state == "" {
		state = "RUNNING"
	}
	queryType := q.QueryType
	if queryType == "" {
		queryType = "PERSISTENT"
	}
	return orderedObject{{"queryString", q.QueryString}, {"sinks", nonNil(q.Sinks)}, {"sinkKafkaTopics", nonNil(q.SinkTopics)},
		{"id", q.ID}, {"statusCount", map[string]int{state: 1}}, {"queryType", queryType}, {"state", state}}
}

func sourceDescription(d *planner.SourceDescription) orderedObject {
	fields := []any{}
	for _, f := range d.Fields {
		o := orderedObject{{"name", f.Name}, {"schema", typeSchema(f.Type)}}
		if f.Key != "" {
			o = append(o, kv{"type", "KEY"})
		}
		fields = append(fields, o)
	}
	reads, writes := []any{}, []any{}
	for _, q := range d.ReadQueries {
		reads = append(reads, runningQuery(q))
	}
	for _, q := range d.WriteQueries {
		writes = append(writes, runningQuery(q))
	}
	var windowType any
	if d.Windowed {
		windowType = "TUMBLING"
	}
	return orderedObject{{"name", d.Name}, {"windowType", windowType}, {"readQueries", reads}, {"writeQueries", writes},
		{"fields", fields}, {"type", d.Type}, {"timestamp", d.Timestamp}, {"statistics", ""}, {"errorStats", ""},
		{"extended", d.Extended}, {"keyFormat", d.KeyFormat}, {"valueFormat", d.ValueFormat}, {"topic", d.Topic},
		{"partitions", d.Partitions}, {"replication", 1}, {"statement", d.Statement},
		{"queryOffsetSummaries", []any{}}, {"sourceConstraints", []any{}}, {"clusterStatistics", []any{}}, {"clusterErrorStats", []any{}}}
}

// typeSchema turns a ksqlDB type name into ksqlDB's schema object:
// {"type": "ARRAY", "memberSchema": {...}}, {"type": "STRUCT", "fields":
// [...]}, {"type": "DECIMAL", "parameters": {...}}.
func typeSchema(name string) orderedObject {
	name = strings.TrimSpace(name)
	base, inner, hasInner := strings.Cut(name, "<")
	base = strings.TrimSpace(base)
	if hasInner {
		inner = strings.TrimSuffix(strings.TrimSpace(inner), ">")
	}
	var fields, member any
	switch strings.ToUpper(base) {
	case "ARRAY":
		member = typeSchema(inner)
	case "MAP":
		parts := splitTop(inner)
		if len(parts) == 2 {
			member = typeSchema(parts[1])
		}
	case "STRUCT":
		list := []any{}
		for _, p := range splitTop(inner) {
			p = strings.TrimSpace(p)
			fname, ftype, _ := strings.Cut(p, " ")
			list = append(list, orderedObject{{"name", strings.Trim(fname, "`")}, {"schema", typeSchema(ftype)}})
		}
		fields = list
	}
	o := orderedObject{{"type", strings.ToUpper(base)}, {"fields", fields}, {"memberSchema", member}}
	if p, args, ok := strings.Cut(base, "("); ok && strings.EqualFold(strings.TrimSpace(p), "DECIMAL") {
		o[0].v = "DECIMAL"
		var prec, scale int
		fmt.Sscanf(strings.TrimSuffix(args, ")"), "%d, %d", &prec, &scale)
		o = append(o, kv{"parameters", orderedObject{{"precision", prec}, {"scale", scale}}})
	}
	return o
}

// splitTop splits on commas outside <...> and (...).
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// handleQuery is POST /query: one SELECT (push or pull) or PRINT, streamed
// as a JSON array — a header, then a row per result row — until the rows
// end or the client goes away.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) {
	var req ksqlRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	st, res, ok := s.startQuery(w, r, req.KSQL, req.props())
	if !ok {
		return
	}
	stream := res.Stream
	defer stream.Cancel()
	_, text := st.Span()
	push := isPush(st)
	w.Header().Set("Content-Type", ksqlContentType(r))
	w.WriteHeader(http.StatusOK)
	fl := flusher(w)
	schema := make([]string, len(stream.Columns))
	for i, c := range stream.Columns {
		schema[i] = "`" + c.Name + "` " + c.Type.KSQLString()
	}
	buf := []byte(`[{"header":{"queryId":`)
	buf = types.AppendJSONString(buf, queryID(res))
	buf = append(buf, `,"schema":`...)
	buf = types.AppendJSONString(buf, strings.Join(schema, ", "))
	buf = append(buf, "}}"...)
	w.Write(buf)
	fl()
	_ = text
	err := pump(r.Context(), s.ctx, stream, func(batch []engine.Rec) error {
		buf = buf[:0]
		for _, rec := range batch {
			if rec.Kind == engine.UpdateBefore {
				continue
			}
			buf = append(buf, ",\n"...)
			buf = append(buf, `{"row":{"columns":[`...)
			for i, v := range rec.Row {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = AppendValue(buf, v, stream.Columns[i].Type, ksqlValues)
			}
			buf = append(buf, ']')
			if rec.Kind == engine.Delete {
				buf = append(buf, `,"tombstone":true`...)
			}
			buf = append(buf, "}}"...)
		}
		if _, err := w.Write(buf); err != nil {
			return err
		}
		fl()
		return nil
	})
	buf = buf[:0]
	switch {
	case errors.Is(err, errClientGone):
		return
	case err != nil:
		buf = append(buf, ",\n"...)
		buf = append(buf, `{"errorMessage":{"@type":"generic_error","error_code":50000,"message":`...)
		buf = types.AppendJSONString(buf, err.Error())
		buf = append(buf, "}}"...)
	case push:
		buf = append(buf, ",\n"...)
		buf = append(buf, `{"finalMessage":"Limit Reached"}`...)
	}
	buf = append(buf, "]\n"...)
	w.Write(buf)
	fl()
}

func isPush(st sql.Statement) bool {
	q, ok := st.(*sql.Query)
	return ok && q.Select != nil && q.Select.Emit != sql.EmitNone
}

func queryID(res *planner.Result) string {
	if res.JobID != "" {
		return res.JobID
	}
	if res.Stream != nil && res.Stream.Job != nil {
		return res.Stream.Job.ID()
	}
	return ""
}

type queryStreamRequest struct {
	SQL        string     `json:"sql"`
	Properties properties `json:"properties"`
}

// handleQueryStream is POST /query-stream: a header object, then one JSON
// array per row, newline-delimited (application/vnd.ksqlapi.delimited.v1),
// or one JSON array of all of them when the client accepts only
// application/json.
func (s *Server) handleQueryStream(w http.ResponseWriter, r *http.Request) {
	var req queryStreamRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	_, res, ok := s.startQuery(w, r, req.SQL, ksqlProps(req.Properties.strings()))
	if !ok {
		return
	}
	stream := res.Stream
	defer stream.Cancel()
	accept := r.Header.Get("Accept")
	asArray := strings.Contains(accept, "application/json") && !strings.Contains(accept, "delimited")
	ct := "application/vnd.ksqlapi.delimited.v1"
	if asArray {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	fl := flusher(w)
	sep := []byte("\n")
	if asArray {
		w.Write([]byte("["))
		sep = []byte(",\n")
	}
	names := make([]string, len(stream.Columns))
	typeNames := make([]string, len(stream.Columns))
	for i, c := range stream.Columns {
		names[i], typeNames[i] = c.Name, c.Type.KSQLString()
	}
	buf := []byte(`{"queryId":`)
	buf = types.AppendJSONString(buf, queryID(res))
	buf = append(buf, `,"columnNames":`...)
	buf = appendJSONStrings(buf, names)
	buf = append(buf, `,"columnTypes":`...)
	buf = appendJSONStrings(buf, typeNames)
	buf = append(buf, '}')
	w.Write(buf)
	fl()
	err := pump(r.Context(), s.ctx, stream, func(batch []engine.Rec) error {
		buf = buf[:0]
		for _, rec := range batch {
			if rec.Kind == engine.UpdateBefore {
				continue
			}
			buf = append(buf, sep...)
			buf = append(buf, '[')
			for i, v := range rec.Row {
				if i > 0 {
					buf = append(buf, ',')
				}
				buf = AppendValue(buf, v, stream.Columns[i].Type, ksqlValues)
			}
			buf = append(buf, ']')
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
	buf = buf[:0]
	if err != nil {
		buf = append(buf, sep...)
		buf = append(buf, `{"@type":"generic_error","error_code":50000,"message":`...)
		buf = types.AppendJSONString(buf, err.Error())
		buf = append(buf, '}')
	}
	if asArray {
		buf = append(buf, ']')
	}
	buf = append(buf, '\n')
	w.Write(buf)
	fl()
}

func appendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = types.AppendJSONString(b, s)
	}
	return append(b, ']')
}

// startQuery parses and starts the one query of a /query or /query-stream
// request. On failure it answers the error itself and returns false.
func (s *Server) startQuery(w http.ResponseWriter, r *http.Request, text string, props map[string]string) (sql.Statement, *planner.Result, bool) {
	if strings.TrimSpace(text) == "" {
		writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlGenericError{Type: "generic_error", ErrorCode: codeBadRequest, Message: "the request has no query"})
		return nil, nil, false
	}
	stmts, err := session.Parse(text, ksqlAPI)
	if err != nil {
		s.statementError(w, r, text, err, nil)
		return nil, nil, false
	}
	if len(stmts) != 1 {
		writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlStatementError{Type: "statement_error", ErrorCode: codeBadStatement,
			Message: fmt.Sprintf("Expected exactly one query, got %d statements", len(stmts)), StatementText: text, Entities: []any{}})
		return nil, nil, false
	}
	st := stmts[0]
	switch st.(type) {
	case *sql.Query, *sql.Print:
	default:
		writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlStatementError{Type: "statement_error", ErrorCode: codeBadStatement,
			Message: "Only SELECT and PRINT statements run on this endpoint; send the others to /ksql", StatementText: text, Entities: []any{}})
		return nil, nil, false
	}
	if _, err := checkProps(ksqlAPI, props); err != nil {
		s.statementError(w, r, text, err, nil)
		return nil, nil, false
	}
	sess := s.session(ksqlAPI, props)
	out, err := s.execute(r.Context(), sess, st, text)
	if err != nil {
		s.statementError(w, r, text, err, nil)
		return nil, nil, false
	}
	if out.result.Kind != planner.ResultRows || out.result.Stream == nil {
		writeJSON(w, http.StatusBadRequest, ksqlContentType(r), ksqlStatementError{Type: "statement_error", ErrorCode: codeBadStatement,
			Message: "The statement did not start a query", StatementText: text, Entities: []any{}})
		return nil, nil, false
	}
	return st, out.result, true
}

// errClientGone ends a stream whose client went away.
var errClientGone = errors.New("client gone")

// pump hands the stream's rows to emit in batches (what is ready without
// waiting) until the stream ends (nil, or the query's error), the client
// goes away or the server stops (errClientGone).
func pump(req, srv context.Context, st *planner.Stream, emit func([]engine.Rec) error) error {
	batch := make([]engine.Rec, 0, 256)
	for {
		batch = batch[:0]
		select {
		case <-req.Done():
			return errClientGone
		case <-srv.Done():
			return errClientGone
		case rec, ok := <-st.Rows:
			if !ok {
				// A query that ends at its LIMIT is cancelled: not an error.
				if err := st.Err(); err != nil && !errors.Is(err, context.Canceled) {
					return err
				}
				return nil
			}
			batch = append(batch, rec)
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case rec, ok := <-st.Rows:
				if !ok {
					break more
				}
				batch = append(batch, rec)
			default:
				break more
			}
		}
		if err := emit(batch); err != nil {
			return errClientGone
		}
	}
}

// flusher returns a function that pushes what was written to the client.
func flusher(w http.ResponseWriter) func() {
	rc := http.NewResponseController(w)
	return func() { _ = rc.Flush() }
}

// handleInfo is GET /info.
func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, ksqlContentType(r), map[string]any{
		"KsqlServerInfo": orderedObject{
			{"version", Version},
			{"kafkaClusterId", s.cfg.KafkaClusterID},
			{"ksqlServiceId", s.cfg.ServiceID},
			{"serverStatus", "RUNNING"},
		},
	})
}

// handleHealth is GET /healthcheck: the catalog, the command log and the
// Kafka bootstrap address (a TCP connection).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	kafka := true
	var kafkaErr string
	if s.cfg.Bootstrap != "" {
		addr := strings.TrimSpace(strings.Split(s.cfg.Bootstrap, ",")[0])
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		cancel()
		if err != nil {
			kafka, kafkaErr = false, err.Error()
		} else {
			c.Close()
		}
	}
	kafkaDetail := orderedObject{{"isHealthy", kafka}}
	if kafkaErr != "" {
		kafkaDetail = append(kafkaDetail, kv{"error", kafkaErr})
	}
	status := http.StatusOK
	if !kafka {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, ksqlContentType(r), orderedObject{
		{"isHealthy", kafka},
		{"details", orderedObject{
			{"metastore", orderedObject{{"isHealthy", true}}},
			{"kafka", kafkaDetail},
			{"commandRunner", orderedObject{{"isHealthy", true}}},
		}},
		{"ksqlServiceId", s.cfg.ServiceID},
	})
}
