// Command seedbench measures Tumble on the seed pipeline against the
// hand-written baseline (bench/baseline), both reading the same topic from
// an embedded broker running in its own process.
//
//  1. start `tumble kafka` (in memory, 3 partitions);
//  2. write N seed-shaped records, 1000 per second of event time over 3
//     partitions, plus one far-future record per partition;
//  3. run the baseline and time it;
//  4. run `tumble run --data-dir DIR -f queries/flink` (checkpoints on) and
//     time it from process start until the last window is in the output
//     topic; read its peak memory;
//  5. check that every window's sum and count equal the baseline's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
)

func main() {
	n := flag.Int("n", 2_000_000, "records to write")
	bin := flag.String("tumble", "bin/tumble", "the tumble binary")
	baseline := flag.String("baseline", "bin/baseline", "the baseline binary")
	queries := flag.String("queries", "queries/flink", "the pipeline's SQL files")
	interval := flag.String("checkpoint-interval", "1s", "execution.checkpointing.interval for the engine")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write the engine's CPU profile to this file")
	soak := flag.Duration("soak", 0, "instead: run the pipeline this long on live data at -rate and report its memory over time")
	rate := flag.Float64("rate", 20000, "records per second for -soak")
	flag.Parse()
	if *soak > 0 {
		if err := runSoak(*soak, *rate, *bin, *queries, *interval); err != nil {
			fmt.Fprintln(os.Stderr, "seedbench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*n, *bin, *baseline, *queries, *interval); err != nil {
		fmt.Fprintln(os.Stderr, "seedbench:", err)
		os.Exit(1)
	}
}

var cpuProfile string

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

type window struct {
	Start string `json:"start"`
	Sum   int64  `json:"sum"`
	Count int64  `json:"count"`
}

func run(n int, bin, baselineBin, queries, interval string) error {
	ctx := context.Background()
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	// The input's records carry the seed's timestamps, days old: time
	// retention would delete them before the engine reads them.
	broker := exec.Command(bin, "kafka", "--listen", addr, "--partitions", "3", "--log-level", "warn", "--config", "log.retention.ms=-1")
	broker.Stderr = os.Stderr
	if err := broker.Start(); err != nil {
		return fmt.Errorf("start broker: %w", err)
	}
	defer func() { broker.Process.Signal(syscall.SIGINT); broker.Wait() }()
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if i > 100 {
			return fmt.Errorf("broker did not start on %s", addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("broker      %s (tumble kafka, its own process)\n", addr)

	start := time.Date(2026, 11, 23, 0, 0, 0, 0, time.Local)
	t0 := time.Now()
	st, err := datagen.ProduceSeedBulk(ctx, addr, "transactions", n, 1000, start, 3)
	if err != nil {
		return fmt.Errorf("produce: %w", err)
	}
	wantWindows := (n + 2999) / 3000
	fmt.Printf("input       %d records (+3 far-future) in %.1f s; %d windows of 3 s\n", st.Sent, time.Since(t0).Seconds(), wantWindows)

	// The hand-written program.
	t0 = time.Now()
	var bout bytes.Buffer
	bl := exec.Command(baselineBin, "--bootstrap", addr)
	bl.Stdout, bl.Stderr = &bout, os.Stderr
	if err := bl.Start(); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	baseMemC := watchHWM(bl.Process.Pid)
	if err := bl.Wait(); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	baseTime := time.Since(t0)
	baseMem := <-baseMemC
	want := map[string]window{}
	sc := bufio.NewScanner(&bout)
	for sc.Scan() {
		var w window
		if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
			return err
		}
		want[w.Start] = w
	}

	// Tumble.
	dir, err := os.MkdirTemp("", "seedbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	qdir := filepath.Join(dir, "queries")
	os.MkdirAll(qdir, 0o755)
	files, _ := filepath.Glob(filepath.Join(queries, "*.sql"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(b), "localhost:9092", addr)
		if interval != "" && strings.HasPrefix(filepath.Base(f), "3_") {
			text = fmt.Sprintf("SET 'execution.checkpointing.interval' = '%s';\n", interval) + text
		}
		os.WriteFile(filepath.Join(qdir, filepath.Base(f)), []byte(text), 0o644)
	}
	out, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("transactions_aggregate_flink"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(10*time.Millisecond),
		kgo.MetadataMinAge(50*time.Millisecond))
	if err != nil {
		return err
	}
	defer out.Close()
	t0 = time.Now()
	args := []string{"run", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn", "-f", qdir}
	if cpuProfile != "" {
		args = append(args, "--cpuprofile", cpuProfile)
	}
	eng := exec.Command(bin, args...)
	var eout bytes.Buffer
	eng.Stdout, eng.Stderr = &eout, &eout
	if err := eng.Start(); err != nil {
		return err
	}
	got := map[string]window{}
	deadline := time.Now().Add(10 * time.Minute)
	var engTime time.Duration
	for len(got) < wantWindows {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := out.PollFetches(pctx)
		cancel()
		fs.EachRecord(func(r *kgo.Record) {
			var w struct {
				Start string `json:"window_start"`
				Sum   int64  `json:"total_paid"`
				Count int64  `json:"total_transactions"`
			}
			if json.Unmarshal(r.Value, &w) == nil {
				got[w.Start] = window{Start: w.Start, Sum: w.Sum, Count: w.Count}
			}
		})
		engTime = time.Since(t0)
		if time.Now().After(deadline) {
			eng.Process.Kill()
			return fmt.Errorf("tumble produced %d of %d windows in 10 minutes\n%s", len(got), wantWindows, eout.String())
		}
	}
	engMem := readHWM(eng.Process.Pid)
	eng.Process.Signal(syscall.SIGINT)
	eng.Wait()

	bad := 0
	for k, w := range want {
		if got[k] != w {
			if bad < 5 {
				fmt.Printf("MISMATCH window %s: tumble %+v, baseline %+v\n", k, got[k], w)
			}
			bad++
		}
	}
	fmt.Printf("baseline    %.2f s  %.0f records/s  peak RSS %d MiB\n", baseTime.Seconds(), float64(n)/baseTime.Seconds(), baseMem>>20)
	fmt.Printf("tumble      %.2f s  %.0f records/s  peak RSS %d MiB (checkpoints on)\n", engTime.Seconds(), float64(n)/engTime.Seconds(), engMem>>20)
	fmt.Printf("ratio       %.2f x the baseline's time\n", engTime.Seconds()/baseTime.Seconds())
	if bad > 0 || len(want) != wantWindows {
		return fmt.Errorf("%d of %d windows differ from the baseline (baseline has %d)", bad, len(want), len(want))
	}
	fmt.Printf("results     all %d windows match the baseline's sums and counts\n", len(want))
	return nil
}

// procStatus reads a memory field (VmHWM, VmRSS) of a running process's
// /proc status, in bytes. (The rusage of a finished child would include
// this process's own memory at fork time.)
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb * 1024
		}
	}
	return 0
}

// readHWM returns a running process's peak resident memory.
func readHWM(pid int) int64 { return procStatus(pid, "VmHWM") }

// readRSS returns a running process's resident memory.
func readRSS(pid int) int64 { return procStatus(pid, "VmRSS") }

// watchHWM samples a process's peak memory until it exits and then sends
// the last value.
func watchHWM(pid int) <-chan int64 {
	c := make(chan int64, 1)
	go func() {
		var peak int64
		for {
			v := readHWM(pid)
			if v == 0 {
				c <- peak
				return
			}
			peak = max(peak, v)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return c
}

// runSoak runs the seed pipeline on an endless stream (the generator at a
// fixed rate, event time = wall clock) and samples the engine's memory.
func runSoak(d time.Duration, rate float64, bin, queries, interval string) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	broker := exec.Command(bin, "kafka", "--listen", addr, "--partitions", "3", "--log-level", "warn")
	broker.Stderr = os.Stderr
	if err := broker.Start(); err != nil {
		return err
	}
	defer func() { broker.Process.Signal(syscall.SIGINT); broker.Wait() }()
	time.Sleep(500 * time.Millisecond)
	dir, err := os.MkdirTemp("", "seedsoak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	qdir := filepath.Join(dir, "queries")
	os.MkdirAll(qdir, 0o755)
	files, _ := filepath.Glob(filepath.Join(queries, "*.sql"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		text := strings.ReplaceAll(string(b), "localhost:9092", addr)
		if strings.HasPrefix(filepath.Base(f), "3_") {
			text = fmt.Sprintf("SET 'execution.checkpointing.interval' = '%s';\n", interval) + text
		}
		os.WriteFile(filepath.Join(qdir, filepath.Base(f)), []byte(text), 0o644)
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	go datagen.ProduceTransactions(ctx, datagen.TxConfig{Bootstrap: addr, N: int(rate*d.Seconds()) + 1, Parallel: 10, Rate: rate})
	eng := exec.Command(bin, "run", "--data-dir", filepath.Join(dir, "data"), "--log-level", "warn", "-f", qdir)
	var eout bytes.Buffer
	eng.Stdout, eng.Stderr = &eout, &eout
	if err := eng.Start(); err != nil {
		return err
	}
	defer func() { eng.Process.Signal(syscall.SIGINT); eng.Wait() }()
	fmt.Printf("soak: %.0f records/s for %s; engine RSS every 30 s\n", rate, d)
	begin := time.Now()
	var first, last, peak int64
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			fmt.Printf("soak: after warm-up %d MiB, at the end %d MiB, peak %d MiB\n", first>>20, last>>20, peak>>20)
			if first > 0 && last > 2*first+64<<20 {
				return fmt.Errorf("memory grew from %d MiB to %d MiB", first>>20, last>>20)
			}
			return nil
		case <-tick.C:
			rss := readRSS(eng.Process.Pid)
			if first == 0 {
				first = rss
			}
			last, peak = rss, max(peak, rss)
			fmt.Printf("soak: %5.0f s  RSS %d MiB\n", time.Since(begin).Seconds(), rss>>20)
		}
	}
}
