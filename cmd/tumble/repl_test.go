package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"regexp"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// syncBuffer is an io.Writer that jobs (the print connector) and the REPL
// may write to at the same time.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newTestExecutor returns an embedded executor over a fresh runtime whose
// jobs stop at the end of the test.
func newTestExecutor(t *testing.T, d sql.Dialect, bootstrap string, out io.Writer) *embeddedExecutor {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rt := newRuntime(ctx, bootstrap, "", out, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() {
		rt.jobs.StopAll()
		cancel()
	})
	return newEmbeddedExecutor(rt, d)
}

// runInput feeds input to a REPL over exec, as if typed at the prompt,
// and returns what it printed.
func runInput(t *testing.T, exec executor, input string) (string, error) {
	t.Helper()
	out := &syncBuffer{}
	in := testReader(t, input)
	r := newREPL(exec, in, out, sql.Flink)
	err := r.run(context.Background())
	in.Close()
	return out.String(), err
}

// testReader returns a streamReader of input, closed at the end of the
// test.
func testReader(t *testing.T, input string) *streamReader {
	in := newStreamReader(strings.NewReader(input))
	t.Cleanup(in.Close)
	return in
}

// checkNoReaders fails if a streamReader goroutine is still running after
// its loop ended and the reader was closed.
func checkNoReaders(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 100 {
		if !strings.Contains(string(buf[:goruntime.Stack(buf, true)]), "newStreamReader.func1") {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Error("a streamReader goroutine is still running")
}

const kafkaTable = `CREATE TABLE %s (
  user_id STRING,
  total_paid INT,
  status STRING
) WITH ('connector' = 'kafka', 'topic' = 't', 'format' = 'json');
`

func table(name string) string { return strings.Replace(kafkaTable, "%s", name, 1) }

// recorder is an executor that records the statements it is given.
type recorder struct {
	texts []string
	fail  map[string]error // statement text -> error to return
}

func (r *recorder) Execute(_ context.Context, text string) ([]*planner.Result, error) {
	r.texts = append(r.texts, text)
	if err := r.fail[strings.TrimSpace(text)]; err != nil {
		return nil, err
	}
	if w := strings.ToLower(strings.TrimSpace(text)); w == "quit" || w == "exit" {
		return []*planner.Result{{Kind: planner.ResultQuit}}, nil
	}
	return []*planner.Result{{Kind: planner.ResultOK, Message: "Execute statement succeeded."}}, nil
}

func (r *recorder) Names() []string { return nil }

func (r *recorder) statements() []string {
	var out []string
	for _, t := range r.texts {
		out = append(out, strings.TrimSpace(t))
	}
	return out
}

func TestMultiLineStatementNeedsSemicolon(t *testing.T) {
	rec := &recorder{}
	out, err := runInput(t, rec, "SHOW\n  TABLES\n\n-- still the same statement\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.texts) != 0 || strings.Contains(out, "[INFO]") {
		t.Fatalf("a statement without ';' ran: %q\n%s", rec.texts, out)
	}
	out, err = runInput(t, rec, "SHOW\n  TABLES\n;\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"SHOW\n  TABLES"}; !slices.Equal(rec.statements(), want) {
		t.Fatalf("ran %q, want %q", rec.statements(), want)
	}
	if !strings.Contains(out, "[INFO] Execute statement succeeded.") {
		t.Fatalf("output:\n%s", out)
	}

	// The same with the real session.
	exec := newTestExecutor(t, sql.Flink, "", io.Discard)
	out, err = runInput(t, exec, strings.TrimSuffix(table("orders"), ";\n")+"\n")
	if err != nil || out != "" {
		t.Fatalf("unterminated CREATE TABLE printed %q (err %v)", out, err)
	}
	if names := exec.Names(); len(names) != 0 {
		t.Fatalf("unterminated CREATE TABLE created %v", names)
	}
	out, _ = runInput(t, exec, table("orders"))
	if !strings.Contains(out, "[INFO] Execute statement succeeded.") || !slices.Equal(exec.Names(), []string{"orders"}) {
		t.Fatalf("CREATE TABLE: %v\n%s", exec.Names(), out)
	}
}

// paste is three files pasted at once, as cat would join them: blank
// lines, comments, a ';' inside a string and a comment, and a statement
// that starts on the line where the previous one ends.
const paste = `-- 1_table.sql
CREATE TABLE a (x STRING) WITH ('connector' = 'kafka', 'topic' = 'a;b', 'format' = 'json');


/* the sink; with a semicolon in a comment */
CREATE TABLE b (x STRING)
  WITH ('connector' = 'kafka', 'topic' = 'b', 'format' = 'json'
  );INSERT INTO b
SELECT x -- a comment; with a semicolon
FROM a;
SHOW TABLES;`

func TestPasteRunsStatementsInOrder(t *testing.T) {
	rec := &recorder{}
	if _, err := runInput(t, rec, paste+"\n"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"CREATE TABLE a (x STRING) WITH ('connector' = 'kafka', 'topic' = 'a;b', 'format' = 'json')",
		"CREATE TABLE b (x STRING)\n  WITH ('connector' = 'kafka', 'topic' = 'b', 'format' = 'json'\n  )",
		"INSERT INTO b\nSELECT x -- a comment; with a semicolon\nFROM a",
		"SHOW TABLES",
	}
	if got := rec.statements(); !slices.Equal(got, want) {
		t.Fatalf("ran\n%q\nwant\n%q", got, want)
	}

	// With the real session (no broker needed to create tables).
	exec := newTestExecutor(t, sql.Flink, "", io.Discard)
	out, err := runInput(t, exec, table("t1")+"\n"+table("t2")+"-- done\n"+table("t3")+"SHOW TABLES;\n")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, "[INFO] Execute statement succeeded."); n != 3 {
		t.Fatalf("%d statements succeeded, want 3:\n%s", n, out)
	}
	for _, name := range []string{" t1 |", " t2 |", " t3 |", "3 rows in set"} {
		if !strings.Contains(out, name) {
			t.Errorf("SHOW TABLES lacks %q:\n%s", name, out)
		}
	}
}

func TestErrorsNameLineAndColumnAndTheLoopGoesOn(t *testing.T) {
	exec := newTestExecutor(t, sql.Flink, "", io.Discard)
	errAt := func(line, col int) *regexp.Regexp {
		return regexp.MustCompile(`(?s)\[ERROR\] Could not execute SQL statement\. Reason:\n[^\n]*line ` +
			strconv.Itoa(line) + `, column ` + strconv.Itoa(col) + `\b`)
	}
	// At the prompt, positions count from the statement's first line.
	out, err := runInput(t, exec, table("ok")+"\nSELECT x FROM missing;\nSHOW TABLES;\n")
	if err != nil {
		t.Fatalf("run returned %v", err)
	}
	if !errAt(1, 15).MatchString(out) {
		t.Fatalf("no [ERROR] at line 1, column 15:\n%s", out)
	}
	if !strings.Contains(out, " ok |") {
		t.Fatalf("SHOW TABLES after the error did not run:\n%s", out)
	}
	// A statement that starts after a ';' keeps its column.
	out, _ = runInput(t, exec, "SHOW TABLES; SELECT x\nFROM missing;\n")
	if !errAt(2, 6).MatchString(out) {
		t.Fatalf("no [ERROR] at line 2, column 6:\n%s", out)
	}
	// A parse error, and the loop goes on.
	out, _ = runInput(t, exec, "SELEC 1;\nSHOW TABLES;\n")
	if !errAt(1, 1).MatchString(out) || !strings.Contains(out, " ok |") {
		t.Fatalf("parse error:\n%s", out)
	}

	// In a script, positions count from the start of the input.
	var buf syncBuffer
	r := newREPL(exec, testReader(t, table("ok2")+"\nSELECT x FROM missing;\n"), &buf, sql.Flink)
	r.script = true
	if err := r.run(context.Background()); !errors.Is(err, errStopped) {
		t.Fatalf("script run returned %v", err)
	}
	lineOfSelect := strings.Count(table("ok2"), "\n") + 2
	if !errAt(lineOfSelect, 15).MatchString(buf.String()) {
		t.Fatalf("no [ERROR] at line %d, column 15:\n%s", lineOfSelect, buf.String())
	}
}

func TestSetResetShowDescribeHelp(t *testing.T) {
	exec := newTestExecutor(t, sql.Flink, "", io.Discard)
	steps := []struct {
		in   string
		want []string
	}{
		{"SET 'table.local-time-zone' = 'UTC';", []string{"[INFO] Execute statement succeeded."}},
		{"SET 'pipeline.name' = 'my job';", []string{"[INFO] Execute statement succeeded."}},
		{"SET;", []string{"| key | value | default |", "| table.local-time-zone | UTC | default |", "| pipeline.name | my job | (none) |"}},
		{"RESET 'pipeline.name';", []string{"[INFO] Execute statement succeeded."}},
		{"SET;", []string{"| table.local-time-zone | UTC |", "| pipeline.name | (none) |"}},
		{"RESET;", []string{"[INFO] Execute statement succeeded."}},
		{"SET;", []string{"| table.local-time-zone | default | default |"}},
		{"SHOW TABLES;", []string{"Empty set"}},
		{table("orders"), []string{"[INFO] Execute statement succeeded."}},
		{"SHOW TABLES;", []string{"| table name |", " orders |", "1 row in set"}},
		{"DESCRIBE orders;", []string{" name |", " type |", " user_id |", " total_paid |", " INT |", " status |", "3 rows in set"}},
		{"HELP;", []string{"The following commands are available:", "SHOW TABLES", "Hint: Make sure that a statement ends with \";\""}},
		{"SHOW JOBS;", []string{"Empty set"}},
	}
	for _, s := range steps {
		out, err := runInput(t, exec, s.in+"\n")
		if err != nil {
			t.Fatalf("%s: %v", s.in, err)
		}
		// Spaces collapsed: table columns are as wide as their contents.
		flat := strings.Join(strings.Fields(out), " ")
		for _, w := range s.want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: output lacks %q:\n%s", s.in, w, out)
			}
		}
		if strings.Contains(out, "[ERROR]") {
			t.Errorf("%s: %s", s.in, out)
		}
	}
	// The completer sees the new table.
	if _, cands := newCompleter(sql.Flink, exec.Names).complete([]rune("SELECT * FROM or"), 16); !slices.Contains(cands, "orders") {
		t.Errorf("completion of 'or' lacks orders: %q", cands)
	}
}

