package server

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/kafka"
)

// The topics of the server's Kafka cluster, for the console's topic pages
// (what Kafka UI shows): the topics with partitions, message counts and
// sizes; a topic's messages newest first with filters; a live tail as
// server-sent events; producing a message. Every request opens its own
// client for as long as it runs, so nothing is kept when no page is open.

// TopicSummary is one topic of GET /v1/topics.
type TopicSummary struct {
	Name       string `json:"name"`
	Partitions int    `json:"partitions"`
	// Messages is the sum over partitions of end minus start offsets
	// (transaction markers count, as in Kafka's own tools).
	Messages int64 `json:"messages"`
	// Bytes is the size of the topic's logs (null when the broker does not
	// say).
	Bytes    *int64 `json:"bytes"`
	Internal bool   `json:"internal"`
}

// TopicPartition is one partition of GET /v1/topics/{name}.
type TopicPartition struct {
	Partition int32  `json:"partition"`
	Start     int64  `json:"start"`
	End       int64  `json:"end"`
	Messages  int64  `json:"messages"`
	Bytes     *int64 `json:"bytes"`
}

// TopicDetail is GET /v1/topics/{name}.
type TopicDetail struct {
	TopicSummary
	PartitionList []TopicPartition `json:"partition_list"`
}

// MessageHeader is one Kafka record header.
type MessageHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Message is one Kafka record. Key and Value are text when they are valid
// UTF-8, otherwise base64 with KeyEncoding/ValueEncoding "base64"; null
// when absent (a tombstone's value).
type Message struct {
	Partition     int32           `json:"partition"`
	Offset        int64           `json:"offset"`
	Timestamp     int64           `json:"timestamp"` // epoch millis
	TimestampText string          `json:"timestamp_text"`
	Key           *string         `json:"key"`
	KeyEncoding   string          `json:"key_encoding,omitempty"`
	Value         *string         `json:"value"`
	ValueEncoding string          `json:"value_encoding,omitempty"`
	Headers       []MessageHeader `json:"headers"`
}

// MessagesResponse is GET /v1/topics/{name}/messages.
type MessagesResponse struct {
	Messages []Message `json:"messages"`
	// Scanned is how many records were read to find them (a text filter
	// reads at most messageScanLimit per partition).
	Scanned int `json:"scanned"`
}

// ProduceRequest is the body of POST /v1/topics/{name}/messages. Without
// a partition the key chooses one (Kafka's default partitioner).
type ProduceRequest struct {
	Partition *int32          `json:"partition"`
	Key       *string         `json:"key"`
	Value     *string         `json:"value"`
	Headers   []MessageHeader `json:"headers"`
}

// ProduceResponse says where a produced message went.
type ProduceResponse struct {
	Partition int32 `json:"partition"`
	Offset    int64 `json:"offset"`
	Timestamp int64 `json:"timestamp"`
}

const (
	// messageScanLimit bounds the records a text filter reads per partition.
	messageScanLimit = 10000
	// messageMaxLimit bounds the messages one answer holds.
	messageMaxLimit = 1000
	// kafkaTimeout bounds each broker request of the topic pages.
	kafkaTimeout = 10 * time.Second
)

var errNoBroker = errors.New("the server has no Kafka bootstrap address")

// kafkaClient opens a client of the server's cluster, with its security
// properties (Config.KafkaProperties); the caller closes it.
func (s *Server) kafkaClient(opts ...kgo.Opt) (*kgo.Client, error) {
	if s.cfg.Bootstrap == "" {
		return nil, errNoBroker
	}
	props := map[string]string{}
	for k, v := range s.cfg.KafkaProperties {
		props[k] = v
	}
	props["bootstrap.servers"] = s.cfg.Bootstrap
	base, err := kafka.ClientOpts(props)
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(base, opts...)...)
}

