package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Source reads one topic. Partitions are assigned manually (no consumer
// group membership): the engine owns the positions and passes them to
// Open; CommitOffsets only publishes them for monitoring and for
// 'group-offsets' startup.
//
// Poll is called from one goroutine; Splits, EndOffsets and CommitOffsets
// may be called from others.
type Source struct {
	health clusterHealth

	cfg    *config
	log    *slog.Logger
	keyDec format.Decoder
	valDec format.Decoder
	// changes is valDec when its records are changes (Debezium, Canal):
	// a record may give several rows, each with its kind.
	changes format.ChangeDecoder
	// nullRows: a null value (tombstone) of a 'kafka' table reads as a row
	// whose value column is NULL, as Flink's raw format reads it; the
	// other formats drop it.
	nullRows bool
	ncols    int
	zone     zoneCache

	mu     sync.Mutex
	splits map[int32]*split // guarded by mu; Poll is the only writer

	cl     *kgo.Client
	admCl  *kgo.Client        // metadata and offset requests
	adm    *kadm.Client       // on admCl
	cancel context.CancelFunc // stops discovery
	wg     sync.WaitGroup
	found  chan map[int32]int64 // discovered partitions and their start offsets
	kick   chan struct{}        // wakes discovery early (EndOffsets saw new partitions)
	resume map[int32]int64      // Open's positions for partitions not seen yet

	announce bool // the next Poll reports every split's start position
	arena    []types.Value
	recs     []engine.Rec
	batches  []engine.SplitBatch
	// trim lets both sets of buffers go after a burst of large Polls
	// (see decodeParts).
	trim engine.BufferTrim
	// other holds the previous Poll's buffers: Poll alternates between the
	// two sets, so a batch stays valid until the second-next Poll.
	other  pollBufs
	closed bool
	// limiting: Limit was called; guarded by mu, as wake (which ends a
	// Poll waiting for records so that it reads the records a new limit
	// lets through).
	limiting bool
	wake     context.CancelFunc
}

type split struct {
	next int64 // next offset to read; -1 unknown
	end  int64 // bounded mode: stop here
	done bool  // bounded mode: reached end
	// limit (micro-batches, see Limit): records at or past it are held
	// back (held) and the partition's fetching paused; -1: no limit.
	limit  int64
	held   []*kgo.Record
	paused bool
}

var _ engine.Source = (*Source)(nil)
var _ engine.EndOffsetter = (*Source)(nil)
var _ engine.OffsetCommitter = (*Source)(nil)

// ErrNotOpen is returned by Poll on a source that is not open.
var ErrNotOpen = errors.New("kafka source is not open")

const (
	pollWait       = 200 * time.Millisecond // Poll returns this often when idle
	fetchMaxWait   = 100 * time.Millisecond
	maxPollRecords = 10000
	missingRetry   = time.Second // how often a missing topic is looked for
)

// NewSource builds the source of a 'kafka' table. It checks the options
// and builds the decoders but does not connect; Open does.
func NewSource(spec *engine.TableSpec) (*Source, error) { return newSource(spec, false) }

func newSource(spec *engine.TableSpec, upsert bool) (*Source, error) {
	cfg, err := parseConfig(spec, upsert)
	if err != nil {
		return nil, err
	}
	s := &Source{cfg: cfg, ncols: len(spec.Columns), splits: map[int32]*split{},
		log: slog.Default().With("connector", Name, "table", spec.Name, "topic", cfg.topic)}
	s.zone.loc = cfg.loc
	if len(cfg.keyCols) > 0 {
		if s.keyDec, err = format.NewDecoder(spec, cfg.keyCols, "key."); err != nil {
			return nil, optErr(spec, "key: %v", err)
		}
	}
	cfg.prune(spec.Needed)
	if s.valDec, err = format.NewDecoder(spec, cfg.valCols, "value."); err != nil {
		return nil, optErr(spec, "value: %v", err)
	}
	s.changes, _ = s.valDec.(format.ChangeDecoder)
	name, _ := format.FormatName(spec, "value.")
	s.nullRows = name == format.Raw
	return s, nil
}

// clientOpts are the options of the clients that read or write the
// table's own topics: the connection options and, with
// 'properties.allow.auto.create.topics' = 'true', metadata requests that ask
// the broker to create a missing topic, as a Kafka consumer's do (otherwise
// a source waits for its topic).
func clientOpts(cfg *config) []kgo.Opt {
	opts := connOpts(cfg)
	if strings.EqualFold(cfg.props["allow.auto.create.topics"], "true") {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	return opts
}

// connOpts are the connection options of every client of the table:
// brokers, client id, security. They never ask the broker to create a
// topic: a client of Tumble's own topics (the checkpoint markers) uses
// them alone, so that a table's auto-creation option cannot create those
// with the broker's defaults.
func connOpts(cfg *config) []kgo.Opt {
	id := cfg.props["client.id"]
	if id == "" {
		id = "tumble-" + cfg.name
	}
	return append([]kgo.Opt{kgo.SeedBrokers(cfg.brokers...), kgo.ClientID(id),
		// A topic created after the source opened must be seen within a
		// discovery round, not after the default 5 s metadata cache.
		kgo.MetadataMinAge(100 * time.Millisecond)}, cfg.sec.Opts()...)
}

// authError marks authentication failures permanent (see authError).
func (c *config) authError(err error) error { return authError(err, c.sec, c.brokers) }

// Open connects, resolves where each partition starts and starts reading.
// Partitions in start resume at the given offset; the others start where
// 'scan.startup.mode' says. A topic that does not exist yet is not an
// error: the source waits for it and reads its partitions from the
// beginning once they appear. Open blocks for the metadata and offset
// requests, at most 'properties.default.api.timeout.ms' (30 s).
func (s *Source) Open(ctx context.Context, start map[int32]int64) error {
	if s.cl != nil || s.closed {
		return fmt.Errorf("kafka source '%s': Open called twice", s.cfg.name)
	}
	opts := append(clientOpts(s.cfg),
		kgo.FetchMaxWait(fetchMaxWait),
		kgo.KeepControlRecords(), // to advance past transaction markers
		// A position out of the log is an error the source handles
		// (recoverPositions), not a silent jump.
		kgo.ConsumeResetOffset(kgo.NoResetOffset()),
	)
	if s.cfg.committed {
		opts = append(opts, kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return fmt.Errorf("kafka source '%s': %w", s.cfg.name, err)
	}
	// Admin requests get their own client whose metadata cache is short
	// lived: kadm answers from the client's cached metadata, and with the
	// default (5 s) a topic created a moment ago would look missing to
	// EndOffsets and to partition discovery.
	admCl, err := kgo.NewClient(append(clientOpts(s.cfg), kgo.MetadataMinAge(10*time.Millisecond))...)
	if err != nil {
		cl.Close()
		return fmt.Errorf("kafka source '%s': %w", s.cfg.name, err)
	}
	s.cl, s.admCl, s.adm = cl, admCl, kadm.NewClient(admCl)
	fail := func(err error) error {
		cl.Close()
		admCl.Close()
		s.cl, s.admCl, s.adm = nil, nil, nil
		return err
	}
	octx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
	defer cancel()
	offsets, exists, err := s.startOffsets(octx, start)
	if err != nil {
		return fail(s.cfg.authError(err))
	}
	if s.cfg.bounded {
		if err := s.resolveBounds(octx, offsets); err != nil {
			return fail(s.cfg.authError(err))
		}
	}
	s.resume = map[int32]int64{}
	for p, o := range start {
		if _, ok := offsets[p]; !ok {
			s.resume[p] = o
		}
	}
	s.addPartitions(offsets)
	s.announce = true
	s.found = make(chan map[int32]int64, 1)
	s.kick = make(chan struct{}, 1)
	dctx, dcancel := context.WithCancel(context.Background())
	s.cancel = dcancel
	if !s.cfg.bounded && (!exists || s.cfg.discovery > 0) {
		s.wg.Add(1)
		go s.discover(dctx, exists)
	}
	return nil
}

// listed lists one kind of offset for every partition of the topic. exists
// is false when the topic does not exist.
func (s *Source) listed(ctx context.Context, list func(context.Context, ...string) (kadm.ListedOffsets, error)) (map[int32]int64, bool, error) {
	lo, err := list(ctx, s.cfg.topic)
	if err != nil && len(lo) == 0 {
		return nil, false, fmt.Errorf("kafka source '%s': listing offsets of topic '%s' at %v: %w", s.cfg.name, s.cfg.topic, s.cfg.brokers, err)
	}
	out := map[int32]int64{}
	exists := true
	var ferr error
	lo.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
			exists = false
		case o.Err != nil:
			if ferr == nil {
				ferr = fmt.Errorf("kafka source '%s': topic '%s' partition %d: %w", s.cfg.name, s.cfg.topic, o.Partition, o.Err)
			}
		case o.Partition >= 0 && (s.cfg.assigned == nil || s.cfg.assigned[o.Partition]):
			out[o.Partition] = o.Offset
		}
	})
	if ferr != nil {
		return nil, false, ferr
	}
	return out, exists && len(out) > 0, nil
}

