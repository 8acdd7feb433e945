package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/tumble/tumble/flinkdocs"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/slt"
	"github.com/tumble/tumble/sql"
)

// The differential corpus: every Flink-dialect block of testdata/slt and
// every example of Flink's documentation pages (../shared/suites/flink/docs,
// read at run time) runs on Apache Flink (the runner's server mode, tables
// on the real broker) and on Tumble (in this process, on its embedded
// broker), over the same rows. Each disagreement must be listed, with its
// reason, in peers/testdata/corpus-expect.txt; a listed one that agrees now
// is a failure too (the list stays true).

// corpusCase is the outcome of one block or example on both engines.
type corpusCase struct {
	file, sql string // where, and the statement (whitespace collapsed)
	line      int
	flink     string // "ok", "error: ...", or the rows
	tumble    string
	skipped   string // why it was not compared
}

func (c corpusCase) key() string { return c.file + " | " + c.sql }

// expectation is a line of corpus-expect.txt:
//
//	file | statement prefix | skip|differs | reason
type expectation struct {
	file, prefix, kind, reason string
	line                       int
	used, differed             bool // matched a case; one that differs
}

func loadExpectations(path string) ([]*expectation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*expectation
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		parts := strings.SplitN(l, " | ", 4)
		if len(parts) != 4 || (parts[2] != "skip" && parts[2] != "differs") {
			return nil, fmt.Errorf("%s:%d: want 'file | statement prefix | skip|differs | reason'", path, n)
		}
		out = append(out, &expectation{file: strings.TrimSpace(parts[0]), prefix: collapse(parts[1]), kind: parts[2], reason: parts[3], line: n})
	}
	return out, sc.Err()
}

// find returns the expectation for a block of file: "*" stands for every
// block of the file.
func find(exps []*expectation, file, stmt string) *expectation {
	for _, x := range exps {
		if x.file == file && (x.prefix == "*" || strings.HasPrefix(stmt, x.prefix)) {
			x.used = true
			return x
		}
	}
	return nil
}

var spaces = regexp.MustCompile(`\s+`)

func collapse(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }

