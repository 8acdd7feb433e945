package kafka

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

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
	// Settings are Kafka broker settings by name (log.retention.ms,
	// log.retention.bytes, ...). What they leave out is Kafka's default,
	// except that no retention applies: commands that run a broker for a
	// user pass WithDefaultSettings. StartBroker refuses a name it does
	// not know (see BrokerSettingNames).
	Settings map[string]string
}

// Broker is an embedded single-node Kafka-compatible broker (kfake). Topics
// are created automatically on first use.
type Broker struct {
	c     *kfake.Cluster
	addr  string
	once  sync.Once
	close func()

	log  *slog.Logger
	set  map[string]string // the settings in force (defaults + overrides)
	stop chan struct{}     // ends maintain
	done chan struct{}     // closed when maintain returns

	mu          sync.Mutex
	noRetention map[string]bool // compacted topics we gave retention.ms = -1
}

// StartBroker starts a broker and returns once it accepts connections. ctx
// only bounds the start; the broker runs until Close. Besides kfake's own
// work it runs retention every log.retention.check.interval.ms and the
// log cleaner (compaction) every log.cleaner.backoff.ms.
func StartBroker(ctx context.Context, cfg BrokerConfig) (*Broker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	plan, err := planSettings(cfg.Settings)
	if err != nil {
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
	if plan.partitions > 0 {
		parts = plan.partitions
	}
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
		kfake.DefaultNumPartitions(parts),
		kfake.BrokerConfigs(plan.kfake),
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
	if plan.autoCreate {
		opts = append(opts, kfake.AllowAutoTopicCreation())
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = append(opts, kfake.WithLogger(slogLogger{log}))
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("kafka broker: %w", err)
	}
	b := &Broker{c: c, addr: string(adv), log: log.With("component", "kafka-broker"),
		set: plan.all, stop: make(chan struct{}), done: make(chan struct{}), noRetention: map[string]bool{}}
	b.close = func() {
		close(b.stop)
		<-b.done
		c.Close()
	}
	logSettings(b.log, plan)
	// Kafka lets Metadata requests older than v4 (which cannot say) create
	// topics when auto-creation is on; kfake reads the missing flag as
	// false. Older clients (kafka-python) rely on it.
	c.ControlKey(int16(kmsg.Metadata), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if m, ok := req.(*kmsg.MetadataRequest); ok && m.Version < 4 && plan.autoCreate {
			m.AllowAutoTopicCreation = true
		}
		return nil, nil, false
	})
	b.keepCompactedTopics()
	go b.maintain(plan.retentionCheck, plan.cleanerEvery)
	return b, nil
}

// maintain runs retention and the log cleaner until Close. kfake runs both
// only on request (and compaction on a timer of its own that a restart
// does not start), so the broker drives them here.
func (b *Broker) maintain(retention, cleaner time.Duration) {
	defer close(b.done)
	rt := time.NewTicker(retention)
	defer rt.Stop()
	var cleanC <-chan time.Time
	if cleaner > 0 {
		ct := time.NewTicker(cleaner)
		defer ct.Stop()
		cleanC = ct.C
	}
	for {
		select {
		case <-b.stop:
			return
		case <-rt.C:
			b.c.ApplyRetention()
		case <-cleanC:
			b.c.Compact() // compacts topics with cleanup.policy compact, then applies retention
		}
	}
}

// RunRetention applies retention (retention.ms, retention.bytes) to every
// topic now, as the broker does every log.retention.check.interval.ms.
func (b *Broker) RunRetention() { b.c.ApplyRetention() }

// RunCleaner compacts every topic whose cleanup.policy includes compact
// now, as the broker does every log.cleaner.backoff.ms, then applies
// retention.
func (b *Broker) RunCleaner() { b.c.Compact() }

// Settings returns the broker settings in force (defaults and overrides).
func (b *Broker) Settings() map[string]string { return maps.Clone(b.set) }