// startOffsets resolves the first offset to read of every partition that
// exists now.
func (s *Source) startOffsets(ctx context.Context, start map[int32]int64) (map[int32]int64, bool, error) {
	first, exists, err := s.listed(ctx, s.adm.ListStartOffsets)
	if err != nil || !exists {
		return nil, exists, err
	}
	var mode map[int32]int64
	switch s.cfg.startMode {
	case StartEarliest:
		mode = first
	case StartLatest:
		mode, _, err = s.listed(ctx, s.endLister())
	case StartTime:
		mode, _, err = s.listed(ctx, func(ctx context.Context, t ...string) (kadm.ListedOffsets, error) {
			return s.adm.ListOffsetsAfterMilli(ctx, s.cfg.startTs, t...)
		})
		if err == nil && hasNegative(mode) { // no record at or after the time: start at the end
			var end map[int32]int64
			if end, _, err = s.listed(ctx, s.endLister()); err == nil {
				for p, o := range mode {
					if o < 0 {
						mode[p] = end[p]
					}
				}
			}
		}
	case StartSpecific:
		mode = map[int32]int64{}
		var end map[int32]int64
		for p, o := range first {
			mode[p] = o
			at, ok := s.cfg.specific[p]
			switch {
			case !ok, at == offsetEarliest:
			case at == offsetLatest:
				if end == nil {
					if end, _, err = s.listed(ctx, s.endLister()); err != nil {
						return nil, true, err
					}
				}
				mode[p] = end[p]
			default:
				mode[p] = at
			}
		}
	case StartGroup:
		mode, err = s.groupOffsets(ctx, first)
	}
	if err != nil {
		return nil, true, err
	}
	out := map[int32]int64{}
	for p, o := range first {
		out[p] = o
		if m, ok := mode[p]; ok {
			out[p] = m
		}
		if at, ok := start[p]; ok {
			out[p] = at
		}
	}
	return out, true, nil
}

