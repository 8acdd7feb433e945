package planner_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

var update = flag.Bool("update", false, "rewrite golden files")

func newSession(t *testing.T) *session.Session {
	t.Helper()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	return session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: "127.0.0.1:1"})
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./planner -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./planner -update rewrites it; read the diff):\n--- want\n%s\n--- got\n%s", path, want, got)
	}
}

// TestExplainGolden explains every INSERT and SELECT of testdata/explain/*.sql
// (DDL runs, no job starts) and of the repository's queries/.
func TestExplainGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/explain/*.sql")
	files = append(files, "../queries/flink")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			s := newSession(t)
			var text string
			if st, _ := os.Stat(f); st.IsDir() {
				parts, _ := filepath.Glob(filepath.Join(f, "*.sql"))
				for _, p := range parts {
					b, _ := os.ReadFile(p)
					text += string(b) + ";\n"
				}
			} else {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				text = string(b)
			}
			stmts, err := sql.Parse(text, sql.Flink)
			if err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			for _, st := range stmts {
				switch st.(type) {
				case *sql.Insert, *sql.Query:
					plan, err := s.Explain(st)
					if err != nil {
						t.Fatalf("explain: %v", err)
					}
					_, txt := st.Span()
					fmt.Fprintf(&sb, "%s\n%s\n", strings.TrimSpace(txt), plan)
				default:
					if _, err := s.Execute(context.Background(), st); err != nil {
						t.Fatalf("execute: %v", err)
					}
				}
			}
			out := strings.TrimSuffix(f, ".sql") + ".out"
			if name == "flink" {
				out = "testdata/explain/queries_flink.out"
			}
			golden(t, out, sb.String())
		})
	}
}

// TestErrorsGolden runs the setup statements of testdata/errors.sql and
// records the error of every statement after the "-- cases" line; each must
// fail, with its line and column in the file.
func TestErrorsGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/errors.sql")
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	s := newSession(t)
	stmts, _ := sql.Split(text)
	casesLine := 0
	for i, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == "-- cases" {
			casesLine = i + 1
		}
	}
	var sb strings.Builder
	for _, rs := range stmts {
		// Keep file positions: pad the statement to where it starts.
		padded := strings.Repeat("\n", rs.Start.Line-1) + strings.Repeat(" ", rs.Start.Col-1) + rs.Text
		cases := rs.Start.Line > casesLine
		_, err := s.ExecuteText(context.Background(), padded)
		body := strings.TrimSpace(strings.ReplaceAll(rs.Text, "-- cases", ""))
		if !cases {
			if err != nil {
				t.Fatalf("setup statement failed: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("statement at line %d succeeded, want an error: %s", rs.Start.Line, body)
			continue
		}
		if !strings.Contains(err.Error(), "line ") {
			t.Errorf("error without a position: %v", err)
		}
		fmt.Fprintf(&sb, "%s\n  => %s\n\n", body, err)
	}
	golden(t, "testdata/errors.out", sb.String())
}
