package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/tumble/tumble/flinkdocs"
	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/qtt"
	"github.com/tumble/tumble/risingwave"
	"github.com/tumble/tumble/slt"
)

const testUsage = `Usage:
  tumble test [-update] FILE.slt|DIR ...                   sqllogictest golden files
  tumble test [-update] FILE.q ...                         Flink SQL client scripts (-update rewrites the scripts)
  tumble test --qtt FILE.json|DIR ...                      ksqlDB query-validation tests
  tumble test FILE.md|DIR ...                              the examples of Flink's documentation pages
  tumble test --risingwave DIR                             RisingWave's streaming Nexmark tests (DIR: its nexmark folder)
With --expect FILE, a suite's cases (.q, --qtt, .md, --risingwave) are compared one by one
with the expectations FILE lists (PASS, FAIL or SKIP, with reasons): the run
fails when a case changes state or goes missing; new cases are reported.
-update then rewrites FILE (not the suite). Without --expect every case must pass.
`

func testCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), testUsage); fs.PrintDefaults() }
	update := fs.Bool("update", false, "rewrite the expected rows (.slt), the expected output (.q) or, with --expect, the expectations file")
	qttMode := fs.Bool("qtt", false, "the files are ksqlDB query-validation-test JSON files")
	rwMode := fs.Bool("risingwave", false, "the directory holds RisingWave's Nexmark tests (data/, streaming-nexmark/)")
	expect := fs.String("expect", "", "with a suite (.q, --qtt, .md): the expectations file its cases are compared with")
	verbose := fs.Bool("v", false, "with a suite: also list what passes (and, for .q, the output of what fails)")
	child := fs.Int("qtt-child", -1, "internal: run one query-validation file's cases from this one on, printing JSON lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *child >= 0 {
		if fs.NArg() != 1 {
			return fmt.Errorf("test --qtt-child: give one file")
		}
		return qttChild(ctx, os.Stdout, *child, fs.Arg(0))
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return fmt.Errorf("test: give files or directories")
	}
	st := suiteTest{expect: *expect, update: *update, verbose: *verbose, out: os.Stdout, child: selfChild}
	switch {
	case *rwMode:
		return st.risingWave(ctx, fs.Arg(0))
	case *qttMode:
		files, err := expandFilesExt(fs.Args(), ".json")
		if err != nil {
			return err
		}
		return st.qtt(ctx, files)
	case strings.HasSuffix(fs.Arg(0), ".q"):
		return st.qfiles(ctx, fs.Args())
	case strings.HasSuffix(fs.Arg(0), ".md") || hasFiles(fs.Arg(0), ".md"):
		files, err := expandFilesExt(fs.Args(), ".md")
		if err != nil {
			return err
		}
		return st.flinkDocs(ctx, files)
	}
	if *expect != "" {
		return fmt.Errorf("test: --expect is for suites (.q, --qtt, .md), not .slt files")
	}
	var files []string
	for _, a := range fs.Args() {
		st, err := os.Stat(a)
		if err != nil {
			return err
		}
		if st.IsDir() {
			more, err := slt.Files(a)
			if err != nil {
				return err
			}
			files = append(files, more...)
			continue
		}
		files = append(files, a)
	}
	r := &slt.Runner{Out: os.Stdout, Update: *update}
	var total slt.Stats
	for _, f := range files {
		st, err := r.RunFile(ctx, f)
		if err != nil {
			return err
		}
		status := "ok"
		if st.Failed > 0 {
			status = "FAIL"
		}
		fmt.Printf("%-4s %s (%d passed, %d failed)\n", status, f, st.Passed, st.Failed)
		total.Passed += st.Passed
		total.Failed += st.Failed
	}
	fmt.Printf("%d passed, %d failed\n", total.Passed, total.Failed)
	if total.Failed > 0 {
		return fmt.Errorf("%d failed", total.Failed)
	}
	return nil
}

func hasFiles(dir, ext string) bool {
	m, _ := filepath.Glob(filepath.Join(dir, "*"+ext))
	return len(m) > 0
}

// suiteTest runs a suite's files and checks the cases: against an
// expectations file, or (without one) requiring every case to pass.
type suiteTest struct {
	expect          string
	update, verbose bool
	out             io.Writer
	// child, when set, makes the command that runs a query-validation
	// file's cases from one on in a child process (see qtt_child.go);
	// nil runs them in this process.
	child func(from int, path string) *exec.Cmd
}

// fileCase is the case standing for a whole file that could not be read:
// its cases are then missing from the run.
func fileCase(path string, err error) suites.Case {
	return suites.Case{File: filepath.Base(path), Name: "(the file)", State: suites.Fail, Reason: "cannot load: " + err.Error()}
}