func hasNegative(m map[int32]int64) bool {
	for _, o := range m {
		if o < 0 {
			return true
		}
	}
	return false
}

func (s *Source) endLister() func(context.Context, ...string) (kadm.ListedOffsets, error) {
	if s.cfg.committed {
		return s.adm.ListCommittedOffsets
	}
	return s.adm.ListEndOffsets
}

func (s *Source) groupOffsets(ctx context.Context, first map[int32]int64) (map[int32]int64, error) {
	resp, err := s.adm.FetchOffsets(ctx, s.cfg.group)
	if errors.Is(err, kerr.GroupIDNotFound) {
		resp, err = nil, nil // a group that never committed
	}
	if err != nil {
		return nil, fmt.Errorf("kafka source '%s': fetching offsets of group '%s': %w", s.cfg.name, s.cfg.group, err)
	}
	out := map[int32]int64{}
	var missing []int32
	for p := range first {
		if o, ok := resp.Lookup(s.cfg.topic, p); ok && o.Err == nil && o.At >= 0 {
			out[p] = o.At
		} else {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	switch s.cfg.resetTo {
	case "none":
		slices.Sort(missing)
		return nil, fmt.Errorf("kafka source '%s': group '%s' has no committed offset for partitions %v of topic '%s' (set 'properties.auto.offset.reset' to earliest or latest)",
			s.cfg.name, s.cfg.group, missing, s.cfg.topic)
	case "latest":
		end, _, err := s.listed(ctx, s.endLister())
		if err != nil {
			return nil, err
		}
		for _, p := range missing {
			out[p] = end[p]
		}
	default:
		for _, p := range missing {
			out[p] = first[p]
		}
	}
	return out, nil
}

// resolveBounds records where each partition ends for 'scan.bounded.mode'
// = 'latest-offset'.
func (s *Source) resolveBounds(ctx context.Context, offsets map[int32]int64) error {
	end, _, err := s.listed(ctx, s.endLister())
	if err != nil {
		return err
	}
	var first map[int32]int64
	if s.cfg.boundedAt != nil {
		if first, _, err = s.listed(ctx, s.adm.ListStartOffsets); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, o := range offsets {
		e := end[p]
		if s.cfg.boundedAt != nil {
			// 'specific-offsets': a partition not named stops at its
			// start, as Flink's (at its end with Spark's offsets); -1 is
			// its end and -2 its start.
			switch at, ok := s.cfg.boundedAt[p]; {
			case !ok && s.cfg.special:
			case !ok, at == offsetEarliest:
				e = first[p]
			case at != offsetLatest:
				e = at
			}
		}
		s.splits[p] = &split{next: o, end: e, done: o >= e, limit: -1}
	}
	return nil
}

// addPartitions starts reading partitions at the given offsets.
func (s *Source) addPartitions(offsets map[int32]int64) {
	add := map[int32]kgo.Offset{}
	s.mu.Lock()
	for p, o := range offsets {
		sp := s.splits[p]
		if sp == nil {
			sp = &split{end: -1, limit: -1}
			if s.limiting {
				sp.limit = o // read from the next micro-batch on
			}
			s.splits[p] = sp
		}
		sp.next = o
		if !sp.done {
			add[p] = kgo.NewOffset().At(o)
		}
	}
	s.mu.Unlock()
	if len(add) > 0 {
		s.cl.AddConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.topic: add})
	}
}

// discover looks for new partitions (and for the topic, while it is
// missing) until ctx is done.
func (s *Source) discover(ctx context.Context, exists bool) {
	defer s.wg.Done()
	known := map[int32]bool{}
	s.mu.Lock()
	for p := range s.splits {
		known[p] = true
	}
	s.mu.Unlock()
	wait := s.cfg.discovery
	if !exists {
		wait = missingRetry
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.kick:
			t.Stop()
		}
		lctx, cancel := context.WithTimeout(ctx, s.cfg.timeout)
		first, ok, err := s.listed(lctx, s.adm.ListStartOffsets)
		cancel()
		if err != nil && ctx.Err() == nil {
			s.log.Debug("kafka: partition discovery failed", "error", err)
		}
		fresh := map[int32]int64{}
		for p, o := range first {
			if !known[p] {
				fresh[p] = o
			}
		}
		if len(fresh) > 0 {
			select {
			case s.found <- fresh:
				for p := range fresh {
					known[p] = true
				}
			case <-ctx.Done():
				return
			}
		}
		switch {
		case !ok && err == nil, len(known) == 0:
			t.Reset(missingRetry)
		case s.cfg.discovery > 0:
			t.Reset(s.cfg.discovery)
		default:
			return // the topic exists and periodic discovery is off
		}
	}
}

