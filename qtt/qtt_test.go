package qtt

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSkipsOnlySchemaRegistryAndTestFunctions keeps the skip rules honest:
// formats that need a schema registry are out of scope; PROTOBUF_NOSR does
// not need one, so its cases run.
func TestSkipsOnlySchemaRegistryAndTestFunctions(t *testing.T) {
	for _, c := range []struct {
		stmt string
		skip bool
	}{
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='AVRO');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', format='PROTOBUF');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', key_format = 'JSON_SR');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='PROTOBUF_NOSR');", false},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');", false},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='DELIMITED');", false},
	} {
		why := skipReason(Case{Statements: []string{c.stmt}})
		if (why != "") != c.skip {
			t.Errorf("%s: skipped=%q, want skipped=%v", c.stmt, why, c.skip)
		}
	}
	if why := skipReason(Case{Topics: []Topic{{Name: "t", ValueFormat: "PROTOBUF_NOSR"}}}); why != "" {
		t.Errorf("a PROTOBUF_NOSR topic is skipped: %s", why)
	}
}

// TestLoadFileComments: ksqlDB's loader accepts // and /* */ comments
// (Jackson's ALLOW_COMMENTS), and some files of the suite have them; a
// comment marker inside a string stays.
func TestLoadFileComments(t *testing.T) {
	text := `{
  // a line comment
  "tests": [ /* a block
     comment */
    {
      "name": "a // b /* c */",
      "statements": ["SELECT 'x\"//y' FROM S;"], // trailing
      "inputs": [{"topic": "t", "value": {"v": "http://h/p"}}]
    }
  ]
}`
	f := filepath.Join(t.TempDir(), "c.json")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := LoadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Tests) != 1 || got.Tests[0].Name != "a // b /* c */" || got.Tests[0].Statements[0] != `SELECT 'x"//y' FROM S;` ||
		!strings.Contains(string(got.Tests[0].Inputs[0].Value), "http://h/p") {
		t.Fatalf("got %+v", got.Tests)
	}
	// A broken file names itself and its line.
	if err := os.WriteFile(f, []byte("{\n  \"tests\": [\n  }"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(f); err == nil || !strings.Contains(err.Error(), "c.json") {
		t.Fatalf("broken file: %v", err)
	}
}

// TestRunFileCases runs two small cases on the embedded broker: one whose
// output matches and one whose expected output is wrong.
func TestRunFileCases(t *testing.T) {
	text := `{"tests": [
  {"name": "ok", "statements": [
    "CREATE STREAM TEST (ID BIGINT KEY, V INT) WITH (kafka_topic='test_topic', value_format='JSON');",
    "CREATE STREAM OUTPUT AS SELECT ID, V * 2 AS W FROM TEST;"],
   "inputs": [{"topic": "test_topic", "key": 1, "value": {"V": 21}}],
   "outputs": [{"topic": "OUTPUT", "key": 1, "value": {"W": 42}}]},
  {"name": "wrong", "statements": [
    "CREATE STREAM TEST (ID BIGINT KEY, V INT) WITH (kafka_topic='test_topic', value_format='JSON');",
    "CREATE STREAM OUTPUT AS SELECT ID, V * 2 AS W FROM TEST;"],
   "inputs": [{"topic": "test_topic", "key": 1, "value": {"V": 21}}],
   "outputs": [{"topic": "OUTPUT", "key": 1, "value": {"W": 43}}]}
]}`
	f := filepath.Join(t.TempDir(), "small.json")
	if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	rs, err := (&Runner{}).RunFile(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Outcome != Pass || rs[1].Outcome != Fail || !strings.Contains(rs[1].Reason, "want {\"W\":43}") {
		t.Fatalf("got %+v", rs)
	}
	if c := rs[1].SuiteCase(); c.File != "small.json" || c.Name != "wrong" || c.State != "FAIL" {
		t.Fatalf("suite case %+v", c)
	}
}
