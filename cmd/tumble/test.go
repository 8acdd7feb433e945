package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tumble/tumble/qtt"
	"github.com/tumble/tumble/slt"
)

func testCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	update := fs.Bool("update", false, "rewrite the expected rows of query blocks (.slt) or the expected output (.q) with the actual ones")
	qttMode := fs.Bool("qtt", false, "the files are ksqlDB query-validation-test JSON files")
	minPass := fs.Float64("min-pass", 1, "with --qtt or .q files: the fraction of cases (statements) that must pass")
	minPassed := fs.Int("min-passed", -1, "with --qtt or .q files: instead of a fraction, the number of cases (statements) that must pass (a floor that suites growing more cases cannot break)")
	verbose := fs.Bool("v", false, "with --qtt or .q files: also list what passes (and, for .q, the output of what fails)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *qttMode {
		return runQTT(ctx, fs.Args(), passFloor{*minPass, *minPassed}, *verbose)
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("test: give .slt files or directories")
	}
	if strings.HasSuffix(fs.Arg(0), ".q") {
		return runQFiles(ctx, os.Stdout, fs.Args(), passFloor{*minPass, *minPassed}, *verbose, *update)
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

// runQTT runs ksqlDB query-validation-test files: one line per case, then
// a summary line.
func runQTT(ctx context.Context, files []string, floor passFloor, verbose bool) error {
	if len(files) == 0 {
		return fmt.Errorf("test --qtt: give .json files")
	}
	r := &qtt.Runner{}
	var all []qtt.Result
	for _, f := range files {
		rs, err := r.RunFile(ctx, f)
		if err != nil {
			return err
		}
		for _, x := range rs {
			if x.Outcome == qtt.Pass && !verbose {
				continue
			}
			line := fmt.Sprintf("%s %s: %s", x.Outcome, filepath.Base(x.File), x.Name)
			if x.Reason != "" {
				line += " — " + x.Reason
			}
			fmt.Println(line)
		}
		all = append(all, rs...)
	}
	pass, fail, skip := qtt.Summary(all)
	fmt.Printf("%d passed, %d failed, %d skipped\n", pass, fail, skip)
	return floor.check(pass, pass+fail, "cases in scope")
}

// passFloor is what a suite run must reach: a fraction of what it ran, or
// with count >= 0 a number of passes.
type passFloor struct {
	frac  float64
	count int
}

func (f passFloor) check(pass, total int, what string) error {
	if f.count >= 0 {
		if pass < f.count {
			return fmt.Errorf("%d of %d %s passed, fewer than %d", pass, total, what, f.count)
		}
		return nil
	}
	if total > 0 && float64(pass) < f.frac*float64(total) {
		return fmt.Errorf("%d of %d %s passed, below %.0f%%", pass, total, what, f.frac*100)
	}
	return nil
}
