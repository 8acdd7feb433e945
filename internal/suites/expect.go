package suites

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
)

// State is a case's outcome.
type State string

const (
	Pass State = "PASS"
	Fail State = "FAIL"
	Skip State = "SKIP"
)

// Case is one case of a suite: the file it comes from (a base name), its
// name within the file, its state and, unless it passes, why.
type Case struct {
	File   string
	Name   string
	State  State
	Reason string
}

func (c Case) key() string { return c.File + "\t" + c.Name }

func (c Case) String() string {
	s := fmt.Sprintf("%s %s: %s", c.State, c.File, c.Name)
	if c.Reason != "" {
		s += " — " + c.Reason
	}
	return s
}

// Expectations is a suite's checked-in list of cases.
type Expectations struct {
	Cases map[string]Case // by file and name
}

// The file format: '#' comment lines, then one line per case, sorted by
// file and name (numbers in names compare as numbers):
//
//	STATE<TAB>FILE<TAB>NAME[<TAB>REASON]
//
// One line per case keeps merges of concurrent changes to separate cases
// free of conflicts; -update rewrites the file whole.

// ReadExpectations reads an expectations file. A file that does not exist
// reads as empty (every case is then new).
func ReadExpectations(path string) (*Expectations, error) {
	e := &Expectations{Cases: map[string]Case{}}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return e, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		parts := strings.SplitN(line, "\t", 4)
		if len(parts) < 3 {
			return nil, fmt.Errorf("%s:%d: want STATE<TAB>FILE<TAB>NAME[<TAB>REASON]", path, n)
		}
		c := Case{State: State(parts[0]), File: parts[1], Name: parts[2]}
		if len(parts) == 4 {
			c.Reason = parts[3]
		}
		switch c.State {
		case Pass, Fail, Skip:
		default:
			return nil, fmt.Errorf("%s:%d: unknown state %q (PASS, FAIL or SKIP)", path, n, c.State)
		}
		if _, dup := e.Cases[c.key()]; dup {
			return nil, fmt.Errorf("%s:%d: %s: %s is listed twice", path, n, c.File, c.Name)
		}
		e.Cases[c.key()] = c
	}
	return e, sc.Err()
}

// Write writes cases in the file format, after the header's lines (each
// written as a '#' comment).
func Write(w io.Writer, header string, cases []Case) error {
	var b bytes.Buffer
	for _, l := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	cs := append([]Case(nil), cases...)
	Sort(cs)
	for _, c := range cs {
		b.WriteString(string(c.State) + "\t" + oneLine(c.File) + "\t" + oneLine(c.Name))
		if c.State != Pass && c.Reason != "" {
			b.WriteString("\t" + oneLine(c.Reason))
		}
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Update rewrites path with the cases of a run. Cases of files that were
// not part of the run (ran says which were) keep their lines, so running
// a few files of a suite updates only theirs.
func Update(path, header string, e *Expectations, ran map[string]bool, got []Case) error {
	cases := append([]Case(nil), got...)
	for _, c := range e.Cases {
		if !ran[c.File] {
			cases = append(cases, c)
		}
	}
	var b bytes.Buffer
	if err := Write(&b, header, cases); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Sort orders cases by file, then name, numbers compared as numbers.
func Sort(cs []Case) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].File != cs[j].File {
			return natLess(cs[i].File, cs[j].File)
		}
		return natLess(cs[i].Name, cs[j].Name)
	})
}

// Report is how a run compares with the expectations.
type Report struct {
	Changed []Change // a case whose state differs
	New     []Case   // in the run, not in the expectations
	Gone    []Case   // expected, absent from a file that ran
	Reasons []Change // same state (FAIL or SKIP), another reason
	Counts  map[State]int
}

// Change is an expected case and what the run gave.
type Change struct {
	Want, Got Case
}

// Failed says whether the run breaks the expectations: a case changed
// state (a new pass too: it is accepted with -update) or went missing
// from a file that ran. New cases alone do not fail a run: they are
// reported, and recorded with -update.
func (r *Report) Failed() bool { return len(r.Changed) > 0 || len(r.Gone) > 0 }