func TestQuitEndsTheLoop(t *testing.T) {
	for _, in := range []string{"SHOW TABLES; QUIT; SHOW JOBS;\n", "SHOW TABLES;\nquit\nSHOW JOBS;\n", "SHOW TABLES;\nEXIT;\nSHOW JOBS;\n"} {
		rec := &recorder{}
		_, err := runInput(t, rec, in)
		if !errors.Is(err, errQuit) {
			t.Errorf("%q: run returned %v, want errQuit", in, err)
		}
		if got := rec.statements(); slices.Contains(got, "SHOW JOBS") {
			t.Errorf("%q: statements after QUIT ran: %q", in, got)
		}
	}
	// With the real session, the planner answers QUIT.
	exec := newTestExecutor(t, sql.Flink, "", io.Discard)
	if _, err := runInput(t, exec, "QUIT;\n"); !errors.Is(err, errQuit) {
		t.Errorf("QUIT; returned %v", err)
	}
	checkNoReaders(t)
}

// scripted is a lineReader that returns fixed lines and errors.
type scripted struct {
	steps   []any // string or error
	history []string
}

func (s *scripted) ReadLine(context.Context, string) (string, error) {
	if len(s.steps) == 0 {
		return "", io.EOF
	}
	st := s.steps[0]
	s.steps = s.steps[1:]
	if err, ok := st.(error); ok {
		return "", err
	}
	return st.(string), nil
}

