package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tumble/tumble/slt"
)

func testCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	update := fs.Bool("update", false, "rewrite the expected rows of query blocks with the actual ones")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return fmt.Errorf("test: give .slt files or directories")
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
