package qtt

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

const suiteDir = "../../shared/suites/ksqldb-qtt"

// TestKsqlDBSuite runs ksqlDB's query-validation tests from ../shared and
// requires at least 90% of the cases in scope to pass; it lists the
// failures.
func TestKsqlDBSuite(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(suiteDir, "*.json"))
	if len(files) == 0 {
		if _, err := os.Stat(suiteDir); err != nil {
			t.Skipf("SKIP: %s is absent (the shared suites sit beside the repository)", suiteDir)
		}
		t.Fatalf("no .json files in %s", suiteDir)
	}
	r := &Runner{}
	var results []Result
	for _, f := range files {
		rs, err := r.RunFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, rs...)
	}
	pass, fail, skip := Summary(results)
	for _, x := range results {
		if x.Outcome == Fail {
			t.Logf("FAIL %s | %s | %s", filepath.Base(x.File), x.Name, x.Reason)
		}
	}
	t.Logf("%d passed, %d failed, %d skipped", pass, fail, skip)
	if pass+fail == 0 || float64(pass) < 0.9*float64(pass+fail) {
		t.Fatalf("%d of %d cases in scope pass; at least 90%% must", pass, pass+fail)
	}
}

// TestSkipsOnlySchemaRegistryAndTestFunctions keeps the skip rules honest.
func TestSkipsOnlySchemaRegistryAndTestFunctions(t *testing.T) {
	for _, c := range []struct {
		stmt string
		skip bool
	}{
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='AVRO');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', format='PROTOBUF');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');", false},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='DELIMITED');", false},
	} {
		got := skipReason(Case{Statements: []string{c.stmt}}) != ""
		if got != c.skip {
			t.Errorf("%s: skipped=%v, want %v", c.stmt, got, c.skip)
		}
	}
}
