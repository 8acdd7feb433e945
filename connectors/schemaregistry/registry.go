// Package schemaregistry is Tumble's Schema Registry: a server that
// speaks Confluent Schema Registry's REST API (subjects, versions, schema
// ids, references, compatibility, modes, soft and hard deletes, with
// Confluent's status and error codes) for Avro, Protobuf and JSON Schema,
// keeping its schemas in the Kafka topic '_schemas' as Confluent's does,
// so they live and persist with the broker; and the schema parsing the
// formats share (Parse, Messages).
//
// A Registry is safe for concurrent use. Every change is written to
// '_schemas' (and acknowledged by the broker) before it is applied and
// answered; on start the registry replays the topic.
package schemaregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Topic is where the registry keeps its schemas, as Confluent's does.
const Topic = "_schemas"

// Modes.
const (
	ReadWrite = "READWRITE"
	ReadOnly  = "READONLY"
	Import    = "IMPORT"
	// ReadOnlyOverride is READONLY that a subject's own mode cannot lift.
	ReadOnlyOverride = "READONLY_OVERRIDE"
)

// Config configures a registry.
type Config struct {
	// Bootstrap is the Kafka cluster that holds the '_schemas' topic.
	Bootstrap []string
	// Opts are extra franz-go client options (security).
	Opts []kgo.Opt
	// Listen is the HTTP address ("127.0.0.1:8081" when empty; port 0
	// picks one).
	Listen string
	Log    *slog.Logger
}

// Registry is a running schema registry.
type Registry struct {
	cl   *kgo.Client
	log  *slog.Logger
	srv  *http.Server
	ln   net.Listener
	done chan struct{}

	mu       sync.Mutex
	schemas  map[int]*stored     // by id
	subjects map[string]*subject // by name
	compat   string              // global compatibility
	mode     string              // global mode
	byText   map[string]int      // schema key -> id
	parsed   map[int]*Parsed     // parsed schemas by id (cache)
	nextID   int
}

type stored struct {
	ID int
	Source
}

type version struct {
	Version int
	ID      int
	Deleted bool
}

type subject struct {
	versions []*version // by version
	compat   string
	mode     string
}

func (s *subject) live() []*version {
	var out []*version
	for _, v := range s.versions {
		if !v.Deleted {
			out = append(out, v)
		}
	}
	return out
}

// Start opens the '_schemas' topic (creating it, compacted, when absent),
// replays it and serves the API. ctx bounds the start only.
func Start(ctx context.Context, cfg Config) (*Registry, error) {
	r, err := Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	listen := cfg.Listen
	if listen == "" {
		listen = "127.0.0.1:8081"
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", listen)
	if err != nil {
		r.cl.Close()
		return nil, fmt.Errorf("schema registry: %w", err)
	}
	r.ln = ln
	r.srv = &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
	r.done = make(chan struct{})
	go func() {
		defer close(r.done)
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("schema registry stopped", "err", err)
		}
	}()
	return r, nil
}

// Open opens the registry's storage without serving HTTP (Handler serves
// it on a caller's server).
func Open(ctx context.Context, cfg Config) (*Registry, error) {
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts := append([]kgo.Opt{kgo.SeedBrokers(cfg.Bootstrap...), kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0), kgo.RecordPartitioner(kgo.ManualPartitioner())}, cfg.Opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry: %w", err)
	}
	r := &Registry{cl: cl, log: log.With("component", "schema-registry"), schemas: map[int]*stored{},
		subjects: map[string]*subject{}, compat: Backward, mode: ReadWrite, byText: map[string]int{},
		parsed: map[int]*Parsed{}, nextID: 1}
	if err := r.replay(ctx); err != nil {
		cl.Close()
		return nil, err
	}
	return r, nil
}

// URL is the registry's address as a client names it.
func (r *Registry) URL() string {
	if r.ln == nil {
		return ""
	}
	return "http://" + r.ln.Addr().String()
}

// Close stops serving and closes the Kafka client.
func (r *Registry) Close() {
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		r.srv.Shutdown(ctx)
		cancel()
		<-r.done
	}
	r.cl.Close()
}

// The records of '_schemas', as Confluent writes them.
type recKey struct {
	KeyType string  `json:"keytype"`
	Subject *string `json:"subject"`
	Version int     `json:"version,omitempty"`
	Magic   int     `json:"magic"`
}

