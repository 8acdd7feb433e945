package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/tumble/tumble/connectors/kafka"
)

// kafkaCmd runs the embedded Kafka-compatible broker until ctx is done.
func kafkaCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tumble kafka", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9092", "address to listen on (host:port; port 0 picks one)")
	advertise := fs.String("advertise", "", "host:port clients should connect to (default: the listen address; 127.0.0.1 for a wildcard host)")
	dataDir := fs.String("data-dir", "", "directory that keeps topics, offsets and transactions across restarts (default: in memory)")
	partitions := fs.Int("partitions", 3, "partitions of automatically created topics")
	logLevel := fs.String("log-level", "warn", "broker log level: debug, info, warn, error")
	registry := fs.String("schema-registry", "", "also serve a Schema Registry (Confluent's REST API; schemas kept in the _schemas topic) on this address, e.g. 127.0.0.1:8081")
	var prof profiling
	prof.register(fs)
	settings := registerBrokerSettings(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tumble kafka [flags]\n\nRuns an embedded Kafka-compatible broker (topics are created on first use).\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("kafka: unexpected arguments %v", fs.Args())
	}
	log := newLogger(os.Stderr, *logLevel)
	stopProf, err := prof.start(log)
	defer stopProf()
	if err != nil {
		return err
	}
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{
		Listen: *listen, Advertise: *advertise, DataDir: *dataDir, Partitions: *partitions,
		Logger: log, Settings: kafka.WithDefaultSettings(settings),
	})
	if err != nil {
		return err
	}
	defer b.Close()
	where := "in memory"
	if *dataDir != "" {
		where = "data in " + *dataDir
	}
	fmt.Printf("Kafka broker listening on %s (%s). Ctrl-C to stop.\n", b.Addr(), where)
	if *registry != "" {
		r, err := startRegistry(ctx, *registry, b.Addr(), nil, log)
		if err != nil {
			return err
		}
		defer r.Close()
		fmt.Printf("Schema Registry on %s.\n", r.URL())
	}
	<-ctx.Done()
	fmt.Println("Kafka broker stopping.")
	return nil
}
