package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Sink writes a table's rows to its topic. Write hands records to the
// producer and returns (it blocks only when the producer's buffer is full);
// Flush waits for the acknowledgements. Methods are called from one
// goroutine.
//
// Changelog kinds: a Flink 'kafka' sink accepts only inserts (anything
// else fails Write, as Flink refuses such a plan; use 'upsert-kafka').
// 'upsert-kafka' writes +I and +U as values and -D as a tombstone (the key
// with a null value); a -U that no +I/+U of the same key follows before the
// next Flush (or Commit) is written as a tombstone then (a row that stopped
// matching a filter). ksqlDB: +I and +U are written, -U is dropped and -D
// becomes a tombstone.
//
// With 'sink.delivery-guarantee' = 'exactly-once' records are written in
// Kafka transactions (transactional id '<sink.transactional-id-prefix>-0').
// Unless the engine calls Begin, each Flush commits the open transaction;
// after Begin the engine drives them with Begin, Commit and Abort (the
// engine.Transactional interface).
type Sink struct {
	cfg    *config
	keyEnc format.Encoder
	valEnc format.Encoder
	cl     *kgo.Client
	adm    *kadm.Client

	tsMeta, hdrMeta, keyMeta int // positions of writable metadata, -1 if none
	wsMeta, weMeta           int // ksqlDB window bounds, -1 if none
	topicMeta, partMeta      int // a row's topic and partition (DefaultRowTopic), -1 if none
	zone                     *time.Location

	// topics holds the partition count of each topic known to exist.
	topics      map[string]int
	markerReady bool // the checkpoint marker topic exists
	txn         bool
	inTxn       bool
	managed     bool // the engine called Begin

	// health says whether the cluster answers while a Flush or Commit
	// waits for it (engine.HealthReporter).
	health clusterHealth

	errMu   sync.Mutex
	err     error // first delivery error; sticky
	promise func(*kgo.Record, error)

	slab  []byte       // encoded keys and values, handed to the producer
	rslab []kgo.Record // records, handed to the producer

	// pending holds, for 'upsert-kafka', the last record of each key not
	// yet handed to the producer: a tombstone for a key whose last change
	// was a -U (unless a +I/+U of the same key follows before the next
	// Flush or Commit, the row is gone), and, with Flink's sink buffer
	// ('sink.buffer-flush.max-rows' and '.interval'), every key's last
	// change.
	pending   map[string]*kgo.Record
	order     []string // pending keys in arrival order
	lastFlush time.Time
}

var (
	_ engine.Transactional  = (*Sink)(nil)
	_ engine.HealthReporter = (*Sink)(nil)
)

// Health implements engine.HealthReporter: while a Flush or Commit waits
// for the broker, why the cluster cannot be reached (pinged every second),
// else nil. Safe to call from any goroutine.
func (s *Sink) Health() error { return s.health.get() }

// ErrRetract is returned by Write when a Flink kafka sink gets a record that
// is not an insert.
var ErrRetract = errors.New("the 'kafka' connector only accepts insert-only input")

var writableMeta = map[string]bool{engine.MetaTimestamp: true, engine.MetaHeaders: true, metaKey: true,
	MetaWindowStart: true, MetaWindowEnd: true}

// NewSink builds the sink of a table and its producer. For ksqlDB tables it
// also creates the topic if it is missing (ksqlDB creates a sink topic with
// its statement), which blocks up to 'properties.default.api.timeout.ms'.
func NewSink(spec *engine.TableSpec) (*Sink, error) { return newSink(spec, false) }

// NewUpsertSink builds the sink of an 'upsert-kafka' table: +I and +U are
// written, -D written as a tombstone, and a -U that no new row of its key
// follows before the next Flush as a tombstone too.
func NewUpsertSink(spec *engine.TableSpec) (*Sink, error) { return newSink(spec, true) }

