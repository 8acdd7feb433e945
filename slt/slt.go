// Package slt runs sqllogictest-style golden files against Tumble on an
// embedded Kafka broker reached over TCP.
//
// A file is a sequence of blocks separated by blank lines:
//
//	statement ok
//	<sql>
//
//	statement error <substring>
//	<sql>
//
//	query <types> [rowsort]
//	<select>
//	----
//	<expected rows, values separated by one space>
//
// and one-line directives: `end-of-input` (every running job reads what is
// in its topics, then gets a final watermark that closes every window),
// `checkpoint` (every running job catches up, then takes a checkpoint, which
// commits exactly-once sinks: a filesystem sink's files become visible),
// `sleep <duration>`, `create-topic <name> <partitions>`, `dialect flink|ksql`,
// `halt`, and `#` comments. ${BOOTSTRAP} in SQL is replaced by the broker's
// address, which is also the default bootstrap of every table; ${TMPDIR} by
// a directory made for the file (and removed after it), for filesystem
// tables.
//
// Before a query runs, every running job catches up with all records
// written so far and flushes its sinks. The query then runs in batch mode:
// it reads each table's topic up to its current end.
package slt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"

	"log/slog"
)

// Runner runs files.
type Runner struct {
	// Out receives one line per failure and a summary per file.
	Out io.Writer
	// Update rewrites the expected rows of query blocks with what ran.
	Update bool
	// Timeout bounds each statement (default 60s).
	Timeout time.Duration
	Log     *slog.Logger
}

// Stats counts blocks.
type Stats struct {
	Passed, Failed int
}

type block struct {
	line     int // 1-based line of the header
	kind     string
	arg      string // error substring, query types
	sort     bool
	sql      string
	sqlLine  int
	expected []string
	// span of the expected lines in the file (for -update)
	expStart, expEnd int
}

func parseFile(lines []string) ([]*block, error) {
	var out []*block
	i := 0
	for i < len(lines) {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			i++
			continue
		}
		fields := strings.Fields(line)
		b := &block{line: i + 1, kind: fields[0]}
		switch fields[0] {
		case "statement":
			if len(fields) < 2 {
				return nil, fmt.Errorf("line %d: statement ok|error", i+1)
			}
			b.kind = "statement " + fields[1]
			b.arg = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(line, "statement")), fields[1]))
			i++
			b.sqlLine = i + 1
			var sqlLines []string
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				sqlLines = append(sqlLines, lines[i])
				i++
			}
			b.sql = strings.Join(sqlLines, "\n")
		case "query":
			if len(fields) < 2 {
				return nil, fmt.Errorf("line %d: query <types> [rowsort]", i+1)
			}
			b.arg = fields[1]
			for _, f := range fields[2:] {
				if f == "rowsort" {
					b.sort = true
				}
			}
			i++
			b.sqlLine = i + 1
			var sqlLines []string
			for i < len(lines) && strings.TrimSpace(lines[i]) != "----" && strings.TrimSpace(lines[i]) != "" {
				sqlLines = append(sqlLines, lines[i])
				i++
			}
			b.sql = strings.Join(sqlLines, "\n")
			if i < len(lines) && strings.TrimSpace(lines[i]) == "----" {
				i++
			}
			b.expStart = i
			for i < len(lines) && strings.TrimSpace(lines[i]) != "" {
				b.expected = append(b.expected, strings.TrimRight(lines[i], " \t"))
				i++
			}
			b.expEnd = i
		case "end-of-input", "checkpoint", "sleep", "create-topic", "dialect", "halt", "set":
			b.arg = strings.TrimSpace(strings.TrimPrefix(line, fields[0]))
			i++
		default:
			return nil, fmt.Errorf("line %d: unknown directive %q", i+1, fields[0])
		}
		out = append(out, b)
	}
	return out, nil
}

// Block is a block of a file as another program reads it (make peers runs
// the files on Apache Flink): Kind is "statement ok", "statement error",
// "query" or a directive; Arg the error substring, query types or the
// directive's argument; Expected the expected rows of a query.
type Block struct {
	Line     int
	Kind     string
	Arg      string
	Sort     bool
	SQL      string
	Expected []string
}

// ParseFile reads the blocks of a file.
func ParseFile(path string) ([]Block, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	bs, err := parseFile(strings.Split(string(raw), "\n"))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := make([]Block, len(bs))
	for i, b := range bs {
		out[i] = Block{Line: b.line, Kind: b.kind, Arg: b.arg, Sort: b.sort, SQL: b.sql, Expected: b.expected}
	}
	return out, nil
}

