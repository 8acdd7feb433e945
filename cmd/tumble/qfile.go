package main

// `tumble test FILE.q`: Flink's SQL client test scripts. A script is a
// sequence of statements, each followed by the output Flink's client
// prints for it and a line naming how it is checked:
//
//	!ok     the printed output (a table, rows) must be the same
//	!info   the printed message must be the same
//	!error  the statement must fail with the expected message: Flink
//	        prints a Java exception (class: message); the message of the
//	        root cause, without the class, must be contained in Tumble's
//
// Lines starting with '#' between statements are comments. Each file runs
// in its own session on a fresh embedded broker (tables without
// 'properties.bootstrap.servers' use it), its $VAR_... placeholders
// replaced by fresh directories, through the same REPL a user types into.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/sql"
)

// qBlock is one statement of a script and what it should print.
type qBlock struct {
	Line  int    // line of the statement's first line
	Stmt  string // without the ';'
	Want  string // expected output, lines trimmed on the right
	Check string // "ok", "info" or "error"
	// wantFrom, wantTo are the 0-based lines of the expected output and its
	// check line (wantTo is the check line), for -update.
	wantFrom, wantTo int
}

// qResult is the outcome of one block.
type qResult struct {
	qBlock
	Got  string
	Pass bool
}

var qVar = regexp.MustCompile(`\$VAR_[A-Z_]+`)

// parseQFile cuts a script into blocks.
func parseQFile(text string) []qBlock {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []qBlock
	for i := 0; i < len(lines); {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		b := qBlock{Line: i + 1}
		// The statement ends at the line holding its ';' (outside strings
		// and comments).
		var stmt []string
		for ; i < len(lines); i++ {
			stmt = append(stmt, lines[i])
			if done, _ := sql.Split(strings.Join(stmt, "\n")); len(done) > 0 {
				i++
				break
			}
		}
		b.Stmt = strings.TrimSuffix(strings.TrimSpace(strings.Join(stmt, "\n")), ";")
		var want []string
		b.wantFrom, b.wantTo = i, len(lines)
		for ; i < len(lines); i++ {
			t := strings.TrimSpace(lines[i])
			if t == "!ok" || t == "!info" || t == "!error" || t == "!warning" {
				b.Check = t[1:]
				b.wantTo = i
				i++
				break
			}
			want = append(want, strings.TrimRight(lines[i], " \t"))
		}
		b.Want = strings.Join(want, "\n")
		out = append(out, b)
	}
	return out
}

// runQFile runs one script and returns a result per block. With update
// it rewrites the script's expected outputs with what was printed.
func runQFile(ctx context.Context, path string, update bool) ([]qResult, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "tumble-q-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// A block keeps its statement as written (its case name does not
	// change with the temporary directory); it runs with the placeholders
	// replaced.
	vars := func(s string) string {
		return qVar.ReplaceAllStringFunc(s, func(v string) string {
			return filepath.Join(tmp, strings.ToLower(strings.TrimPrefix(v, "$VAR_")))
		})
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	broker, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Logger: log})
	if err != nil {
		return nil, err
	}
	defer broker.Close()
	jobsCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var buf bytes.Buffer
	rt := newRuntime(jobsCtx, broker.Addr(), "", &buf, log)
	defer rt.jobs.StopAll()
	r := newREPL(newEmbeddedExecutor(rt, sql.Flink), nil, &buf, sql.Flink)
	r.log = log
	var out []qResult
	for _, b := range parseQFile(string(raw)) {
		buf.Reset()
		// A streaming query over an unbounded source prints until this
		// deadline, then is cancelled (and fails the block).
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		_, failed := r.execStatement(sctx, sql.RawStatement{Text: vars(b.Stmt), Start: sql.Pos{Line: 1, Col: 1}})
		cancel()
		res := qResult{qBlock: b, Got: trimLines(buf.String())}
		switch b.Check {
		case "error":
			res.Pass = failed && errorMatches(vars(b.Want), res.Got)
		default:
			res.Pass = !failed && res.Got == trimLines(vars(b.Want))
		}
		out = append(out, res)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	if update {
		return out, os.WriteFile(path, []byte(rewriteQFile(string(raw), out)), 0o644)
	}
	return out, nil
}

