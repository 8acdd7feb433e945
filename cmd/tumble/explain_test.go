package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExplainFileWithExplainStatement: `tumble explain -f FILE` where the
// file says EXPLAIN INSERT INTO ... SELECT ... after its DDL prints the
// plan, the same as for the bare INSERT.
func TestExplainFileWithExplainStatement(t *testing.T) {
	ddl := `CREATE TABLE src (a INT, b STRING) WITH ('connector' = 'datagen');
CREATE TABLE dst (a INT, b STRING) WITH ('connector' = 'blackhole');
`
	insert := "INSERT INTO dst SELECT a, b FROM src WHERE a > 1;\n"
	dir := t.TempDir()
	bare, explained := filepath.Join(dir, "bare.sql"), filepath.Join(dir, "explained.sql")
	if err := os.WriteFile(bare, []byte(ddl+insert), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(explained, []byte(ddl+"EXPLAIN "+insert), 0o644); err != nil {
		t.Fatal(err)
	}
	want, err := explainFiles([]string{bare}, "flink")
	if err != nil {
		t.Fatal(err)
	}
	got, err := explainFiles([]string{explained}, "flink")
	if err != nil {
		t.Fatal(err)
	}
	_, wantPlan, _ := strings.Cut(want, "== Physical Plan ==")
	_, gotPlan, found := strings.Cut(got, "== Physical Plan ==")
	if !found || gotPlan != wantPlan || !strings.Contains(gotPlan, "Calc") {
		t.Fatalf("EXPLAIN INSERT printed:\n%s\nthe bare INSERT:\n%s", got, want)
	}
	if !strings.Contains(got, "EXPLAIN INSERT INTO dst") {
		t.Fatalf("the statement is not named:\n%s", got)
	}
}

// TestExplainKSQLChain: in ksqlDB's dialect a CREATE ... AS SELECT is
// explained and declared, so the statements after it that read what it
// creates are explained too (as queries/ksql does).
func TestExplainKSQLChain(t *testing.T) {
	f := filepath.Join(t.TempDir(), "chain.sql")
	text := `CREATE STREAM s (id INT KEY, v INT) WITH (kafka_topic='s', value_format='json', partitions=1);
CREATE STREAM big AS SELECT id, v FROM s WHERE v > 10 EMIT CHANGES;
CREATE TABLE counts AS SELECT id, COUNT(*) AS n FROM big GROUP BY id EMIT CHANGES;
`
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := explainFiles([]string{f}, "ksql")
	if err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	if strings.Count(got, "== Physical Plan ==") != 2 || !strings.Contains(got, "table=[BIG]") {
		t.Fatalf("explained:\n%s", got)
	}
}