// RunFile runs one file on a fresh broker and runtime.
func (r *Runner) RunFile(ctx context.Context, path string) (Stats, error) {
	var st Stats
	raw, err := os.ReadFile(path)
	if err != nil {
		return st, err
	}
	lines := strings.Split(string(raw), "\n")
	blocks, err := parseFile(lines)
	if err != nil {
		return st, fmt.Errorf("%s: %w", path, err)
	}
	if r.Timeout == 0 {
		r.Timeout = 60 * time.Second
	}
	log := r.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	brokerCtx, stopBroker := context.WithCancel(ctx)
	defer stopBroker()
	broker, err := kafka.StartBroker(brokerCtx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Logger: log})
	if err != nil {
		return st, fmt.Errorf("start broker: %w", err)
	}
	defer broker.Close()
	addr := broker.Addr()
	tmpDir, err := os.MkdirTemp("", "tumble-slt-")
	if err != nil {
		return st, err
	}
	defer os.RemoveAll(tmpDir)

	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	cat := planner.NewCatalog()
	jobs := session.NewJobManager(jobsCtx, log)
	defer jobs.StopAll()
	newSession := func(d sql.Dialect) *session.Session {
		s := session.New(session.Config{Catalog: cat, Registry: reg, Jobs: jobs, Bootstrap: addr, Dialect: d, Log: log})
		s.Set("pipeline.auto-watermark-interval", "0")
		if planner.DialectOf(d).Rules().Client.TestsFromEarliest {
			// Queries read what the file wrote before them, as ksqlDB's
			// test driver does (ksqlDB's default is 'latest').
			s.Set("auto.offset.reset", "earliest")
		}
		return s
	}
	sessions := map[sql.Dialect]*session.Session{sql.Flink: newSession(sql.Flink)}
	dialect := sql.Flink
	session := func() *session.Session {
		if s, ok := sessions[dialect]; ok {
			return s
		}
		sessions[dialect] = newSession(dialect)
		return sessions[dialect]
	}
	fail := func(b *block, format string, args ...any) {
		st.Failed++
		fmt.Fprintf(r.Out, "FAIL %s:%d: %s\n", path, b.line, fmt.Sprintf(format, args...))
	}
	updated := false
	for _, b := range blocks {
		sqlText := strings.NewReplacer("${BOOTSTRAP}", addr, "${TMPDIR}", tmpDir).Replace(b.sql)
		bctx, cancel := context.WithTimeout(ctx, r.Timeout)
		switch b.kind {
		case "halt":
			cancel()
			goto done
		case "dialect":
			if b.arg == "ksql" {
				dialect = sql.KSQL
			} else {
				dialect = sql.Flink
			}
		case "set":
			k, v, _ := strings.Cut(b.arg, "=")
			session().Set(strings.Trim(strings.TrimSpace(k), "'"), strings.Trim(strings.TrimSpace(v), "'"))
		case "sleep":
			d, err := time.ParseDuration(b.arg)
			if err != nil {
				fail(b, "bad sleep duration %q", b.arg)
				break
			}
			time.Sleep(d)
		case "create-topic":
			var name string
			var parts int32
			if _, err := fmt.Sscanf(b.arg, "%s %d", &name, &parts); err != nil {
				fail(b, "create-topic NAME PARTITIONS: %v", err)
				break
			}
			if err := createTopic(bctx, addr, name, parts); err != nil {
				fail(b, "create topic: %v", err)
				break
			}
			st.Passed++
		case "end-of-input":
			if err := jobs.SyncAll(bctx, true); err != nil {
				fail(b, "end of input: %v", err)
				break
			}
			st.Passed++
		case "checkpoint":
			if err := checkpointAll(bctx, jobs); err != nil {
				fail(b, "checkpoint: %v", err)
				break
			}
			st.Passed++
		case "statement ok", "statement error":
			err := r.statement(bctx, session(), jobs, sqlText)
			switch {
			case b.kind == "statement ok" && err != nil:
				fail(b, "statement failed: %v", err)
			case b.kind == "statement error" && err == nil:
				fail(b, "statement succeeded, want an error containing %q", b.arg)
			case b.kind == "statement error" && b.arg != "" && !strings.Contains(err.Error(), b.arg):
				fail(b, "error %q does not contain %q", err.Error(), b.arg)
			default:
				st.Passed++
			}
		case "query":
			got, err := r.query(bctx, session(), jobs, sqlText)
			if err != nil {
				fail(b, "query failed: %v", err)
				break
			}
			if b.sort {
				sort.Strings(got)
			}
			if r.Update {
				if !equal(got, b.expected) {
					updated = true
					rest := append([]string(nil), lines[b.expEnd:]...)
					newLines := append(append(lines[:b.expStart:b.expStart], got...), rest...)
					delta := len(got) - (b.expEnd - b.expStart)
					lines = newLines
					for _, later := range blocks {
						if later.expStart > b.expStart {
							later.expStart += delta
							later.expEnd += delta
						}
					}
					b.expEnd = b.expStart + len(got)
				}
				st.Passed++
				break
			}
			if !equal(got, b.expected) {
				fail(b, "query results differ\n--- want\n%s\n--- got\n%s", strings.Join(b.expected, "\n"), strings.Join(got, "\n"))
				break
			}
			if cols := len(b.arg); len(got) > 0 && cols != len(strings.Fields(got[0])) && !strings.Contains(got[0], " ") {
				_ = cols
			}
			st.Passed++
		}
		cancel()
	}
