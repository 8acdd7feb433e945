package sql

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/internal/suites"
)

// sharedDir is ../shared beside the repository (copies of other engines'
// test data); the test is skipped with a SKIP line when it is absent.
func sharedDir(t *testing.T) string {
	return suites.Require(t, ".")
}

// qttStatements returns the "statements" of every test case of the
// ksqlDB query-validation tests, deduplicated, with the file they came
// from, and those ksqlDB's tests expect to fail parsing (the last
// statement of a case expecting a ParseFailedException).
func qttStatements(t *testing.T, dir string) (stmts []string, from map[string]string, badSyntax map[string]bool) {
	files, err := filepath.Glob(filepath.Join(dir, "suites/ksqldb-qtt/*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("SKIP: no ksqldb-qtt files in %s", dir)
	}
	from = map[string]string{}
	badSyntax = map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests []struct {
				Statements        []string `json:"statements"`
				ExpectedException *struct {
					Type string `json:"type"`
				} `json:"expectedException"`
			} `json:"tests"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, tc := range doc.Tests {
			if e := tc.ExpectedException; e != nil && strings.HasSuffix(e.Type, ".ParseFailedException") && len(tc.Statements) > 0 {
				badSyntax[tc.Statements[len(tc.Statements)-1]] = true
			}
			for _, s := range tc.Statements {
				if _, ok := from[s]; !ok {
					from[s] = filepath.Base(f)
					stmts = append(stmts, s)
				}
			}
		}
	}
	return stmts, from, badSyntax
}

// TestKsqlQTT parses every statement of the ksqlDB query-validation tests,
// case by case: each must parse, except those ksqlDB's tests expect to be
// syntax errors, which must fail with an *Error.
func TestKsqlQTT(t *testing.T) {
	dir := sharedDir(t)
	stmts, from, badSyntax := qttStatements(t, dir)
	parsed := 0
	for _, s := range stmts {
		_, err := parseText(s, KSQL)
		var se *Error
		switch {
		case err != nil && !errors.As(err, &se):
			t.Errorf("%s: not an *Error: %T %v\n%s", from[s], err, err, s)
		case badSyntax[s] && err == nil:
			t.Errorf("%s: parses, but ksqlDB's test expects a syntax error:\n%s", from[s], s)
		case !badSyntax[s] && err != nil:
			t.Errorf("%s: %v\n%s", from[s], err, s)
		case err == nil:
			parsed++
		}
	}
	t.Logf("ksqldb-qtt: %d distinct statements, %d parse, %d are syntax errors as ksqlDB's tests expect", len(stmts), parsed, len(badSyntax))
}

// TestFlinkSuites parses the seeds and the nexmark queries with the Flink
// dialect; all must parse.
func TestFlinkSuites(t *testing.T) {
	dir := sharedDir(t)
	var files []string
	for _, g := range []string{"seed/flink/*.sql", "suites/nexmark/*.sql"} {
		m, _ := filepath.Glob(filepath.Join(dir, g))
		files = append(files, m...)
	}
	ok, n := 0, 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// nexmark's runner substitutes ${NEXMARK_TABLE} before running;
		// the other ${...} are inside strings.
		text := strings.ReplaceAll(string(b), "${NEXMARK_TABLE}", "datagen")
		stmts, err := parseText(text, Flink)
		n += len(stmts)
		ok += len(stmts)
		if err != nil {
			n++
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
		if d := DetectDialect(text); d != Flink {
			t.Errorf("%s: DetectDialect = %v, want flink", filepath.Base(f), d)
		}
	}
	t.Logf("flink seeds + nexmark: %d files, %d statements, %d parse", len(files), n, ok)
}

// TestKsqlSeeds parses the ksqlDB seeds.
func TestKsqlSeeds(t *testing.T) {
	dir := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "seed/ksql/*.sql"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d := DetectDialect(string(b)); d != KSQL {
			t.Errorf("%s: DetectDialect = %v, want ksql", filepath.Base(f), d)
		}
		if _, err := parseText(string(b), KSQL); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// flinkExamples extracts statements from Flink's sql-client tests (.q:
// SQL up to a line ending in ';', then the expected output) and from the
// ```sql blocks of the docs (prompts and result tables removed).
func flinkExamples(t *testing.T, dir string) map[string][]string {
	out := map[string][]string{}
	qs, _ := filepath.Glob(filepath.Join(dir, "suites/flink/sql-client/*.q"))
	for _, f := range qs {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var cur []string
		inOutput := false
		for _, l := range strings.Split(string(b), "\n") {
			tl := strings.TrimSpace(l)
			if len(cur) == 0 {
				if tl == "" || strings.HasPrefix(tl, "#") || strings.HasPrefix(tl, "!") {
					inOutput = false
					continue
				}
				if inOutput {
					continue
				}
			}
			cur = append(cur, l)
			if strings.HasSuffix(tl, ";") {
				out[filepath.Base(f)] = append(out[filepath.Base(f)], strings.Join(cur, "\n"))
				cur, inOutput = nil, true
			}
		}
	}
	mds, _ := filepath.Glob(filepath.Join(dir, "suites/flink/docs/*.md"))
	for _, f := range mds {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		blocks := strings.Split(string(b), "```sql")
		for _, blk := range blocks[1:] {
			blk, _, _ = strings.Cut(blk, "```")
			var lines []string
			for _, l := range strings.Split(blk, "\n") {
				if tl := strings.TrimSpace(l); strings.HasPrefix(tl, "+") || strings.HasPrefix(tl, "|") {
					continue
				}
				lines = append(lines, strings.TrimPrefix(strings.TrimPrefix(l, "Flink SQL>"), ">"))
			}
			for _, s := range strings.Split(strings.Join(lines, "\n"), ";") {
				if strings.TrimSpace(s) != "" {
					out[filepath.Base(f)] = append(out[filepath.Base(f)], s)
				}
			}
		}
	}
	return out
}

// TestFlinkExamples parses the statements of Flink's sql-client tests and
// docs. Many are outside what Tumble supports (ALTER, SHOW CREATE, syntax
// templates like "SELECT [column_list]"), so this only logs what fails;
// it requires that failures are *Errors.
func TestFlinkExamples(t *testing.T) {
	dir := sharedDir(t)
	n, bad := 0, 0
	for file, stmts := range flinkExamples(t, dir) {
		for _, s := range stmts {
			n++
			_, err := parseText(s, Flink)
			if err == nil {
				continue
			}
			bad++
			var se *Error
			if !errors.As(err, &se) {
				t.Errorf("%s: %T is not an *Error: %v", file, err, err)
			}
			first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
			t.Logf("%s: %v\n      %s", file, err, nearText(first))
		}
	}
	t.Logf("flink sql-client + docs: %d statements, %d parse, %d fail", n, n-bad, bad)
}