func newSink(spec *engine.TableSpec, upsert bool) (*Sink, error) {
	cfg, err := parseConfig(spec, upsert)
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, tsMeta: -1, hdrMeta: -1, keyMeta: -1, wsMeta: -1, weMeta: -1, topicMeta: -1, partMeta: -1,
		zone: cfg.loc, lastFlush: time.Now(), topics: map[string]int{}}
	for _, m := range cfg.meta {
		if !writableMeta[m.key] && !(cfg.rowTopic && (m.key == engine.MetaTopic || m.key == engine.MetaPartition)) {
			if !m.virtual {
				return nil, optErr(spec, "metadata '%s' of column '%s' cannot be written; declare the column VIRTUAL (writable metadata: headers, timestamp)", m.key, spec.Columns[m.pos].Name)
			}
			continue
		}
		if m.virtual {
			continue
		}
		switch m.key {
		case engine.MetaTimestamp:
			s.tsMeta = m.pos
		case engine.MetaHeaders:
			s.hdrMeta = m.pos
		case metaKey:
			s.keyMeta = m.pos
		case MetaWindowStart:
			s.wsMeta = m.pos
		case MetaWindowEnd:
			s.weMeta = m.pos
		case engine.MetaTopic:
			s.topicMeta = m.pos
		case engine.MetaPartition:
			s.partMeta = m.pos
		}
	}
	if cfg.topic == "" && s.topicMeta < 0 {
		return nil, optErr(spec, "option 'topic' is required")
	}
	switch {
	case cfg.window != "" && s.wsMeta < 0:
		return nil, optErr(spec, "a windowed sink needs a '%s' metadata column", MetaWindowStart)
	case cfg.window == "session" && s.weMeta < 0:
		return nil, optErr(spec, "a session-windowed sink needs a '%s' metadata column", MetaWindowEnd)
	}
	if len(cfg.keyCols) > 0 {
		if s.keyEnc, err = format.NewEncoder(spec, cfg.keyCols, "key."); err != nil {
			return nil, optErr(spec, "key: %v", err)
		}
	}
	if s.valEnc, err = format.NewEncoder(spec, cfg.valCols, "value."); err != nil {
		return nil, optErr(spec, "value: %v", err)
	}
	opts, err := producerOpts(cfg)
	if err != nil {
		return nil, err
	}
	if s.cl, err = kgo.NewClient(opts...); err != nil {
		return nil, fmt.Errorf("kafka sink '%s': %w", cfg.name, err)
	}
	s.adm = kadm.NewClient(s.cl)
	s.txn = cfg.delivery == "exactly-once"
	s.promise = s.delivered
	if cfg.rules.SinkTopics == engine.TopicsCreatedBySink {
		ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
		defer cancel()
		if _, err := s.ensureTopic(ctx, cfg.topic); err != nil {
			s.cl.Close()
			return nil, err
		}
	}
	return s, nil
}