// Compare compares a run with the expectations. ran holds the files that
// ran (each file a runner was given, loaded or not).
func Compare(e *Expectations, ran map[string]bool, got []Case) *Report {
	r := &Report{Counts: map[State]int{}}
	seen := map[string]bool{}
	for _, c := range got {
		r.Counts[c.State]++
		seen[c.key()] = true
		w, ok := e.Cases[c.key()]
		switch {
		case !ok:
			r.New = append(r.New, c)
		case w.State != c.State:
			r.Changed = append(r.Changed, Change{w, c})
		case c.State != Pass && oneLine(w.Reason) != oneLine(c.Reason):
			r.Reasons = append(r.Reasons, Change{w, c})
		}
	}
	for k, c := range e.Cases {
		if ran[c.File] && !seen[k] {
			r.Gone = append(r.Gone, c)
		}
	}
	Sort(r.New)
	Sort(r.Gone)
	sortChanges(r.Changed)
	sortChanges(r.Reasons)
	return r
}

func sortChanges(cs []Change) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i].Want, cs[j].Want
		if a.File != b.File {
			return natLess(a.File, b.File)
		}
		return natLess(a.Name, b.Name)
	})
}

// Print writes the report: each change, new and gone case on a line, then
// a summary line. verbose adds cases whose reason changed.
func (r *Report) Print(w io.Writer, suite, expectPath string, verbose bool) {
	for _, c := range r.Changed {
		fmt.Fprintf(w, "CHANGED %s -> %s  %s: %s\n", c.Want.State, c.Got.State, c.Got.File, c.Got.Name)
		if c.Want.Reason != "" {
			fmt.Fprintf(w, "    was: %s\n", oneLine(c.Want.Reason))
		}
		if c.Got.Reason != "" {
			fmt.Fprintf(w, "    now: %s\n", oneLine(c.Got.Reason))
		}
	}
	for _, c := range r.Gone {
		fmt.Fprintf(w, "GONE %s %s: %s (listed as %s, not run)\n", c.State, c.File, c.Name, c.State)
	}
	for _, c := range r.New {
		fmt.Fprintf(w, "NEW %s\n", c)
	}
	if verbose {
		for _, c := range r.Reasons {
			fmt.Fprintf(w, "REASON %s %s: %s\n    was: %s\n    now: %s\n", c.Got.State, c.Got.File, c.Got.Name, oneLine(c.Want.Reason), oneLine(c.Got.Reason))
		}
	}
	fmt.Fprintf(w, "%s: %d passed, %d failed, %d skipped; against %s: %d changed, %d new, %d gone",
		suite, r.Counts[Pass], r.Counts[Fail], r.Counts[Skip], expectPath, len(r.Changed), len(r.New), len(r.Gone))
	if len(r.Reasons) > 0 {
		fmt.Fprintf(w, ", %d with another reason", len(r.Reasons))
	}
	fmt.Fprintln(w)
}

var (
	spaces  = regexp.MustCompile(`\s+`)
	addrRE  = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	tmpRE   = regexp.MustCompile(`/tmp/[^\s/'"]+`)
	maxLine = 400
)

// oneLine flattens text for a line of the file: whitespace runs become one
// space, run-specific parts (loopback ports, temporary directories) are
// masked, and long text is cut.
func oneLine(s string) string {
	s = NormalizeReason(s)
	if len(s) > maxLine {
		cut := maxLine
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "..."
	}
	return s
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// NormalizeReason is a reason as the file records it, minus the length cut.
func NormalizeReason(s string) string {
	s = addrRE.ReplaceAllString(s, "127.0.0.1:PORT")
	s = tmpRE.ReplaceAllString(s, "$$TMP")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// natLess orders strings with digit runs compared as numbers.
func natLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da > 0 && db > 0 {
			na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
			if len(na) != len(nb) {
				return len(na) < len(nb)
			}
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// Check compares a run with the expectations file at path and prints the
// report to w; with update it rewrites the file instead (printing what
// changed) and succeeds. The error says the run broke the expectations.
func Check(w io.Writer, suite, path, header string, ran map[string]bool, got []Case, update, verbose bool) error {
	e, err := ReadExpectations(path)
	if err != nil {
		return err
	}
	r := Compare(e, ran, got)
	r.Print(w, suite, path, verbose)
	if update {
		if err := Update(path, header, e, ran, got); err != nil {
			return err
		}
		fmt.Fprintf(w, "%s rewritten: review the diff\n", path)
		return nil
	}
	switch {
	case r.Failed():
		fmt.Fprintf(w, "the run differs from %s: fix the regression, or accept the change with -update and review the diff\n", path)
	case len(r.New) > 0:
		fmt.Fprintf(w, "%d new cases: record them with -update\n", len(r.New))
	}
	if r.Failed() {
		return fmt.Errorf("%s: %d cases changed state, %d went missing (see above)", suite, len(r.Changed), len(r.Gone))
	}
	return nil
}
