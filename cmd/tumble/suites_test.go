package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestQTTUnreadableFileDoesNotStopOthers: a file that cannot be read is a
// failing case of its own; the other files still run.
func TestQTTUnreadableFileDoesNotStopOthers(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "a_bad.json")
	good := filepath.Join(dir, "b_good.json")
	if err := os.WriteFile(bad, []byte(`{"tests": [ {"name": `), 0o644); err != nil {
		t.Fatal(err)
	}
	goodText := `{"tests": [{"name": "projects", "statements": [
    "CREATE STREAM TEST (ID BIGINT KEY, V INT) WITH (kafka_topic='test_topic', value_format='JSON');",
    // a comment, as some of ksqlDB's files have
    "CREATE STREAM OUTPUT AS SELECT ID, V + 1 AS W FROM TEST;"],
   "inputs": [{"topic": "test_topic", "key": 1, "value": {"V": 1}}],
   "outputs": [{"topic": "OUTPUT", "key": 1, "value": {"W": 2}}]}]}`
	if err := os.WriteFile(good, []byte(goodText), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	st := suiteTest{out: &out, verbose: true}
	err := st.qtt(context.Background(), []string{bad, good})
	if err == nil || !strings.Contains(out.String(), "FAIL a_bad.json: (the file) — cannot load:") || !strings.Contains(out.String(), "PASS b_good.json: projects") {
		t.Fatalf("err %v, output:\n%s", err, out.String())
	}
	// Against expectations that list both, the unreadable file's case is
	// recorded as failing and the run matches.
	expect := filepath.Join(dir, "expect.txt")
	st = suiteTest{out: &out, expect: expect, update: true}
	if err := st.qtt(context.Background(), []string{bad, good}); err != nil {
		t.Fatal(err)
	}
	st.update = false
	out.Reset()
	if err := st.qtt(context.Background(), []string{bad, good}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// The good file turning unreadable makes its case go missing: a failure.
	if err := os.WriteFile(good, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := st.qtt(context.Background(), []string{bad, good}); err == nil || !strings.Contains(out.String(), "GONE PASS b_good.json: projects") {
		t.Fatalf("err %v, output:\n%s", err, out.String())
	}
}

// TestQFilesAgainstExpectations: with --expect, -update rewrites the
// expectations and leaves the script alone; a later run that differs in
// one statement's state fails.
func TestQFilesAgainstExpectations(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "s.q")
	text := "SHOW TABLES;\nEmpty set\n!ok\n\nSHOW TABLES;\nnot what it prints\n!ok\n"
	if err := os.WriteFile(script, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	expect := filepath.Join(dir, "expect.txt")
	var out bytes.Buffer
	st := suiteTest{out: &out, expect: expect, update: true}
	if err := st.qfiles(context.Background(), []string{script}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(script); string(b) != text {
		t.Fatalf("the script was rewritten:\n%s", b)
	}
	b, _ := os.ReadFile(expect)
	if !strings.Contains(string(b), "PASS\ts.q\t1: SHOW TABLES\n") || !strings.Contains(string(b), "FAIL\ts.q\t5: SHOW TABLES\toutput line 1 differs: want \"not what it prints\", got \"Empty set\"\n") {
		t.Fatalf("expectations:\n%s", b)
	}
	st.update = false
	if err := st.qfiles(context.Background(), []string{script}); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	// The second statement now passes: a change of state, to accept with -update.
	if err := os.WriteFile(script, []byte(strings.Replace(text, "not what it prints", "Empty set", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := st.qfiles(context.Background(), []string{script}); err == nil || !strings.Contains(out.String(), "CHANGED FAIL -> PASS  s.q: 5: SHOW TABLES") {
		t.Fatalf("err %v, output:\n%s", err, out.String())
	}
}

// TestQTTChildCrashes: a file's cases run in child processes; a child that
// dies or hangs fails the case it was running and a new child goes on
// with the next case (the children here are shell scripts that print
// what tumble test --qtt-child prints).
func TestQTTChildCrashes(t *testing.T) {
	old := childSilence
	childSilence = 500 * time.Millisecond
	defer func() { childSilence = old }()
	script := map[int]string{
		0: `echo '{"begin":0,"name":"a"}'; echo '{"name":"a","outcome":"PASS"}'; echo '{"begin":1,"name":"b"}'; echo 'fatal error: stack overflow' >&2; exit 2`,
		2: `echo '{"begin":2,"name":"c"}'; sleep 5`,
		3: `echo '{"begin":3,"name":"d"}'; echo '{"name":"d","outcome":"FAIL","reason":"x"}'`,
	}
	cmd := func(from int, path string) *exec.Cmd { return exec.Command("sh", "-c", script[from]) }
	cases, err := qttIsolated(context.Background(), "/x/f.json", cmd)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cases {
		got = append(got, c.String())
	}
	want := []string{
		"PASS f.json: a",
		"FAIL f.json: b — the test process died (exit status 2): fatal error: stack overflow",
		"FAIL f.json: c — the test process printed nothing for 500ms and was stopped",
		"FAIL f.json: d — x",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A file the child cannot read is the file's error.
	cmd = func(int, string) *exec.Cmd {
		return exec.Command("sh", "-c", `echo '{"load_error":"f.json: bad JSON"}'`)
	}
	if _, err := qttIsolated(context.Background(), "/x/f.json", cmd); err == nil || err.Error() != "f.json: bad JSON" {
		t.Fatalf("load error: %v", err)
	}
}