// Splits reports the partitions known now, in order.
func (s *Source) Splits() []int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]int32, 0, len(s.splits))
	for p := range s.splits {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// Poll returns the records fetched since the last call, one SplitBatch per
// partition that had any, records in offset order. It blocks until
// records arrive, ctx is done or about 200 ms pass (then it returns no
// batches and no error). The first Poll after Open also reports an empty
// batch per partition with the position it starts from. With
// 'scan.bounded.mode' = 'latest-offset' it returns io.EOF once every
// partition reached the end it had at Open. Batches and rows are valid
// until the next Poll.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if s.cl == nil {
		return nil, ErrNotOpen
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.arena, s.other.arena = s.other.arena, s.arena
	s.recs, s.other.recs = s.other.recs, s.recs
	s.batches, s.other.batches = s.other.batches, s.batches
	s.batches = s.batches[:0]
	s.takeDiscovered()
	if s.announce {
		s.announce = false
		for _, p := range s.Splits() {
			s.mu.Lock()
			next := s.splits[p].next
			s.mu.Unlock()
			s.batches = append(s.batches, engine.SplitBatch{Split: p, Next: next})
		}
		return s.batches, nil
	}
	if s.cfg.bounded && s.allDone() {
		return nil, io.EOF
	}
	if batches, err := s.takeHeld(); err != nil || len(batches) > 0 {
		return batches, err
	}
	pctx, cancel := context.WithTimeout(ctx, pollWait)
	s.mu.Lock()
	s.wake = cancel
	s.mu.Unlock()
	fs := s.cl.PollRecords(pctx, maxPollRecords)
	s.mu.Lock()
	s.wake = nil
	s.mu.Unlock()
	cancel()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := s.fetchError(fs); err != nil {
		return nil, s.cfg.authError(err)
	}
	s.checkHealth(ctx, fs.NumRecords() > 0)
	batches, err := s.build(fs)
	if err != nil {
		return nil, err
	}
	if lost := outOfRange(fs); len(lost) > 0 {
		moved, err := s.recoverPositions(ctx, lost)
		if err != nil {
			return nil, err
		}
		batches = append(batches, moved...)
		s.batches = batches
	}
	return batches, nil
}