// describeTopics lists topics (all of them when names is empty) with their
// partitions, offsets and sizes.
func describeTopics(ctx context.Context, adm *kadm.Client, names ...string) ([]TopicDetail, error) {
	ctx, cancel := context.WithTimeout(ctx, kafkaTimeout)
	defer cancel()
	tds, err := adm.ListTopicsWithInternal(ctx, names...)
	if err != nil {
		return nil, err
	}
	var topics []string
	for _, td := range tds.Sorted() {
		if td.Err == nil {
			topics = append(topics, td.Topic)
		}
	}
	out := []TopicDetail{}
	if len(topics) == 0 {
		return out, nil
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, err
	}
	sizes := map[string]map[int32]int64{}
	if dirs, err := adm.DescribeAllLogDirs(ctx, nil); err == nil {
		dirs.Each(func(d kadm.DescribedLogDir) {
			for topic, parts := range d.Topics {
				for p, dp := range parts {
					if sizes[topic] == nil {
						sizes[topic] = map[int32]int64{}
					}
					sizes[topic][p] += dp.Size
				}
			}
		})
	}
	for _, name := range topics {
		td := tds[name]
		d := TopicDetail{TopicSummary: TopicSummary{Name: name, Partitions: len(td.Partitions), Internal: td.IsInternal || strings.HasPrefix(name, "_")}}
		var total int64
		haveSize := false
		for _, p := range td.Partitions.Numbers() {
			tp := TopicPartition{Partition: p}
			if o, ok := starts.Lookup(name, p); ok && o.Err == nil {
				tp.Start = o.Offset
			}
			if o, ok := ends.Lookup(name, p); ok && o.Err == nil {
				tp.End = o.Offset
			}
			tp.Messages = max(tp.End-tp.Start, 0)
			if size, ok := sizes[name][p]; ok {
				tp.Bytes = &size
				total += size
				haveSize = true
			}
			d.Messages += tp.Messages
			d.PartitionList = append(d.PartitionList, tp)
		}
		if haveSize {
			d.Bytes = &total
		}
		out = append(out, d)
	}
	return out, nil
}

// handleTopics is GET /v1/topics.
func (s *Server) handleTopics(w http.ResponseWriter, r *http.Request) {
	cl, err := s.kafkaClient()
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer cl.Close()
	ds, err := describeTopics(r.Context(), kadm.NewClient(cl))
	if err != nil {
		s.fail(w, r, http.StatusBadGateway, fmt.Errorf("listing topics: %w", err))
		return
	}
	out := make([]TopicSummary, len(ds))
	for i, d := range ds {
		out[i] = d.TopicSummary
	}
	writeJSON(w, http.StatusOK, "", out)
}

// topicOf describes the topic a request names, or answers 404.
func (s *Server) topicOf(w http.ResponseWriter, r *http.Request, cl *kgo.Client) (TopicDetail, bool) {
	name := r.PathValue("name")
	ds, err := describeTopics(r.Context(), kadm.NewClient(cl), name)
	if err != nil {
		s.fail(w, r, http.StatusBadGateway, fmt.Errorf("describing topic '%s': %w", name, err))
		return TopicDetail{}, false
	}
	if len(ds) != 1 || ds[0].Name != name {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no topic named '%s'", name))
		return TopicDetail{}, false
	}
	return ds[0], true
}

// handleTopic is GET /v1/topics/{name}.
func (s *Server) handleTopic(w http.ResponseWriter, r *http.Request) {
	cl, err := s.kafkaClient()
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer cl.Close()
	if d, ok := s.topicOf(w, r, cl); ok {
		writeJSON(w, http.StatusOK, "", d)
	}
}

// messageFilter is what GET .../messages and .../tail select: a partition
// (-1: all), offsets at or before Before (-1: up to the end), and text that
// the key, the value or a header contains (case-insensitive).
type messageFilter struct {
	partition int32
	before    int64
	text      string
	limit     int
}

func parseMessageFilter(r *http.Request) (messageFilter, error) {
	q := r.URL.Query()
	f := messageFilter{partition: -1, before: -1, text: strings.ToLower(q.Get("q")), limit: 100}
	if v := q.Get("partition"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return f, fmt.Errorf("partition must be a partition number, not %q", v)
		}
		f.partition = int32(n)
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return f, fmt.Errorf("offset must be a non-negative number, not %q", v)
		}
		f.before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > messageMaxLimit {
			return f, fmt.Errorf("limit must be a number from 1 to %d", messageMaxLimit)
		}
		f.limit = n
	}
	return f, nil
}

