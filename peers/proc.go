package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// proc is a process a check started: its output goes to a log file and is
// kept for the check to read.
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
	mu   sync.Mutex
	out  bytes.Buffer
	tee  io.Writer // when set, also receives the standard output
}

type lockedWriter struct {
	p      *proc
	w      io.Writer
	stdout bool
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	l.p.out.Write(b)
	tee := l.p.tee
	l.p.mu.Unlock()
	if tee != nil && l.stdout {
		tee.Write(b)
	}
	return l.w.Write(b)
}

// running holds the processes started and not yet ended, so that an
// interrupted run ends them all.
var running sync.Map // *proc -> struct{}

// killAll ends every process a check started (their process groups).
func killAll() {
	running.Range(func(k, _ any) bool {
		p := k.(*proc)
		syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		return true
	})
}

// start runs name with args, its output appended to log.
func start(log, dir string, env []string, name string, args ...string) (*proc, error) {
	p, _, err := startProc(log, dir, env, false, name, args...)
	return p, err
}

// startIn is start with a pipe to the process's standard input. The pipe
// is an OS pipe (exec's StdinPipe), so waiting for the process never waits
// for the writer: closing it is not needed for stop or kill9 to return.
func startIn(log, dir string, env []string, name string, args ...string) (*proc, io.WriteCloser, error) {
	return startProc(log, dir, env, true, name, args...)
}

func startProc(log, dir string, env []string, withStdin bool, name string, args ...string) (*proc, io.WriteCloser, error) {
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(f, "\n$ %s %q\n", name, args)
	p := &proc{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = lockedWriter{p, f, true}, lockedWriter{p, f, false}
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdin io.WriteCloser
	if withStdin {
		if stdin, err = p.cmd.StdinPipe(); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	if err := p.cmd.Start(); err != nil {
		f.Close()
		return nil, nil, err
	}
	running.Store(p, struct{}{})
	go func() {
		p.err = p.cmd.Wait()
		running.Delete(p)
		f.Close()
		close(p.done)
	}()
	return p, stdin, nil
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill9 sends SIGKILL to the process group and waits.
func (p *proc) kill9() {
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// stop sends SIGTERM and waits up to 30 s, then SIGKILL.
func (p *proc) stop() {
	if p.exited() {
		return
	}
	syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		p.kill9()
	}
}

// wait waits for the process to exit, at most d.
func (p *proc) wait(ctx context.Context, d time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(d):
		return fmt.Errorf("%s still running after %s", p.name, d)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// dumpGoroutines asks a Go process for its goroutines (SIGQUIT: it prints
// them to its log and exits).
func (p *proc) dumpGoroutines() {
	if p.exited() || filepath.Base(p.name) != "tumble" {
		return
	}
	p.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
}
