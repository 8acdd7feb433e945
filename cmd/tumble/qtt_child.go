package main

// ksqlDB's query-validation files run each in a child process (tumble
// test --qtt-child FROM FILE), so that a case that takes the process down
// (a stack overflow, a fatal runtime error) or hangs is reported as a
// failing case and the run goes on with the next case, instead of ending
// the whole suite.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/qtt"
)

// childLine is one line a child prints on its stdout.
type childLine struct {
	Begin     *int   `json:"begin,omitempty"` // the index of the case that starts
	Name      string `json:"name,omitempty"`
	Outcome   string `json:"outcome,omitempty"` // the result of the case begun last
	Reason    string `json:"reason,omitempty"`
	LoadError string `json:"load_error,omitempty"`
}

// qttChild is the child's side: it runs path's cases from the from-th on
// and prints a childLine before and after each.
func qttChild(ctx context.Context, w io.Writer, from int, path string) error {
	enc := json.NewEncoder(w)
	err := (&qtt.Runner{}).RunFileFrom(ctx, path, from,
		func(i int, name string) { enc.Encode(childLine{Begin: &i, Name: name}) },
		func(r qtt.Result) {
			enc.Encode(childLine{Name: r.Name, Outcome: r.Outcome.String(), Reason: r.Reason})
		})
	if err != nil && ctx.Err() == nil {
		return enc.Encode(childLine{LoadError: err.Error()})
	}
	return err
}

// childSilence is how long a child may print nothing before it is taken
// for hung (a case has 30 s; the broker starts for each).
var childSilence = 3 * time.Minute

// qttIsolated runs a file's cases in child processes that cmd makes: a
// child that dies or hangs fails the case it was running, and a new one
// goes on from the next case. The error says the file could not be read.
func qttIsolated(ctx context.Context, path string, cmd func(from int, path string) *exec.Cmd) ([]suites.Case, error) {
	file := filepath.Base(path)
	var cases []suites.Case
	for from := 0; ; {
		lines, crash := runChild(ctx, cmd(from, path))
		current := -1
		var currentName string
		for _, l := range lines {
			switch {
			case l.LoadError != "":
				return cases, fmt.Errorf("%s", l.LoadError)
			case l.Begin != nil:
				current, currentName = *l.Begin, l.Name
			case l.Outcome != "":
				cases = append(cases, suites.Case{File: file, Name: l.Name, State: suites.State(l.Outcome), Reason: l.Reason})
				current = -1
			}
		}
		if crash == "" || ctx.Err() != nil {
			return cases, ctx.Err()
		}
		if current < 0 {
			// It died between cases (or before the first): nothing to
			// blame, and running it again would do the same.
			return cases, fmt.Errorf("the test process failed: %s", crash)
		}
		cases = append(cases, suites.Case{File: file, Name: currentName, State: suites.Fail, Reason: "the test process " + crash})
		from = current + 1
	}
}

// runChild runs c and returns what it printed; crash says how it ended
// when it did not end well ("" when it did).
func runChild(ctx context.Context, c *exec.Cmd) (lines []childLine, crash string) {
	var stderr strings.Builder
	c.Stderr = &limitedWriter{w: &stderr, n: 64 << 10}
	c.WaitDelay = time.Second // a process that leaves its pipes open (its own children)
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, "could not start: " + err.Error()
	}
	if err := c.Start(); err != nil {
		return nil, "could not start: " + err.Error()
	}
	got := make(chan childLine)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(got)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			var l childLine
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			select {
			case got <- l:
			case <-done:
				return
			}
		}
	}()
	hung := false
	timer := time.NewTimer(childSilence)
	defer timer.Stop()
read:
	for {
		select {
		case l, ok := <-got:
			if !ok {
				break read
			}
			lines = append(lines, l)
			timer.Reset(childSilence)
		case <-timer.C:
			hung = true
			break read
		case <-ctx.Done():
			break read
		}
	}
	close(done)
	if hung || ctx.Err() != nil {
		// Stop it; waiting closes the pipe, which ends the reader.
		c.Process.Kill()
		err = c.Wait()
		wg.Wait()
	} else {
		wg.Wait() // the reader saw the end of the output
		err = c.Wait()
	}
	switch {
	case hung:
		return lines, fmt.Sprintf("printed nothing for %s and was stopped", childSilence)
	case err != nil:
		return lines, fmt.Sprintf("died (%v): %s", err, crashLine(stderr.String()))
	}
	return lines, ""
}

// crashLine picks the line that says why a Go process died.
func crashLine(stderr string) string {
	lines := strings.Split(stderr, "\n")
	for _, prefix := range []string{"fatal error:", "panic:", "runtime:"} {
		for _, l := range lines {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimSpace(l)
			}
		}
	}
	return firstLineOf(stderr)
}

// limitedWriter keeps the first n bytes written to it.
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(len(p), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// selfChild is the command of a child of this executable.
func selfChild(from int, path string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, "test", "--qtt-child", fmt.Sprint(from), path)
}
