package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/tumble/tumble/engine/types"
)

// RowKind is the changelog kind of a record, as Flink prints it.
type RowKind uint8

const (
	Insert       RowKind = iota // +I
	UpdateBefore                // -U
	UpdateAfter                 // +U
	Delete                      // -D
)

func (k RowKind) String() string {
	switch k {
	case UpdateBefore:
		return "-U"
	case UpdateAfter:
		return "+U"
	case Delete:
		return "-D"
	}
	return "+I"
}

// IsRetract reports whether the kind removes a previous row (-U, -D).
func (k RowKind) IsRetract() bool { return k == UpdateBefore || k == Delete }

// Rec is one record flowing between operators: a row, its changelog kind and
// its timestamp (epoch milliseconds; the Kafka record timestamp on the way in,
// the rowtime on the way out; ksqlDB's ROWTIME).
type Rec struct {
	Row  types.Row
	Kind RowKind
	Ts   int64
}

// ColumnSpec describes one column a source produces or a sink consumes.
// Metadata is empty for a physical (payload) column, otherwise the metadata
// key: "timestamp", "partition", "offset", "topic", "headers", "key" (ksqlDB
// key columns use Key instead).
type ColumnSpec struct {
	Name     string
	Type     types.Type
	Metadata string
	Virtual  bool // metadata that is read but never written
	Key      bool // the column is (part of) the Kafka record key
}

// TableSpec is everything a connector factory needs to build a source or a
// sink for a table: its columns (physical and metadata, in declared order,
// computed columns excluded) and its WITH options, keys as written.
type TableSpec struct {
	Name    string
	Columns []ColumnSpec
	Options map[string]string
	// Rules are the conventions of the table's dialect for its records
	// and topics (the zero value: Flink's).
	Rules TableRules
	// PrimaryKey names the primary-key columns (Flink) or key columns (ksqlDB).
	PrimaryKey []string
	// PartitionKeys names the columns of Flink's PARTITIONED BY, in order
	// (the filesystem connector keeps them in k=v directories).
	PartitionKeys []string
	// Defaults holds engine-wide settings a connector may fall back on, such as
	// "bootstrap.servers" (from the --bootstrap flag) and "local-time-zone".
	Defaults map[string]string
	// Needed, when set, tells a source which Columns the query reads (by
	// position); it may leave the others unset to save work (projection
	// pushdown). Sinks ignore it.
	Needed []bool
}

// Option returns the option value and whether it was set.
func (s *TableSpec) Option(key string) (string, bool) {
	v, ok := s.Options[key]
	return v, ok
}

// OptionOr returns the option value or def.
func (s *TableSpec) OptionOr(key, def string) string {
	if v, ok := s.Options[key]; ok {
		return v
	}
	return def
}

// SplitBatch is the records a source read from one split (Kafka partition)
// in one poll, in split order.
type SplitBatch struct {
	Split int32
	Recs  []Rec
	// Next is the split position after the last record of this batch (the
	// Kafka offset to resume from). Checkpoints store it.
	Next int64
	// Skipped counts records that could not be decoded and were dropped (with
	// ignore-parse-errors); the source has logged each.
	Skipped int64
	// Lost counts records the split will never deliver: its position had
	// fallen out of the log (retention deleted records before they were
	// read) and the source moved it as its reset rule says; the source has
	// logged the range.
	Lost int64
	// Reset makes Next the split's position even if it is lower than the
	// one it had (a source moved back to the log start because its position
	// was past the log's end).
	Reset bool
	// Done says the split has ended (a file read to its end): it gets no
	// more records, so its watermark no longer holds the job's back, as
	// Flink releases a finished split. Its position is still checkpointed.
	Done bool
}

// Source reads a table. Poll is called from one goroutine only.
type Source interface {
	// Open starts reading. start maps a split to the position to resume
	// from; splits not in start begin where the table's options say.
	Open(ctx context.Context, start map[int32]int64) error
	// Splits reports the splits known now (after Open). It may be called
	// concurrently with Poll.
	Splits() []int32
	// Poll blocks until records are available, ctx is done, or the source
	// is exhausted (io.EOF). It may return an empty slice after a short time
	// so the caller can run timers. The returned batches and their rows are
	// valid until the next Poll.
	Poll(ctx context.Context) ([]SplitBatch, error)
	Close() error
}

// EndOffsetter is an optional Source ability: the current end position of
// each split, used to wait until a job has caught up with its input.
type EndOffsetter interface {
	EndOffsets(ctx context.Context) (map[int32]int64, error)
}

// Sink writes a table. Methods are called from one goroutine.
type Sink interface {
	// Write encodes and sends the records; it may buffer. The records are
	// only valid during the call.
	Write(ctx context.Context, recs []Rec) error
	// Flush blocks until everything written so far is durable.
	Flush(ctx context.Context) error
	Close() error
}