// checkHealth pings the cluster about once a second while no records
// arrive, so Health can say the broker is unreachable.
func (s *Source) checkHealth(ctx context.Context, gotRecords bool) {
	if gotRecords {
		s.health.set(nil)
		return
	}
	if s.health.due() {
		s.health.ping(ctx, s.cl, s.cfg.brokers)
	}
}

// Health implements engine.HealthReporter.
func (s *Source) Health() error { return s.health.get() }

func (s *Source) takeDiscovered() {
	select {
	case fresh := <-s.found:
		for p := range fresh {
			if at, ok := s.resume[p]; ok {
				fresh[p] = at
				delete(s.resume, p)
			}
			s.log.Info("kafka: reading new partition", "partition", p, "offset", fresh[p])
		}
		s.addPartitions(fresh)
		s.announce = true
	default:
	}
}

// Bounded reports whether the source ends ('scan.bounded.mode' =
// 'latest-offset'), returning io.EOF from Poll.
func (s *Source) Bounded() bool { return s.cfg.bounded }

func (s *Source) allDone() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sp := range s.splits {
		if !sp.done {
			return false
		}
	}
	return true
}

// fetchError returns the first error of fs that should stop the job.
// Poll's own timeout, retried broker errors and data-loss notices are
// logged, not returned.
func (s *Source) fetchError(fs kgo.Fetches) error {
	var out error
	fs.EachError(func(t string, p int32, err error) {
		var loss *kgo.ErrDataLoss
		switch {
		case out != nil:
		case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		case errors.As(err, &loss):
			s.log.Warn("kafka: data loss, the partition was reset", "partition", p, "error", err)
		case errors.Is(err, kerr.OffsetOutOfRange): // recoverPositions
		case errors.Is(err, kgo.ErrClientClosed):
			out = fmt.Errorf("kafka source '%s': %w", s.cfg.name, err)
		case kerr.IsRetriable(err):
			s.log.Debug("kafka: fetch error, retrying", "partition", p, "error", err)
		default:
			out = fmt.Errorf("kafka source '%s': topic '%s' partition %d: %w", s.cfg.name, t, p, err)
		}
	})
	return out
}

// build decodes the fetched records into batches.
func (s *Source) build(fs kgo.Fetches) ([]engine.SplitBatch, error) {
	var parts []partRecords
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		for i := range parts {
			if parts[i].p == p.Partition {
				parts[i].recs = append(parts[i].recs, p.Records...)
				return
			}
		}
		parts = append(parts, partRecords{p.Partition, p.Records})
	})
	return s.decodeParts(parts, fs.NumRecords())
}

// partRecords are records of one partition, in offset order.
type partRecords struct {
	p    int32
	recs []*kgo.Record
}