func checkCorpus(ctx context.Context, e *env) (string, error) {
	exps, err := loadExpectations(filepath.Join(e.root, "peers", "testdata", "corpus-expect.txt"))
	if err != nil {
		return "", err
	}
	k, err := e.startKafka(ctx)
	if err != nil {
		return "", err
	}
	fl, err := e.startFlinkServer(ctx, "flink-corpus")
	if err != nil {
		return "", err
	}
	defer fl.close()
	files, err := slt.Files(filepath.Join(e.root, "testdata", "slt"))
	if err != nil {
		return "", err
	}
	// PEERS_CORPUS=name,... runs only the files and pages whose names hold
	// one of the names (the expectations of the others are not judged).
	only := strings.Split(os.Getenv("PEERS_CORPUS"), ",")
	picked := func(name string) bool {
		for _, o := range only {
			if strings.Contains(name, strings.TrimSpace(o)) {
				return true
			}
		}
		return false
	}
	var cases []corpusCase
	nfiles := 0
	for i, f := range files {
		if !picked(filepath.Base(f)) {
			continue
		}
		nfiles++
		cs, err := e.corpusFile(ctx, fl, k.plain, f, fmt.Sprintf("c%d_", i), exps)
		if err != nil {
			return "", fmt.Errorf("%s: %w", filepath.Base(f), err)
		}
		cases = append(cases, cs...)
	}
	docs := filepath.Join(e.shared, "suites", "flink", "docs")
	docCases := 0
	if _, err := os.Stat(docs); err == nil {
		pages, err := flinkdocs.LoadPages(docs)
		if err != nil {
			return "", err
		}
		for i, p := range pages {
			if !picked(p.Name) {
				continue
			}
			cs, err := e.corpusPage(ctx, fl, k.plain, p, fmt.Sprintf("d%d_", i), exps)
			if err != nil {
				return "", fmt.Errorf("%s: %w", p.Name, err)
			}
			docCases += len(cs)
			cases = append(cases, cs...)
		}
	} else {
		fmt.Printf("     corpus: SKIP Flink's documentation examples: %s is absent\n", docs)
	}
	// Judge: every difference listed, every listed one still different.
	report, _ := os.Create(filepath.Join(e.logs, "corpus.txt"))
	defer report.Close()
	var unexplained []string
	agreed, listed, skipped := 0, 0, 0
	for _, c := range cases {
		x := find(exps, c.file, c.sql)
		switch {
		case c.skipped != "":
			skipped++
			fmt.Fprintf(report, "SKIP   %s:%d %s\n       %s\n", c.file, c.line, c.sql, c.skipped)
		case c.flink == c.tumble || (strings.HasPrefix(c.flink, "error") && strings.HasPrefix(c.tumble, "error")):
			agreed++
			fmt.Fprintf(report, "AGREE  %s:%d %s\n", c.file, c.line, c.sql)
		case x != nil && x.kind == "differs":
			listed++
			x.differed = true
			fmt.Fprintf(report, "DIFFER %s:%d %s\n       (%s)\n       Flink:  %s\n       Tumble: %s\n", c.file, c.line, c.sql, x.reason, c.flink, c.tumble)
		default:
			fmt.Fprintf(report, "FAIL   %s:%d %s\n       Flink:  %s\n       Tumble: %s\n", c.file, c.line, c.sql, c.flink, c.tumble)
			unexplained = append(unexplained, fmt.Sprintf("%s:%d %.60s: Flink %.200s, Tumble %.200s", c.file, c.line, c.sql, c.flink, c.tumble))
		}
	}
	for _, x := range exps {
		switch {
		case !picked(x.file):
		case !x.used:
			unexplained = append(unexplained, fmt.Sprintf("corpus-expect.txt:%d matches no case (%s | %s)", x.line, x.file, x.prefix))
		case x.kind == "differs" && !x.differed:
			unexplained = append(unexplained, fmt.Sprintf("corpus-expect.txt:%d: every case it names agrees now; remove it (%s | %s)", x.line, x.file, x.prefix))
		}
	}
	fmt.Fprintf(report, "\nTime on Flink by request: %v\n", fl.took)
	summary := fmt.Sprintf("%d cases (%d slt files, %d documentation examples): %d agree, %d known differences, %d not comparable", len(cases), nfiles, docCases, agreed, listed, skipped)
	if len(unexplained) > 0 {
		more := ""
		if len(unexplained) > 3 {
			more = fmt.Sprintf("; and %d more", len(unexplained)-3)
			unexplained = unexplained[:3]
		}
		return "", fmt.Errorf("%s; %d unexplained: %s%s", summary, len(unexplained), strings.Join(unexplained, "; "), more)
	}
	return summary, nil
}