func producerOpts(cfg *config) ([]kgo.Opt, error) {
	opts := clientOpts(cfg)
	// The sink asks the broker to create a missing topic unless
	// 'properties.allow.auto.create.topics' = 'false'.
	if !strings.EqualFold(cfg.props["allow.auto.create.topics"], "false") {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	opts = append(opts, kgo.MaxBufferedRecords(100000),
		// A topic the sink just created can be missing from a real
		// cluster's metadata for a moment; franz-go's default (4 tries)
		// failed the first records written to it. About two minutes.
		kgo.UnknownTopicRetries(50))
	linger := 5 * time.Millisecond
	if v, ok := cfg.props["linger.ms"]; ok {
		ms, err := strconv.Atoi(v)
		if err != nil || ms < 0 {
			return nil, optErr(cfg.spec, "'properties.linger.ms' must be a number of milliseconds, not '%s'", v)
		}
		linger = time.Duration(ms) * time.Millisecond
	}
	opts = append(opts, kgo.ProducerLinger(linger))
	switch v := strings.ToLower(cfg.props["compression.type"]); v {
	case "", "none":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.NoCompression()))
	case "lz4":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.Lz4Compression()))
	case "gzip":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.GzipCompression()))
	case "snappy":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.SnappyCompression()))
	case "zstd":
		opts = append(opts, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	default:
		return nil, optErr(cfg.spec, "'properties.compression.type' must be none, lz4, gzip, snappy or zstd, not '%s'", v)
	}
	var part kgo.Partitioner
	switch cfg.partitioner {
	case "fixed":
		part = kgo.ManualPartitioner()
	case "round-robin":
		part = kgo.RoundRobinPartitioner()
	default: // murmur2 of the key like Kafka's Java client, sticky without a key
		part = kgo.StickyKeyPartitioner(nil)
	}
	if cfg.rowTopic {
		part = rowPartitioner{part}
	}
	opts = append(opts, kgo.RecordPartitioner(markerPartitioner{part}))
	switch cfg.delivery {
	case "none":
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	case "exactly-once":
		timeout := 15 * time.Minute
		if v, ok := cfg.props["transaction.timeout.ms"]; ok {
			ms, err := strconv.Atoi(v)
			if err != nil || ms <= 0 {
				return nil, optErr(cfg.spec, "'properties.transaction.timeout.ms' must be a positive number, not '%s'", v)
			}
			timeout = time.Duration(ms) * time.Millisecond
		}
		// One transactional id per job: the prefix and the job's id, so
		// jobs sharing a prefix do not fence each other, and a restarted job
		// fences (aborts) what its previous run left open.
		id := cfg.txPrefix + "-0"
		if job := cfg.spec.Defaults[engine.DefaultJobID]; job != "" {
			id = cfg.txPrefix + "-" + job
		}
		opts = append(opts, kgo.TransactionalID(id), kgo.TransactionTimeout(timeout))
	}
	return opts, nil
}

// ensureTopic creates the topic unless it exists ('partitions' and
// 'replicas' when set, else the broker defaults) and returns its
// partition count (0 when unknown).
func (s *Sink) ensureTopic(ctx context.Context, topic string) (int, error) {
	if n, ok := s.topics[topic]; ok {
		return n, nil
	}
	resp, err := s.adm.CreateTopic(ctx, s.cfg.partitions, s.cfg.replicas, s.topicConfigs(), topic)
	n := int(resp.NumPartitions)
	if err != nil || n <= 0 {
		// There already (or perhaps not allowed to create but there).
		td, lerr := s.adm.ListTopics(ctx, topic)
		if lerr != nil || td.Error() != nil || len(td[topic].Partitions) == 0 {
			if err == nil || errors.Is(err, kerr.TopicAlreadyExists) {
				err = lerr
				if err == nil {
					err = td.Error()
				}
			}
			return 0, s.cfg.authError(fmt.Errorf("kafka sink '%s': creating topic '%s' at %v: %w", s.cfg.name, topic, s.cfg.brokers, err))
		}
		n = len(td[topic].Partitions)
	}
	s.topics[topic] = n
	return n, nil
}