func (s *scripted) AddHistory(e string) { s.history = append(s.history, e) }

func TestCtrlCClearsTheInput(t *testing.T) {
	rec := &recorder{}
	in := &scripted{steps: []any{"CREATE TABLE x (", "  a INT", errInterrupt, "SHOW TABLES;", "SHOW", errInterrupt, "SHOW JOBS;"}}
	r := newREPL(rec, in, io.Discard, sql.Flink)
	if err := r.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.statements(), []string{"SHOW TABLES", "SHOW JOBS"}; !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
	if want := []string{"SHOW TABLES;", "SHOW JOBS;"}; !slices.Equal(in.history, want) {
		t.Fatalf("history %q, want %q", in.history, want)
	}
}

// streamer is an executor whose SELECT streams rows until cancelled.
type streamer struct {
	recorder
	sent      chan struct{}
	cancelled chan struct{}
}

func (s *streamer) Execute(ctx context.Context, text string) ([]*planner.Result, error) {
	if !strings.HasPrefix(strings.TrimSpace(text), "SELECT") {
		return s.recorder.Execute(ctx, text)
	}
	rows := make(chan engine.Rec, 1)
	rows <- engine.Rec{Row: types.Row{types.IntV(42)}, Kind: engine.Insert}
	close(s.sent)
	var once sync.Once
	st := &planner.Stream{
		Columns: []planner.Field{{Name: "x", Type: types.TInt}},
		Rows:    rows,
		Cancel:  func() { once.Do(func() { close(s.cancelled) }) },
	}
	return []*planner.Result{{Kind: planner.ResultRows, Stream: st}}, nil
}

