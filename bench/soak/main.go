// Command soak runs both seed pipelines on a live stream for a long time
// and records the memory of the broker and of the server (make soak):
//
//  1. start `tumble kafka` (default settings: retention of 1 hour or
//     256 MiB per partition) on a free port with a data directory (with
//     -embedded: the broker inside the server, one process);
//  2. start `tumble server` against it and submit queries/flink and
//     queries/ksql, as `make project` does;
//  3. run `tumble datagen` at -rate records per second;
//  4. every -every, record the RSS of the broker and of the server, the
//     broker's data directory size and the records the jobs read;
//  5. at the end print the table (and write it as CSV with -csv), check
//     that every job still runs and has kept up, and that memory stayed
//     flat: the last third's peak within -max-growth of the first third's.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("tumble", "bin/tumble", "the tumble binary")
	d := flag.Duration("duration", 30*time.Minute, "how long to run")
	every := flag.Duration("every", 30*time.Second, "how often to record memory")
	rate := flag.Float64("rate", 20000, "records per second")
	csvPath := flag.String("csv", "", "also write the samples to this CSV file")
	embedded := flag.Bool("embedded", false, "run the broker inside the server (tumble server --embedded-kafka, as make project does): one process, whose RSS is both columns")
	growth := flag.Float64("max-growth", 1.25, "the last third's peak RSS may be at most this times the first third's (plus 16 MiB)")
	pprofAddr := flag.String("pprof", "", "serve the server's pprof endpoints on this address (tumble server --pprof), to take heap profiles during the run")
	var settings list
	flag.Var(&settings, "config", "a broker setting KEY=VALUE for tumble kafka (repeatable)")
	flag.Parse()
	if err := run(*bin, *d, *every, *rate, *csvPath, *growth, *embedded, *pprofAddr, settings); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type sample struct {
	at                 time.Duration
	broker, server     int64 // RSS bytes
	dataDir            int64 // bytes
	liveHeap           int64 // the server's live heap at its last GC (go_gc_heap_live_bytes)
	recordsIn, running int64
}