// topicConfigs are the configs of a topic the sink creates: a keyed
// changelog (an 'upsert-kafka' table, a ksqlDB table) is compacted, so that
// the latest record of each key stays; other topics get the broker's
// defaults. ksqlDB's RETENTION_MS sets the topic's retention.ms.
func (s *Sink) topicConfigs() map[string]*string {
	policy := s.cfg.spec.Defaults[engine.DefaultTopicCleanupPolicy]
	if s.cfg.upsert {
		policy = "compact"
	}
	out := map[string]*string{}
	if policy != "" {
		out["cleanup.policy"] = kstr(policy)
	}
	if s.cfg.retentionMs != "" {
		out["retention.ms"] = kstr(s.cfg.retentionMs)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (s *Sink) delivered(r *kgo.Record, err error) {
	if err == nil {
		return
	}
	s.errMu.Lock()
	if s.err == nil {
		s.err = s.cfg.authError(fmt.Errorf("kafka sink '%s': writing to topic '%s' partition %d: %w", s.cfg.name, r.Topic, r.Partition, err))
	}
	s.errMu.Unlock()
}

func (s *Sink) failure() error {
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// Write encodes recs and hands them to the producer. It does not wait for
// acknowledgements; it blocks only while the producer buffer (100,000
// records) is full, or for the topic check on first use. It returns the
// first delivery error seen so far, if any.
func (s *Sink) Write(ctx context.Context, recs []engine.Rec) error {
	if err := s.failure(); err != nil {
		return err
	}
	if s.cfg.topic != "" {
		if _, err := s.ensureTopic(ctx, s.cfg.topic); err != nil {
			return err
		}
	}
	if s.txn && !s.inTxn {
		if err := s.cl.BeginTransaction(); err != nil {
			return s.cfg.authError(fmt.Errorf("kafka sink '%s': %w", s.cfg.name, err))
		}
		s.inTxn = true
	}
	for i := range recs {
		rec := &recs[i]
		tomb := false
		switch rec.Kind {
		case engine.Insert:
		case engine.UpdateAfter, engine.UpdateBefore, engine.Delete:
			if !s.cfg.changelog {
				return engine.Permanent(fmt.Errorf("kafka sink '%s': %w, but got a %s record (use 'upsert-kafka')", s.cfg.name, ErrRetract, rec.Kind))
			}
			if rec.Kind == engine.UpdateBefore && !s.cfg.upsert {
				continue
			}
			tomb = rec.Kind == engine.Delete
		}
		var key []byte
		var err error
		if s.keyEnc != nil {
			if key, err = s.encode(s.keyEnc, rec.Row); err != nil {
				// bad data: a restart cannot help (Kafka Streams' words)
				return engine.Permanent(fmt.Errorf("kafka sink '%s': Unable to serialize record: key: %w", s.cfg.name, err))
			}
		}
		if s.cfg.upsert {
			if rec.Kind == engine.UpdateBefore {
				r := s.record()
				r.Topic, r.Key, r.Timestamp = s.cfg.topic, key, s.timestamp(rec)
				s.keep(r)
				continue
			}
			if s.cfg.bufferRows == 0 && len(s.pending) > 0 {
				delete(s.pending, string(key))
			}
		}
		r := s.record()
		r.Topic = s.cfg.topic
		if s.cfg.rowTopic {
			if err := s.rowTopic(ctx, r, rec.Row); err != nil {
				return err
			}
		}
		if s.keyEnc != nil {
			r.Key = key
		} else if s.keyMeta >= 0 {
			if v := rec.Row[s.keyMeta]; v.K != types.Null {
				r.Key = []byte(v.S)
			}
		}
		if s.cfg.window != "" {
			r.Key = s.appendWindow(r.Key, rec.Row)
		}
		if !tomb {
			if r.Value, err = s.encode(s.valEnc, rec.Row); err != nil {
				return engine.Permanent(fmt.Errorf("kafka sink '%s': Unable to serialize record: value: %w", s.cfg.name, err))
			}
		}
		r.Timestamp = s.timestamp(rec)
		if s.hdrMeta >= 0 {
			if m := rec.Row[s.hdrMeta].MapVal(); m != nil {
				for j := range m.Keys {
					h := kgo.RecordHeader{Key: m.Keys[j].S}
					if m.Vals[j].K != types.Null {
						h.Value = []byte(m.Vals[j].S)
					}
					r.Headers = append(r.Headers, h)
				}
			}
		}
		if s.cfg.bufferRows > 0 {
			s.keep(r)
			continue
		}
		s.cl.Produce(ctx, r, s.promise)
	}
	if s.cfg.bufferRows > 0 && (len(s.pending) >= s.cfg.bufferRows || time.Since(s.lastFlush) >= s.cfg.bufferInterval) {
		s.writePending(ctx)
	}
	return s.failure()
}

// appendWindow appends the window bounds to a key as ksqlDB's windowed
// serdes do: the start (time windows) or the end and the start (session
// windows), 8 bytes big-endian epoch millis each.
func (s *Sink) appendWindow(key []byte, row []types.Value) []byte {
	out := make([]byte, 0, len(key)+16)
	out = append(out, key...)
	if s.cfg.window == "session" {
		out = binary.BigEndian.AppendUint64(out, uint64(s.millis(row[s.weMeta])))
	}
	return binary.BigEndian.AppendUint64(out, uint64(s.millis(row[s.wsMeta])))
}

// millis reads an epoch-millis value from a BIGINT or timestamp column.
func (s *Sink) millis(v types.Value) int64 {
	switch v.K {
	case types.TimestampLTZ:
		return floorDiv(v.I, types.MicrosPerMilli)
	case types.Timestamp:
		return floorDiv(types.FromWallClock(v.I, s.zone), types.MicrosPerMilli)
	}
	return v.I
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// timestamp picks the record timestamp: a written 'timestamp' metadata
// column; else, under engine.SinkTimeOfInput (ksqlDB), Rec.Ts (the input's timestamp, epoch 0
// included); else the zero time, which the producer replaces with its
// clock. Flink's kafka and upsert-kafka sinks leave the timestamp to the
// producer unless a 'timestamp' metadata column is written; stamping a
// window's event time instead made a real broker's time retention
// (log.retention.hours, 7 days by default) delete the output of old input
// within minutes of writing it.
func (s *Sink) timestamp(rec *engine.Rec) time.Time {
	if s.tsMeta >= 0 {
		switch v := rec.Row[s.tsMeta]; v.K {
		case types.TimestampLTZ:
			return time.UnixMicro(v.I)
		case types.Timestamp:
			return time.UnixMicro(types.FromWallClock(v.I, s.zone))
		case types.BigInt, types.Int:
			return time.UnixMilli(v.I)
		}
	}
	if s.cfg.rules.SinkTimes == engine.SinkTimeOfInput && rec.Ts >= 0 {
		return time.UnixMilli(rec.Ts)
	}
	return time.Time{}
}

// record returns a fresh record from a slab (one allocation per 256).
// Records are never reused: the producer owns them until acknowledged.
func (s *Sink) record() *kgo.Record {
	if len(s.rslab) == 0 {
		s.rslab = make([]kgo.Record, 256)
	}
	r := &s.rslab[0]
	s.rslab = s.rslab[1:]
	return r
}

// encode encodes into the byte slab; the result is nil for a null payload.
func (s *Sink) encode(enc format.Encoder, row []types.Value) ([]byte, error) {
	if cap(s.slab)-len(s.slab) < 1024 {
		s.slab = make([]byte, 0, 64<<10)
	}
	dst := s.slab[len(s.slab):len(s.slab)]
	out, null, err := enc.Encode(dst, row)
	if err != nil || null {
		return nil, err
	}
	if unsafe.SliceData(out) == unsafe.SliceData(dst) { // still in the slab
		s.slab = s.slab[:len(s.slab)+len(out)]
		return out[:len(out):len(out)], nil
	}
	return out, nil
}

// keep holds r as its key's last change until writePending.
func (s *Sink) keep(r *kgo.Record) {
	if s.pending == nil {
		s.pending = map[string]*kgo.Record{}
	}
	k := string(r.Key)
	if _, ok := s.pending[k]; !ok {
		s.order = append(s.order, k)
	}
	s.pending[k] = r
}

// writePending hands the held records to the producer: a tombstone for
// each key whose -U no new row followed, and the buffered last changes.
func (s *Sink) writePending(ctx context.Context) {
	for _, k := range s.order {
		if r, ok := s.pending[k]; ok {
			s.cl.Produce(ctx, r, s.promise)
		}
	}
	clear(s.pending)
	s.order = s.order[:0]
	s.lastFlush = time.Now()
}

// Flush blocks until every record written so far is acknowledged and
// returns the first delivery error. In exactly-once mode without Begin it
// also commits the open transaction.
func (s *Sink) Flush(ctx context.Context) error {
	defer s.health.watch(s.cl, s.cfg.brokers)()
	s.writePending(ctx)
	if err := s.cl.Flush(ctx); err != nil {
		return s.cfg.authError(fmt.Errorf("kafka sink '%s': flush: %w", s.cfg.name, err))
	}
	if err := s.failure(); err != nil {
		return err
	}
	if s.txn && s.inTxn && !s.managed {
		return s.end(ctx, kgo.TryCommit)
	}
	return nil
}

// Begin starts a transaction (exactly-once sinks only) and hands
// transaction control to the caller: Flush no longer commits.
func (s *Sink) Begin(ctx context.Context) error {
	if !s.txn {
		return fmt.Errorf("kafka sink '%s': transactions need 'sink.delivery-guarantee' = 'exactly-once'", s.cfg.name)
	}
	s.managed = true
	if s.inTxn {
		return nil
	}
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("kafka sink '%s': %w", s.cfg.name, err)
	}
	s.inTxn = true
	return nil
}

// MarkerTopic holds, per job, the number of the last checkpoint whose
// transaction committed (key: the job id). The marker is written in the
// same transaction as the job's output.
const MarkerTopic = "_tumble_checkpoints"

// ExactlyOnce implements engine.Transactional.
func (s *Sink) ExactlyOnce() bool { return s.txn }

// Commit flushes and commits the open transaction together with a marker
// saying checkpoint n of the job committed; it blocks until the broker
// confirms. Do not cancel ctx (an interrupted commit leaves its outcome
// unknown). n < 0 writes no marker.
func (s *Sink) Commit(ctx context.Context, n int64) error {
	if !s.inTxn {
		return s.Flush(ctx)
	}
	defer s.health.watch(s.cl, s.cfg.brokers)()
	s.writePending(ctx)
	if job := s.cfg.spec.Defaults[engine.DefaultJobID]; job != "" && n >= 0 {
		if err := s.ensureMarkerTopic(ctx); err != nil {
			_ = s.end(ctx, kgo.TryAbort)
			return err
		}
		s.cl.Produce(ctx, &kgo.Record{Topic: MarkerTopic, Key: []byte(job), Value: []byte(strconv.FormatInt(n, 10))}, s.delivered)
	}
	if err := s.cl.Flush(ctx); err != nil {
		return s.cfg.authError(fmt.Errorf("kafka sink '%s': flush: %w", s.cfg.name, err))
	}
	if err := s.failure(); err != nil {
		_ = s.end(ctx, kgo.TryAbort)
		return err
	}
	return s.end(ctx, kgo.TryCommit)
}

// Abort drops buffered records and aborts the open transaction.
func (s *Sink) Abort(ctx context.Context) error {
	clear(s.pending)
	s.order = s.order[:0]
	if !s.inTxn {
		return nil
	}
	if err := s.cl.AbortBufferedRecords(ctx); err != nil {
		return fmt.Errorf("kafka sink '%s': %w", s.cfg.name, err)
	}
	return s.end(ctx, kgo.TryAbort)
}

func (s *Sink) end(ctx context.Context, how kgo.TransactionEndTry) error {
	s.inTxn = false
	if err := s.cl.EndTransaction(ctx, how); err != nil {
		return s.cfg.authError(fmt.Errorf("kafka sink '%s': ending transaction: %w", s.cfg.name, err))
	}
	return nil
}

// Close releases the producer. It does not flush (call Flush first);
// an open transaction is aborted. It blocks at most a few seconds.
func (s *Sink) Close() error {
	if s.cl == nil {
		return nil
	}
	if s.inTxn {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.Abort(ctx)
		cancel()
	}
	s.cl.Close()
	s.cl = nil
	return nil
}

func (s *Sink) ensureMarkerTopic(ctx context.Context) error {
	if s.markerReady {
		return nil
	}
	_, err := s.adm.CreateTopic(ctx, 1, s.cfg.replicas, map[string]*string{"cleanup.policy": kstr("compact")}, MarkerTopic)
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return s.cfg.authError(fmt.Errorf("kafka sink '%s': creating topic '%s': %w", s.cfg.name, MarkerTopic, err))
	}
	s.markerReady = true
	return nil
}

func kstr(s string) *string { return &s }

// LastCommitted implements engine.Transactional: it reads the marker topic
// (read_committed) to each partition's last stable offset and returns the
// job's last committed checkpoint, or -1 when the topic holds none. It
// blocks for a scan of the marker topic.
//
// The topic is made with one partition (ensureMarkerTopic), but one made
// otherwise (by a broker's auto-creation, or an administrator) may have
// more: the job's markers are in its key's partition (markerPartitioner),
// and every partition is read to its end, so a marker is never missed
// because another partition was looked at. A partition whose offsets
// cannot be listed is an error, never "no marker": that answer makes the
// job start over.
func (s *Sink) LastCommitted(ctx context.Context) (int64, error) {
	job := s.cfg.spec.Defaults[engine.DefaultJobID]
	if job == "" {
		return -1, nil
	}
	readErr := func(err error) error {
		return s.cfg.authError(fmt.Errorf("kafka sink '%s': reading '%s': %w", s.cfg.name, MarkerTopic, err))
	}
	// connOpts, not clientOpts: this client must never create the topic
	// (with the broker's default partition count) before Commit creates
	// it with one partition.
	admCl, err := kgo.NewClient(connOpts(s.cfg)...)
	if err != nil {
		return -1, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	ends, err := adm.ListCommittedOffsets(ctx, MarkerTopic)
	if err != nil {
		return -1, readErr(err)
	}
	starts, err := adm.ListStartOffsets(ctx, MarkerTopic)
	if err != nil {
		return -1, readErr(err)
	}
	end := map[int32]int64{} // partitions left to read, to their last stable offset
	parts := 0
	var lerr error
	ends.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
			// no marker topic yet: no checkpoint ever committed
		case o.Err != nil:
			if lerr == nil {
				lerr = o.Err
			}
		default:
			parts++
			if st, ok := starts.Lookup(MarkerTopic, o.Partition); !ok || st.Err != nil || st.Offset < o.Offset {
				end[o.Partition] = o.Offset
			}
		}
	})
	if lerr != nil {
		return -1, readErr(lerr)
	}
	if len(end) == 0 {
		return -1, nil
	}
	from := map[int32]kgo.Offset{}
	for p := range end {
		from[p] = kgo.NewOffset().AtStart()
	}
	cl, err := kgo.NewClient(append(connOpts(s.cfg),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{MarkerTopic: from}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords())...) // the last offset is often a commit marker
	if err != nil {
		return -1, err
	}
	defer cl.Close()
	last := map[int32]int64{} // per partition, the job's last marker
	for len(end) > 0 {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return -1, err
		}
		var ferr error
		fs.EachError(func(_ string, _ int32, err error) {
			if ferr == nil {
				ferr = err
			}
		})
		if ferr != nil {
			return -1, readErr(ferr)
		}
		fs.EachRecord(func(r *kgo.Record) {
			e, reading := end[r.Partition]
			if !reading || r.Offset >= e {
				return
			}
			if !r.Attrs.IsControl() && string(r.Key) == job {
				if n, err := strconv.ParseInt(string(r.Value), 10, 64); err == nil {
					last[r.Partition] = n
				}
			}
			if r.Offset+1 >= e {
				delete(end, r.Partition)
			}
		})
	}
	if n, ok := last[markerPartition(job, parts)]; ok {
		return n, nil
	}
	// Markers only elsewhere: the topic's partition count changed since
	// they were written. Checkpoint numbers grow, so the highest is the
	// last.
	out := int64(-1)
	for _, n := range last {
		out = max(out, n)
	}
	return out, nil
}

// markerPartitioner sends checkpoint markers to their job's partition of
// the marker topic (the murmur2 hash of the key, as Kafka's default
// partitioner), whatever 'sink.partitioner' says for the table's topic, so
// that LastCommitted knows where the last one is.
type markerPartitioner struct{ kgo.Partitioner }

var markerKeys = kgo.StickyKeyPartitioner(nil) // keyed records: a pure hash

func (p markerPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	if t == MarkerTopic {
		return markerKeys.ForTopic(t)
	}
	return p.Partitioner.ForTopic(t)
}

// markerPartition is the partition of a job's markers among n.
func markerPartition(job string, n int) int32 {
	if n <= 1 {
		return 0
	}
	return int32(markerKeys.ForTopic(MarkerTopic).Partition(&kgo.Record{Key: []byte(job)}, n))
}
