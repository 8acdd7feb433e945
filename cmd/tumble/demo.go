package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// demoCmd runs the whole demo in one process: the embedded broker, the
// queries/flink pipeline, the transaction generator at a steady rate, and a
// consumer printing each 3-second window as the pipeline emits it.
func demoCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9092", "broker listen address")
	queries := fs.String("queries", "queries/flink", "directory of the pipeline's SQL files")
	rate := fs.Float64("rate", 20, "transactions per second")
	dataDir := fs.String("data-dir", "", "broker and checkpoint directory (default: a temporary one)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	ui := fs.String("ui", "127.0.0.1:8088", "serve Tumble Console on this address (a free port if it is taken; empty: no console)")
	settings := registerBrokerSettings(fs)
	var prof profiling
	prof.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := newLogger(os.Stderr, *logLevel)
	stopProf, err := prof.start(log)
	defer stopProf()
	if err != nil {
		return err
	}
	dir := *dataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "tumble-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	broker, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: *listen, DataDir: filepath.Join(dir, "kafka"), Partitions: 3, Logger: log, Settings: kafka.WithDefaultSettings(settings)})
	if err != nil {
		return fmt.Errorf("start the embedded broker on %s: %w (is another Kafka running? try --listen 127.0.0.1:0)", *listen, err)
	}
	defer broker.Close()
	addr := broker.Addr()
	fmt.Printf("[demo] embedded Kafka broker on %s\n", addr)
	if err := ensureTopic(ctx, addr, "transactions", 3); err != nil {
		return err
	}

	jobsCtx, stopJobs := context.WithCancel(context.Background())
	defer stopJobs()
	rt := newRuntime(jobsCtx, addr, filepath.Join(dir, "tumble"), os.Stdout, log)
	defer rt.jobs.StopAll()
	paths, err := expandFiles([]string{*queries})
	if err != nil {
		return err
	}
	s := rt.session(sql.Flink)
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		text := strings.ReplaceAll(string(raw), "localhost:9092", addr)
		fmt.Printf("[demo] %s\n", p)
		results, err := s.ExecuteText(ctx, text)
		for _, r := range results {
			printResult(ctx, os.Stdout, r)
		}
		if err != nil {
			return fmt.Errorf("%s: %s", p, errorText(err))
		}
	}

	if *ui != "" {
		url, stop, err := serveConsole(ctx, rt, *ui, true, os.Stdout, log)
		if err != nil {
			return err
		}
		defer stop()
		fmt.Printf("[demo] Tumble Console: %s (jobs, topics, the results as a live table)\n", url)
	}

	genCtx, stopGen := context.WithCancel(ctx)
	defer stopGen()
	genDone := make(chan error, 1)
	go func() {
		_, err := datagen.ProduceTransactions(genCtx, datagen.TxConfig{
			Bootstrap: addr, Topic: "transactions", N: math.MaxInt32, Parallel: 10, Rate: *rate, Progress: io.Discard,
		})
		genDone <- err
	}()
	fmt.Printf("[demo] producing %.0f transactions/s to 'transactions'; windows of Paid transactions appear below as they close. Ctrl-C to stop.\n", *rate)
	err = tailWindows(ctx, addr, "transactions_aggregate_flink", rt)
	stopGen()
	<-genDone
	return err
}

func ensureTopic(ctx context.Context, addr, topic string, partitions int32) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err != nil {
		return err
	}
	if resp.Err != nil && !strings.Contains(resp.Err.Error(), "TOPIC_ALREADY_EXISTS") {
		return resp.Err
	}
	return nil
}

// tailWindows prints each record of the sink topic until ctx is done.
func tailWindows(ctx context.Context, addr, topic string, rt *runtime) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.AllowAutoTopicCreation())
	if err != nil {
		return err
	}
	defer cl.Close()
	fmt.Printf("%-23s  %-23s  %10s  %12s  %9s\n", "window_start", "window_end", "total_paid", "transactions", "average")
	for {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			fmt.Println("\n[demo] stopped")
			return nil
		}
		for _, j := range rt.jobs.List() {
			if err := j.Job.Err(); err != nil {
				return fmt.Errorf("job %s failed: %w", j.ID, err)
			}
		}
		fetches.EachRecord(func(r *kgo.Record) {
			var w struct {
				Start string `json:"window_start"`
				End   string `json:"window_end"`
				Total int64  `json:"total_paid"`
				Count int64  `json:"total_transactions"`
				Avg   int64  `json:"average_transaction_value"`
			}
			if err := json.Unmarshal(r.Value, &w); err != nil {
				fmt.Printf("%s\n", r.Value)
				return
			}
			fmt.Printf("%-23s  %-23s  %10d  %12d  %9d\n", w.Start, w.End, w.Total, w.Count, w.Avg)
		})
		_ = time.Now
		_ = planner.ResultOK
	}
}
