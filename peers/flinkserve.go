package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// flinkServer is the Flink runner in server mode (FlinkRunner --serve): one
// JVM that runs statements one at a time as asked (Serve.java has the
// protocol). Methods are called from one goroutine.
type flinkServer struct {
	p     *proc
	in    io.WriteCloser
	lines chan string
	next  atomic.Int64
	// took is the time spent per kind of request (exec:jobs, sync, ...).
	took map[string]time.Duration
}

// flinkReply is the runner's answer to one request.
type flinkReply struct {
	ID      int64  `json:"id"`
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Job     string `json:"job"`
	Columns []struct {
		Name string `json:"name"`
		Type string `json:"type"`
	} `json:"columns"`
	Rows [][]string `json:"rows"`
}

// startFlinkServer starts the runner in server mode; its log goes to
// logs/<name>.log.
func (e *env) startFlinkServer(ctx context.Context, name string) (*flinkServer, error) {
	runner, err := e.flinkRunner(ctx)
	if err != nil {
		return nil, err
	}
	p, in, err := startIn(filepath.Join(e.logs, name+".log"), e.root, nil, "java", append(runner, "--serve")...)
	if err != nil {
		return nil, err
	}
	s := &flinkServer{p: p, in: in, lines: make(chan string, 16), took: map[string]time.Duration{}}
	// The answers are the lines of the process's output that start with
	// {"id": (Flink's logging goes to stderr, but a library may print).
	r, w := io.Pipe()
	p.mu.Lock()
	p.tee = w
	p.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, `{"id":`) {
				s.lines <- l
			}
		}
		close(s.lines)
	}()
	go func() {
		<-p.done
		w.Close()
	}()
	return s, nil
}

// do sends a request and waits for its answer, at most timeout plus a
// minute (the runner enforces timeout itself; the minute covers a JVM that
// stopped answering, which is then killed).
func (s *flinkServer) do(ctx context.Context, req map[string]any, timeout time.Duration) (*flinkReply, error) {
	id := s.next.Add(1)
	kind, _ := req["op"].(string)
	if envs, ok := req["envs"].([]string); ok {
		kind += ":" + strings.Join(envs, ",")
	}
	defer func(t time.Time) { s.took[kind] += time.Since(t) }(time.Now())
	req["id"] = id
	req["timeoutMs"] = timeout.Milliseconds()
	b, _ := json.Marshal(req)
	if _, err := s.in.Write(append(b, '\n')); err != nil {
		return nil, fmt.Errorf("the Flink runner is gone: %v (%s)", err, lastLines(s.p.output(), 5))
	}
	wait := time.NewTimer(timeout + time.Minute)
	defer wait.Stop()
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				return nil, fmt.Errorf("the Flink runner exited (%s)", lastLines(s.p.output(), 5))
			}
			var r flinkReply
			if err := json.Unmarshal([]byte(l), &r); err != nil {
				return nil, fmt.Errorf("the Flink runner's answer %q: %v", l, err)
			}
			if r.ID != id {
				continue // the answer to a request given up on
			}
			if r.Error != "" {
				return &r, fmt.Errorf("%s", r.Error)
			}
			return &r, nil
		case <-wait.C:
			s.p.kill9()
			return nil, fmt.Errorf("the Flink runner did not answer within %s: killed", timeout+time.Minute)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// exec runs a statement in the runner's environments named (jobs: INSERT
// jobs that keep running; query: streaming, for bounded queries; batch).
func (s *flinkServer) exec(ctx context.Context, stmt string, envs []string, async bool, timeout time.Duration) (*flinkReply, error) {
	return s.do(ctx, map[string]any{"op": "exec", "sql": stmt, "envs": envs, "async": async}, timeout)
}

// sync waits until every running job has read its Kafka partitions on
// bootstrap to their ends and stands still.
func (s *flinkServer) sync(ctx context.Context, bootstrap string, timeout time.Duration) error {
	_, err := s.do(ctx, map[string]any{"op": "sync", "bootstrap": bootstrap}, timeout)
	return err
}

// drain stops every running job with a final watermark (end of input).
func (s *flinkServer) drain(ctx context.Context, dir string, timeout time.Duration) error {
	_, err := s.do(ctx, map[string]any{"op": "drain", "dir": dir}, timeout)
	return err
}

// reset cancels every job and starts fresh environments.
func (s *flinkServer) reset(ctx context.Context) error {
	_, err := s.do(ctx, map[string]any{"op": "reset"}, time.Minute)
	return err
}

// finalRows applies a changelog (+I/+U add a row, -U/-D take one back)
// and returns the rows left, each a list of values as Flink prints them.
func finalRows(changes [][]string) [][]string {
	var out [][]string
	for _, c := range changes {
		if len(c) == 0 {
			continue
		}
		row := c[1:]
		switch c[0] {
		case "+I", "+U":
			out = append(out, row)
		case "-U", "-D":
			for i := range out {
				if strings.Join(out[i], "\x00") == strings.Join(row, "\x00") {
					out = append(out[:i], out[i+1:]...)
					break
				}
			}
		}
	}
	return out
}

func (s *flinkServer) close() {
	s.in.Close()
	if err := s.p.wait(context.Background(), 20*time.Second); err != nil && !s.p.exited() {
		s.p.kill9()
	}
}