// decodeParts decodes records (n in all) into one batch per partition.
func (s *Source) decodeParts(parts []partRecords, n int) ([]engine.SplitBatch, error) {
	need := n * s.ncols
	if s.trim.Idle(need, cap(s.arena)) {
		// A burst of large Polls sized both sets of buffers; let them go.
		// The previous Poll's rows stay valid: the engine still holds them.
		s.arena, s.recs, s.other.arena, s.other.recs = nil, nil, nil, nil
	}
	if cap(s.arena) < need {
		s.arena = make([]types.Value, need+need/4)
	}
	if cap(s.recs) < n {
		s.recs = make([]engine.Rec, 0, n+n/4)
	}
	s.recs = s.recs[:0]
	used := 0
	var removed []int32
	for _, pr := range parts {
		part := pr.p
		s.mu.Lock()
		sp := s.splits[part]
		s.mu.Unlock()
		if sp == nil || sp.done {
			continue
		}
		b := engine.SplitBatch{Split: part, Next: sp.next}
		first := len(s.recs)
		var err error
		func() {
			for i, r := range pr.recs {
				if sp.done || r.Offset < b.Next {
					continue // bounded end reached, or a duplicate
				}
				if s.hold(sp, pr.recs[i:]) {
					break // past the micro-batch's limit
				}
				if sp.end >= 0 && r.Offset >= sp.end {
					sp.done = true
					removed = append(removed, part)
					continue
				}
				b.Next = r.Offset + 1
				if r.Attrs.IsControl() {
					continue
				}
				if s.changes != nil {
					before := len(s.recs)
					if derr := s.decodeChanges(r, &used); derr != nil {
						s.recs = s.recs[:before]
						if !s.cfg.skipBad {
							err = engine.Permanent(fmt.Errorf("kafka source '%s': cannot decode the record at topic '%s' partition %d offset %d: %w",
								s.cfg.name, r.Topic, r.Partition, r.Offset, derr))
							return
						}
						b.Skipped++
						s.log.Warn("kafka: skipped a record that cannot be decoded", "partition", r.Partition, "offset", r.Offset, "error", derr)
					}
					continue
				}
				row := s.arena[used : used+s.ncols : used+s.ncols]
				kind, keep, derr := s.decode(r, row)
				if derr != nil {
					if !s.cfg.skipBad {
						// Bad data: restarting cannot help, the job fails.
						err = engine.Permanent(fmt.Errorf("kafka source '%s': cannot decode the record at topic '%s' partition %d offset %d: %w",
							s.cfg.name, r.Topic, r.Partition, r.Offset, derr))
						return
					}
					b.Skipped++
					s.log.Warn("kafka: skipped a record that cannot be decoded", "partition", r.Partition, "offset", r.Offset, "error", derr)
					continue
				}
				if !keep {
					continue
				}
				used += s.ncols
				s.recs = append(s.recs, engine.Rec{Row: row, Kind: kind, Ts: r.Timestamp.UnixMilli()})
			}
			if sp.end >= 0 && b.Next >= sp.end && !sp.done {
				sp.done = true
				removed = append(removed, part)
			}
		}()
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		sp.next = b.Next
		s.pause(part, sp)
		s.mu.Unlock()
		b.Recs = s.recs[first:len(s.recs):len(s.recs)]
		s.batches = append(s.batches, b)
	}
	if len(removed) > 0 {
		s.cl.RemoveConsumePartitions(map[string][]int32{s.cfg.topic: removed})
	}
	return s.batches, nil
}

// decodeChanges appends the rows of a record of changes (Debezium,
// Canal) to s.recs, each with its kind, the key and metadata columns
// filled in each. Rows come from the arena while it lasts (used counts
// what is taken), then from the heap.
func (s *Source) decodeChanges(r *kgo.Record, used *int) error {
	first := len(s.recs)
	ts := r.Timestamp.UnixMilli()
	err := s.changes.DecodeChanges(r.Value, func(kind engine.RowKind) []types.Value {
		var row []types.Value
		if *used+s.ncols <= len(s.arena) {
			row = s.arena[*used : *used+s.ncols : *used+s.ncols]
			*used += s.ncols
			clear(row)
		} else {
			row = make([]types.Value, s.ncols)
		}
		s.recs = append(s.recs, engine.Rec{Row: row, Kind: kind, Ts: ts})
		return row
	})
	if err != nil {
		return err
	}
	for i := first; i < len(s.recs); i++ {
		row := s.recs[i].Row
		if s.keyDec != nil {
			if err := s.keyDec.Decode(r.Key, row); err != nil {
				return fmt.Errorf("key: %w", err)
			}
		}
		for _, m := range s.cfg.meta {
			row[m.pos] = s.metaValue(r, &m)
		}
	}
	return nil
}