func (f messageFilter) match(m *kgo.Record) bool {
	if f.partition >= 0 && m.Partition != f.partition {
		return false
	}
	if f.text == "" {
		return true
	}
	if containsFold(m.Key, f.text) || containsFold(m.Value, f.text) {
		return true
	}
	for _, h := range m.Headers {
		if containsFold([]byte(h.Key), f.text) || containsFold(h.Value, f.text) {
			return true
		}
	}
	return false
}

func containsFold(b []byte, lower string) bool {
	return strings.Contains(strings.ToLower(string(b)), lower)
}

// message turns a record into its JSON form.
func message(r *kgo.Record) Message {
	m := Message{Partition: r.Partition, Offset: r.Offset, Timestamp: r.Timestamp.UnixMilli(),
		TimestampText: r.Timestamp.Local().Format("2006-01-02 15:04:05.000"), Headers: []MessageHeader{}}
	m.Key, m.KeyEncoding = bytesText(r.Key)
	m.Value, m.ValueEncoding = bytesText(r.Value)
	for _, h := range r.Headers {
		v, enc := bytesText(h.Value)
		text := ""
		if v != nil {
			text = *v
		}
		if enc != "" {
			text = "base64:" + text
		}
		m.Headers = append(m.Headers, MessageHeader{Key: h.Key, Value: text})
	}
	return m
}

func bytesText(b []byte) (*string, string) {
	if b == nil {
		return nil, ""
	}
	if utf8.Valid(b) {
		s := string(b)
		return &s, ""
	}
	s := base64.StdEncoding.EncodeToString(b)
	return &s, "base64"
}

// handleMessages is GET /v1/topics/{name}/messages: the newest messages
// first (by timestamp across partitions, by offset within one).
func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	f, err := parseMessageFilter(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	cl, err := s.kafkaClient()
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	d, ok := s.topicOf(w, r, cl)
	cl.Close()
	if !ok {
		return
	}
	if f.partition >= int32(d.Partitions) {
		s.fail(w, r, http.StatusBadRequest, fmt.Errorf("topic '%s' has no partition %d", d.Name, f.partition))
		return
	}
	window := int64(f.limit)
	if f.text != "" {
		window = messageScanLimit
	}
	ranges := map[int32][2]int64{}
	for _, p := range d.PartitionList {
		if f.partition >= 0 && p.Partition != f.partition {
			continue
		}
		hi := p.End
		if f.before >= 0 {
			hi = min(hi, f.before+1)
		}
		if lo := max(p.Start, hi-window); lo < hi {
			ranges[p.Partition] = [2]int64{lo, hi}
		}
	}
	recs, err := s.readRanges(r.Context(), d.Name, ranges)
	if err != nil && len(recs) == 0 {
		s.fail(w, r, http.StatusBadGateway, fmt.Errorf("reading topic '%s': %w", d.Name, err))
		return
	}
	resp := MessagesResponse{Messages: []Message{}, Scanned: len(recs)}
	slices.SortFunc(recs, func(a, b *kgo.Record) int {
		if c := b.Timestamp.Compare(a.Timestamp); c != 0 {
			return c
		}
		if a.Partition != b.Partition {
			return int(a.Partition - b.Partition)
		}
		return int(b.Offset - a.Offset)
	})
	for _, rec := range recs {
		if len(resp.Messages) >= f.limit {
			break
		}
		if f.match(rec) {
			resp.Messages = append(resp.Messages, message(rec))
		}
	}
	writeJSON(w, http.StatusOK, "", resp)
}