var (
	topicOpt     = regexp.MustCompile(`'topic'\s*=\s*'([^']*)'`)
	kafkaConn    = regexp.MustCompile(`'connector'\s*=\s*'(kafka|upsert-kafka)'`)
	createTable  = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(TEMPORARY\s+)?TABLE\b`)
	withStartup  = regexp.MustCompile(`'scan\.startup\.mode'`)
	withBoundary = regexp.MustCompile(`'scan\.bounded\.mode'`)
)

// corpusFile runs a slt file's Flink-dialect blocks on Apache Flink.
// Tumble's answers are the file's: make test's slt run holds Tumble to
// every expected row and error of the file.
func (e *env) corpusFile(ctx context.Context, fl *flinkServer, bootstrap, path, prefix string, exps []*expectation) ([]corpusCase, error) {
	name := filepath.Base(path)
	blocks, err := slt.ParseFile(path)
	if err != nil {
		return nil, err
	}
	if x := find(exps, name, "*"); x != nil && x.kind == "skip" {
		return []corpusCase{{file: name, sql: "*", skipped: x.reason}}, nil
	}
	if err := fl.reset(ctx); err != nil {
		return nil, err
	}
	rename := func(t string) string { return prefix + t }
	// Topics get one partition, as on the slt runner's broker, unless a
	// create-topic says otherwise.
	made := map[string]bool{}
	for _, b := range blocks {
		if b.Kind == "create-topic" {
			var t string
			var n int32
			fmt.Sscanf(b.Arg, "%s %d", &t, &n)
			if err := createTopic(ctx, bootstrap, rename(t), n); err != nil {
				return nil, err
			}
			made[t] = true
		}
	}
	for _, b := range blocks {
		for _, m := range topicOpt.FindAllStringSubmatch(b.SQL, -1) {
			if !made[m[1]] {
				made[m[1]] = true
				if err := createTopic(ctx, bootstrap, rename(m[1]), 1); err != nil {
					return nil, err
				}
			}
		}
	}
	tmp, err := os.MkdirTemp("", "tumble-corpus-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// Flink's text of a statement: topics renamed, Kafka tables on the real
	// broker, from the earliest offset unless the table says (the slt
	// runner's tables read their topics from the start; Flink's default is
	// group-offsets); bounded for the query environment.
	flinkSQL := func(text string, bounded bool) string {
		text = strings.NewReplacer("${BOOTSTRAP}", bootstrap, "${TMPDIR}", tmp).Replace(text)
		text = topicOpt.ReplaceAllStringFunc(text, func(m string) string {
			return "'topic' = '" + rename(topicOpt.FindStringSubmatch(m)[1]) + "'"
		})
		if createTable.MatchString(text) && kafkaConn.MatchString(text) {
			extra := ""
			if !strings.Contains(text, "'properties.bootstrap.servers'") {
				extra += ", 'properties.bootstrap.servers' = '" + bootstrap + "'"
			}
			if kafkaConn.FindStringSubmatch(text)[1] == "kafka" && !withStartup.MatchString(text) {
				extra += ", 'scan.startup.mode' = 'earliest-offset'"
			}
			if bounded && !withBoundary.MatchString(text) {
				extra += ", 'scan.bounded.mode' = 'latest-offset'"
			}
			loc := kafkaConn.FindStringIndex(text)
			text = text[:loc[1]] + extra + text[loc[1]:]
		}
		return text
	}
	const timeout = 60 * time.Second
	var cases []corpusCase
	flinkDialect := true
	skipRest := ""
	for _, b := range blocks {
		c := corpusCase{file: name, sql: collapse(b.SQL), line: b.Line}
		switch b.Kind {
		case "dialect":
			flinkDialect = b.Arg != "ksql"
			continue
		case "halt":
			return cases, nil
		}
		if !flinkDialect {
			continue
		}
		if skipRest != "" {
			if b.Kind == "query" || strings.HasPrefix(b.Kind, "statement") {
				c.skipped = skipRest
				cases = append(cases, c)
			}
			continue
		}
		if x := find(exps, name, c.sql); x != nil && x.kind == "skip" && (b.Kind == "query" || strings.HasPrefix(b.Kind, "statement")) {
			c.skipped = x.reason
			cases = append(cases, c)
			continue
		}
		switch b.Kind {
		case "sleep":
			if d, err := time.ParseDuration(b.Arg); err == nil {
				time.Sleep(d)
			}
		case "set":
			k, v, _ := strings.Cut(b.Arg, "=")
			stmt := fmt.Sprintf("SET '%s' = '%s'", strings.Trim(strings.TrimSpace(k), "'"), strings.Trim(strings.TrimSpace(v), "'"))
			fl.exec(ctx, stmt, []string{"jobs", "query", "qbatch"}, false, timeout)
		case "end-of-input", "checkpoint":
			if err := fl.sync(ctx, bootstrap, timeout); err != nil {
				skipRest = "after " + b.Kind + " failed on Flink: " + err.Error()
				break
			}
			if b.Kind == "checkpoint" {
				if _, err := fl.do(ctx, map[string]any{"op": "checkpoint"}, timeout); err != nil {
					skipRest = "after checkpoint failed on Flink: " + err.Error()
				}
			}
			if b.Kind == "end-of-input" {
				if err := fl.drain(ctx, filepath.Join(tmp, "savepoints"), timeout); err != nil {
					skipRest = "after end-of-input failed on Flink: " + err.Error()
				}
			}
		case "statement ok", "statement error":
			c.tumble = "ok"
			if b.Kind == "statement error" {
				c.tumble = "error"
			}
			c.flink = "ok"
			if err := e.corpusStatement(ctx, fl, bootstrap, b.SQL, flinkSQL, timeout); err != nil {
				c.flink = "error"
				if b.Kind == "statement ok" {
					c.flink = "error: " + err.Error()
				}
			} else if m := setStmt.FindStringSubmatch(b.SQL); m != nil && b.Kind == "statement error" {
				// Flink takes any value and checks it where it is used:
				// the setting Tumble refused is taken back, so that the
				// blocks after it still compare.
				fl.exec(ctx, "RESET '"+m[1]+"'", []string{"jobs", "query", "qbatch"}, false, timeout)
			}
			cases = append(cases, c)
		case "query":
			expected := applyChangelog(b.Expected)
			c.tumble = strings.Join(expected, "\n")
			rows, err := corpusQuery(ctx, fl, bootstrap, flinkSQL(b.SQL, true), timeout)
			if err != nil {
				c.flink = "error: " + err.Error()
			} else {
				if b.Sort || !orderBy.MatchString(b.SQL) {
					sort.Strings(rows)
				}
				c.flink = strings.Join(rows, "\n")
				if !b.Sort && !orderBy.MatchString(b.SQL) {
					exp := append([]string(nil), expected...)
					sort.Strings(exp)
					c.tumble = strings.Join(exp, "\n")
				}
			}
			cases = append(cases, c)
		}
	}
	return cases, nil
}

var (
	// A query's own ORDER BY: the last one, with no parenthesis closing
	// after it (not an OVER's).
	orderBy = regexp.MustCompile(`(?is)\bORDER\s+BY\b[^)]*$`)
	setStmt = regexp.MustCompile(`(?is)^\s*SET\s+'([^']*)'`)
)

