// Command nexmark runs the Nexmark benchmark's queries on Tumble: for each
// q*.sql of the Nexmark suite (read at run time from -suite, by default
// ../shared/suites/nexmark), the statements of ddl_gen.sql, ddl_views.sql
// and the query, with ${NEXMARK_TABLE} = datagen, ${TPS}, ${EVENTS_NUM} and
// the proportions substituted, run in a fresh process over a fixed number
// of generated events into the query's sink ('blackhole' as written). It
// prints, per query, the events per second, the wall time, the CPU time
// and the peak RSS of that process; a query Tumble cannot plan is listed
// as skipped with the planner's error.
//
//	go run ./bench/nexmark -n 10000000            # every query
//	go run ./bench/nexmark -n 1000000 -q q0,q5    # some
//
// Each query runs in a child process (this program with -child) so that
// its peak memory is its own.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

func main() {
	defaultSuite, err := suites.Path("suites/nexmark")
	if err != nil {
		defaultSuite = "../shared/suites/nexmark"
	}
	suite := flag.String("suite", defaultSuite, "the Nexmark suite's directory (ddl_gen.sql, ddl_views.sql, q*.sql)")
	events := flag.Int64("n", 10_000_000, "events per query")
	tps := flag.Int64("tps", 10_000_000, "${TPS}: the generator's event rate (event time only; generation is not throttled)")
	only := flag.String("q", "", "comma-separated queries to run (default: all q*.sql)")
	timeout := flag.Duration("timeout", 60*time.Minute, "per query")
	maxRSS := flag.Int64("max-rss", 4096, "MiB: a query whose process grows past this is stopped and reported")
	profile := flag.String("cpuprofile", "", "write each query's CPU profile to this path prefix (PREFIX-q0.pprof, ...)")
	memProfile := flag.String("memprofile", "", "write each query's heap profile, taken when its live heap was largest (sampled every second), to this path prefix (PREFIX-q0.heap, ...)")
	state := flag.String("state", "rocksdb", "state.backend.type of every query: rocksdb (Tumble's disk backend, as the Nexmark project runs Flink) or hashmap (keyed state in memory)")
	child := flag.String("child", "", "internal: run this one query in this process and print its result as JSON")
	flag.Parse()
	cfg := config{Suite: *suite, Events: *events, TPS: *tps, Timeout: *timeout, MaxRSS: *maxRSS << 20, Profile: *profile, MemProfile: *memProfile, State: *state}
	if *child != "" {
		os.Exit(runChild(cfg, *child))
	}
	if _, err := os.Stat(filepath.Join(*suite, "ddl_gen.sql")); err != nil {
		fmt.Printf("SKIP Nexmark: %s is absent (the suite's ddl_gen.sql, ddl_views.sql and q*.sql are read from there)\n", *suite)
		return
	}
	queries, err := listQueries(*suite, *only)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nexmark:", err)
		os.Exit(1)
	}
	if err := runAll(cfg, queries, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "nexmark:", err)
		os.Exit(1)
	}
}

type config struct {
	Suite   string
	Events  int64
	TPS     int64
	Timeout time.Duration
	MaxRSS  int64 // bytes
	Profile string
	// MemProfile is the heap profiles' path prefix.
	MemProfile string
	State      string // state.backend.type
}

// result is what a child reports about its query.
type result struct {
	Query   string  `json:"query"`
	Skipped string  `json:"skipped,omitempty"` // the planner's error
	Failed  string  `json:"failed,omitempty"`  // the job's error
	Events  int64   `json:"events"`            // generated (per source; a self-join reads them twice)
	Read    int64   `json:"records_in"`        // read by the job's sources
	RowsOut int64   `json:"rows_out"`
	Seconds float64 `json:"seconds"`
	// Filled in by the parent from the child's rusage.
	CPUSeconds float64 `json:"-"`
	PeakRSS    int64   `json:"-"` // bytes
}

// listQueries returns the suite's queries (q0, q1, ... in numeric order),
// or those -q names.
func listQueries(dir, only string) ([]string, error) {
	if only != "" {
		var out []string
		for _, q := range strings.Split(only, ",") {
			q = strings.TrimSuffix(strings.TrimSpace(q), ".sql")
			if _, err := os.Stat(filepath.Join(dir, q+".sql")); err != nil {
				return nil, fmt.Errorf("no query %s in %s", q, dir)
			}
			out = append(out, q)
		}
		return out, nil
	}
	files, err := filepath.Glob(filepath.Join(dir, "q*.sql"))
	if err != nil {
		return nil, err
	}
	re := regexp.MustCompile(`^q(\d+)\.sql$`)
	var out []string
	for _, f := range files {
		if re.MatchString(filepath.Base(f)) {
			out = append(out, strings.TrimSuffix(filepath.Base(f), ".sql"))
		}
	}
	sort.Slice(out, func(a, b int) bool {
		na, _ := strconv.Atoi(out[a][1:])
		nb, _ := strconv.Atoi(out[b][1:])
		return na < nb
	})
	return out, nil
}