// readRanges reads the records of topic in [lo, hi) per partition. It
// stops when every range is read, when nothing has come for a while (the
// last offsets of a range may be transaction markers, which are never
// returned), or after kafkaTimeout.
func (s *Server) readRanges(ctx context.Context, topic string, ranges map[int32][2]int64) ([]*kgo.Record, error) {
	if len(ranges) == 0 {
		return nil, nil
	}
	offsets := map[int32]kgo.Offset{}
	for p, rg := range ranges {
		offsets[p] = kgo.NewOffset().At(rg[0])
	}
	cl, err := s.kafkaClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(ctx, kafkaTimeout)
	defer cancel()
	pending := map[int32]bool{}
	for p := range ranges {
		pending[p] = true
	}
	var out []*kgo.Record
	for len(pending) > 0 {
		wait := 2 * time.Second
		if len(out) > 0 {
			wait = 300 * time.Millisecond
		}
		pctx, pcancel := context.WithTimeout(ctx, wait)
		fs := cl.PollFetches(pctx)
		pcancel()
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		got := 0
		fs.EachError(func(_ string, _ int32, e error) {
			if !errors.Is(e, context.DeadlineExceeded) && !errors.Is(e, context.Canceled) {
				err = e
			}
		})
		fs.EachRecord(func(rec *kgo.Record) {
			rg, ok := ranges[rec.Partition]
			if !ok || rec.Offset >= rg[1] {
				return
			}
			got++
			out = append(out, rec)
			if rec.Offset >= rg[1]-1 {
				delete(pending, rec.Partition)
			}
		})
		if err != nil {
			return out, err
		}
		if got == 0 {
			break // quiet: what is left are markers or nothing
		}
	}
	return out, nil
}

// handleTail is GET /v1/topics/{name}/tail: the messages produced from now
// on, as server-sent events ("messages", an array each), until the client
// goes away.
func (s *Server) handleTail(w http.ResponseWriter, r *http.Request) {
	f, err := parseMessageFilter(r)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	cl, err := s.kafkaClient()
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	d, ok := s.topicOf(w, r, cl)
	cl.Close()
	if !ok {
		return
	}
	offsets := map[int32]kgo.Offset{}
	for _, p := range d.PartitionList {
		if f.partition < 0 || p.Partition == f.partition {
			offsets[p.Partition] = kgo.NewOffset().At(p.End)
		}
	}
	tail, err := s.kafkaClient(kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{d.Name: offsets}))
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer tail.Close()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := flusher(w)
	if writeEvent(w, "ready", map[string]any{"topic": d.Name}) != nil {
		return
	}
	fl()
	for {
		fs := tail.PollFetches(ctx)
		if ctx.Err() != nil {
			return
		}
		var batch []Message
		fs.EachRecord(func(rec *kgo.Record) {
			if f.match(rec) {
				batch = append(batch, message(rec))
			}
		})
		if len(batch) == 0 {
			continue
		}
		if writeEvent(w, "messages", batch) != nil {
			return
		}
		fl()
	}
}

// handleProduce is POST /v1/topics/{name}/messages.
func (s *Server) handleProduce(w http.ResponseWriter, r *http.Request) {
	var req ProduceRequest
	if !s.decodeBody(w, r, &req) {
		return
	}
	name := r.PathValue("name")
	var opts []kgo.Opt
	if req.Partition != nil {
		opts = append(opts, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	}
	cl, err := s.kafkaClient(opts...)
	if err != nil {
		s.fail(w, r, http.StatusServiceUnavailable, err)
		return
	}
	defer cl.Close()
	d, ok := s.topicOf(w, r, cl)
	if !ok {
		return
	}
	rec := &kgo.Record{Topic: name}
	if req.Partition != nil {
		if *req.Partition < 0 || *req.Partition >= int32(d.Partitions) {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("topic '%s' has no partition %d", name, *req.Partition))
			return
		}
		rec.Partition = *req.Partition
	}
	if req.Key != nil {
		rec.Key = []byte(*req.Key)
	}
	if req.Value != nil {
		rec.Value = []byte(*req.Value)
	}
	for _, h := range req.Headers {
		rec.Headers = append(rec.Headers, kgo.RecordHeader{Key: h.Key, Value: []byte(h.Value)})
	}
	ctx, cancel := context.WithTimeout(r.Context(), kafkaTimeout)
	defer cancel()
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		status := http.StatusBadGateway
		if errors.Is(err, kerr.MessageTooLarge) || errors.Is(err, kerr.InvalidRecord) {
			status = http.StatusBadRequest
		}
		s.fail(w, r, status, fmt.Errorf("producing to '%s': %w", name, err))
		return
	}
	writeJSON(w, http.StatusOK, "", ProduceResponse{Partition: rec.Partition, Offset: rec.Offset, Timestamp: rec.Timestamp.UnixMilli()})
}