// keepCompactedTopics makes retention spare topics whose cleanup.policy is
// compact alone, as Kafka does: kfake applies retention.ms and
// retention.bytes to every topic, so a topic created or altered to
// cleanup.policy=compact gets retention.ms=-1 and retention.bytes=-1 unless
// the request sets them, and loses them again (unless set) when its policy
// goes back to one with delete.
func (b *Broker) keepCompactedTopics() {
	b.c.ControlKey(int16(kmsg.CreateTopics), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.CreateTopicsRequest)
		if !ok {
			return nil, nil, false
		}
		for i := range r.Topics {
			t := &r.Topics[i]
			cfg := map[string]*string{}
			for _, c := range t.Configs {
				cfg[c.Name] = c.Value
			}
			for _, k := range b.retentionOverrides(t.Topic, cfg) {
				c := kmsg.NewCreateTopicsRequestTopicConfig()
				c.Name, c.Value = k, kmsg.StringPtr("-1")
				t.Configs = append(t.Configs, c)
			}
		}
		return nil, nil, false
	})
	b.c.ControlKey(int16(kmsg.AlterConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.AlterConfigsRequest)
		if !ok || r.ValidateOnly {
			return nil, nil, false
		}
		for i := range r.Resources {
			res := &r.Resources[i]
			if res.ResourceType != kmsg.ConfigResourceTypeTopic {
				continue
			}
			cfg := map[string]*string{} // AlterConfigs replaces the whole set
			for _, c := range res.Configs {
				cfg[c.Name] = c.Value
			}
			for _, k := range b.retentionOverrides(res.ResourceName, cfg) {
				c := kmsg.NewAlterConfigsRequestResourceConfig()
				c.Name, c.Value = k, kmsg.StringPtr("-1")
				res.Configs = append(res.Configs, c)
			}
		}
		return nil, nil, false
	})
	b.c.ControlKey(int16(kmsg.IncrementalAlterConfigs), func(req kmsg.Request) (kmsg.Response, error, bool) {
		r, ok := req.(*kmsg.IncrementalAlterConfigsRequest)
		if !ok || r.ValidateOnly {
			return nil, nil, false
		}
		for i := range r.Resources {
			res := &r.Resources[i]
			if res.ResourceType != kmsg.ConfigResourceTypeTopic {
				continue
			}
			var policy *string
			touched := map[string]bool{}
			for _, c := range res.Configs {
				touched[c.Name] = true
				if c.Name == "cleanup.policy" && c.Op == kmsg.IncrementalAlterConfigOpSet {
					policy = c.Value
				}
			}
			if policy == nil {
				continue
			}
			add := func(k string, op kmsg.IncrementalAlterConfigOp, v *string) {
				c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
				c.Name, c.Op, c.Value = k, op, v
				res.Configs = append(res.Configs, c)
			}
			if compactOnly(*policy) {
				for _, k := range []string{"retention.ms", "retention.bytes"} {
					if !touched[k] {
						add(k, kmsg.IncrementalAlterConfigOpSet, kmsg.StringPtr("-1"))
					}
				}
				b.mu.Lock()
				b.noRetention[res.ResourceName] = true
				b.mu.Unlock()
				continue
			}
			b.mu.Lock()
			ours := b.noRetention[res.ResourceName]
			delete(b.noRetention, res.ResourceName)
			b.mu.Unlock()
			if ours {
				for _, k := range []string{"retention.ms", "retention.bytes"} {
					if !touched[k] {
						add(k, kmsg.IncrementalAlterConfigOpDelete, nil)
					}
				}
			}
		}
		return nil, nil, false
	})
}

// retentionOverrides returns the retention settings a topic with configs
// cfg must get so that retention spares it: none unless its cleanup.policy
// is compact alone.
func (b *Broker) retentionOverrides(topic string, cfg map[string]*string) []string {
	p := cfg["cleanup.policy"]
	b.mu.Lock()
	defer b.mu.Unlock()
	if p == nil || !compactOnly(*p) {
		delete(b.noRetention, topic)
		return nil
	}
	var out []string
	for _, k := range []string{"retention.ms", "retention.bytes"} {
		if _, ok := cfg[k]; !ok {
			out = append(out, k)
		}
	}
	b.noRetention[topic] = true
	return out
}

// compactOnly reports whether a cleanup.policy value compacts without
// deleting.
func compactOnly(policy string) bool {
	compact, del := false, false
	for _, p := range strings.Split(policy, ",") {
		switch strings.ToLower(strings.TrimSpace(p)) {
		case "compact":
			compact = true
		case "delete":
			del = true
		}
	}
	return compact && !del
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
