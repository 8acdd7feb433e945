package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/server"
	"github.com/tumble/tumble/spark/connect"
)

// serverCmd is `tumble server`: the engine with a persistent catalog and
// the HTTP API, until SIGINT/SIGTERM.
func serverCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8088", "HTTP address to listen on")
	bootstrap := fs.String("bootstrap", "", "Kafka bootstrap servers (default of tables and streams that name none)")
	dataDir := fs.String("data-dir", ".tumble/server", "directory of the catalog log and the job checkpoints")
	kafkaCfg := fs.String("kafka-config", "", "Java properties file of the cluster's client settings (bootstrap.servers, security.protocol, sasl.*, ssl.*, also under ksql.streams.), as in ksql-server.properties")
	embedded := fs.String("embedded-kafka", "", "start the embedded Kafka broker on this address (data under DATA-DIR/kafka) and use it as bootstrap")
	registryURL := fs.String("schema-registry", "", "the Schema Registry of AVRO, PROTOBUF and JSON_SR (ksqlDB) and avro-confluent (Flink) formats, e.g. http://host:8081 (default: the embedded one with --embedded-kafka)")
	registryListen := fs.String("embedded-schema-registry", "127.0.0.1:0", "with --embedded-kafka and no --schema-registry: the address of the embedded Schema Registry (port 0 picks one)")
	var topics fileList
	fs.Var(&topics, "topic", "create this topic at start if missing: NAME[:PARTITIONS] (repeatable; 3 partitions by default)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	var prof profiling
	prof.register(fs)
	settings := registerBrokerSettings(fs)
	basicAuth := fs.String("basic-auth", "", "require HTTP basic auth USER:PASSWORD on the console and every API but /healthcheck (default $TUMBLE_BASIC_AUTH)")
	basicAuthFile := fs.String("basic-auth-file", "", "like --basic-auth, from a file of USER:PASSWORD lines")
	tlsCert := fs.String("tls-cert", "", "serve HTTPS with this PEM certificate (with --tls-key)")
	tlsKey := fs.String("tls-key", "", "the PEM private key of --tls-cert")
	sparkAddr := fs.String("spark-connect", "", "also serve Spark Connect (gRPC) on this address, conventionally 127.0.0.1:15002")
	sparkRoot := fs.String("spark-checkpoint-root", "", "prefix every Spark checkpointLocation with this directory")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tumble server [flags]\n\nRuns Tumble as a server: ksqlDB's REST API (/ksql, /query, /query-stream, /info,\n/healthcheck) and Tumble's (/v1/statements, /v1/query, /v1/jobs, /metrics). Tables,\nstreams, views and running jobs survive a restart on the same --data-dir.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("server: unexpected arguments %q", fs.Args())
	}
	log := newLogger(os.Stderr, *logLevel)
	stopProf, err := prof.start(log)
	defer stopProf()
	if err != nil {
		return err
	}
	cfgBootstrap, kafkaProps, err := kafkaConfig(*kafkaCfg, log)
	if err != nil {
		return err
	}
	if *bootstrap == "" {
		*bootstrap = cfgBootstrap
	}
	users, err := authFlags(*basicAuth, *basicAuthFile)
	if err != nil {
		return fmt.Errorf("server: %w", err)
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("server: --tls-cert and --tls-key go together")
	}
	if *embedded != "" {
		b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{
			Listen: *embedded, DataDir: filepath.Join(*dataDir, "kafka"), Partitions: 3, Logger: newLogger(os.Stderr, "warn"),
			Settings: kafka.WithDefaultSettings(settings),
		})
		if err != nil {
			return fmt.Errorf("start the embedded broker on %s: %w", *embedded, err)
		}
		defer b.Close()
		log.Info("embedded Kafka broker started", "addr", b.Addr(), "data", filepath.Join(*dataDir, "kafka"))
		if *bootstrap != "" && *bootstrap != b.Addr() {
			log.Warn("--bootstrap is ignored: the embedded broker is the bootstrap", "bootstrap", *bootstrap)
		}
		*bootstrap = b.Addr()
		if *registryURL == "" {
			r, err := startRegistry(ctx, *registryListen, b.Addr(), nil, log)
			if err != nil {
				return err
			}
			defer r.Close()
			*registryURL = r.URL()
			log.Info("embedded Schema Registry started", "url", r.URL())
		}
	}
	kafkaProps = withRegistry(kafkaProps, *registryURL)
	if *bootstrap == "" {
		return errors.New("server: give --bootstrap HOST:PORT or --embedded-kafka ADDR")
	}
	if *embedded == "" && len(settings) > 0 {
		return errors.New("server: --config sets the embedded broker's settings and needs --embedded-kafka")
	}
	client := map[string]string{"bootstrap.servers": *bootstrap}
	for k, v := range kafkaProps {
		client[k] = v
	}
	for _, t := range topics {
		name, parts, err := topicFlag(t)
		if err != nil {
			return err
		}
		if err := createTopic(ctx, client, name, parts); err != nil {
			return fmt.Errorf("create topic %s: %w", name, err)
		}
		log.Info("topic ready", "topic", name, "partitions", parts)
	}
	srv, err := server.New(ctx, server.Config{
		Bootstrap:       *bootstrap,
		KafkaProperties: kafkaProps,
		DataDir:         *dataDir,
		Log:             log,
		Out:             os.Stdout,
		KafkaClusterID:  clusterID(ctx, client),
		Users:           users,
		TLSCertFile:     *tlsCert,
		TLSKeyFile:      *tlsKey,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv.Close(closeCtx)
		return fmt.Errorf("server: %w", err)
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && len(users) == 0 {
		log.Warn("the server listens beyond this machine without authentication: anyone who reaches it can run statements; consider --basic-auth", "addr", ln.Addr().String())
	}
	log.Info("tumble server listening", "addr", ln.Addr().String(), "bootstrap", *bootstrap, "data", *dataDir, "tls", *tlsCert != "", "basic_auth", len(users) > 0)
	fmt.Fprintf(os.Stderr, "Tumble server on %s://%s (Kafka %s, data in %s). Ctrl-C to stop.\n", scheme, ln.Addr(), *bootstrap, *dataDir)
	fmt.Fprintf(os.Stderr, "Tumble Console: %s://%s/\n", scheme, consoleHost(ln.Addr()))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if *sparkAddr != "" {
		sln, err := net.Listen("tcp", *sparkAddr)
		if err != nil {
			closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			srv.Close(closeCtx)
			return fmt.Errorf("server: spark connect: %w", err)
		}
		g := connect.New(connect.Config{Catalog: srv.Catalog(), Registry: srv.Registry(), Jobs: srv.Jobs(), Bootstrap: *bootstrap, KafkaProperties: kafkaProps,
			DataDir: *dataDir, CheckpointRoot: *sparkRoot, Log: log}).NewGRPCServer()
		go func() { _ = g.Serve(sln) }()
		defer g.Stop()
		log.Info("spark connect listening", "addr", sln.Addr().String())
		fmt.Fprintf(os.Stderr, "Spark Connect on sc://%s\n", sln.Addr())
	}
	select {
	case <-ctx.Done():
	case err = <-served:
	}
	log.Info("tumble server stopping: checkpointing and stopping jobs")
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if cerr := srv.Close(closeCtx); cerr != nil && err == nil {
		err = cerr
	}
	if err == nil {
		err = <-served
	}
	log.Info("tumble server stopped")
	return err
}

// authFlags reads the basic-auth users of --basic-auth, --basic-auth-file
// or $TUMBLE_BASIC_AUTH (nil: no authentication).
func authFlags(pair, file string) (map[string]string, error) {
	switch {
	case pair != "" && file != "":
		return nil, errors.New("give --basic-auth or --basic-auth-file, not both")
	case file != "":
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		users, err := server.ParseUsers(string(raw))
		if err != nil {
			return nil, fmt.Errorf("--basic-auth-file %s: %w", file, err)
		}
		return users, nil
	case pair == "":
		pair = os.Getenv("TUMBLE_BASIC_AUTH")
		if pair == "" {
			return nil, nil
		}
	}
	users, err := server.ParseUsers(pair)
	if err != nil {
		return nil, fmt.Errorf("--basic-auth: %w", err)
	}
	return users, nil
}

// consoleHost is the host:port to print in the console's URL: a wildcard
// listen address is reached on 127.0.0.1.
func consoleHost(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return a.String()
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
}

// topicFlag reads NAME[:PARTITIONS].
func topicFlag(v string) (string, int32, error) {
	name, p, hasP := strings.Cut(v, ":")
	if name == "" {
		return "", 0, fmt.Errorf("--topic %q: empty name", v)
	}
	if !hasP {
		return name, 3, nil
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 1 {
		return "", 0, fmt.Errorf("--topic %q: partitions must be a positive number", v)
	}
	return name, int32(n), nil
}

// createTopic creates a topic unless it exists.
func createTopic(ctx context.Context, client map[string]string, topic string, partitions int32) error {
	opts, err := kafka.ClientOpts(client)
	if err != nil {
		return err
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return nil
	}
	return err
}

// clusterID asks the cluster for its id (for /info); "" if it cannot.
func clusterID(ctx context.Context, client map[string]string) string {
	opts, err := kafka.ClientOpts(client)
	if err != nil {
		return ""
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return ""
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	m, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return ""
	}
	return m.Cluster
}