// runAll runs each query in a child process and prints the table.
func runAll(cfg config, queries []string, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Nexmark on Tumble: %d events per query (TPS %d, proportions 1:3:46), state backend %s, %s/%s, %d CPUs, %s\n\n",
		cfg.Events, cfg.TPS, cfg.State, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(out, "%-5s %12s %10s %10s %12s %10s %12s\n", "query", "events/s", "wall", "cpu", "events/cpu-s", "peak RSS", "rows out")
	var failed []string
	ran, skipped := 0, 0
	for _, q := range queries {
		r, err := runInChild(self, cfg, q)
		switch {
		case err != nil:
			fmt.Fprintf(out, "%-5s FAILED: %v\n", q, err)
			failed = append(failed, q)
		case r.Skipped != "":
			fmt.Fprintf(out, "%-5s skipped: %s\n", q, oneLine(r.Skipped))
			skipped++
		case r.Failed != "":
			fmt.Fprintf(out, "%-5s FAILED: %s\n", q, oneLine(r.Failed))
			failed = append(failed, q)
		default:
			ran++
			fmt.Fprintf(out, "%-5s %12s %9.2fs %9.2fs %12s %7.0f MiB %12d\n", q,
				rate(float64(r.Events)/r.Seconds), r.Seconds, r.CPUSeconds,
				rate(float64(r.Events)/r.CPUSeconds), float64(r.PeakRSS)/(1<<20), r.RowsOut)
		}
	}
	fmt.Fprintf(out, "\n%d ran, %d skipped, %d failed\n", ran, skipped, len(failed))
	if len(failed) > 0 {
		return fmt.Errorf("failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

func rate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2f M", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0f k", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 240 {
		s = s[:237] + "..."
	}
	return s
}

// runInChild runs query q in a child process, stopping it when it grows
// past cfg.MaxRSS or runs past its timeout.
func runInChild(self string, cfg config, q string) (*result, error) {
	cmd := exec.Command(self, "-child", q, "-suite", cfg.Suite,
		"-n", strconv.FormatInt(cfg.Events, 10), "-tps", strconv.FormatInt(cfg.TPS, 10),
		"-timeout", cfg.Timeout.String(), "-cpuprofile", cfg.Profile, "-memprofile", cfg.MemProfile, "-state", cfg.State)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(cfg.Timeout + 30*time.Second)
	var runErr, killed error
	for waiting := true; waiting; {
		select {
		case runErr = <-done:
			waiting = false
		case <-deadline:
			killed = fmt.Errorf("still running after %s: stopped", cfg.Timeout)
			cmd.Process.Kill()
		case <-tick.C:
			if rss := vmRSS(cmd.Process.Pid); cfg.MaxRSS > 0 && rss > cfg.MaxRSS && killed == nil {
				killed = fmt.Errorf("memory grew past %d MiB (-max-rss): stopped", cfg.MaxRSS>>20)
				cmd.Process.Kill()
			}
		}
	}
	if killed != nil {
		return nil, killed
	}
	var r result
	if err := json.Unmarshal(bytes.TrimSpace(lastLine(stdout.Bytes())), &r); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if runErr != nil {
			return nil, fmt.Errorf("%v: %s", runErr, lastLines(msg, 5))
		}
		return nil, fmt.Errorf("no result from the child: %v: %s", err, lastLines(msg, 5))
	}
	if ps := cmd.ProcessState; ps != nil {
		r.CPUSeconds = (ps.UserTime() + ps.SystemTime()).Seconds()
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
			r.PeakRSS = ru.Maxrss * 1024 // KiB on Linux
			if runtime.GOOS == "darwin" {
				r.PeakRSS = ru.Maxrss
			}
		}
	}
	return &r, nil
}

// vmRSS is the resident memory of process pid in bytes (0 if unknown).
func vmRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

func lastLine(b []byte) []byte {
	b = bytes.TrimRight(b, "\n")
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		return b[i+1:]
	}
	return b
}

func lastLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

