package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestServerKill9ExactlyOnce is issue 4's acceptance test: `tumble server`
// runs the seed pipeline with an exactly-once sink and 1 s checkpoints, is
// killed with SIGKILL mid-stream, and restarts on the same data dir; a
// read_committed consumer sees every window exactly once with the right
// values.
func TestServerKill9ExactlyOnce(t *testing.T) {
	addr := startBroker(t)
	listen := freeAddr(t)
	data := t.TempDir()
	start := func() (*exec.Cmd, *lockedBuffer) {
		var out lockedBuffer
		cmd := exec.Command(tumbleBin, "server", "--listen", listen, "--bootstrap", addr, "--data-dir", data)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(time.Minute)
		for {
			resp, err := http.Get("http://" + listen + "/healthcheck")
			if err == nil {
				resp.Body.Close()
				return cmd, &out
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not come up: %v\n%s", err, out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	queries := t.TempDir()
	eosQueries(t, addr, queries)
	files, _ := filepath.Glob(filepath.Join(queries, "*.sql"))
	var text strings.Builder
	for _, f := range files {
		b, _ := os.ReadFile(f)
		text.Write(b)
		text.WriteString("\n;\n")
	}
	produceSeed(t, addr, 0, 15000, false)
	cmd, out := start()
	body, _ := json.Marshal(map[string]string{"statement": strings.ReplaceAll(text.String(), "'500ms'", "'1s'"), "dialect": "flink"})
	resp, err := http.Post("http://"+listen+"/v1/statements", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("statements: %d %s", resp.StatusCode, buf.String())
	}
	if got := waitCommitted(t, addr, 3, 30*time.Second); len(got) < 3 {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("%d windows committed before the kill\n%s", len(got), out)
	}
	produceSeed(t, addr, 15000, 20000, false)
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	before := len(readCommitted(t, addr))
	produceSeed(t, addr, 20000, 30000, true)
	cmd, out = start()
	defer func() { cmd.Process.Signal(syscall.SIGINT); cmd.Wait() }()
	got := waitCommitted(t, addr, 10, 60*time.Second)
	checkOnce(t, addr, got, 10, fmt.Sprintf("%d before the kill\n%s", before, out))
	t.Logf("%d windows committed before the kill, 10 after the restart, each once", before)
}

// lockedBuffer collects a child process's output; safe to read while the
// process still writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