// rewriteQFile puts each block's printed output and the check it calls
// for in place of what the script expected.
func rewriteQFile(text string, rs []qResult) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	var out []string
	next := 0
	for _, r := range rs {
		out = append(out, lines[next:r.wantFrom]...)
		check := "!ok"
		switch {
		case strings.HasPrefix(r.Got, "[ERROR]"):
			check = "!error"
		case strings.HasPrefix(r.Got, "[INFO]"):
			check = "!info"
		case strings.HasPrefix(r.Got, "[WARNING]"):
			check = "!warning"
		}
		if r.Got != "" {
			out = append(out, strings.Split(r.Got, "\n")...)
		}
		out = append(out, check)
		next = min(r.wantTo+1, len(lines))
	}
	out = append(out, lines[next:]...)
	return strings.Join(out, "\n")
}

// trimLines drops trailing blanks of every line and blank lines at the end.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

const qHeader = `Flink's SQL client scripts (../shared/suites/flink/sql-client): every statement, PASS, FAIL or SKIP with why.
make test fails when a statement changes state; rewrite it with
  make suites UPDATE=1   (or tumble test --expect FILE -update ...)
and review the diff. Format: STATE<TAB>FILE<TAB>LINE: STATEMENT[<TAB>REASON].`

// qfiles runs scripts: each statement is a case named by its line and
// text. Without an expectations file, -update rewrites the scripts' expected
// outputs; with one, the expectations.
func (st suiteTest) qfiles(ctx context.Context, files []string) error {
	return st.run(ctx, "Flink SQL client scripts", qHeader, files, func(path string) ([]suites.Case, error) {
		rs, err := runQFile(ctx, path, st.update && st.expect == "")
		var cases []suites.Case
		for _, r := range rs {
			cases = append(cases, r.suiteCase(filepath.Base(path)))
			if !r.Pass && st.verbose {
				fmt.Fprintf(st.out, "%s:%d\n  want (%s):\n%s\n  got:\n%s\n", filepath.Base(path), r.Line, r.Check, indent(r.Want), indent(r.Got))
			}
		}
		return cases, err
	})
}

// suiteCase is a block's outcome as a case: named by its line and the
// start of its statement; a failure says where the output differs.
func (r qResult) suiteCase(file string) suites.Case {
	c := suites.Case{File: file, Name: fmt.Sprintf("%d: %s", r.Line, firstLineOf(r.Stmt)), State: suites.Pass}
	if !r.Pass {
		c.State, c.Reason = suites.Fail, r.why()
	}
	return c
}

// why says how a failing block's output differs from the expected one.
func (r qResult) why() string {
	if r.Check == "error" {
		if !strings.HasPrefix(r.Got, "[ERROR]") {
			return "no error; printed: " + firstLineOf(r.Got)
		}
		return fmt.Sprintf("another error: want %q, got %q", shorten(expectedError(r.Want)), shorten(printedError(r.Got)))
	}
	if strings.HasPrefix(r.Got, "[ERROR]") && !strings.HasPrefix(trimLines(r.Want), "[ERROR]") {
		return "failed: " + shorten(printedError(r.Got))
	}
	want, got := strings.Split(trimLines(r.Want), "\n"), strings.Split(r.Got, "\n")
	for i := 0; i < len(want) || i < len(got); i++ {
		w, g := "(nothing)", "(nothing)"
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("output line %d differs: want %q, got %q", i+1, shorten(w), shorten(g))
		}
	}
	return "output differs"
}

// printedError is the message of what the client printed for a failed
// statement: the lines after "[ERROR] ... Reason:".
func printedError(printed string) string {
	lines := strings.Split(trimLines(printed), "\n")
	if len(lines) > 0 && strings.HasPrefix(lines[0], "[ERROR]") {
		lines = lines[1:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// javaException is the class name Flink's client prints before the message
// of the exception at the root of a failure.
var javaException = regexp.MustCompile(`^(?:[a-z_][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error): ?`)

// expectedError is the comparable part of the error a script expects: the
// message of the root cause Flink prints, without its Java class name.
func expectedError(want string) string {
	return javaException.ReplaceAllString(printedError(want), "")
}

// errorMatches says whether what the client printed is the error a script
// expects: a failure whose message contains the expected one (whitespace
// runs compared as one space). An !error block without text only asks
// for a failure.
func errorMatches(want, got string) bool {
	w := strings.Join(strings.Fields(expectedError(want)), " ")
	return w == "" || strings.Contains(strings.Join(strings.Fields(printedError(got)), " "), w)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:157] + "..."
	}
	return s
}

func firstLineOf(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return s
}

func indent(s string) string {
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
