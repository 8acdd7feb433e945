package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tumble/tumble/connectors/datagen"
)

// datagenCmd writes seed transactions to Kafka, printing progress.
func datagenCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tumble datagen", flag.ContinueOnError)
	n := fs.Int("n", 100, "number of transactions to send")
	parallel := fs.Int("parallel", 10, "concurrent senders (records arrive out of order)")
	rate := fs.Float64("rate", 0, "transactions per second over all senders (0: as fast as possible)")
	bootstrap := fs.String("bootstrap", "localhost:9092", "Kafka bootstrap servers")
	topic := fs.String("topic", "transactions", "topic to write")
	seed := fs.Int64("seed", 0, "random seed (0: random)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tumble datagen [flags]\n\nWrites the seed workload's transactions (JSON, keyed by user_id) to Kafka.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("datagen: unexpected arguments %v", fs.Args())
	}
	if *n <= 0 || *parallel <= 0 || *rate < 0 {
		return fmt.Errorf("datagen: -n and --parallel must be positive and --rate not negative")
	}
	_, err := datagen.ProduceTransactions(ctx, datagen.TxConfig{
		Bootstrap: *bootstrap, Topic: *topic, N: *n, Parallel: *parallel, Rate: *rate, Progress: os.Stdout, Seed: *seed,
	})
	return err
}