func TestCtrlCCancelsARunningQuery(t *testing.T) {
	ex := &streamer{sent: make(chan struct{}), cancelled: make(chan struct{})}
	out := &syncBuffer{}
	pr, pw := io.Pipe()
	r := newREPL(ex, newStreamReader(pr), out, sql.Flink)
	sigint := make(chan os.Signal, 1)
	r.interrupts = sigint
	done := make(chan error, 1)
	go func() { done <- r.run(context.Background()) }()

	io.WriteString(pw, "SELECT x FROM t;\n")
	<-ex.sent
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "| +I |") {
		if time.Now().After(deadline) {
			t.Fatalf("no row printed:\n%s", out.String())
		}
		time.Sleep(time.Millisecond)
	}
	sigint <- os.Interrupt
	select {
	case <-ex.cancelled:
	case <-time.After(30 * time.Second):
		t.Fatalf("Ctrl-C did not cancel the query:\n%s", out.String())
	}
	io.WriteString(pw, "SHOW TABLES;\n")
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "Received a total of 1 rows (query cancelled)") {
		t.Errorf("no cancellation line:\n%s", got)
	}
	if !slices.Equal(ex.statements(), []string{"SHOW TABLES"}) {
		t.Errorf("the loop did not go on after the query: %q", ex.statements())
	}
}

