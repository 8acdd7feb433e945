package qtt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

func TestDev(t *testing.T) {
	files, _ := filepath.Glob("/work/shared/suites/ksqldb-qtt/*.json")
	r := &Runner{}
	var all []Result
	for _, f := range files {
		rs, err := r.RunFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range rs {
			fmt.Printf("%s %s | %s | %s\n", x.Outcome, filepath.Base(x.File), x.Name, x.Reason)
		}
		all = append(all, rs...)
	}
	p, f, s := Summary(all)
	fmt.Printf("%d passed, %d failed, %d skipped\n", p, f, s)
}
