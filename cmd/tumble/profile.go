package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	goruntime "runtime"
	rpprof "runtime/pprof"
	"time"

	"github.com/tumble/tumble/connectors/kafka"
)

// profiling holds the --cpuprofile, --memprofile and --pprof flags of the
// long-running commands (kafka, server, demo).
type profiling struct {
	cpu, mem, addr string
}

func (p *profiling) register(fs *flag.FlagSet) {
	fs.StringVar(&p.cpu, "cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&p.mem, "memprofile", "", "write a heap profile to this file when the command stops")
	fs.StringVar(&p.addr, "pprof", "", "serve Go's pprof endpoints (/debug/pprof/) on this address, e.g. 127.0.0.1:6060")
}

// start begins what the flags ask for. The returned stop writes the
// profiles and closes the endpoint; call it once, when the command ends.
func (p *profiling) start(log *slog.Logger) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	if p.cpu != "" {
		f, err := os.Create(p.cpu)
		if err != nil {
			return stop, fmt.Errorf("--cpuprofile: %w", err)
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			f.Close()
			return stop, fmt.Errorf("--cpuprofile: %w", err)
		}
		stops = append(stops, func() {
			rpprof.StopCPUProfile()
			if err := f.Close(); err != nil {
				log.Error("writing the CPU profile", "file", p.cpu, "error", err)
			}
		})
	}
	if p.mem != "" {
		path := p.mem
		stops = append(stops, func() {
			if err := writeHeapProfile(path); err != nil {
				log.Error("writing the heap profile", "file", path, "error", err)
			}
		})
	}
	if p.addr != "" {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			stop()
			return func() {}, fmt.Errorf("--pprof: %w", err)
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		done := make(chan struct{})
		go func() {
			defer close(done)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("pprof endpoint", "error", err)
			}
		}()
		log.Info("pprof endpoint", "url", "http://"+ln.Addr().String()+"/debug/pprof/")
		fmt.Fprintf(os.Stderr, "pprof on http://%s/debug/pprof/\n", ln.Addr())
		stops = append(stops, func() {
			srv.Close()
			<-done
		})
	}
	return stop, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	goruntime.GC() // up-to-date statistics of what is live
	if err := rpprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// brokerSettingsFlag collects the repeatable --config KEY=VALUE of the
// commands that start the embedded broker (kafka-server-start's --override).
type brokerSettingsFlag map[string]string

func (f brokerSettingsFlag) String() string { return "" }

func (f brokerSettingsFlag) Set(v string) error {
	k, val, err := kafka.ParseBrokerSetting(v)
	if err != nil {
		return err
	}
	f[k] = val
	return nil
}

func registerBrokerSettings(fs *flag.FlagSet) brokerSettingsFlag {
	f := brokerSettingsFlag{}
	fs.Var(f, "config", "a Kafka broker setting of the embedded broker, KEY=VALUE (repeatable), e.g. log.retention.ms=600000; see the README")
	return f
}