// runChild runs one query in this process and prints its result.
func runChild(cfg config, q string) int {
	if cfg.Profile != "" {
		f, err := os.Create(cfg.Profile + "-" + q + ".pprof")
		if err != nil {
			fmt.Fprintln(os.Stderr, "nexmark:", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "nexmark:", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if cfg.MemProfile != "" {
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			peakHeap(cfg.MemProfile+"-"+q+".heap", stop)
		}()
		defer func() { close(stop); <-done }()
	}
	r, err := runQuery(context.Background(), cfg, q)
	if err != nil {
		fmt.Fprintln(os.Stderr, "nexmark:", err)
		return 1
	}
	b, _ := json.Marshal(r)
	fmt.Println(string(b))
	return 0
}

// peakHeap samples the live heap every second until stop is closed and
// writes the heap profile to path each time the heap is larger than
// at every sample before, so the file holds the profile at the peak.
func peakHeap(path string, stop <-chan struct{}) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		metrics.Read(sample)
		if v := sample[0].Value.Uint64(); v > peak+peak/20 {
			peak = v
			f, err := os.Create(path)
			if err != nil {
				fmt.Fprintln(os.Stderr, "nexmark:", err)
				return
			}
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}

// Script returns the statements of query q as the benchmark runs them:
// ddl_gen.sql, ddl_views.sql and q.sql of dir with the suite's variables
// substituted. tmp is where queries that write files (q10) write them.
func Script(dir, q string, events, tps int64, tmp string) (string, error) {
	var parts []string
	for _, f := range []string{"ddl_gen.sql", "ddl_views.sql", q + ".sql"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return "", err
		}
		s := strings.TrimSpace(string(b))
		if !strings.HasSuffix(s, ";") {
			s += ";"
		}
		parts = append(parts, s)
	}
	r := strings.NewReplacer(
		"${NEXMARK_TABLE}", "datagen",
		"${TPS}", strconv.FormatInt(tps, 10),
		"${EVENTS_NUM}", strconv.FormatInt(events, 10),
		"${PERSON_PROPORTION}", "1",
		"${AUCTION_PROPORTION}", "3",
		"${BID_PROPORTION}", "46",
		"${NEXMARK_DIR}", tmp,
		"${FLINK_HOME}", tmp,
		"${SUBMIT_TIME}", "0",
	)
	return r.Replace(strings.Join(parts, "\n\n")), nil
}

// sideInputRows is the size of q13's side input, as the Nexmark project's
// side_input_gen.sh makes it.
const sideInputRows = 10000

// writeSideInput writes ${FLINK_HOME}/data/side_input.txt, the bounded
// side input q13 joins (the Nexmark project's SideInputGenerator writes it
// when the cluster is set up): the lines "i,i" for i from 0 to
// sideInputRows-1.
func writeSideInput(home string) error {
	dir := filepath.Join(home, "data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	for i := 0; i < sideInputRows; i++ {
		fmt.Fprintf(&b, "%d,%d\n", i, i)
	}
	return os.WriteFile(filepath.Join(dir, "side_input.txt"), b.Bytes(), 0o644)
}

// runQuery plans query q on a fresh catalog and runs it to the end of
// its bounded input. A statement the planner refuses gives a result with
// Skipped set; a job that fails, one with Failed set.
func runQuery(ctx context.Context, cfg config, q string) (*result, error) {
	tmp, err := os.MkdirTemp("", "nexmark-"+q+"-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := writeSideInput(tmp); err != nil {
		return nil, err
	}
	text, err := Script(cfg.Suite, q, cfg.Events, cfg.TPS, tmp)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	jobs := session.NewJobManager(jobsCtx, log)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Dialect: sql.Flink, Log: log})
	s.Set("restart-strategy", "none")
	if cfg.State != "" {
		s.Set("state.backend.type", cfg.State)
	}

	r := &result{Query: q}
	start := time.Now()
	if _, err := s.ExecuteText(ctx, text); err != nil {
		r.Skipped = err.Error()
		return r, nil
	}
	list := jobs.List()
	if len(list) == 0 {
		r.Skipped = "the query started no job"
		return r, nil
	}
	for _, j := range list {
		select {
		case <-j.Job.Done():
		case <-ctx.Done():
			r.Failed = fmt.Sprintf("timed out after %s", cfg.Timeout)
			return r, nil
		}
		if err := j.Job.Err(); err != nil {
			r.Failed = err.Error()
			return r, nil
		}
		if st := j.Job.Status(); st != engine.Finished {
			r.Failed = fmt.Sprintf("job ended %s", st)
			return r, nil
		}
		m := j.Job.Metrics.Snapshot()
		r.Read += m.RecordsIn
		r.RowsOut += m.RecordsOut
	}
	r.Seconds = time.Since(start).Seconds()
	r.Events = cfg.Events
	if r.Read == 0 {
		return nil, errors.New("no events read")
	}
	return r, nil
}
