package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/tumble/tumble/server"
)

// serveConsole serves Tumble Console and the HTTP API over the runtime's
// own catalog and jobs (`tumble run --ui`, `tumble demo`) on addr, until
// the returned stop is called. The jobs stay the runtime's: stopping the
// console leaves them running. When fallback is set and addr is taken, a
// free port is used instead.
func serveConsole(ctx context.Context, rt *runtime, addr string, fallback bool, out io.Writer, log *slog.Logger) (url string, stop func(), err error) {
	srv, err := server.New(ctx, server.Config{
		Bootstrap: rt.bootstrap, KafkaProperties: rt.kafkaProps, DataDir: rt.dataDir, Log: log, Out: out, Registry: rt.reg,
		Catalog: rt.cat, Jobs: rt.jobs,
	})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && fallback {
		host, _, _ := net.SplitHostPort(addr)
		ln, err = net.Listen("tcp", net.JoinHostPort(host, "0"))
	}
	if err != nil {
		srv.Close(context.Background())
		return "", nil, fmt.Errorf("console: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Close(ctx); err != nil {
			log.Warn("console: close", "err", err)
		}
		if err := <-done; err != nil && !errors.Is(err, net.ErrClosed) {
			log.Warn("console: serve", "err", err)
		}
	}
	return "http://" + consoleHost(ln.Addr()) + "/", stop, nil
}
