package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	// Listen is the host:port to listen on ("127.0.0.1:9092" when empty);
	// port 0 picks a free port.
	Listen string
	// Advertise is the host:port the broker tells clients to connect to.
	// Empty means the listen address, with a wildcard host (":9092",
	// "0.0.0.0:9092") replaced by 127.0.0.1. Set it when clients reach the
	// broker under another name (a container's host name).
	Advertise string
	// DataDir keeps topics, records, committed offsets and transaction
	// state on disk across restarts; empty keeps everything in memory.
	DataDir string
	// Partitions is the partition count of auto-created topics (3 when 0).
	Partitions int
	// Logger receives the broker's log lines; nil discards them.
	Logger *slog.Logger
}

// Broker is an embedded single-node Kafka-compatible broker (kfake). Topics
// are created automatically on first use.
type Broker struct {
	c     *kfake.Cluster
	addr  string
	once  sync.Once
	close func()
}

// StartBroker starts a broker and returns once it accepts connections. ctx
// only bounds the start; the broker runs until Close.
func StartBroker(ctx context.Context, cfg BrokerConfig) (*Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:9092"
	}
	if _, _, err := net.SplitHostPort(listen); err != nil {
		return nil, fmt.Errorf("kafka broker: listen address '%s': %w", listen, err)
	}
	parts := cfg.Partitions
	if parts <= 0 {
		parts = 3
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("kafka broker: %w", err)
	}
	adv, err := advertised(cfg.Advertise, ln.Addr())
	if err != nil {
		ln.Close()
		return nil, err
	}
	used := false
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ClusterID("tumble"),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(parts),
		// kfake asks for a 127.0.0.1 listener; we hand it ours, which
		// listens where the user asked and advertises adv.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			if used {
				return nil, fmt.Errorf("kafka broker: only one listener")
			}
			used = true
			return &advListener{Listener: ln, addr: adv}, nil
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	if cfg.Logger != nil {
		opts = append(opts, kfake.WithLogger(slogLogger{cfg.Logger}))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("kafka broker: %w", err)
	}
	// Kafka lets Metadata requests older than v4 (which cannot say) create
	// topics when auto-creation is on; kfake reads the missing flag as
	// false. Older clients (kafka-python) rely on it.
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if m, ok := req.(*kmsg.MetadataRequest); ok && m.Version < 4 {
			m.AllowAutoTopicCreation = true
		}
		return nil, nil, false
	})
	return &Broker{c: c, addr: string(adv), close: c.Close}, nil
}

// Addr returns the address clients should bootstrap from (host:port).
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, persisting its state when it has a DataDir. It
// blocks until the state is written and is safe to call more than once.
func (b *Broker) Close() {
	b.once.Do(b.close)
}

// advertised picks the address announced in metadata responses.
func advertised(adv string, bound net.Addr) (hostAddr, error) {
	_, bport, err := net.SplitHostPort(bound.String())
	if err != nil {
		return hostAddr(""), fmt.Errorf("kafka broker: unexpected listener address %v", bound)
	}
	if adv == "" {
		host := "127.0.0.1"
		if tcp, ok := bound.(*net.TCPAddr); ok && !tcp.IP.IsUnspecified() {
			host = tcp.IP.String()
		}
		return hostAddr(net.JoinHostPort(host, bport)), nil
	}
	host, port, err := net.SplitHostPort(adv)
	if err != nil || host == "" {
		return hostAddr(""), fmt.Errorf("kafka broker: advertised address '%s': want host:port", adv)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return hostAddr(""), fmt.Errorf("kafka broker: advertised port '%s'", port)
	} else if p == 0 {
		port = bport
	}
	return hostAddr(net.JoinHostPort(host, port)), nil
}

// hostAddr is a TCP address that may hold a host name.
type hostAddr string

func (a hostAddr) Network() string { return "tcp" }
func (a hostAddr) String() string  { return string(a) }

// advListener reports the advertised address as its own, which is what
// kfake puts in metadata responses.
type advListener struct {
	net.Listener
	addr net.Addr
}

func (l *advListener) Addr() net.Addr { return l.addr }

// slogLogger adapts slog to kfake's logger.
type slogLogger struct{ l *slog.Logger }

func (s slogLogger) Logf(level kfake.LogLevel, msg string, args ...any) {
	var lv slog.Level
	switch level {
	case kfake.LogLevelError:
		lv = slog.LevelError
	case kfake.LogLevelWarn:
		lv = slog.LevelWarn
	case kfake.LogLevelInfo:
		lv = slog.LevelInfo
	case kfake.LogLevelDebug:
		lv = slog.LevelDebug
	default:
		return
	}
	ctx := context.Background()
	if !s.l.Enabled(ctx, lv) {
		return
	}
	s.l.Log(ctx, lv, fmt.Sprintf(msg, args...), "component", "kafka-broker")
}