// corpusStatement runs one statement block on Flink: DDL and SET in both
// the jobs' and the queries' environments, an INSERT as a job (INSERT ...
// VALUES waited for), a SELECT in the query environment.
func (e *env) corpusStatement(ctx context.Context, fl *flinkServer, bootstrap, text string, flinkSQL func(string, bool) string, timeout time.Duration) error {
	stmts, err := session.Parse(text, sql.Flink)
	if err != nil || len(stmts) == 0 {
		// Tumble's parser refuses it: Flink gets it whole.
		_, err := fl.exec(ctx, flinkSQL(text, false), []string{"jobs"}, false, timeout)
		return err
	}
	for _, st := range stmts {
		_, t := st.Span()
		switch s := st.(type) {
		case *sql.Insert:
			if _, err := fl.exec(ctx, flinkSQL(t, false), []string{"jobs"}, s.Values == nil, timeout); err != nil {
				return err
			}
		case *sql.Query, *sql.Explain, *sql.Show, *sql.Describe:
			if _, err := corpusQuery(ctx, fl, bootstrap, flinkSQL(t, true), timeout); err != nil {
				return err
			}
		default:
			if _, err := fl.exec(ctx, flinkSQL(t, false), []string{"jobs"}, false, timeout); err != nil {
				return err
			}
			if _, err := fl.exec(ctx, flinkSQL(t, true), []string{"query", "qbatch"}, false, timeout); err != nil {
				return fmt.Errorf("in the query environments: %w", err)
			}
		}
	}
	return nil
}

// corpusQuery catches Flink's jobs up, runs a bounded query and returns
// its final rows in the slt runner's text.
func corpusQuery(ctx context.Context, fl *flinkServer, bootstrap, text string, timeout time.Duration) ([]string, error) {
	if err := fl.sync(ctx, bootstrap, timeout); err != nil {
		return nil, err
	}
	r, err := boundedQuery(ctx, fl, text, timeout)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, row := range finalRows(r.Rows) {
		out = append(out, sltText(row))
	}
	return out, nil
}

// boundedQuery runs a query over bounded tables in batch mode, as the slt
// runner's queries run; a query Flink runs only in streaming mode (a
// changelog source, a processing-time attribute) runs there, its changelog
// to be applied.
func boundedQuery(ctx context.Context, fl *flinkServer, text string, timeout time.Duration) (*flinkReply, error) {
	r, err := fl.exec(ctx, text, []string{"qbatch"}, false, timeout)
	if err != nil {
		r2, err2 := fl.exec(ctx, text, []string{"query"}, false, timeout)
		if err2 == nil {
			return r2, nil
		}
		if strings.Contains(err.Error(), "batch mode") {
			return nil, err2 // what the streaming query says
		}
		return nil, err
	}
	return r, nil
}

// sltText is a row as Flink prints it in the slt runner's text: values
// separated by a space, NULL for null, (empty) for an empty string.
func sltText(row []string) string {
	parts := make([]string, len(row))
	for i, v := range row {
		switch v {
		case "<NULL>":
			parts[i] = "NULL"
		case "":
			parts[i] = "(empty)"
		default:
			parts[i] = v
		}
	}
	return strings.Join(parts, " ")
}

