package sql

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// go test ./sql -update rewrites the golden files; read the diff before
// committing them.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// checkGolden compares got with testdata/name, or writes it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./sql -update to create it)", err)
	}
	if string(want) != got {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got: %s\nwant: %s\n(run go test ./sql -update and read the diff)", path, i+1, g, w)
			}
		}
	}
}

// dumpStatements renders every statement of text with its position.
func dumpStatements(text string, d Dialect) string {
	var b strings.Builder
	stmts, err := parseText(text, d)
	for _, s := range stmts {
		pos, src := s.Span()
		first, _, _ := strings.Cut(src, "\n")
		fmt.Fprintf(&b, "-- %d:%d %s\n%s\n\n", pos.Line, pos.Col, nearText(first), Format(s))
	}
	if err != nil {
		fmt.Fprintf(&b, "ERROR: %v\n", err)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		in string
		d  Dialect
	}{{"flink.sql", Flink}, {"ksql.sql", KSQL}} {
		t.Run(tc.in, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join("testdata", tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got := dumpStatements(string(b), tc.d)
			if strings.Contains(got, "ERROR:") {
				t.Errorf("parse error in %s: %s", tc.in, got[strings.Index(got, "ERROR:"):])
			}
			checkGolden(t, strings.TrimSuffix(tc.in, ".sql")+".golden", got)
		})
	}
}

// TestGoldenErrors parses the broken statements of testdata/errors.txt.
// Cases are separated by lines "---- name [ksql]"; each must fail with an
// *Error whose text is recorded in errors.golden.
func TestGoldenErrors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "errors.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cases := strings.Split(string(b), "\n---- ")
	for _, c := range cases[1:] {
		header, text, _ := strings.Cut(c, "\n")
		d := Flink
		name := strings.TrimSpace(header)
		if n, ok := strings.CutSuffix(name, " ksql"); ok {
			name, d = n, KSQL
		}
		_, err := parseText(text, d)
		var se *Error
		switch {
		case err == nil:
			t.Errorf("%s: parsed without error:\n%s", name, text)
			fmt.Fprintf(&out, "%s: NO ERROR\n", name)
		case !errors.As(err, &se):
			t.Errorf("%s: %T is not an *Error: %v", name, err, err)
		default:
			fmt.Fprintf(&out, "%s: %v\n", name, err)
		}
	}
	checkGolden(t, "errors.golden", out.String())
}