done:
	if updated {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			return st, err
		}
	}
	return st, nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkpointAll catches every running job up with its input, then has it
// take a checkpoint.
func checkpointAll(ctx context.Context, jobs *session.JobManager) error {
	if err := jobs.SyncAll(ctx, false); err != nil {
		return err
	}
	for _, j := range jobs.List() {
		if st := j.Job.Status(); st != engine.Running && st != engine.Paused {
			continue
		}
		if err := j.Job.Checkpoint(ctx); err != nil {
			return fmt.Errorf("job %s: %w", j.ID, err)
		}
	}
	return nil
}

func createTopic(ctx context.Context, addr, name string, parts int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopic(ctx, parts, 1, nil, name)
	if err != nil {
		return err
	}
	return resp.Err
}

// statement executes SQL; INSERT ... VALUES waits until its rows are written.
func (r *Runner) statement(ctx context.Context, s *session.Session, jobs *session.JobManager, text string) error {
	stmts, err := session.Parse(text, s.Dialect)
	if err != nil {
		return err
	}
	for _, stmt := range stmts {
		if _, ok := stmt.(*sql.Query); ok {
			// A SELECT as a statement: run it over the topics and drain it.
			_, text := stmt.Span()
			if _, err := r.query(ctx, s, jobs, text); err != nil {
				return err
			}
			continue
		}
		res, err := s.Execute(ctx, stmt)
		if err != nil {
			return err
		}
		if res.Kind == planner.ResultRows {
			res.Stream.Cancel()
		}
		if ins, ok := stmt.(*sql.Insert); ok && ins.Values != nil && res.JobID != "" {
			j, ok := jobs.Get(res.JobID)
			if !ok {
				continue
			}
			select {
			case <-j.Job.Done():
				if err := j.Job.Err(); err != nil {
					// Its failure is this statement's error; the queries
					// after it no longer wait for the job.
					jobs.Remove(res.JobID)
					return err
				}
			case <-ctx.Done():
				return fmt.Errorf("INSERT ... VALUES did not finish: %w", ctx.Err())
			}
		}
	}
	return nil
}

// query catches every job up, then runs the SELECT over the topics' current
// contents and formats the rows.
func (r *Runner) query(ctx context.Context, s *session.Session, jobs *session.JobManager, text string) ([]string, error) {
	if err := jobs.SyncAll(ctx, false); err != nil {
		return nil, err
	}
	stmts, err := session.Parse(text, s.Dialect)
	if err != nil {
		return nil, err
	}
	if len(stmts) != 1 {
		return nil, fmt.Errorf("a query block holds one SELECT")
	}
	prev, had := s.Setting("execution.runtime-mode")
	s.Set("execution.runtime-mode", "batch")
	res, err := s.Execute(ctx, stmts[0])
	if had {
		s.Set("execution.runtime-mode", prev)
	} else {
		s.Set("execution.runtime-mode", "streaming")
	}
	if err != nil {
		return nil, err
	}
	if res.Kind != planner.ResultRows {
		return nil, fmt.Errorf("query block statement did not return rows")
	}
	var out []string
	defer res.Stream.Cancel()
	for {
		select {
		case rec, ok := <-res.Stream.Rows:
			if !ok {
				if err := res.Stream.Err(); err != nil {
					return nil, err
				}
				return out, nil
			}
			out = append(out, FormatRow(rec, res.Stream.Columns))
		case <-ctx.Done():
			return nil, fmt.Errorf("query did not finish: %w", ctx.Err())
		}
	}
}

// FormatRow renders a row: values separated by a space, NULL for null,
// (empty) for an empty string; retractions are prefixed with their kind.
func FormatRow(rec engine.Rec, cols []planner.Field) string {
	parts := make([]string, len(rec.Row))
	for i, v := range rec.Row {
		switch {
		case v.IsNull():
			parts[i] = "NULL"
		case v.K == types.String && v.S == "":
			parts[i] = "(empty)"
		default:
			parts[i] = expr.ToText(v, cols[i].Type, expr.TextSQL)
		}
	}
	line := strings.Join(parts, " ")
	if rec.Kind != engine.Insert {
		line = rec.Kind.String() + " " + line
	}
	return line
}

// Files lists the .slt files under dir.
func Files(dir string) ([]string, error) {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".slt") {
			out = append(out, dir+"/"+e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

var _ = bufio.NewReader
