package kafka

import (
	"context"
	"errors"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect/flink"
	"github.com/tumble/tumble/planner/dialect/ksql"
)

// startBroker starts an in-memory broker on a free port, closed with the test.
func startBroker(t testing.TB, cfg BrokerConfig) *Broker {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	b, err := StartBroker(context.Background(), cfg)
	if err != nil {
		t.Fatalf("StartBroker: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

type col = engine.ColumnSpec

// rulesOf are the table rules of a dialect ("flink" or "ksql"), as the
// planner hands them to connectors.
func rulesOf(dialect string) engine.TableRules {
	if dialect == "ksql" {
		return ksql.Dialect{}.Rules().Tables
	}
	return flink.Dialect{}.Rules().Tables
}

func tableSpec(b *Broker, dialect string, columns []col, opts ...string) *engine.TableSpec {
	s := &engine.TableSpec{Name: "t", Rules: rulesOf(dialect), Columns: columns, Options: map[string]string{},
		// ksqlDB tables read from the earliest offset, as its test driver does.
		Defaults: map[string]string{"bootstrap.servers": b.Addr(), "local-time-zone": "UTC", "auto.offset.reset": "earliest"}}
	for i := 0; i+1 < len(opts); i += 2 {
		s.Options[opts[i]] = opts[i+1]
	}
	return s
}

func client(t testing.TB, b *Broker, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr()), kgo.AllowAutoTopicCreation()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// produce writes records synchronously.
func produce(t testing.TB, cl *kgo.Client, rs ...*kgo.Record) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func rec(topic, key, value string) *kgo.Record {
	r := &kgo.Record{Topic: topic, Value: []byte(value)}
	if key != "" {
		r.Key = []byte(key)
	}
	return r
}

// got is a record as a test sees it, rows copied out of the source's arena.
type got struct {
	split  int32
	kind   engine.RowKind
	ts     int64
	row    types.Row
	offset int64 // derived from Next bookkeeping: position within split
}

// openSource builds and opens a source, closed with the test.
func openSource(t testing.TB, spec *engine.TableSpec, start map[int32]int64) *Source {
	t.Helper()
	src, err := NewSource(spec)
	if err != nil {
		t.Fatalf("NewSource: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := src.Open(ctx, start); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

// collect polls until n records arrived (or the deadline passed) and
// returns them with the last Next of each split and the skipped count.
func collect(t testing.TB, src engine.Source, n int, within time.Duration) ([]got, map[int32]int64, int64) {
	t.Helper()
	var out []got
	next := map[int32]int64{}
	var skipped int64
	deadline := time.Now().Add(within)
	ctx := context.Background()
	for len(out) < n && time.Now().Before(deadline) {
		bs, err := src.Poll(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("Poll: %v", err)
		}
		for _, b := range bs {
			next[b.Split] = b.Next
			skipped += b.Skipped
			for _, r := range b.Recs {
				out = append(out, got{split: b.Split, kind: r.Kind, ts: r.Ts, row: slices.Clone(r.Row)})
			}
		}
	}
	return out, next, skipped
}

// collectAll polls until every split reached the end offset it had when
// collectAll was called (the source's EndOffsets: the last stable offset
// when it reads committed records) and returns what collect returns. A
// source that starts at the end is done at its first Poll. It fails the
// test when within passes first: a generous deadline, not a window.
func collectAll(t testing.TB, src *Source, within time.Duration) ([]got, map[int32]int64, int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	end, err := src.EndOffsets(ctx)
	if err != nil {
		t.Fatalf("EndOffsets: %v", err)
	}
	var out []got
	next := map[int32]int64{} // where the source stands: known splits, then each batch
	src.mu.Lock()
	for p, sp := range src.splits {
		if sp.next >= 0 {
			next[p] = sp.next
		}
	}
	src.mu.Unlock()
	var skipped int64
	behind := func() bool {
		for p, e := range end {
			if n, ok := next[p]; e > 0 && (!ok || n < e) {
				return true
			}
		}
		return false
	}
	for first := true; first || behind(); first = false {
		if ctx.Err() != nil {
			t.Fatalf("after %v the source is at %v, the end offsets are %v", within, next, end)
		}
		bs, err := src.Poll(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && ctx.Err() == nil {
			t.Fatalf("Poll: %v", err)
		}
		for _, b := range bs {
			next[b.Split] = b.Next
			skipped += b.Skipped
			for _, r := range b.Recs {
				out = append(out, got{split: b.Split, kind: r.Kind, ts: r.Ts, row: slices.Clone(r.Row)})
			}
		}
	}
	return out, next, skipped
}

func rowString(r types.Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = v.String()
	}
	return strings.Join(parts, "|")
}

func rowStrings(gs []got) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = rowString(g.row)
	}
	slices.Sort(out)
	return out
}

// checkGoroutines fails if goroutines started during the test are still
// running a little after it.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		var now int
		for i := 0; i < 50; i++ {
			if now = runtime.NumGoroutine(); now <= before {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		buf := make([]byte, 1<<20)
		n := runtime.Stack(buf, true)
		t.Errorf("goroutines: %d before, %d after\n%s", before, now, buf[:n])
	})
}
