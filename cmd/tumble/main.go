// Command tumble is Tumble's single binary: the SQL REPL, headless runs,
// the embedded Kafka broker, the data generator, EXPLAIN, the golden-test
// runner and the server.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

const usage = `tumble — streaming SQL (Flink SQL and ksqlDB) over Kafka, in one binary.

Usage:
  tumble demo                      broker + the queries/flink pipeline + data, printing windows
  tumble kafka [flags]             run the embedded Kafka-compatible broker
  tumble datagen [flags]           write seed transactions to Kafka
  tumble sql [flags]               the SQL REPL (Flink dialect; --ksql for ksqlDB; --server URL for a server)
  tumble server [flags]            the server: ksqlDB's REST API and Tumble's, with a persistent catalog
  tumble run -f FILE|DIR ...       run statements headlessly until SIGINT/SIGTERM
  tumble explain -f FILE ...       print the plan of each INSERT / SELECT
  tumble test FILE.slt ...         run sqllogictest-style golden tests on an embedded broker

Run 'tumble <command> -h' for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "kafka":
		err = kafkaCmd(ctx, args)
	case "datagen":
		err = datagenCmd(ctx, args)
	case "sql":
		stop() // the REPL handles Ctrl-C itself
		err = sqlCmd(context.Background(), args)
	case "run":
		err = runCmd(ctx, args)
	case "explain":
		err = explainCmd(ctx, args)
	case "test":
		err = testCmd(ctx, args)
	case "demo":
		err = demoCmd(ctx, args)
	case "server":
		err = serverCmd(ctx, args)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "tumble: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(2)
		}
		fmt.Fprintln(os.Stderr, "tumble:", err)
		os.Exit(1)
	}
}

// newLogger returns the process logger: text to w at the given level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