// SourceFactory builds a source for a table.
type SourceFactory func(spec *TableSpec) (Source, error)

// SinkFactory builds a sink for a table.
type SinkFactory func(spec *TableSpec) (Sink, error)

// Connector is what a connector registers: factories and the option keys it
// accepts (used to refuse unknown options with a clear error).
type Connector struct {
	Name    string
	Source  SourceFactory // nil: not usable as a source
	Sink    SinkFactory   // nil: not usable as a sink
	Options []string      // accepted option keys; a trailing "*" matches a prefix
	// Validate checks a table's options when the table is created (before
	// any source or sink is built). Optional.
	Validate func(spec *TableSpec) error
	// Unused, if set, returns a warning for each option of the table that
	// the connector accepts (Flink's tables set it) but does not act on;
	// CREATE TABLE answers with them.
	Unused func(spec *TableSpec) []string
	// Partitions: the sink writes the partitions of a table declared
	// PARTITIONED BY (Flink's SupportsPartitioning); a partitioned table
	// of another connector cannot be written.
	Partitions bool
	// Admin, if set, manages the connector's topics.
	Admin TopicAdmin
	// SourceChanges is what the source produces; SinkChanges what the sink
	// accepts (Flink's changelog modes; the zero value is insert-only).
	SourceChanges, SinkChanges ChangelogMode
	// Changes, if set, says what a table's source produces when it
	// depends on the table (a changelog format such as debezium-json
	// makes a 'kafka' source produce all changes); it overrides
	// SourceChanges.
	Changes func(spec *TableSpec) ChangelogMode
	// Schemas, if set, reads a table's columns from a schema registry and
	// registers the schemas its formats write (ksqlDB's schema inference).
	Schemas SchemaRegistrar
}

// SchemaRegistrar is what a connector with formats backed by a schema
// registry offers the planner. Both methods call the registry and block.
type SchemaRegistrar interface {
	// Infers reports whether the table's key (key true) or value format
	// can give it its columns.
	Infers(spec *TableSpec, key bool) bool
	// InferColumns returns the key or value columns of the schema the
	// table's options name (an id) or the newest of its topic's subject;
	// wrapped says they are the fields of a record (a schema that is not
	// one gives a single column).
	InferColumns(spec *TableSpec, key bool) (cols []ColumnSpec, wrapped bool, err error)
	// RegisterSchemas registers the schemas the table's formats write;
	// ifAbsent only where the subject has none yet.
	RegisterSchemas(spec *TableSpec, ifAbsent bool) error
}

// ChangelogMode is which changes a connector's source produces or its
// sink accepts, as Flink's connectors declare them.
type ChangelogMode uint8

const (
	// InsertOnlyChanges: +I only (Flink's 'kafka', 'filesystem').
	InsertOnlyChanges ChangelogMode = iota
	// UpsertChanges: rows keyed by the table's primary key; a source
	// produces +U (a new or replaced row) and -D (a delete that may carry
	// only the key), which the planner normalizes into a full changelog
	// (ChangelogNormalize); a sink writes the last row per key and a delete
	// for -D ('upsert-kafka').
	UpsertChanges
	// AllChanges: +I, -U, +U, -D ('print', 'blackhole').
	AllChanges
)

func (m ChangelogMode) String() string {
	switch m {
	case UpsertChanges:
		return "upsert [I,UA,D]"
	case AllChanges:
		return "all [I,UB,UA,D]"
	}
	return "insert-only [I]"
}

// OneTask is why Flink's parallelism options have no effect in Tumble.
const OneTask = "Tumble runs each job as one task"

// NoEffect returns a warning for each of keys the table sets: an option
// accepted for Flink's sake that has no effect, and why.
func NoEffect(spec *TableSpec, why string, keys ...string) []string {
	var out []string
	for _, k := range keys {
		if _, ok := spec.Options[k]; ok {
			out = append(out, fmt.Sprintf("Table '%s': '%s' has no effect: %s.", spec.Name, k, why))
		}
	}
	return out
}

// AcceptsOption reports whether key is one of the connector's options.
func (c *Connector) AcceptsOption(key string) bool {
	for _, o := range c.Options {
		if strings.HasSuffix(o, "*") && strings.HasPrefix(key, strings.TrimSuffix(o, "*")) {
			return true
		}
		if o == key {
			return true
		}
	}
	return false
}

// Registry maps connector names to connectors. It is safe for concurrent use.
type Registry struct {
	mu         sync.RWMutex
	connectors map[string]*Connector
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{connectors: map[string]*Connector{}} }

// Register adds a connector, replacing one of the same name.
func (r *Registry) Register(c *Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.connectors[strings.ToLower(c.Name)] = c
}