func run(bin string, d, every time.Duration, rate float64, csvPath string, growth float64, embedded bool, pprofAddr string, settings []string) error {
	dir, err := os.MkdirTemp("", "tumble-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kafkaAddr, err := freeAddr()
	if err != nil {
		return err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return err
	}
	logf, err := os.Create(filepath.Join(dir, "soak.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	kdir := filepath.Join(dir, "kafka")
	var serverExtra []string
	if pprofAddr != "" {
		serverExtra = []string{"--pprof", pprofAddr}
	}
	var broker, server *proc
	if embedded {
		// One process, as make project runs it: the broker inside the server.
		kdir = filepath.Join(dir, "server", "kafka")
		args := []string{"server", "--embedded-kafka", kafkaAddr, "--data-dir", filepath.Join(dir, "server"),
			"--listen", httpAddr, "--topic", "transactions:3", "--log-level", "warn"}
		for _, s := range settings {
			args = append(args, "--config", s)
		}
		if server, err = start(bin, logf, append(args, serverExtra...)...); err != nil {
			return err
		}
		broker = server
	} else {
		args := []string{"kafka", "--listen", kafkaAddr, "--data-dir", kdir, "--partitions", "3"}
		for _, s := range settings {
			args = append(args, "--config", s)
		}
		if broker, err = start(bin, logf, args...); err != nil {
			return err
		}
		defer stop(broker)
		if err := waitTCP(kafkaAddr, 10*time.Second); err != nil {
			return err
		}
		server, err = start(bin, logf, append([]string{"server", "--bootstrap", kafkaAddr, "--data-dir", filepath.Join(dir, "server"),
			"--listen", httpAddr, "--topic", "transactions:3", "--log-level", "warn"}, serverExtra...)...)
		if err != nil {
			return err
		}
	}
	defer stop(server)
	if err := waitTCP(httpAddr, 30*time.Second); err != nil {
		return err
	}
	url := "http://" + httpAddr
	// The seed's files name localhost:9092; the soak's broker is elsewhere.
	qdir := filepath.Join(dir, "flink")
	if err := os.MkdirAll(qdir, 0o755); err != nil {
		return err
	}
	files, _ := filepath.Glob("queries/flink/*.sql")
	if len(files) == 0 {
		return fmt.Errorf("queries/flink: no files (run from the repository root)")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(qdir, filepath.Base(f)), []byte(strings.ReplaceAll(string(b), "localhost:9092", kafkaAddr)), 0o644); err != nil {
			return err
		}
	}
	for _, sub := range [][]string{{"sql", "--server", url, "-f", qdir}, {"sql", "--server", url, "--ksql", "-f", "queries/ksql"}} {
		out, err := exec.Command(bin, sub...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %v\n%s", sub, err, out)
		}
	}
	gen, err := start(bin, logf, "datagen", "-n", strconv.Itoa(int(rate*(d+time.Minute).Seconds())), "--rate", strconv.FormatFloat(rate, 'f', 0, 64),
		"--bootstrap", kafkaAddr)
	if err != nil {
		return err
	}
	defer stop(gen)
	where := "tumble kafka"
	if embedded {
		where = "the server's embedded broker (one process: both RSS columns are its)"
	}
	fmt.Printf("soak: %.0f records/s for %s through queries/flink and queries/ksql on tumble server; %s with %s\n",
		rate, d, where, describeSettings(settings))
	fmt.Printf("%8s %12s %12s %12s %12s %14s %8s\n", "time", "broker MiB", "server MiB", "live MiB", "data MiB", "records in", "running")
	var samples []sample
	begin := time.Now()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for time.Since(begin) < d {
		<-tick.C
		if broker.exited() || server.exited() {
			return fmt.Errorf("a process exited; see %s", logf.Name())
		}
		in, running, err := jobs(url)
		if err != nil {
			return err
		}
		s := sample{at: time.Since(begin).Round(time.Second), broker: rss(broker.cmd.Process.Pid), server: rss(server.cmd.Process.Pid),
			dataDir: dirSize(kdir), liveHeap: liveHeap(url), recordsIn: in, running: running}
		samples = append(samples, s)
		fmt.Printf("%8s %12.1f %12.1f %12.1f %12.1f %14d %8d\n", fmtDur(s.at), mib(s.broker), mib(s.server), mib(s.liveHeap), mib(s.dataDir), s.recordsIn, s.running)
	}
	if csvPath != "" {
		var sb strings.Builder
		sb.WriteString("seconds,broker_rss_mib,server_rss_mib,server_live_heap_mib,broker_data_mib,records_in,jobs_running\n")
		for _, s := range samples {
			fmt.Fprintf(&sb, "%d,%.1f,%.1f,%.1f,%.1f,%d,%d\n", int(s.at.Seconds()), mib(s.broker), mib(s.server), mib(s.liveHeap), mib(s.dataDir), s.recordsIn, s.running)
		}
		if err := os.WriteFile(csvPath, []byte(sb.String()), 0o644); err != nil {
			return err
		}
	}
	return verdict(samples, growth)
}

// verdict checks that the jobs kept running and memory stayed flat.
func verdict(ss []sample, growth float64) error {
	if len(ss) < 3 {
		return fmt.Errorf("only %d samples", len(ss))
	}
	last := ss[len(ss)-1]
	if last.running != 3 {
		return fmt.Errorf("%d of 3 jobs running at the end", last.running)
	}
	third := len(ss) / 3
	peak := func(part []sample, f func(sample) int64) int64 {
		var m int64
		for _, s := range part {
			m = max(m, f(s))
		}
		return m
	}
	var errs []string
	for _, w := range []struct {
		name string
		f    func(sample) int64
	}{{"broker", func(s sample) int64 { return s.broker }}, {"server", func(s sample) int64 { return s.server }}} {
		early, late := peak(ss[:third], w.f), peak(ss[len(ss)-third:], w.f)
		fmt.Printf("soak: %s RSS peak %.1f MiB in the first third, %.1f MiB in the last\n", w.name, mib(early), mib(late))
		if float64(late) > growth*float64(early)+16<<20 {
			errs = append(errs, fmt.Sprintf("%s memory grew from %.1f to %.1f MiB", w.name, mib(early), mib(late)))
		}
	}
	live := func(s sample) int64 { return s.liveHeap }
	fmt.Printf("soak: server live heap peak %.1f MiB in the first third, %.1f MiB in the last\n", mib(peak(ss[:third], live)), mib(peak(ss[len(ss)-third:], live)))
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	fmt.Println("soak: memory flat, every job running")
	return nil
}

func describeSettings(s []string) string {
	if len(s) == 0 {
		return "its default settings"
	}
	return strings.Join(s, " ")
}

// jobs sums records_in over the server's jobs and counts the running ones.
func jobs(url string) (int64, int64, error) {
	resp, err := http.Get(url + "/v1/jobs")
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var body []struct {
		Status  string `json:"status"`
		Metrics struct {
			RecordsIn int64 `json:"records_in"`
		} `json:"metrics"`
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, 0, err
	}
	if err := json.Unmarshal(b, &body); err != nil {
		return 0, 0, fmt.Errorf("/v1/jobs: %v: %s", err, b)
	}
	var in, running int64
	for _, j := range body {
		in += j.Metrics.RecordsIn
		if j.Status == "RUNNING" {
			running++
		}
	}
	return in, running, nil
}

// liveHeap reads the server's live heap (as of its last GC) from /metrics;
// 0 if it cannot.
func liveHeap(url string) int64 {
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "go_gc_heap_live_bytes "); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n
		}
	}
	return 0
}

// proc is a started process; done closes when it exits.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func start(bin string, log io.Writer, args ...string) (*proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	return p, nil
}

// stop asks the process to stop (SIGTERM) and kills it after 10 s.
func stop(p *proc) {
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func waitTCP(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("nothing listens on %s after %s", addr, within)
}

// rss reads a process's resident set size from /proc.
func rss(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}