// finish checks the cases: against the expectations file (printing what
// differs from it; every case with verbose), or requiring each to pass
// (printing the failing and skipped ones; every case with verbose).
func (st suiteTest) finish(suite, header string, ran map[string]bool, cases []suites.Case) error {
	for _, c := range cases {
		if st.verbose || (st.expect == "" && c.State != suites.Pass) {
			fmt.Fprintln(st.out, c)
		}
	}
	if st.expect != "" {
		return suites.Check(st.out, suite, st.expect, header, ran, cases, st.update, st.verbose)
	}
	pass, fail, skip := 0, 0, 0
	for _, c := range cases {
		switch c.State {
		case suites.Pass:
			pass++
		case suites.Fail:
			fail++
		default:
			skip++
		}
	}
	fmt.Fprintf(st.out, "%d passed, %d failed, %d skipped\n", pass, fail, skip)
	if fail > 0 {
		return fmt.Errorf("%d of %d %s failed", fail, pass+fail, suite)
	}
	return nil
}

const qttHeader = `ksqlDB's query-validation tests (../shared/suites/ksqldb-qtt): every case, PASS, FAIL or SKIP with why.
make test fails when a case changes state; rewrite it with
  make suites UPDATE=1   (or tumble test --expect FILE -update ...)
and review the diff. Format: STATE<TAB>FILE<TAB>CASE[<TAB>REASON].`

// qtt runs ksqlDB query-validation-test files.
func (st suiteTest) qtt(ctx context.Context, files []string) error {
	r := &qtt.Runner{}
	return st.run(ctx, "ksqlDB query-validation tests", qttHeader, files, func(path string) ([]suites.Case, error) {
		if st.child != nil {
			return qttIsolated(ctx, path, st.child)
		}
		rs, err := r.RunFile(ctx, path)
		var cases []suites.Case
		for _, x := range rs {
			cases = append(cases, x.SuiteCase())
		}
		return cases, err
	})
}

// run runs a suite's files one by one (runFile returns a file's cases; its
// error says the file could not be read: that file is reported as a
// failing case and the others still run), then checks the cases.
func (st suiteTest) run(ctx context.Context, suite, header string, files []string, runFile func(path string) ([]suites.Case, error)) error {
	ran := map[string]bool{}
	var cases []suites.Case
	for _, f := range files {
		ran[filepath.Base(f)] = true
		cs, err := runFile(f)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			cases = append(cases, fileCase(f, err))
		}
		cases = append(cases, cs...)
	}
	return st.finish(suite, header, ran, cases)
}

const docsHeader = `The examples of Flink's documentation pages (../shared/suites/flink/docs): every query with a printed result, PASS, FAIL or SKIP with why.
make test fails when an example changes state; rewrite it with
  make suites UPDATE=1   (or tumble test --expect FILE -update ...)
and review the diff. Format: STATE<TAB>PAGE<TAB>LINE: QUERY[<TAB>REASON].`

// flinkDocs runs the examples of Flink's documentation pages, each page on
// its own broker.
func (st suiteTest) flinkDocs(ctx context.Context, files []string) error {
	return st.run(ctx, "Flink documentation examples", docsHeader, files, func(path string) ([]suites.Case, error) {
		p, err := flinkdocs.LoadPage(path)
		if err != nil {
			return nil, err
		}
		var cases []suites.Case
		for _, r := range flinkdocs.Run(ctx, p) {
			c := suites.Case{File: p.Name, Name: fmt.Sprintf("%d: %s", r.Line, firstLineOf(r.Query)), State: suites.Pass}
			if !r.Pass {
				c.State, c.Reason = suites.Fail, r.Why()
			}
			cases = append(cases, c)
		}
		return cases, nil
	})
}

const risingWaveHeader = `RisingWave's streaming Nexmark tests (../shared/suites/risingwave/nexmark), translated to Flink SQL: every query, PASS, FAIL or SKIP with why.
make test fails when a case changes state; rewrite it with
  make suites UPDATE=1   (or tumble test --expect FILE -update ...)
and review the diff. Format: STATE<TAB>FILE<TAB>LINE: QUERY[<TAB>REASON].`

// risingWave runs RisingWave's streaming Nexmark tests in dir.
func (st suiteTest) risingWave(ctx context.Context, dir string) error {
	results, err := risingwave.Run(ctx, dir)
	if err != nil {
		return err
	}
	ran := map[string]bool{}
	var cases []suites.Case
	for _, r := range results {
		ran[r.File] = true
		c := suites.Case{File: r.File, Name: r.Name(), State: suites.Pass}
		if !r.Pass {
			c.State, c.Reason = suites.Fail, r.Why()
		}
		cases = append(cases, c)
	}
	return st.finish("RisingWave Nexmark tests", risingWaveHeader, ran, cases)
}
