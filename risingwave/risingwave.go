// Package risingwave runs RisingWave's streaming Nexmark tests
// (../shared/suites/risingwave/nexmark: sqllogictest files in PostgreSQL's
// dialect, with fixed input rows and each query's expected rows) against
// Tumble: the files run in the order RisingWave's own e2e test includes
// them — the tables, their rows, the materialized views, the queries on
// them — each statement translated into Flink SQL (translate.go) and run
// on a fresh embedded broker; every `query` block is a case, its rows
// read by a bounded query and compared with the expected ones.
package risingwave

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// Entry is the order RisingWave's e2e test (e2e_test/streaming/nexmark.slt)
// includes the suite's files in, relative to the suite's directory.
var Entry = []string{
	"data/create_tables.slt.part",
	"data/insert_person.slt.part",
	"data/insert_auction.slt.part",
	"data/insert_bid.slt.part",
	"streaming-nexmark/create_views.slt.part",
	"streaming-nexmark/test_mv_result.slt.part",
	"streaming-nexmark/drop_views.slt.part",
	"data/drop_tables.slt.part",
}

// Block is one record of a sqllogictest file: a statement, or a query with
// its expected rows.
type Block struct {
	File  string // base name
	Line  int
	Query bool
	Error bool // statement error
	Sort  bool // rowsort
	SQL   string
	Want  []string
}

var reInclude = regexp.MustCompile(`^include\s+(\S+)`)

// Parse reads a sqllogictest file, following its includes (relative to
// the file).
func Parse(path string) ([]Block, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []Block
	name := filepath.Base(path)
	for i := 0; i < len(lines); {
		l := strings.TrimSpace(lines[i])
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
			i++
			continue
		case reInclude.MatchString(l):
			inc := reInclude.FindStringSubmatch(l)[1]
			more, err := Parse(filepath.Join(filepath.Dir(path), inc))
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, i+1, err)
			}
			out = append(out, more...)
			i++
			continue
		}
		f := strings.Fields(l)
		b := Block{File: name, Line: i + 1}
		switch f[0] {
		case "statement":
			b.Error = len(f) > 1 && f[1] == "error"
		case "query":
			b.Query = true
			b.Sort = len(f) > 2 && f[2] == "rowsort"
		default:
			return nil, fmt.Errorf("%s:%d: unknown record %q", name, i+1, f[0])
		}
		i++
		var text []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
			text = append(text, lines[i])
		}
		b.SQL = strings.Join(text, "\n")
		if b.Query && i < len(lines) && lines[i] == "----" {
			i++
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
				b.Want = append(b.Want, lines[i])
			}
		}
		out = append(out, b)
	}
	return out, nil
}

// Result is a query block's outcome.
type Result struct {
	Block
	Got  []string // normalized rows
	Err  error
	Pass bool
}

// Name names the case: its line and query.
func (r Result) Name() string {
	q := strings.Join(strings.Fields(r.SQL), " ")
	if len(q) > 60 {
		q = q[:57] + "..."
	}
	return fmt.Sprintf("%d: %s", r.Line, q)
}

// Why says why a case fails.
func (r Result) Why() string {
	if r.Pass {
		return ""
	}
	if r.Err != nil {
		return "error: " + strings.Join(strings.Fields(r.Err.Error()), " ")
	}
	want := normalizeRows(r.Want, r.Sort)
	have := map[string]int{}
	for _, g := range r.Got {
		have[g]++
	}
	var missing, extra []string
	for _, w := range want {
		if have[w] > 0 {
			have[w]--
			continue
		}
		missing = append(missing, w)
	}
	for _, g := range r.Got {
		if have[g] > 0 {
			have[g]--
			extra = append(extra, g)
		}
	}
	why := fmt.Sprintf("%d rows, want %d", len(r.Got), len(want))
	if len(missing) > 0 {
		why += fmt.Sprintf("; %d missing, the first: %s", len(missing), missing[0])
	}
	if len(extra) > 0 {
		why += fmt.Sprintf("; %d unexpected, the first: %s", len(extra), extra[0])
	}
	if len(missing) == 0 && len(extra) == 0 {
		why += "; the same rows in another order"
	}
	return why
}

