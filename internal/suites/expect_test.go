package suites

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReadRoundTrip(t *testing.T) {
	cases := []Case{
		{File: "b.q", Name: "100: SELECT 1", State: Pass},
		{File: "b.q", Name: "20: SELECT\t2", State: Fail, Reason: "output line 1 differs:\n want 2\tgot 3 at 127.0.0.1:40123 in /tmp/tumble-q-123/x"},
		{File: "a.json", Name: "z", State: Skip, Reason: "AVRO needs a schema registry"},
		{File: "a.json", Name: "y", State: Pass, Reason: "passes carry no reason"},
	}
	var b bytes.Buffer
	if err := Write(&b, "header line 1\nheader line 2", cases); err != nil {
		t.Fatal(err)
	}
	want := "# header line 1\n# header line 2\n" +
		"PASS\ta.json\ty\n" +
		"SKIP\ta.json\tz\tAVRO needs a schema registry\n" +
		"FAIL\tb.q\t20: SELECT 2\toutput line 1 differs: want 2 got 3 at 127.0.0.1:PORT in $TMP/x\n" +
		"PASS\tb.q\t100: SELECT 1\n"
	if b.String() != want {
		t.Fatalf("written:\n%s\nwant:\n%s", b.String(), want)
	}
	f := filepath.Join(t.TempDir(), "e.txt")
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e, err := ReadExpectations(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Cases) != 4 || e.Cases["b.q\t20: SELECT 2"].State != Fail {
		t.Fatalf("read %+v", e.Cases)
	}
	// The cases read back compare equal with the run they were written from
	// (names and reasons as the file has them).
	if r := Compare(e, map[string]bool{"a.json": true, "b.q": true}, readBack(e)); r.Failed() || len(r.New) > 0 || len(r.Reasons) > 0 {
		t.Fatalf("round trip differs: %+v", r)
	}
}

func readBack(e *Expectations) []Case {
	var out []Case
	for _, c := range e.Cases {
		out = append(out, c)
	}
	return out
}

func TestReadRejectsBadLines(t *testing.T) {
	for _, text := range []string{"PASS\tonly-file\n", "MAYBE\tf\tn\n", "PASS\tf\tn\nFAIL\tf\tn\tx\n"} {
		f := filepath.Join(t.TempDir(), "e.txt")
		if err := os.WriteFile(f, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadExpectations(f); err == nil {
			t.Errorf("%q: read without error", text)
		}
	}
	e, err := ReadExpectations(filepath.Join(t.TempDir(), "absent.txt"))
	if err != nil || len(e.Cases) != 0 {
		t.Fatalf("an absent file reads as empty: %v %v", e, err)
	}
}

// TestCompare: a changed state fails (a new pass too), a case missing from
// a file that ran fails, new cases and cases of files that did not run do
// not.
func TestCompare(t *testing.T) {
	e := &Expectations{Cases: map[string]Case{}}
	for _, c := range []Case{
		{File: "a", Name: "stays", State: Pass},
		{File: "a", Name: "regresses", State: Pass},
		{File: "a", Name: "now passes", State: Fail, Reason: "x"},
		{File: "a", Name: "other reason", State: Fail, Reason: "x"},
		{File: "a", Name: "vanishes", State: Pass},
		{File: "b", Name: "not run", State: Pass},
	} {
		e.Cases[c.key()] = c
	}
	ran := map[string]bool{"a": true, "c": true}
	got := []Case{
		{File: "a", Name: "stays", State: Pass},
		{File: "a", Name: "regresses", State: Fail, Reason: "boom"},
		{File: "a", Name: "now passes", State: Pass},
		{File: "a", Name: "other reason", State: Fail, Reason: "y"},
		{File: "c", Name: "brand new", State: Fail, Reason: "z"},
	}
	r := Compare(e, ran, got)
	if !r.Failed() || len(r.Changed) != 2 || r.Changed[0].Want.Name != "now passes" || r.Changed[1].Want.Name != "regresses" {
		t.Fatalf("changed: %+v", r.Changed)
	}
	if len(r.Gone) != 1 || r.Gone[0].Name != "vanishes" {
		t.Fatalf("gone: %+v", r.Gone)
	}
	if len(r.New) != 1 || r.New[0].Name != "brand new" || len(r.Reasons) != 1 {
		t.Fatalf("new %+v reasons %+v", r.New, r.Reasons)
	}
	var out bytes.Buffer
	r.Print(&out, "suite", "e.txt", false)
	for _, want := range []string{"CHANGED PASS -> FAIL  a: regresses", "now: boom", "GONE PASS a: vanishes", "NEW FAIL c: brand new — z", "2 changed, 1 new, 1 gone"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	// Only new cases: reported, not failed.
	if r := Compare(&Expectations{Cases: map[string]Case{}}, ran, got[:1]); r.Failed() || len(r.New) != 1 {
		t.Fatalf("new only: %+v", r)
	}
}

// TestUpdateKeepsFilesNotRun: -update over some files of a suite rewrites
// their lines and keeps the others'.
func TestUpdateKeepsFilesNotRun(t *testing.T) {
	f := filepath.Join(t.TempDir(), "e.txt")
	if err := os.WriteFile(f, []byte("PASS\ta\tone\nPASS\tb\ttwo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := Check(&out, "s", f, "h", map[string]bool{"a": true}, []Case{{File: "a", Name: "one", State: Fail, Reason: "r"}}, true, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(f)
	if string(b) != "# h\nFAIL\ta\tone\tr\nPASS\tb\ttwo\n" {
		t.Fatalf("rewritten:\n%s", b)
	}
	if err := Check(&out, "s", f, "h", map[string]bool{"a": true}, []Case{{File: "a", Name: "one", State: Pass}}, false, false); err == nil {
		t.Fatal("a change of state passed the check")
	}
}

func TestNatLess(t *testing.T) {
	for _, c := range [][2]string{{"a.q:9", "a.q:10"}, {"2: x", "10: x"}, {"a", "b"}, {"x1", "x01a"}, {"", "a"}} {
		if !natLess(c[0], c[1]) || natLess(c[1], c[0]) {
			t.Errorf("natLess(%q, %q) wrong", c[0], c[1])
		}
	}
}

func TestRequireSkipsWhenAbsent(t *testing.T) {
	var s fakeT
	Require(&s, "suites/no-such-suite-here")
	if !strings.HasPrefix(s.skipped, "SKIP: ") || !strings.Contains(s.skipped, "is absent") {
		t.Fatalf("skip line %q", s.skipped)
	}
}

type fakeT struct{ skipped string }

func (f *fakeT) Helper() {}
func (f *fakeT) Skipf(format string, args ...any) {
	if f.skipped == "" {
		f.skipped = sprintf(format, args...)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
