package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/server"
	"github.com/tumble/tumble/sql"
)

// startTestServer runs a tumble server on a loopback port for the test
// and returns its URL.
func startTestServer(t *testing.T, bootstrap string) (string, *server.Server) {
	t.Helper()
	srv, err := server.New(context.Background(), server.Config{
		Bootstrap: bootstrap, DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard,
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Close(ctx)
		<-done
	})
	return "http://" + ln.Addr().String(), srv
}

const genTable = `CREATE TABLE gen (id BIGINT, v INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '5',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5');
`

// TestRemoteREPL drives the REPL against a server: DDL, a bounded SELECT
// whose rows stream back, errors with the user's line and column, SET kept
// by the client, and a job that outlives the client.
func TestRemoteREPL(t *testing.T) {
	url, srv := startTestServer(t, "")
	exec := newRemoteExecutor(url, sql.Flink, nil)
	in := genTable + `SELECT id FROM gen;
SHOW TABLES; SELECT x
FROM missing;
SET 'pipeline.name' = 'remote-job';
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT id FROM gen;
EXPLAIN SELECT id FROM gen WHERE id > 2;
`
	out, err := runInput(t, exec, in)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"[INFO] Execute statement succeeded.", "| op |                   id |", "| +I |                    5 |",
		"Received a total of 5 rows", " gen |", "Job ID: ", "== Physical Plan =="} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	if !regexp.MustCompile(`\[ERROR\] Could not execute SQL statement\. Reason:\nSQL error at line 2, column 6 near "missing"`).MatchString(out) {
		t.Errorf("the error does not name line 2, column 6:\n%s", out)
	}
	jobs := srv.Jobs().List()
	if len(jobs) != 1 || jobs[0].Name != "remote-job" {
		t.Fatalf("server jobs: %+v", jobs)
	}
	if names := exec.Names(); len(names) != 2 {
		t.Errorf("Names: %v", names)
	}
	// SET; lists what the client keeps.
	out, _ = runInput(t, exec, "SET;\nRESET 'pipeline.name';\nSET;\n")
	if flat := strings.Join(strings.Fields(out), " "); !strings.Contains(flat, "| pipeline.name | remote-job | (none) |") || !strings.Contains(flat, "| pipeline.name | (none) | (none) |") {
		t.Errorf("SET / RESET:\n%s", out)
	}
}

// TestRemoteQueryCancel: Ctrl-C ends a streaming SELECT on the server too.
func TestRemoteQueryCancel(t *testing.T) {
	url, srv := startTestServer(t, "")
	exec := newRemoteExecutor(url, sql.Flink, nil)
	if out, _ := runInput(t, exec, "CREATE TABLE endless (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '5');\n"); strings.Contains(out, "[ERROR]") {
		t.Fatal(out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var buf syncBuffer
	pr, pw := io.Pipe()
	r := newREPL(exec, newStreamReader(pr), &buf, sql.Flink)
	sigint := make(chan os.Signal, 1)
	r.interrupts = sigint
	done := make(chan error, 1)
	go func() { done <- r.run(ctx) }()
	io.WriteString(pw, "SELECT id FROM endless;\n")
	for !strings.Contains(buf.String(), "| +I |") {
		if ctx.Err() != nil {
			t.Fatalf("no rows:\n%s", buf.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	sigint <- os.Interrupt
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "(query cancelled)") {
		t.Errorf("no cancel:\n%s", buf.String())
	}
	// The server's query ends with the request.
	res, err := exec.Execute(ctx, "SELECT id FROM endless")
	if err != nil || len(res) != 1 || res[0].Stream == nil {
		t.Fatalf("SELECT: %v %+v", err, res)
	}
	id := res[0].JobID
	if _, ok := srv.Jobs().Get(id); !ok {
		t.Fatalf("the server runs no query %s", id)
	}
	<-res[0].Stream.Rows
	res[0].Stream.Cancel()
	for range res[0].Stream.Rows {
	}
	for {
		if _, ok := srv.Jobs().Get(id); !ok {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the server still runs the cancelled query")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSubmitFiles: `tumble sql --server URL -f FILE` submits a file and
// returns once every statement was accepted; a bad one fails the run.
func TestSubmitFiles(t *testing.T) {
	url, srv := startTestServer(t, "")
	dir := t.TempDir()
	good := filepath.Join(dir, "good.sql")
	os.WriteFile(good, []byte(genTable+"CREATE TABLE sink (id BIGINT) WITH ('connector' = 'blackhole');\nINSERT INTO sink SELECT id FROM gen"), 0o644)
	var out syncBuffer
	cfg := sqlConfig{dialect: sql.Flink, server: url, files: []string{good}}
	if err := cfg.submit(context.Background(), &out); err != nil {
		t.Fatalf("submit: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "Job ID: ") {
		t.Errorf("output:\n%s", out.String())
	}
	if len(srv.Jobs().List()) != 1 {
		t.Errorf("jobs: %d", len(srv.Jobs().List()))
	}
	bad := filepath.Join(dir, "bad.sql")
	os.WriteFile(bad, []byte("SHOW TABLES;\n\nSELECT nope FROM gen;\nSHOW TABLES;\n"), 0o644)
	out = syncBuffer{}
	cfg.files = []string{bad}
	err := cfg.submit(context.Background(), &out)
	if err == nil || !strings.Contains(out.String(), "line 3, column 8") {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
}

// TestSubmitKSQLFiles: with --ksql, `tumble sql --server URL -f` posts
// each file to /ksql whole, as the seed's client does.
func TestSubmitKSQLFiles(t *testing.T) {
	b, err := kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	url, srv := startTestServer(t, b.Addr())
	files, _ := filepath.Glob("../../queries/ksql/*.sql")
	var out syncBuffer
	cfg := sqlConfig{dialect: sql.KSQL, server: url, files: files}
	if err := cfg.submit(context.Background(), &out); err != nil {
		t.Fatalf("submit: %v\n%s", err, out.String())
	}
	for _, w := range []string{"[INFO] Stream created", "[INFO] Created query with ID CSAS_PAID_TRANSACTIONS_STREAM_0", "ksql> CREATE OR REPLACE TABLE windowed_transactions"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	if n := len(srv.Jobs().List()); n != 2 {
		t.Errorf("%d queries on the server, want 2", n)
	}
	// A refused statement fails the run with the server's message.
	bad := filepath.Join(t.TempDir(), "bad.sql")
	os.WriteFile(bad, []byte("CREATE STREAM s (a INT) WITH (kafka_topic='t', value_format='json');\nCREATE STREAM s (a INT) WITH (kafka_topic='t', value_format='json');\n"), 0o644)
	out = syncBuffer{}
	cfg.files = []string{bad}
	if err := cfg.submit(context.Background(), &out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
}
