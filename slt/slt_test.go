package slt

import (
	"bytes"
	"context"
	"flag"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite expected rows in the .slt files")

// TestGoldenFiles runs every testdata/slt/*.slt file on its own embedded broker.
func TestGoldenFiles(t *testing.T) {
	files, err := Files(filepath.Join("..", "testdata", "slt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no .slt files found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			r := &Runner{Out: &out, Update: *update}
			st, err := r.RunFile(context.Background(), f)
			if err != nil {
				t.Fatal(err)
			}
			if st.Failed > 0 {
				t.Fatalf("%d of %d blocks failed:\n%s", st.Failed, st.Failed+st.Passed, out.String())
			}
			if st.Passed == 0 {
				t.Fatal("no block ran")
			}
		})
	}
}