func TestCompletion(t *testing.T) {
	c := newCompleter(sql.Flink, func() []string { return []string{"transactions_table", "Orders", "transactions_paid_agg_table"} })
	tests := []struct {
		line string
		word string
		want []string // must be among the candidates
		not  []string // must not be
	}{
		{"SEL", "SEL", []string{"SELECT"}, []string{"select"}},
		{"sel", "sel", []string{"select"}, []string{"SELECT"}},
		{"SELECT * FROM tra", "tra", []string{"transactions_table", "transactions_paid_agg_table"}, nil},
		{"SELECT * FROM ord", "ord", []string{"Orders", "order by"}, nil},
		{"SELECT * FROM ", "", []string{"Orders", "transactions_table"}, []string{"SELECT"}},
		{"SELECT ", "", nil, []string{"SELECT", "Orders"}},
		{"GROUP B", "B", []string{"BY", "BIGINT"}, nil},
		{"gro", "gro", []string{"group by"}, nil},
		{"INS", "INS", []string{"INSERT INTO"}, nil},
		{"FROM TABLE(TUM", "TUM", []string{"TUMBLE"}, nil},
		{"DESCRIPTOR(x), INTERVAL '3' SEC", "SEC", []string{"SECOND", "SECONDS"}, nil},
		{"WATER", "WATER", []string{"WATERMARK FOR"}, nil},
		{"SHOW TAB", "TAB", []string{"TABLES"}, []string{"SHOW TABLES"}},
		{"SHOW ", "", []string{"TABLES", "JOBS", "FUNCTIONS"}, []string{"SELECT"}},
		{"insert ", "", []string{"into"}, nil},
		{"BEGIN STATEMENT ", "", []string{"SET"}, nil},
		{"STOP J", "J", []string{"JOB"}, nil},
		{"SHOW", "SHOW", []string{"SHOW", "SHOW TABLES", "SHOW JOBS"}, nil},
		{"STO", "STO", []string{"STOP JOB"}, nil},
		{"SELECT UPP", "UPP", []string{"UPPER"}, nil},
		{"SELECT co", "co", []string{"count", "concat"}, nil},
		{"WITH ('conn", "conn", []string{"connector"}, nil},
		{"WITH ('properties.boot", "properties.boot", []string{"properties.bootstrap.servers"}, nil},
		{"EMIT CH", "CH", nil, []string{"CHANGES"}}, // Flink dialect
	}
	for _, tt := range tests {
		word, cands := c.complete([]rune(tt.line), len([]rune(tt.line)))
		if word != tt.word {
			t.Errorf("%q: word %q, want %q", tt.line, word, tt.word)
		}
		for _, w := range tt.want {
			if !slices.Contains(cands, w) {
				t.Errorf("%q: candidates %q lack %q", tt.line, cands, w)
			}
		}
		for _, w := range tt.not {
			if slices.Contains(cands, w) {
				t.Errorf("%q: candidates %q hold %q", tt.line, cands, w)
			}
		}
	}

	k := newCompleter(sql.KSQL, func() []string { return []string{"TRANSACTIONS_STREAM"} })
	for line, want := range map[string]string{"EMIT CH": "CHANGES", "WINDOW TUMB": "TUMBLING", "CREATE ST": "STREAM", "FROM TRANS": "TRANSACTIONS_STREAM", "SELECT WINDOWS": "WINDOWSTART"} {
		if _, cands := k.complete([]rune(line), len(line)); !slices.Contains(cands, want) {
			t.Errorf("ksql %q: candidates %q lack %q", line, cands, want)
		}
	}

	// readline gets the rest of each candidate and the typed length; the
	// cursor may be in the middle of the line.
	line := []rune("SELECT * FROM transactions_t WHERE")
	got, n := c.Do(line, len("SELECT * FROM transactions_t"))
	if n != len("transactions_t") || len(got) != 1 || string(got[0]) != "able" {
		t.Errorf("Do: %q, %d", got, n)
	}
}

func TestScriptModeStopsAtTheFirstErrorAndRunsTheLastStatement(t *testing.T) {
	rec := &recorder{fail: map[string]error{"SHOW FOO": sql.Errorf(sql.Pos{Line: 2, Col: 1}, "bad")}}
	out := &syncBuffer{}
	r := newREPL(rec, testReader(t, "SHOW TABLES;\nSHOW\n  JOBS"), out, sql.Flink)
	r.script = true
	if err := r.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := rec.statements(), []string{"SHOW TABLES", "SHOW\n  JOBS"}; !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
	if want := "Flink SQL> SHOW TABLES;\n[INFO] Execute statement succeeded.\n\nFlink SQL> SHOW\n>   JOBS;\n"; !strings.HasPrefix(out.String(), want) {
		t.Fatalf("echo:\n%s\nwant prefix\n%s", out.String(), want)
	}
	// Positions: the unfinished last statement keeps its line.
	if !strings.HasPrefix(rec.texts[1], "\nSHOW") {
		t.Errorf("last statement not positioned: %q", rec.texts[1])
	}

	rec = &recorder{fail: map[string]error{"SHOW FOO": sql.Errorf(sql.Pos{Line: 2, Col: 1}, "bad")}}
	r = newREPL(rec, testReader(t, "SHOW TABLES;\nSHOW FOO;\nSHOW JOBS;\n"), io.Discard, sql.Flink)
	r.script = true
	if err := r.run(context.Background()); !errors.Is(err, errStopped) {
		t.Fatalf("run returned %v, want errStopped", err)
	}
	if got, want := rec.statements(), []string{"SHOW TABLES", "SHOW FOO"}; !slices.Equal(got, want) {
		t.Fatalf("ran %q, want %q", got, want)
	}
}

