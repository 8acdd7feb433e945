package sql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes the parser panic, that errors are
// *Error with a position inside the text, and that results can be
// printed. Run it with: go test ./sql -fuzz FuzzParse -fuzztime 1m
func FuzzParse(f *testing.F) {
	for _, name := range []string{"flink.sql", "ksql.sql", "errors.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		for _, s := range strings.Split(string(b), ";") {
			f.Add(s)
		}
	}
	f.Add("SELECT a->b[1]->c FROM t WINDOW TUMBLING (SIZE 1 SECOND) EMIT CHANGES")
	f.Add("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND))")
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []Dialect{Flink, KSQL} {
			stmts, err := parseText(s, d)
			if err != nil {
				var se *Error
				if !errors.As(err, &se) {
					t.Fatalf("%v: %T is not an *Error: %v", d, err, err)
				}
				if se.Pos.Offset < 0 || se.Pos.Offset > len(s) || se.Pos.Line < 1 || se.Pos.Col < 1 {
					t.Fatalf("%v: error position %+v outside the text", d, se.Pos)
				}
			}
			for _, st := range stmts {
				pos, text := st.Span()
				if pos.Offset < 0 || pos.Offset+len(text) > len(s) || s[pos.Offset:pos.Offset+len(text)] != text {
					t.Fatalf("%v: statement span %+v %q does not match the input", d, pos, text)
				}
				_ = Format(st)
			}
			if e, err := parseExprText(s, d); err == nil {
				_ = FormatExpr(e)
			}
		}
		Split(s)
		DetectDialect(s)
	})
}
