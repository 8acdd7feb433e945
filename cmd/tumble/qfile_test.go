package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseQFile(t *testing.T) {
	text := "# a comment\n\nSET 'a' = 'b';\n[INFO] Execute statement succeeded.\n!info\n\nSELECT 1,\n  2;\n+---+\n| x |   \n+---+\n!ok\n\ndrop table nope;\n[ERROR] whatever\n!error\n"
	bs := parseQFile(text)
	if len(bs) != 3 {
		t.Fatalf("got %d blocks: %+v", len(bs), bs)
	}
	if bs[0].Line != 3 || bs[0].Stmt != "SET 'a' = 'b'" || bs[0].Check != "info" || bs[0].Want != "[INFO] Execute statement succeeded." {
		t.Errorf("block 0: %+v", bs[0])
	}
	if bs[1].Stmt != "SELECT 1,\n  2" || bs[1].Want != "+---+\n| x |\n+---+" || bs[1].Check != "ok" {
		t.Errorf("block 1: %+v", bs[1])
	}
	if bs[2].Check != "error" {
		t.Errorf("block 2: %+v", bs[2])
	}
}

// TestQFileRuns runs a small script through the REPL on an embedded
// broker: a passing SET, a table printed as Flink prints it, a statement
// that must fail with Flink's message (its Java class and line breaks
// aside), the same failing with another message, one that only must
// fail, and one whose expected output is wrong.
func TestQFileRuns(t *testing.T) {
	dir := t.TempDir()
	script := `SET 'table.dml-sync' = 'true';
[INFO] Execute statement succeeded.
!info

show tables;
Empty set
!ok

drop table non_exist;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: Table with identifier 'default_catalog.default_database.non_exist'
 does not exist.
!error

drop table non_exist;
[ERROR] Could not execute SQL statement. Reason:
org.apache.flink.table.api.ValidationException: another error
!error

drop table non_exist;
!error

show tables;
+------------+
| table name |
+------------+
|     nope   |
+------------+
1 row in set
!ok
`
	f := filepath.Join(dir, "t.q")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := runQFile(context.Background(), f, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rs {
		got = append(got, map[bool]string{true: "pass", false: "fail"}[r.Pass])
	}
	if strings.Join(got, ",") != "pass,pass,pass,fail,pass,fail" {
		t.Fatalf("got %v: %+v", got, rs)
	}
}

// TestQFileUpdate rewrites a script's expected output with what the
// client printed; the rewritten script then passes and keeps its comments.
func TestQFileUpdate(t *testing.T) {
	f := filepath.Join(t.TempDir(), "u.q")
	script := "# keep me\nSHOW TABLES;\nwrong\n!ok\n\ndrop table nope;\n!ok\n"
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := runQFile(context.Background(), f, true); err != nil {
		t.Fatal(err)
	}
	rs, err := runQFile(context.Background(), f, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(f)
	for _, r := range rs {
		if !r.Pass {
			t.Fatalf("after -update, %q fails:\n%s", r.Stmt, b)
		}
	}
	if !strings.HasPrefix(string(b), "# keep me\nSHOW TABLES;\nEmpty set\n!ok\n") || !strings.Contains(string(b), "[ERROR]") || !strings.Contains(string(b), "!error") {
		t.Fatalf("rewritten script:\n%s", b)
	}
}
