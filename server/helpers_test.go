package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/topicread"
)

// Every test reaches the embedded broker over TCP and the server over
// HTTP on a loopback port; nothing is mocked.

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func startBroker(t *testing.T) string {
	t.Helper()
	b, err := kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 3})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b.Addr()
}

// testServer is a server listening on a loopback port.
type testServer struct {
	t    *testing.T
	srv  *Server
	url  string
	done chan error
}

func startServer(t *testing.T, dir, bootstrap string) *testServer {
	t.Helper()
	return startServerConfig(t, Config{Bootstrap: bootstrap, DataDir: dir, Log: testLogger(t), Out: io.Discard, KafkaClusterID: "tumble"})
}

// startServerConfig serves a server made with cfg on a loopback port
// until the test ends.
func startServerConfig(t *testing.T, cfg Config) *testServer {
	t.Helper()
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{t: t, srv: srv, url: "http://" + ln.Addr().String(), done: make(chan error, 1)}
	go func() { ts.done <- srv.Serve(ln) }()
	t.Cleanup(ts.stop)
	return ts
}

// stop closes the server as SIGTERM does. Safe to call twice.
func (ts *testServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := ts.srv.Close(ctx); err != nil {
		ts.t.Errorf("close: %v", err)
	}
	select {
	case err := <-ts.done:
		if err != nil {
			ts.t.Errorf("serve: %v", err)
		}
		ts.done <- nil
	case <-time.After(time.Minute):
		ts.t.Error("Serve did not return after Close")
	}
}

// do sends a request and returns the status and the body.
func (ts *testServer) do(method, path, contentType string, body []byte) (int, []byte) {
	ts.t.Helper()
	req, err := http.NewRequest(method, ts.url+path, bytes.NewReader(body))
	if err != nil {
		ts.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ts.t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (ts *testServer) postJSON(path string, v any) (int, []byte) {
	ts.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		ts.t.Fatal(err)
	}
	return ts.do(http.MethodPost, path, "application/json", b)
}

func (ts *testServer) getJSON(path string, v any) int {
	ts.t.Helper()
	status, body := ts.do(http.MethodGet, path, "", nil)
	if err := json.Unmarshal(body, v); err != nil {
		ts.t.Fatalf("GET %s: %v in %s", path, err, body)
	}
	return status
}

// statements posts to /v1/statements and fails the test unless all ran.
func (ts *testServer) statements(dialect, text string) []StatementResult {
	ts.t.Helper()
	status, body := ts.postJSON("/v1/statements", StatementRequest{Statement: text, Dialect: dialect})
	var resp StatementsResponse
	if err := json.Unmarshal(body, &resp); err != nil {
		ts.t.Fatalf("bad answer %s: %v", body, err)
	}
	if status != http.StatusOK || resp.Error != nil {
		ts.t.Fatalf("statements failed (%d): %s", status, body)
	}
	return resp.Results
}

func (ts *testServer) jobs() []JobStatus {
	ts.t.Helper()
	var out []JobStatus
	if st := ts.getJSON("/v1/jobs", &out); st != http.StatusOK {
		ts.t.Fatalf("GET /v1/jobs: %d", st)
	}
	return out
}

// sync waits until every running job has caught up with its input.
func (ts *testServer) sync(end bool) {
	ts.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := ts.srv.Jobs().SyncAll(ctx, end); err != nil {
		ts.t.Fatal(err)
	}
}

// seedFlink returns queries/flink with the broker's address.
func seedFlink(t *testing.T, addr string) string {
	t.Helper()
	return seedFiles(t, "../queries/flink/*.sql", addr, "\n;\n")
}

func seedFiles(t *testing.T, glob, addr, sep string) string {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) != 3 {
		t.Fatalf("%s: %v %v", glob, files, err)
	}
	var sb strings.Builder
	for _, f := range files {
		sb.WriteString(readSeed(t, f, addr))
		sb.WriteString(sep)
	}
	return sb.String()
}

func readSeed(t *testing.T, path, addr string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "localhost:9092", addr)
}

// txn is one seed record.
type txn struct {
	EventTimestamp string `json:"event_timestamp"`
	TransactionID  int64  `json:"transaction_id"`
	UserID         string `json:"user_id"`
	TotalPaid      int64  `json:"total_paid"`
	Status         string `json:"status"`
}

// window is one row of transactions_aggregate_flink.
type window struct {
	Start string `json:"window_start"`
	End   string `json:"window_end"`
	Total int64  `json:"total_paid"`
	Count int64  `json:"total_transactions"`
	Avg   int64  `json:"average_transaction_value"`
}

// readTopic calls fn for each record of topic from its start to the end
// offsets it has when called, transaction markers left out.
func readTopic(t *testing.T, addr, topic string, fn func(r *kgo.Record)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	recs, err := topicread.Read(ctx, addr, topic, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		fn(r)
	}
}

func readJSON[T any](t *testing.T, addr, topic string) []T {
	t.Helper()
	var out []T
	readTopic(t, addr, topic, func(r *kgo.Record) {
		var v T
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatalf("bad record %s: %v", r.Value, err)
		}
		out = append(out, v)
	})
	return out
}

// expectedWindows sums the Paid records into 3-second windows by hand.
func expectedWindows(t *testing.T, txns []txn) map[string]window {
	t.Helper()
	out := map[string]window{}
	for _, x := range txns {
		if x.Status != "Paid" {
			continue
		}
		us, err := types.ParseTimestamp(x.EventTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		size := int64(3 * types.MicrosPerSecond)
		start := us - ((us%size)+size)%size
		key := types.FormatTimestamp(start, 0, ' ')
		w := out[key]
		w.Start, w.End = key, types.FormatTimestamp(start+size, 0, ' ')
		if x.TotalPaid != int64(datagen.Amount(int(x.UserID[0]-'0'))) {
			t.Fatalf("user %s paid %d", x.UserID, x.TotalPaid)
		}
		w.Total += x.TotalPaid
		w.Count++
		out[key] = w
	}
	for k, w := range out {
		w.Avg = w.Total / w.Count
		out[k] = w
	}
	return out
}

// produceSeedRecords writes hand-made seed records (Paid, every user) at
// the given wall-clock times, keyed by user as the producer does.
func produceSeedRecords(t *testing.T, addr string, at []time.Time) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.StickyKeyPartitioner(nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	id := 1
	for _, tm := range at {
		for d, u := range datagen.Users {
			v := fmt.Sprintf(`{"event_timestamp": "%s", "user_id": "%s", "transaction_id": %d, "total_paid": %d, "status": "Paid"}`,
				tm.Format("2006-01-02 15:04:05.000"), u, id, datagen.Amount(d))
			id++
			if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "transactions", Key: []byte(u), Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// readNDJSON reads newline-delimited JSON values from r, calling fn for
// each until it returns false or the stream ends.
func readNDJSON(t *testing.T, r io.Reader, fn func(line []byte) bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16<<20)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if !fn(sc.Bytes()) {
			return
		}
	}
}