// corpusPage runs a documentation page's examples on Flink and on Tumble
// (flinkdocs, in this process).
func (e *env) corpusPage(ctx context.Context, fl *flinkServer, bootstrap string, p *flinkdocs.Page, prefix string, exps []*expectation) ([]corpusCase, error) {
	name := p.Name
	tumble := flinkdocs.Run(ctx, p)
	if err := fl.reset(ctx); err != nil {
		return nil, err
	}
	const timeout = 60 * time.Second
	// Each definition on its own topic, filled once.
	topics := map[*flinkdocs.Table]string{}
	for i, t := range p.Tables {
		topic := fmt.Sprintf("%s%s_%d", prefix, strings.ToLower(t.Name), i)
		topics[t] = topic
		if err := createTopic(ctx, bootstrap, topic, 1); err != nil {
			return nil, err
		}
		fl.exec(ctx, "DROP TABLE IF EXISTS `"+t.Name+"`", []string{"jobs"}, false, timeout)
		if _, err := fl.exec(ctx, t.CreateSQL(topic, "'properties.bootstrap.servers' = '"+bootstrap+"'"), []string{"jobs"}, false, timeout); err != nil {
			return nil, fmt.Errorf("Flink: %v", err)
		}
		if ins := t.InsertSQL(); ins != "" {
			if _, err := fl.exec(ctx, ins, []string{"jobs"}, false, timeout); err != nil {
				return nil, fmt.Errorf("Flink: %s: %v", ins, err)
			}
		}
	}
	var cases []corpusCase
	for _, r := range tumble {
		c := corpusCase{file: name, sql: collapse(r.Query), line: r.Line}
		if x := find(exps, name, c.sql); x != nil && x.kind == "skip" {
			c.skipped = x.reason
			cases = append(cases, c)
			continue
		}
		if r.Err != nil {
			c.tumble = "error: " + r.Err.Error()
		} else {
			c.tumble = strings.Join(r.Got, "\n")
		}
		var err error
		for _, t := range r.Tables {
			fl.exec(ctx, "DROP TABLE IF EXISTS `"+t.Name+"`", []string{"query", "qbatch"}, false, timeout)
			if _, err = fl.exec(ctx, t.CreateSQL(topics[t], "'properties.bootstrap.servers' = '"+bootstrap+"', 'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset'"), []string{"query", "qbatch"}, false, timeout); err != nil {
				break
			}
		}
		var reply *flinkReply
		if err == nil {
			reply, err = boundedQuery(ctx, fl, tableTVF(r.Query), timeout)
		}
		if err != nil {
			c.flink = "error: " + err.Error()
		} else {
			var rows []string
			for _, row := range finalRows(reply.Rows) {
				rows = append(rows, flinkdocs.RowKey(row))
			}
			sort.Strings(rows)
			c.flink = strings.Join(rows, "\n")
		}
		cases = append(cases, c)
	}
	return cases, nil
}

var bareTVF = regexp.MustCompile(`(?i)\bFROM\s+(TUMBLE|HOP|CUMULATE|SESSION)\s*\(`)

// tableTVF writes a window TVF called without TABLE(...) — FROM
// TUMBLE(TABLE t, ...), as the documentation of Flink 2 does — as Flink
// 1.20 must have it: FROM TABLE(TUMBLE(TABLE t, ...)).
func tableTVF(q string) string {
	for {
		loc := bareTVF.FindStringSubmatchIndex(q)
		if loc == nil {
			return q
		}
		depth, end := 0, -1
		for i := loc[1] - 1; i < len(q) && end < 0; i++ {
			switch q[i] {
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return q
		}
		q = q[:loc[2]] + "TABLE(" + q[loc[2]:end+1] + ")" + q[end+1:]
	}
}

// applyChangelog turns the slt runner's rows, where a retraction is
// prefixed with its kind (-U, -D; +U for an update's new row), into the
// rows left at the end, as Flink's side is compared. A rowsort block's
// rows are sorted, changes and all, so they are taken as a multiset: what
// was added less what was taken back.
func applyChangelog(rows []string) []string {
	removed := map[string]int{}
	for _, r := range rows {
		if kind, rest, _ := strings.Cut(r, " "); kind == "-U" || kind == "-D" {
			removed[rest]++
		}
	}
	var out []string
	for _, r := range rows {
		kind, rest, _ := strings.Cut(r, " ")
		switch kind {
		case "-U", "-D":
			continue
		case "+U", "+I":
			r = rest
		}
		if removed[r] > 0 {
			removed[r]--
			continue
		}
		out = append(out, r)
	}
	return out
}