func TestBatchFromStdin(t *testing.T) {
	var out, errOut syncBuffer
	cfg := sqlConfig{dialect: sql.Flink, logLevel: "error"}
	in := table("a") + "SHOW TABLES;\nDESCRIBE a"
	if err := cfg.batch(context.Background(), strings.NewReader(in), &out, &errOut); err != nil {
		t.Fatalf("batch: %v\n%s", err, out.String())
	}
	for _, w := range []string{"Flink SQL> CREATE TABLE a (", "[INFO] Execute statement succeeded.", " a |", "Flink SQL> DESCRIBE a;", " user_id |"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output lacks %q:\n%s", w, out.String())
		}
	}
	out = syncBuffer{}
	err := cfg.batch(context.Background(), strings.NewReader("SHOW TABLES;\nSELECT * FROM nope;\nSHOW JOBS;\n"), &out, &errOut)
	if err == nil || strings.Contains(out.String(), "SHOW JOBS") {
		t.Fatalf("batch went on after an error (err %v):\n%s", err, out.String())
	}
}

func TestExecFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/1.sql"
	if err := os.WriteFile(path, []byte("-- header\n\nSHOW TABLES;\n  SHOW JOBS"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	r := newREPL(rec, &scripted{}, io.Discard, sql.Flink)
	if err := r.execFile(context.Background(), path); err != nil {
		t.Fatal(err)
	}
	if r.script {
		t.Error("execFile left script mode on")
	}
	if want := []string{"\n\nSHOW TABLES", "\n\n\n  SHOW JOBS"}; !slices.Equal(rec.texts, want) {
		t.Fatalf("ran %q, want %q", rec.texts, want)
	}
}

func TestPositioned(t *testing.T) {
	text := "SHOW TABLES; SHOW\n  JOBS;\n\n   DESCRIBE x;"
	stmts, rest := sql.Split(text)
	if rest != "" || len(stmts) != 3 {
		t.Fatalf("Split: %v %q", stmts, rest)
	}
	want := []string{"SHOW TABLES", "             SHOW\n  JOBS", "\n\n\n   DESCRIBE x"}
	for i, st := range stmts {
		if got := positioned(st); got != want[i] {
			t.Errorf("positioned(%q) = %q, want %q", st.Text, got, want[i])
		}
	}
	if got := lastStatement("SELECT 1;\n\n  SELECT\n 2  \n", len("SELECT 1;")); got.Text != "SELECT\n 2" || got.Start.Line != 3 || got.Start.Col != 3 {
		t.Errorf("lastStatement: %+v", got)
	}
}

func TestHistoryEntries(t *testing.T) {
	tests := []struct {
		lines []string
		want  []string
	}{
		{[]string{"SHOW TABLES;"}, []string{"SHOW TABLES;"}},
		{[]string{"SELECT a,", "  b", "", "FROM t;"}, []string{"SELECT a, b FROM t;"}},
		{[]string{"SELECT a -- the key", "FROM t;"}, []string{"SELECT a -- the key", "FROM t;"}},
		{[]string{"SELECT a /* c */", "", "FROM t;"}, []string{"SELECT a /* c */ FROM t;"}},
		{[]string{"SELECT 'a", "  b' FROM t;"}, []string{"SELECT 'a", "  b' FROM t;"}},
		{[]string{"SELECT 'it''s'", "FROM t;"}, []string{"SELECT 'it''s' FROM t;"}},
	}
	for _, tt := range tests {
		if got := historyEntries(tt.lines); !slices.Equal(got, tt.want) {
			t.Errorf("historyEntries(%q) = %q, want %q", tt.lines, got, tt.want)
		}
	}
}

func TestInsertJobShowJobsStopJob(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	exec := newTestExecutor(t, sql.Flink, b.Addr(), io.Discard)
	in := `CREATE TABLE src (user_id STRING, total_paid INT)
  WITH ('connector' = 'kafka', 'topic' = 'src', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TABLE dst (user_id STRING, total_paid INT)
  WITH ('connector' = 'kafka', 'topic' = 'dst', 'format' = 'json');
INSERT INTO dst
SELECT user_id, total_paid FROM src WHERE total_paid > 10;
`
	out, err := runInput(t, exec, in)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Job ID: ([0-9a-f]{32})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id:\n%s", out)
	}
	id := m[1]

	// The job runs on after the input that started it has ended.
	out, _ = runInput(t, exec, "SHOW JOBS;\n")
	if !strings.Contains(out, id) || !strings.Contains(out, "RUNNING") || !strings.Contains(out, "insert-into_default_catalog.default_database.dst") {
		t.Fatalf("SHOW JOBS:\n%s", out)
	}
	out, _ = runInput(t, exec, "STOP JOB '"+id+"';\nSHOW JOBS;\n")
	if !strings.Contains(out, "[INFO] Execute statement succeeded.") || strings.Contains(out, "RUNNING") || strings.Contains(out, "[ERROR]") {
		t.Fatalf("STOP JOB:\n%s", out)
	}
	out, _ = runInput(t, exec, "STOP JOB 'ffffffffffffffffffffffffffffffff';\n")
	if !strings.Contains(out, "[ERROR]") || !strings.Contains(out, "no such job") {
		t.Fatalf("STOP JOB of an unknown id:\n%s", out)
	}

	// A SELECT streams until Ctrl-C; then the loop goes on.
	var buf syncBuffer
	pr, pw := io.Pipe()
	r := newREPL(exec, newStreamReader(pr), &buf, sql.Flink)
	sigint := make(chan os.Signal, 1)
	r.interrupts = sigint
	done := make(chan error, 1)
	go func() { done <- r.run(ctx) }()
	io.WriteString(pw, "SELECT user_id, total_paid\nFROM src;\n")
	for !strings.Contains(buf.String(), "| op |") {
		if ctx.Err() != nil {
			t.Fatalf("no header:\n%s", buf.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	sigint <- os.Interrupt
	io.WriteString(pw, "SHOW TABLES;\n")
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); !strings.Contains(got, "Received a total of 0 rows (query cancelled)") || !strings.Contains(got, " src |") {
		t.Fatalf("SELECT then Ctrl-C:\n%s", got)
	}
}

func TestDatagenQueryAndPrintJob(t *testing.T) {
	out := &syncBuffer{}
	exec := newTestExecutor(t, sql.Flink, "", out)
	in := `CREATE TABLE gen (id BIGINT, v INT) WITH (
  'connector' = 'datagen', 'number-of-rows' = '5',
  'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5');
-- a bounded query prints its rows and ends by itself
SELECT id FROM gen;
CREATE TABLE sink (id BIGINT) WITH ('connector' = 'print');
INSERT INTO sink SELECT id FROM gen WHERE id > 3;
SHOW TABLES;
`
	r := newREPL(exec, testReader(t, in), out, sql.Flink)
	if err := r.run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, w := range []string{"| op |                   id |", "| +I |                    5 |", "Received a total of 5 rows", "Job ID: ", " sink |"} {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
	// The INSERT job runs in the background and prints to the same writer.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "+I[5]") {
		if time.Now().After(deadline) {
			t.Fatalf("the print job wrote nothing:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
