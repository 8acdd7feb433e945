package qtt

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/sql"
)

// TestSkipsOnlySchemaRegistryAndTestFunctions keeps the skip rules honest:
// formats that need a schema registry are out of scope; PROTOBUF_NOSR does
// not need one, so its cases run.
func TestSchemaFormatsRunWithARegistry(t *testing.T) {
	for _, c := range []struct {
		stmt     string
		registry bool
	}{
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='AVRO');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', format='PROTOBUF');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', key_format = 'JSON_SR');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='PROTOBUF_NOSR');", true},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='JSON');", false},
		{"CREATE STREAM S (A INT) WITH (kafka_topic='t', value_format='DELIMITED');", false},
	} {
		cs := Case{Statements: []string{c.stmt}}
		if why := skipReason(cs); why != "" {
			t.Errorf("%s: skipped: %s", c.stmt, why)
		}
		if needsRegistry(cs) != c.registry {
			t.Errorf("%s: needs a registry %v, want %v", c.stmt, needsRegistry(cs), c.registry)
		}
	}
	if !needsRegistry(Case{Topics: []Topic{{Name: "t", ValueFormat: "avro"}}}) {
		t.Error("a topic with an AVRO schema needs a registry")
	}
	if why := skipReason(Case{Statements: []string{"SELECT BAD_UDF(A) FROM S;"}}); why == "" {
		t.Error("BAD_UDF is a test-classpath function")
	}
	if why := skipReason(Case{Statements: []string{"SELECT mid_var_arg (A) FROM S;"}}); !strings.Contains(why, "MID_VAR_ARG") {
		t.Errorf("MID_VAR_ARG is a test-classpath function, got %q", why)
	}
	// names that merely end like a test function are ksqlDB's own
	if why := skipReason(Case{Statements: []string{"SELECT MY_TEST_UDF_X(A), JSON_TOSTRING(B) FROM S;"}}); why != "" {
		t.Errorf("skipped: %s", why)
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

// TestPostConditions: a case's "post" conditions on the sources and topics
// are checked after its outputs, as ksqlDB's harness does.
func TestPostConditions(t *testing.T) {
	mk := func(post string) string {
		return `{"tests": [{"name": "p", "statements": [
    "CREATE STREAM TEST (ID INT KEY, V INT) WITH (kafka_topic='test_topic', value_format='JSON');",
    "CREATE TABLE OUTPUT AS SELECT ID, COUNT(*) AS COUNT FROM TEST WINDOW TUMBLING (SIZE 30 SECONDS) GROUP BY ID;"],
   "inputs": [{"topic": "test_topic", "key": 1, "value": {"V": 1}, "timestamp": 0}],
   "outputs": [{"topic": "OUTPUT", "key": 1, "value": {"COUNT": 1}, "timestamp": 0, "window": {"start": 0, "end": 30000, "type": "time"}}],
   "post": ` + post + `}]}`
	}
	for _, c := range []struct {
		post, why string
	}{
		{`{"sources": [{"name": "OUTPUT", "type": "table", "schema": "ID INT KEY, COUNT BIGINT",
		   "keyFormat": {"format": "KAFKA", "windowType": "TUMBLING", "windowSize": 30000}, "valueFormat": "JSON"}],
		   "topics": {"blacklist": ".*-repartition", "topics": [{"name": "OUTPUT", "keyFormat": {"format": "KAFKA"}, "valueFormat": {"format": "JSON"}, "partitions": 1}]}}`, ""},
		{`{"sources": [{"name": "OUTPUT", "type": "stream"}]}`, "post: source OUTPUT: is a TABLE, want a STREAM"},
		{`{"sources": [{"name": "OUTPUT", "type": "table", "schema": "ID BIGINT KEY, COUNT BIGINT"}]}`, "post: source OUTPUT: schema `ID` INTEGER KEY, `COUNT` BIGINT, want `ID` BIGINT KEY, `COUNT` BIGINT"},
		{`{"sources": [{"name": "OUTPUT", "type": "table", "keyFormat": {"format": "KAFKA"}}]}`, "post: source OUTPUT: key window TUMBLING of 30000 ms, want none"},
		{`{"sources": [{"name": "MISSING", "type": "table"}]}`, "post: source MISSING: not in the catalog"},
		{`{"topics": {"blacklist": "OUT"}}`, `post: topic OUTPUT exists, the blacklist "OUT" forbids it`},
		{`{"topics": {"topics": [{"name": "OUTPUT", "keyFormat": {"format": "JSON"}, "valueFormat": {"format": "JSON"}}]}}`, "post: topic OUTPUT has formats KAFKA/JSON, want JSON/JSON"},
	} {
		f := filepath.Join(t.TempDir(), "post.json")
		if err := os.WriteFile(f, []byte(mk(c.post)), 0o644); err != nil {
			t.Fatal(err)
		}
		rs, err := (&Runner{}).RunFile(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		want := Pass
		if c.why != "" {
			want = Fail
		}
		if len(rs) != 1 || rs[0].Outcome != want || rs[0].Reason != c.why {
			t.Errorf("post %s:\n got %v %q\nwant %v %q", c.post, rs[0].Outcome, rs[0].Reason, want, c.why)
		}
	}
}

// TestExpectedException: an expected exception matches as in ksqlDB's
// harness: the expected message contained in ours, the type where it maps
// to where Tumble failed, the cause's message for failures at run time.
func TestExpectedException(t *testing.T) {
	stmt := func(msg string) error {
		return fmt.Errorf("executing: %w", sql.Errorf(sql.Pos{Line: 1, Col: 5}, "%s", msg))
	}
	const (
		statement = "io.confluent.ksql.util.KsqlStatementException"
		parse     = "io.confluent.ksql.parser.exception.ParseFailedException"
		streams   = "org.apache.kafka.streams.errors.StreamsException"
	)
	for _, c := range []struct {
		want Exception
		kind failureKind
		err  error
		ok   bool
	}{
		{Exception{Type: statement, Message: "WHERE column 'BOB' cannot be resolved."}, statementFailure, stmt("WHERE column 'BOB' cannot be resolved."), true},
		{Exception{Type: statement, Message: "cannot be resolved"}, statementFailure, stmt("Column 'BOB' not found in any table"), false},
		{Exception{Type: "io.confluent.ksql.util.KsqlException", Message: "x"}, parseFailure, stmt("a x b"), true},
		{Exception{Type: parse, Message: "Syntax Error"}, statementFailure, stmt("Syntax Error"), false},
		{Exception{Type: parse, Message: "Syntax Error"}, parseFailure, stmt("Syntax Error near AND"), true},
		{Exception{Type: streams, Message: "Exception caught in process", CauseMessage: "Numeric field overflow"}, runtimeFailure, fmt.Errorf("job failed: Numeric field overflow"), true},
		{Exception{Type: streams, Message: "Exception caught in process", CauseMessage: "Numeric field overflow"}, runtimeFailure, fmt.Errorf("job failed: division by zero"), false},
		{Exception{Type: streams, Message: "Exception caught in process"}, statementFailure, stmt("Exception caught in process"), false},
		{Exception{Type: "io.confluent.ksql.some.UnmappedException", Message: "boom"}, runtimeFailure, fmt.Errorf("boom"), true},
	} {
		why := c.want.mismatch(c.kind, c.err)
		if (why == "") != c.ok {
			t.Errorf("%s / %v %v: mismatch %q, want match=%v", c.want.String(), c.kind, c.err, why, c.ok)
		}
	}
}

// TestEqualJSONMissingFieldIsNull: as ksqlDB's harness compares records,
// an expected field the record lacks reads as NULL (with as many fields on
// both sides), and field names match whatever their case.
func TestEqualJSONMissingFieldIsNull(t *testing.T) {
	dec := func(s string) any {
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		got, want string
		equal     bool
	}{
		{`{"A":null,"B":1}`, `{"C":null,"B":1}`, true},
		{`{"A":null}`, `{"B":1}`, false},
		{`{"A":1}`, `{"A":1,"B":null}`, false},
		{`{"JSON_V":2}`, `{"json_v":2}`, true},
	} {
		if got := equalJSON(dec(c.got), dec(c.want)); got != c.equal {
			t.Errorf("equalJSON(%s, %s) = %v, want %v", c.got, c.want, got, c.equal)
		}
	}
}
