package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine/types"
)

// ksqlWindow is a value of transactions_aggregate_ksql.
type ksqlWindow struct {
	Start int64 `json:"WINDOW_START"`
	End   int64 `json:"WINDOW_END"`
	Total int64 `json:"TOTAL_PAID"`
	Count int64 `json:"TOTAL_TRANSACTIONS"`
	Avg   int64 `json:"AVERAGE_TRANSACTION_VALUE"`
}

// postKSQL posts statements to /ksql as ksqlDB's clients do.
func (ts *testServer) postKSQL(text string, props map[string]any) (int, []map[string]any, []byte) {
	ts.t.Helper()
	if props == nil {
		props = map[string]any{}
	}
	b, _ := json.Marshal(map[string]any{"ksql": text, "streamsProperties": props})
	req, _ := http.NewRequest(http.MethodPost, ts.url+"/ksql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/vnd.ksql.v1+json; charset=utf-8")
	req.Header.Set("Accept", "application/vnd.ksql.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.ksql.v1+json" {
		ts.t.Errorf("content type %q", ct)
	}
	var entities []map[string]any
	json.Unmarshal(buf.Bytes(), &entities)
	return resp.StatusCode, entities, buf.Bytes()
}

// lastKSQLWindows reads transactions_aggregate_ksql and keeps the last
// update of each window (EMIT CHANGES writes one per input row).
func lastKSQLWindows(t *testing.T, addr string) (map[int64]ksqlWindow, int) {
	t.Helper()
	last := map[int64]ksqlWindow{}
	updates := 0
	readTopic(t, addr, "transactions_aggregate_ksql", func(r *kgo.Record) {
		updates++
		if len(r.Key) != 1+8 || r.Key[0] != '1' {
			t.Fatalf("key %q is not '1' + window start", r.Key)
		}
		ws := int64(binary.BigEndian.Uint64(r.Key[1:]))
		var w ksqlWindow
		if err := json.Unmarshal(r.Value, &w); err != nil {
			t.Fatalf("value %s: %v", r.Value, err)
		}
		if w.Start != ws {
			t.Fatalf("key window %d, value window %d", ws, w.Start)
		}
		last[ws] = w
	})
	return last, updates
}

// ksqlExpected sums the Paid records per 3-second window by hand, event
// time read as UTC (ksqlDB's reading of a zone-less timestamp_format).
func ksqlExpected(t *testing.T, addr string) map[int64]ksqlWindow {
	t.Helper()
	want := map[int64]ksqlWindow{}
	for _, x := range readJSON[txn](t, addr, "transactions") {
		if x.Status != "Paid" {
			continue
		}
		us, err := types.ParseTimestamp(x.EventTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		ms := us / 1000
		ws := ms - ms%3000
		w := want[ws]
		w.Start, w.End = ws, ws+3000
		w.Total += x.TotalPaid
		w.Count++
		w.Avg = w.Total / w.Count
		want[ws] = w
	}
	return want
}

func checkKSQLWindows(t *testing.T, addr string, wantWindows int) {
	t.Helper()
	want := ksqlExpected(t, addr)
	last, updates := lastKSQLWindows(t, addr)
	if len(want) != wantWindows || len(last) != len(want) {
		t.Fatalf("%d windows updated, computed %d by hand, want %d", len(last), len(want), wantWindows)
	}
	for ws, w := range want {
		if last[ws] != w {
			t.Errorf("window %d: last update %+v, want %+v", ws, last[ws], w)
		}
	}
	t.Logf("%d windows, %d updates", len(last), updates)
}

// TestKSQLSeedOverREST posts the seed's three ksqlDB files to /ksql
// unchanged, as the seed's client does, and checks the answers' shapes,
// the final update of every window in transactions_aggregate_ksql, the
// listing statements, /query and /query-stream, and that a restart keeps
// the streams, the table and both queries (same ids, from their
// checkpoints: no window counts a record twice).
func TestKSQLSeedOverREST(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	ts := startServer(t, dir, addr)
	files, _ := filepath.Glob("../queries/ksql/*.sql")
	if len(files) != 3 {
		t.Fatalf("queries/ksql: %v", files)
	}
	wantCommand := []string{"stream/`TRANSACTIONS_STREAM`/create", "stream/`PAID_TRANSACTIONS_STREAM`/create", "table/`WINDOWED_TRANSACTIONS`/create"}
	var queryIDs []string
	for i, f := range files {
		status, entities, body := ts.postKSQL(readSeed(t, f, addr), nil)
		if status != http.StatusOK || len(entities) != 1 {
			t.Fatalf("%s: %d %s", f, status, body)
		}
		e := entities[0]
		cs, _ := e["commandStatus"].(map[string]any)
		if e["@type"] != "currentStatus" || e["commandId"] != wantCommand[i] || cs["status"] != "SUCCESS" ||
			!strings.HasSuffix(e["statementText"].(string), ";") || e["commandSequenceNumber"].(float64) < 1 {
			t.Errorf("%s: entity %s", f, body)
		}
		if i > 0 {
			qid, _ := cs["queryId"].(string)
			if qid == "" {
				t.Errorf("%s: no queryId in %s", f, body)
			}
			queryIDs = append(queryIDs, qid)
		}
	}
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 12000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ts.sync(false)
	ts.sync(false) // the first query feeds the second
	checkKSQLWindows(t, addr, 4)

	// The listing statements, several in one request.
	status, entities, body := ts.postKSQL("SHOW STREAMS; LIST TABLES; SHOW QUERIES; DESCRIBE windowed_transactions; SHOW PROPERTIES;", map[string]any{"auto.offset.reset": "earliest"})
	if status != http.StatusOK || len(entities) != 5 {
		t.Fatalf("listings: %d %s", status, body)
	}
	for i, typ := range []string{"streams", "tables", "queries", "sourceDescription", "properties"} {
		if entities[i]["@type"] != typ {
			t.Errorf("entity %d is %v, want %s", i, entities[i]["@type"], typ)
		}
	}
	if streams := entities[0]["streams"].([]any); len(streams) != 2 || streams[1].(map[string]any)["topic"] != "transactions" {
		t.Errorf("streams: %v", streams)
	}
	if queries := entities[2]["queries"].([]any); len(queries) != 2 || queries[0].(map[string]any)["state"] != "RUNNING" {
		t.Errorf("queries: %v", queries)
	}
	desc := entities[3]["sourceDescription"].(map[string]any)
	if desc["topic"] != "transactions_aggregate_ksql" || len(desc["fields"].([]any)) != 6 || len(desc["writeQueries"].([]any)) != 1 {
		t.Errorf("description: %v", desc)
	}

	// An error stops the request and carries the entities before it.
	status, _, body = ts.postKSQL("SHOW STREAMS; DESCRIBE nope; SHOW TABLES;", nil)
	var se ksqlStatementError
	json.Unmarshal(body, &se)
	if status != http.StatusBadRequest || se.Type != "statement_error" || se.ErrorCode != codeBadStatement || len(se.Entities) != 1 || !strings.Contains(se.StatementText, "DESCRIBE nope") {
		t.Errorf("error: %d %s", status, body)
	}

	// A pull query on the table through /query: header, one row per window.
	status, body = ts.postJSON("/query", map[string]any{"ksql": "SELECT * FROM windowed_transactions;", "streamsProperties": map[string]any{}})
	var chunks []map[string]json.RawMessage
	if err := json.Unmarshal(body, &chunks); err != nil || status != http.StatusOK {
		t.Fatalf("/query: %d %s %v", status, body, err)
	}
	var header struct {
		QueryID string `json:"queryId"`
		Schema  string `json:"schema"`
	}
	json.Unmarshal(chunks[0]["header"], &header)
	if header.QueryID == "" || !strings.Contains(header.Schema, "`TOTAL_PAID` INTEGER") {
		t.Errorf("header: %s", chunks[0]["header"])
	}
	rows := 0
	for _, c := range chunks[1:] {
		if c["row"] != nil {
			rows++
		}
	}
	if rows != 4 {
		t.Errorf("/query: %d rows, want 4:\n%s", rows, body)
	}

	// A push query through /query-stream, from the earliest offset, ends
	// at its LIMIT.
	status, body = ts.postJSON("/query-stream", map[string]any{
		"sql":        "SELECT user_id, total_paid FROM paid_transactions_stream EMIT CHANGES LIMIT 3;",
		"properties": map[string]any{"auto.offset.reset": "earliest"},
	})
	lines := strings.Split(strings.TrimSpace(string(body)), "\n")
	if status != http.StatusOK || len(lines) != 4 || !strings.Contains(lines[0], `"columnNames":["USER_ID","TOTAL_PAID"]`) ||
		!strings.Contains(lines[0], `"columnTypes":["STRING","INTEGER"]`) || !strings.HasPrefix(lines[1], `["`) {
		t.Errorf("/query-stream: %d\n%s", status, body)
	}

	// Restart: both queries come back under their ids and go on from their
	// checkpoints.
	ts.stop()
	ts2 := startServer(t, dir, addr)
	var ids []string
	for _, j := range ts2.jobs() {
		if j.Status != "RUNNING" {
			t.Errorf("job %s is %s after the restart", j.ID, j.Status)
		}
		ids = append(ids, j.ID)
	}
	sort.Strings(ids)
	sort.Strings(queryIDs)
	if strings.Join(ids, ",") != strings.Join(queryIDs, ",") {
		t.Fatalf("queries after the restart: %v, want %v", ids, queryIDs)
	}
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 6000, 1000, start.Add(3*time.Hour), 3); err != nil {
		t.Fatal(err)
	}
	ts2.sync(false)
	ts2.sync(false)
	checkKSQLWindows(t, addr, 6)

	// TERMINATE, then restart: the stream stays, its query does not come
	// back; then it can be dropped.
	status, entities, body = ts2.postKSQL("TERMINATE "+queryIDs[0]+";", nil)
	if status != http.StatusOK || len(entities) != 1 || entities[0]["@type"] != "currentStatus" {
		t.Fatalf("TERMINATE: %d %s", status, body)
	}
	ts2.stop()
	ts3 := startServer(t, dir, addr)
	if jobs := ts3.jobs(); len(jobs) != 1 || jobs[0].ID != queryIDs[1] {
		t.Errorf("jobs after TERMINATE and a restart: %+v", jobs)
	}
	status, entities, body = ts3.postKSQL("SHOW STREAMS;", nil)
	if status != http.StatusOK || len(entities[0]["streams"].([]any)) != 2 {
		t.Errorf("streams after TERMINATE and a restart: %s", body)
	}
}