// decode fills row from r. keep is false for records the table drops
// (Flink tombstones, CSV comment lines).
func (s *Source) decode(r *kgo.Record, row []types.Value) (engine.RowKind, bool, error) {
	kind := engine.Insert
	if r.Value == nil && !s.cfg.changelog && !s.nullRows {
		return kind, false, nil
	}
	// Key first, then value: with 'value.fields-include' = 'ALL' the value's
	// copy of a key column wins, as in Flink; a tombstone's NULL value
	// columns must not hide the key, so then the key goes last.
	if r.Value == nil {
		if s.cfg.changelog {
			kind = engine.Delete
		}
		_ = s.valDec.Decode(nil, row)
	}
	key := r.Key
	var wstart, wend int64
	if s.cfg.window != "" {
		var err error
		if key, wstart, wend, err = s.splitWindow(key); err != nil {
			return kind, false, err
		}
	}
	if s.keyDec != nil {
		if err := s.keyDec.Decode(key, row); err != nil {
			return kind, false, fmt.Errorf("key: %w", err)
		}
	}
	if r.Value != nil {
		if err := s.valDec.Decode(r.Value, row); err != nil {
			if errors.Is(err, format.ErrSkip) {
				return kind, false, nil
			}
			return kind, false, err
		}
	}
	for _, m := range s.cfg.meta {
		switch m.key {
		case MetaWindowStart:
			row[m.pos] = s.millisValue(wstart, m.typ.Kind)
		case MetaWindowEnd:
			if wend < 0 {
				row[m.pos] = types.Value{}
			} else {
				row[m.pos] = s.millisValue(wend, m.typ.Kind)
			}
		default:
			row[m.pos] = s.metaValue(r, &m)
		}
	}
	return kind, true, nil
}

// splitWindow takes the window bounds off a ksqlDB windowed key. The end
// is -1 when unknown (a time window without 'window.size').
func (s *Source) splitWindow(key []byte) (rest []byte, start, end int64, err error) {
	n := 8
	if s.cfg.window == "session" {
		n = 16
	}
	if len(key) < n {
		return nil, 0, 0, fmt.Errorf("key: a windowed key needs %d bytes of window, has %d bytes", n, len(key))
	}
	rest = key[:len(key)-n]
	if s.cfg.window == "session" {
		end = int64(binary.BigEndian.Uint64(key[len(key)-16:]))
		start = int64(binary.BigEndian.Uint64(key[len(key)-8:]))
		return rest, start, end, nil
	}
	start = int64(binary.BigEndian.Uint64(key[len(key)-8:]))
	end = -1
	if s.cfg.windowSize > 0 {
		end = start + s.cfg.windowSize
	}
	return rest, start, end, nil
}

// millisValue converts epoch millis to a column of kind k.
func (s *Source) millisValue(ms int64, k types.Kind) types.Value {
	switch k {
	case types.TimestampLTZ:
		return types.TimestampLTZV(ms * types.MicrosPerMilli)
	case types.Timestamp:
		return types.TimestampV(s.zone.wall(ms * types.MicrosPerMilli))
	}
	return types.BigIntV(ms)
}

func (s *Source) metaValue(r *kgo.Record, m *metaCol) types.Value {
	switch m.key {
	case engine.MetaTimestamp:
		ms := r.Timestamp.UnixMilli()
		switch m.typ.Kind {
		case types.BigInt:
			return types.BigIntV(ms)
		case types.Timestamp:
			return types.TimestampV(s.zone.wall(ms * types.MicrosPerMilli))
		}
		return types.TimestampLTZV(ms * types.MicrosPerMilli)
	case engine.MetaPartition:
		return types.IntOf(m.typ.Kind, int64(r.Partition))
	case engine.MetaOffset:
		return types.BigIntV(r.Offset)
	case engine.MetaTopic:
		return types.StringV(r.Topic)
	case metaLeaderEpoch:
		if r.LeaderEpoch < 0 {
			return types.Value{}
		}
		return types.IntOf(m.typ.Kind, int64(r.LeaderEpoch))
	case metaTimestampType:
		switch r.Attrs.TimestampType() {
		case 0:
			return types.StringV("CreateTime")
		case 1:
			return types.StringV("LogAppendTime")
		}
		return types.StringV("NoTimestampType")
	case metaKey:
		if r.Key == nil {
			return types.Value{}
		}
		if m.typ.Kind == types.String {
			return types.StringV(string(r.Key))
		}
		return types.BytesV(r.Key)
	case engine.MetaHeaders:
		mv := &types.MapValue{Keys: make([]types.Value, len(r.Headers)), Vals: make([]types.Value, len(r.Headers))}
		for i, h := range r.Headers {
			mv.Keys[i] = types.StringV(h.Key)
			if h.Value == nil {
				continue
			}
			if m.typ.Elem.Kind == types.String {
				mv.Vals[i] = types.StringV(string(h.Value))
			} else {
				mv.Vals[i] = types.BytesV(h.Value)
			}
		}
		return types.MapV(mv)
	}
	return types.Value{}
}