// Lookup finds a connector by name.
func (r *Registry) Lookup(name string) (*Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.connectors[strings.ToLower(name)]
	if !ok {
		names := make([]string, 0, len(r.connectors))
		for n := range r.connectors {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w: '%s' (available: %s)", ErrUnknownConnector, name, strings.Join(names, ", "))
	}
	return c, nil
}

// Names returns the registered connector names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.connectors))
	for n := range r.connectors {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrUnknownConnector is returned for a connector name nobody registered.
var ErrUnknownConnector = fmt.Errorf("unknown connector")

// BoundedSource is an optional Source ability: a source that ends (Poll
// returns io.EOF) says so, and callers waiting for a job to catch up wait
// for its end when the source cannot report end offsets.
type BoundedSource interface {
	Bounded() bool
}

// OffsetCommitter is an optional Source ability: after a checkpoint
// completes, the engine hands the source the positions it covers so the
// source can publish them (Kafka consumer-group offsets).
type OffsetCommitter interface {
	CommitOffsets(ctx context.Context, next map[int32]int64) error
}

// Topic-level metadata keys for ColumnSpec.Metadata.
const (
	MetaTimestamp = "timestamp"
	MetaPartition = "partition"
	MetaOffset    = "offset"
	MetaTopic     = "topic"
	MetaHeaders   = "headers"
)

// RawRecord is a record as stored in Kafka, for PRINT.
type RawRecord struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp int64 // epoch ms
	Key       []byte
	Value     []byte
}

// TopicInfo describes a topic for SHOW TOPICS.
type TopicInfo struct {
	Name       string
	Partitions int
	Replicas   int
}

// TopicAdmin is what a message-broker connector offers for ksqlDB's topic
// statements (SHOW TOPICS, PRINT, DROP ... DELETE TOPIC). client holds the
// cluster's client properties in Kafka's names (bootstrap.servers and the
// security settings: security.protocol, sasl.*, ssl.*). Its methods block
// on the broker and honour ctx.
type TopicAdmin interface {
	ListTopics(ctx context.Context, client map[string]string) ([]TopicInfo, error)
	DeleteTopic(ctx context.Context, client map[string]string, topic string) error
	// Partitions returns how many partitions topic has (0 if it does not exist).
	Partitions(ctx context.Context, client map[string]string, topic string) (int, error)
	// Tail calls fn for each record of topic (from the beginning or from
	// the end) until fn returns an error or ctx is done.
	Tail(ctx context.Context, client map[string]string, topic string, fromBeginning bool, fn func(RawRecord) error) error
}

// Transactional is an optional Sink ability for exactly-once delivery. The
// job opens a transaction after each checkpoint and commits it together
// with the checkpoint: Commit makes the records written since Begin
// visible atomically with a marker saying "checkpoint n of this job
// committed", and LastCommitted reads that marker back after a crash, so
// the job restores exactly the checkpoint whose output is visible.
type Transactional interface {
	// ExactlyOnce reports whether this sink was configured for
	// transactions (a sink may implement the interface but not use it).
	ExactlyOnce() bool
	Begin(ctx context.Context) error
	Commit(ctx context.Context, checkpoint int64) error
	Abort(ctx context.Context) error
	// LastCommitted returns the number of the last checkpoint committed
	// for this job, or -1 when none was.
	LastCommitted(ctx context.Context) (int64, error)
}

// DefaultJobID is the TableSpec.Defaults key holding the id of the job a
// source or sink belongs to (transactional ids derive from it).
const DefaultJobID = "job.id"

// DefaultTopicCleanupPolicy is the TableSpec.Defaults key holding the
// cleanup.policy a sink gives the topic it creates: ksqlDB tables are
// "compact" ("compact,delete" when windowed), as ksqlDB creates them.
const DefaultTopicCleanupPolicy = "topic.cleanup.policy"

// permanentError marks an error that restarting cannot fix (bad data,
// bad options): the job fails instead of restarting.
type permanentError struct{ err error }

func (p *permanentError) Error() string { return p.err.Error() }
func (p *permanentError) Unwrap() error { return p.err }

// Permanent wraps err so that IsPermanent reports true.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err (or an error it wraps) was marked
// Permanent. Other errors (a broker that went away) are worth a restart.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// HealthReporter is an optional Source and Sink ability: Health returns
// why the source or sink cannot make progress right now (its broker is
// unreachable), or nil. The job shows itself PAUSED and logs the reason,
// also while it waits for a sink in a checkpoint. Health is called from
// another goroutine than the other methods.
type HealthReporter interface {
	Health() error
}

// WatermarkSink is an optional Sink ability: the sink is told each new
// watermark of its input, after the records before it were written (Flink's
// partition-time commit trigger commits a partition once the watermark
// passes its time). Called from the goroutine that calls Write.
type WatermarkSink interface {
	Watermark(ctx context.Context, wm int64) error
}

// Prefetcher is an optional Source ability: the batches of a Poll stay
// valid until the second-next Poll (the source alternates two buffers), so
// the engine polls the next batch while it processes the current one.
type Prefetcher interface {
	Prefetch() bool
}