// Run runs the suite in dir (its Entry files, in order) on a fresh
// embedded broker and returns the outcome of every query block. A
// statement that fails is remembered: the queries of a view it did not
// create fail with its error.
func Run(ctx context.Context, dir string) ([]Result, error) {
	var blocks []Block
	for _, e := range Entry {
		bs, err := Parse(filepath.Join(dir, e))
		if err != nil {
			return nil, err
		}
		blocks = append(blocks, bs...)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	broker, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Logger: log})
	if err != nil {
		return nil, err
	}
	defer broker.Close()
	jctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(jctx, log)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: broker.Addr(), Dialect: sql.Flink, Log: log})
	s.Set("table.dml-sync", "true")
	s.Set("execution.runtime-mode", "batch")
	tr := &translator{}
	failed := map[string]error{} // view -> why its statement failed
	var out []Result
	for _, b := range blocks {
		text, terr := tr.statement(b.SQL)
		if !b.Query {
			if terr == nil && text != "" {
				_, terr = s.ExecuteText(ctx, text)
			}
			if name := createdView(b.SQL); name != "" && terr != nil {
				failed[name] = terr
			}
			continue
		}
		r := Result{Block: b}
		switch {
		case terr != nil:
			r.Err = terr
		default:
			r.Got, r.Err = query(ctx, s, text, b.Sort)
		}
		if r.Err != nil {
			for name, why := range failed {
				if regexp.MustCompile(`(?i)\b` + regexp.QuoteMeta(name) + `\b`).MatchString(b.SQL) {
					r.Err = fmt.Errorf("CREATE MATERIALIZED VIEW %s: %w", name, why)
				}
			}
		} else {
			r.Pass = strings.Join(r.Got, "\n") == strings.Join(normalizeRows(b.Want, b.Sort), "\n")
		}
		out = append(out, r)
	}
	return out, nil
}

var reCreateView = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\s+(\w+)`)

func createdView(stmt string) string {
	if m := reCreateView.FindStringSubmatch(stmt); m != nil {
		return strings.ToLower(m[1])
	}
	return ""
}

// query runs a bounded query and returns its final rows, normalized,
// sorted when the block says rowsort.
func query(ctx context.Context, s *session.Session, text string, sorted bool) ([]string, error) {
	qctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	got, err := s.QueryRows(qctx, text)
	if err != nil {
		return nil, err
	}
	rows := make([]string, len(got))
	for i, cells := range got {
		for k, c := range cells {
			if c == "" {
				cells[k] = "(empty)" // as sqllogictest prints an empty string
			}
		}
		rows[i] = normalizeRow(strings.Join(cells, " "))
	}
	if sorted {
		sort.Strings(rows)
	}
	return rows, nil
}

func normalizeRows(rows []string, sorted bool) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = normalizeRow(r)
	}
	if sorted {
		sort.Strings(out)
	}
	return out
}

var reTime = regexp.MustCompile(`^\d\d:\d\d:\d\d\.\d+$`)

// normalizeRow compares rows as sqllogictest does, by their
// whitespace-separated tokens, with numbers compared by value (to 12
// significant digits: PostgreSQL's numeric averages against a DOUBLE),
// times without trailing zeros and booleans as t / f.
func normalizeRow(row string) string {
	tokens := strings.Fields(row)
	for i, t := range tokens {
		switch {
		case reTime.MatchString(t):
			t = strings.TrimRight(t, "0")
			tokens[i] = strings.TrimSuffix(t, ".")
		case strings.EqualFold(t, "true"):
			tokens[i] = "t"
		case strings.EqualFold(t, "false"):
			tokens[i] = "f"
		default:
			if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
				tokens[i] = strconv.FormatFloat(f, 'g', 12, 64)
			}
		}
	}
	return strings.Join(tokens, " ")
}
