// Command peers runs Tumble beside the real systems it imitates — Apache
// Kafka, Apache Flink and Apache Spark — and compares their outputs
// (make peers). The real systems are fetched from Maven Central and PyPI
// into a cache outside the repository (-cache, .tumble/peers by default).
// It prints one line per check and ends with "N passed, N failed,
// N skipped"; a check whose downloads cannot be had prints SKIP with the
// reason, a disagreement fails. Details go to -cache/logs.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// errSkip marks a check that could not run (a registry out of reach, a
// missing tool); its text says why.
var errSkip = errors.New("skip")

func skipf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSkip, fmt.Sprintf(format, args...))
}

// env is what every check shares.
type env struct {
	tumble   string // the tumble binary
	root     string // the repository
	cache    string // downloads and work files
	shared   string // ../shared
	logs     string
	kafka    *realKafka // started on first use
	kafkaErr error
}

type check struct {
	name string
	run  func(ctx context.Context, e *env) (string, error)
	// offByDefault, when set, says why the check runs only when asked for.
	offByDefault string
}

func main() {
	tumble := flag.String("tumble", "bin/tumble", "the tumble binary")
	cache := flag.String("cache", ".tumble/peers", "download cache and work directory (outside the repository's tracked files)")
	shared := flag.String("shared", "../shared", "the shared directory with the seed project")
	serve := flag.Bool("serve-kafka", false, "start the real Kafka broker, print its listeners and wait for Ctrl-C (for debugging)")
	only := flag.String("checks", "", "comma-separated checks to run (kafka, flink, spark, producer, corpus, generator); all by default")
	flag.Parse()
	root, _ := os.Getwd()
	abs := func(p string) string {
		if filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(root, p)
	}
	e := &env{tumble: abs(*tumble), root: root, cache: abs(*cache), shared: abs(*shared)}
	e.logs = filepath.Join(e.cache, "logs")
	if err := os.MkdirAll(e.logs, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "peers:", err)
		os.Exit(2)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	defer e.close()
	// Interrupted: end every process started (Tumble, Flink, Kafka) and go.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		stop()
		killAll()
		if e.kafka != nil && e.kafka.cmd != nil && e.kafka.cmd.Process != nil {
			syscall.Kill(-e.kafka.cmd.Process.Pid, syscall.SIGKILL)
			os.RemoveAll(e.kafka.dir)
		}
		fmt.Println("peers: interrupted")
		os.Exit(130)
	}()

	if *serve {
		k, err := e.startKafka(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "peers:", err)
			os.Exit(1)
		}
		fmt.Printf("Apache Kafka %s: PLAINTEXT %s, SASL_PLAINTEXT %s, SSL %s (CA %s)\n", kafkaVersion, k.plain, k.sasl, k.ssl, k.caFile)
		<-ctx.Done()
		return
	}
	checks := []check{
		{"kafka", checkKafka, ""},
		{"flink", checkFlink, ""},
		{"spark", checkSpark, ""},
		{"producer", checkProducer, ""},
		{"corpus", checkCorpus, ""},
		{"generator", checkGenerator, ""},
	}
	want := map[string]bool{}
	for _, c := range strings.Split(*only, ",") {
		if c = strings.TrimSpace(c); c != "" {
			want[c] = true
		}
	}
	began := time.Now()
	passed, failed, skipped := 0, 0, 0
	for _, c := range checks {
		if len(want) > 0 && !want[c.name] {
			continue
		}
		if len(want) == 0 && c.offByDefault != "" {
			skipped++
			fmt.Printf("SKIP %-8s %s (PEERS_CHECKS=%s runs it)\n", c.name, c.offByDefault, c.name)
			continue
		}
		t0 := time.Now()
		msg, err := c.run(ctx, e)
		took := time.Since(t0).Round(time.Second)
		switch {
		case errors.Is(err, errSkip):
			skipped++
			fmt.Printf("SKIP %-8s %s\n", c.name, strings.TrimPrefix(err.Error(), errSkip.Error()+": "))
		case err != nil:
			failed++
			fmt.Printf("FAIL %-8s %v (%s; logs in %s)\n", c.name, err, took, e.logs)
		default:
			passed++
			fmt.Printf("PASS %-8s %s (%s)\n", c.name, msg, took)
		}
		if ctx.Err() != nil {
			break
		}
	}
	fmt.Printf("peers took %s\n", time.Since(began).Round(time.Second))
	fmt.Printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	e.close()
	if failed > 0 {
		os.Exit(1)
	}
}

func (e *env) close() {
	if e.kafka != nil {
		e.kafka.stop()
		e.kafka = nil
	}
}