type schemaValue struct {
	Subject    string      `json:"subject"`
	Version    int         `json:"version"`
	ID         int         `json:"id"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
	Deleted    bool        `json:"deleted"`
}

type configValue struct {
	Compatibility string `json:"compatibilityLevel"`
}

type modeValue struct {
	Mode string `json:"mode"`
}

func (r *Registry) replay(ctx context.Context) error {
	adm := kadm.NewClient(r.cl)
	res, err := adm.CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": ptr("compact")}, Topic)
	if err == nil {
		err = res.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("schema registry: creating %s: %w", Topic, err)
	}
	ends, err := adm.ListEndOffsets(ctx, Topic)
	if err != nil {
		return fmt.Errorf("schema registry: reading %s: %w", Topic, err)
	}
	end, ok := ends.Lookup(Topic, 0)
	if !ok || end.Err != nil || end.Offset <= 0 {
		return nil
	}
	cl, err := kgo.NewClient(append(r.cl.Opts(), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		Topic: {0: kgo.NewOffset().AtStart()}}))...)
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("schema registry: reading %s: %w", Topic, err)
		}
		var last int64 = -1
		fs.EachRecord(func(rec *kgo.Record) {
			r.apply(rec.Key, rec.Value)
			last = rec.Offset
		})
		for _, e := range fs.Errors() {
			return fmt.Errorf("schema registry: reading %s: %w", Topic, e.Err)
		}
		if last+1 >= end.Offset {
			return nil
		}
	}
}

func ptr[T any](v T) *T { return &v }

// apply applies one '_schemas' record to the state (r.mu held or during
// replay).
func (r *Registry) apply(k, v []byte) {
	var key recKey
	if json.Unmarshal(k, &key) != nil {
		return
	}
	sub := ""
	if key.Subject != nil {
		sub = *key.Subject
	}
	switch key.KeyType {
	case "SCHEMA":
		s := r.subjects[sub]
		if v == nil { // hard delete
			if s != nil {
				for i, x := range s.versions {
					if x.Version == key.Version {
						s.versions = append(s.versions[:i], s.versions[i+1:]...)
						break
					}
				}
			}
			return
		}
		var sv schemaValue
		if json.Unmarshal(v, &sv) != nil {
			return
		}
		src := Source{Type: NormalizeType(sv.SchemaType), Text: sv.Schema, References: sv.References}
		if _, ok := r.schemas[sv.ID]; !ok {
			r.schemas[sv.ID] = &stored{ID: sv.ID, Source: src}
			r.byText[textKey(src)] = sv.ID
		}
		if sv.ID >= r.nextID {
			r.nextID = sv.ID + 1
		}
		if s == nil {
			s = &subject{}
			r.subjects[sub] = s
		}
		for _, x := range s.versions {
			if x.Version == sv.Version {
				x.ID, x.Deleted = sv.ID, sv.Deleted
				return
			}
		}
		s.versions = append(s.versions, &version{Version: sv.Version, ID: sv.ID, Deleted: sv.Deleted})
		sort.Slice(s.versions, func(i, j int) bool { return s.versions[i].Version < s.versions[j].Version })
	case "CONFIG":
		var cv configValue
		if v != nil && json.Unmarshal(v, &cv) != nil {
			return
		}
		if key.Subject == nil {
			r.compat = cv.Compatibility
			if r.compat == "" {
				r.compat = Backward
			}
			return
		}
		r.subj(sub).compat = cv.Compatibility
	case "MODE":
		var mv modeValue
		if v != nil && json.Unmarshal(v, &mv) != nil {
			return
		}
		if key.Subject == nil {
			r.mode = mv.Mode
			if r.mode == "" {
				r.mode = ReadWrite
			}
			return
		}
		r.subj(sub).mode = mv.Mode
	case "DELETE_SUBJECT":
		if s := r.subjects[sub]; s != nil {
			for _, x := range s.versions {
				x.Deleted = true
			}
		}
	}
}

func (r *Registry) subj(name string) *subject {
	s := r.subjects[name]
	if s == nil {
		s = &subject{}
		r.subjects[name] = s
	}
	return s
}

func textKey(s Source) string {
	b, _ := json.Marshal(s.References)
	return s.Type + "\x00" + s.Text + "\x00" + string(b)
}

// write appends a record to '_schemas' and applies it (r.mu held).
func (r *Registry) write(ctx context.Context, key recKey, value any) error {
	k, _ := json.Marshal(key)
	var v []byte
	if value != nil {
		v, _ = json.Marshal(value)
	}
	rec := &kgo.Record{Topic: Topic, Partition: 0, Key: k, Value: v}
	if err := r.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("writing %s: %w", Topic, err)
	}
	r.apply(k, v)
	return nil
}

// resolver resolves references from the registry's own state (r.mu held).
func (r *Registry) resolver() ResolveFunc {
	return func(_ context.Context, sub string, ver int) (Source, error) {
		s := r.subjects[sub]
		if s == nil {
			return Source{}, fmt.Errorf("subject '%s' not found", sub)
		}
		for _, v := range s.versions {
			if v.Version == ver || (ver == -1 && v == s.versions[len(s.versions)-1]) {
				return r.schemas[v.ID].Source, nil
			}
		}
		return Source{}, fmt.Errorf("version %d of subject '%s' not found", ver, sub)
	}
}

// parsedID parses a stored schema once (r.mu held).
func (r *Registry) parsedID(ctx context.Context, id int) (*Parsed, error) {
	if p, ok := r.parsed[id]; ok {
		return p, nil
	}
	s, ok := r.schemas[id]
	if !ok {
		return nil, fmt.Errorf("schema %d not found", id)
	}
	p, err := Parse(ctx, s.Source, r.resolver())
	if err != nil {
		return nil, err
	}
	r.parsed[id] = p
	return p, nil
}

func (r *Registry) levelOf(name string) string {
	if s := r.subjects[name]; s != nil && s.compat != "" {
		return s.compat
	}
	return r.compat
}

func (r *Registry) modeOf(name string) string {
	if r.mode == ReadOnlyOverride {
		return ReadOnly
	}
	if s := r.subjects[name]; s != nil && s.mode != "" {
		return s.mode
	}
	return r.mode
}