// EndOffsets returns each partition's end: the high watermark, or the last
// stable offset with 'properties.isolation.level' = 'read_committed'. A
// missing topic has no partitions. It blocks for a connection, one
// Metadata and one ListOffsets request; a topic created just before is
// seen.
func (s *Source) EndOffsets(ctx context.Context) (map[int32]int64, error) {
	if s.adm == nil {
		return nil, ErrNotOpen
	}
	// Until the topic is known, a client of its own: kadm answers from
	// cached metadata (at least 10 ms old here), and a topic created a
	// moment ago would look missing.
	adm := s.adm
	s.mu.Lock()
	known := len(s.splits) > 0
	s.mu.Unlock()
	if !known {
		cl, err := kgo.NewClient(clientOpts(s.cfg)...)
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		adm = kadm.NewClient(cl)
	}
	list := adm.ListEndOffsets
	if s.cfg.committed {
		list = adm.ListCommittedOffsets
	}
	end, _, err := s.listed(ctx, list)
	s.mu.Lock()
	unknown := false
	for p := range end {
		unknown = unknown || s.splits[p] == nil
	}
	s.mu.Unlock()
	if unknown { // look for them now rather than at the next discovery
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	return end, err
}

// CommitOffsets commits next (the offsets to resume from) to the consumer
// group 'properties.group.id'; without a group it does nothing. It blocks
// for one OffsetCommit request.
func (s *Source) CommitOffsets(ctx context.Context, next map[int32]int64) error {
	if s.cfg.group == "" || len(next) == 0 {
		return nil
	}
	if s.adm == nil {
		return ErrNotOpen
	}
	var os kadm.Offsets
	for p, o := range next {
		os.Add(kadm.Offset{Topic: s.cfg.topic, Partition: p, At: o, LeaderEpoch: -1})
	}
	if err := s.adm.CommitAllOffsets(ctx, s.cfg.group, os); err != nil {
		return fmt.Errorf("kafka source '%s': committing offsets to group '%s': %w", s.cfg.name, s.cfg.group, err)
	}
	return nil
}

// Close stops discovery and the client; it waits for both. Safe to call
// more than once.
func (s *Source) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
	if s.cl != nil {
		// franz-go (v1.22.2) race: AddConsumePartitions asks for a
		// metadata update and returns; if the update lands after
		// kgo.Client.Close stopped consuming, it assigns the added
		// partitions again and starts a fetch that races with Close's
		// kill of the fetch session (the race detector reports both
		// sides inside kgo). Unpinning every partition first (under
		// the consumer lock that update takes) leaves it nothing to
		// assign.
		s.cl.RemoveConsumePartitions(map[string][]int32{s.cfg.topic: s.Splits()})
		s.cl.Close()
		s.admCl.Close()
	}
	return nil
}

// zoneCache converts instants to wall-clock time in one zone, remembering
// the zone offset for the period it was valid (most records fall in the
// same one).
type zoneCache struct {
	loc        *time.Location
	start, end int64 // micros; the cached offset applies in [start, end)
	off        int64 // micros
	valid      bool
}

func (z *zoneCache) wall(instant int64) int64 {
	if z.loc == time.UTC {
		return instant
	}
	if !z.valid || instant < z.start || instant >= z.end {
		t := time.UnixMicro(instant).In(z.loc)
		_, off := t.Zone()
		zs, ze := t.ZoneBounds()
		z.off = int64(off) * types.MicrosPerSecond
		z.start, z.end = minMicros, maxMicros
		if !zs.IsZero() {
			z.start = zs.UnixMicro()
		}
		if !ze.IsZero() {
			z.end = ze.UnixMicro()
		}
		z.valid = true
	}
	return instant + z.off
}

const (
	minMicros = -1 << 63
	maxMicros = 1<<63 - 1
)

type pollBufs struct {
	arena   []types.Value
	recs    []engine.Rec
	batches []engine.SplitBatch
}

// Prefetch implements engine.Prefetcher: the records of a Poll stay valid
// until the second-next Poll, so the engine may fetch and decode the next
// batch while it processes this one.
func (s *Source) Prefetch() bool { return true }
