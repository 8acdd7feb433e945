package datagen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func spec(cols []engine.ColumnSpec, opts ...string) *engine.TableSpec {
	s := &engine.TableSpec{Name: "gen", Columns: cols, Options: map[string]string{"connector": "datagen"}}
	for i := 0; i+1 < len(opts); i += 2 {
		s.Options[opts[i]] = opts[i+1]
	}
	return s
}

func drain(t *testing.T, src *Source, max int) ([]types.Row, int64) {
	t.Helper()
	var rows []types.Row
	var next int64
	deadline := time.Now().Add(time.Minute)
	for len(rows) < max && time.Now().Before(deadline) {
		bs, err := src.Poll(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			next = b.Next
			for _, r := range b.Recs {
				rows = append(rows, append(types.Row(nil), r.Row...))
			}
		}
	}
	return rows, next
}

func TestDatagenSource(t *testing.T) {
	cols := []engine.ColumnSpec{
		{Name: "id", Type: types.TBigInt},
		{Name: "name", Type: types.Type{Kind: types.String, Precision: 8}},
		{Name: "score", Type: types.TInt},
		{Name: "price", Type: types.DecimalType(6, 2)},
		{Name: "ts", Type: types.TTS3},
		{Name: "flag", Type: types.TBool},
		{Name: "maybe", Type: types.TDouble},
		{Name: "tags", Type: types.ArrayOf(types.TString)},
	}
	s := spec(cols, "rows-per-second", "100000", "fields.id.kind", "sequence", "fields.id.start", "10", "fields.id.end", "109",
		"fields.score.min", "1", "fields.score.max", "5", "fields.ts.max-past", "5 s", "fields.maybe.null-rate", "1",
		"fields.tags.length", "2")
	src, err := NewSource(s)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if !src.Bounded() {
		t.Error("a sequence source is bounded")
	}
	before := types.ToWallClock(time.Now().UnixMicro(), time.Local)
	rows, next := drain(t, src, 1000)
	if len(rows) != 100 || next != 100 {
		t.Fatalf("got %d rows, next %d", len(rows), next)
	}
	after := types.ToWallClock(time.Now().UnixMicro(), time.Local)
	for i, r := range rows {
		if r[0] != types.BigIntV(int64(10+i)) {
			t.Fatalf("row %d id %v", i, r[0])
		}
		if len(r[1].S) != 8 || r[2].I < 1 || r[2].I > 5 || r[3].K != types.Decimal || r[3].I >= 1000000 || r[3].I <= -1000000 {
			t.Fatalf("row %v", r)
		}
		// Within 5 s before the time it was generated (a loaded machine
		// may take long to drain: bounds from both sides of the drain).
		if ts := r[4].I; ts < before-5*types.MicrosPerSecond || ts > after {
			t.Fatalf("ts %v not within 5 s before its generation", r[4])
		}
		if !r[6].IsNull() || len(r[7].Elems()) != 2 {
			t.Fatalf("row %v", r)
		}
	}
	if _, err := src.Poll(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("want io.EOF, got %v", err)
	}
	// Resume from position 95: the sequence continues at 105.
	src2, _ := NewSource(s)
	if err := src2.Open(context.Background(), map[int32]int64{0: 95}); err != nil {
		t.Fatal(err)
	}
	rows, next = drain(t, src2, 1000)
	if len(rows) != 5 || rows[0][0] != types.BigIntV(105) || next != 100 {
		t.Fatalf("resume: %d rows, first %v, next %d", len(rows), rows[0][0], next)
	}
}

func TestDatagenRate(t *testing.T) {
	src, err := NewSource(spec([]engine.ColumnSpec{{Name: "x", Type: types.TInt}}, "rows-per-second", "50", "number-of-rows", "1000"))
	if err != nil {
		t.Fatal(err)
	}
	// The source's clock, moved by hand: a loaded machine's scheduling
	// does not change what is due.
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	src.now = func() time.Time { return now }
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	poll := func() int {
		bs, err := src.Poll(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, b := range bs {
			n += len(b.Recs)
		}
		return n
	}
	if n := poll(); n != 1 {
		t.Errorf("at the start: %d rows, want the first one right away", n)
	}
	if n := poll(); n != 0 {
		t.Errorf("no time passed: %d rows, want none", n)
	}
	now = now.Add(500 * time.Millisecond)
	if n := poll(); n != 24 {
		t.Errorf("50 rows/s for 0.5 s: %d more rows, want 24 (25 in all)", n)
	}
	now = now.Add(10 * time.Millisecond)
	if n := poll(); n != 0 {
		t.Errorf("10 ms later at 50 rows/s: %d rows, want none", n)
	}
	now = now.Add(10 * time.Millisecond)
	if n := poll(); n != 1 {
		t.Errorf("20 ms later at 50 rows/s: %d rows, want one", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
	if forever, _ := NewSource(spec([]engine.ColumnSpec{{Name: "x", Type: types.TInt}})); forever.Bounded() {
		t.Error("a datagen source without number-of-rows is unbounded")
	}
}

func TestDatagenOptions(t *testing.T) {
	cols := []engine.ColumnSpec{{Name: "a", Type: types.TInt}, {Name: "s", Type: types.TString}}
	for _, tc := range []struct {
		opts []string
		want string
	}{
		{[]string{"fields.a.kind", "sequence"}, "fields.a.start"},
		{[]string{"fields.a.kind", "walk"}, "random or sequence"},
		{[]string{"fields.b.kind", "random"}, "no column 'b'"},
		{[]string{"fields.a.min", "x"}, "fields.a.min"},
		{[]string{"fields.a.min", "5", "fields.a.max", "1"}, "above"},
		{[]string{"fields.s.min", "1"}, "numeric"},
		{[]string{"fields.a.start", "1"}, "sequence"},
		{[]string{"rows-per-second", "-1"}, "rows-per-second"},
		{[]string{"fields.a.color", "red"}, "unknown option"},
		{[]string{"fields.a.null-rate", "2"}, "null-rate"},
	} {
		_, err := NewSource(spec(cols, tc.opts...))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrOption) {
			t.Errorf("%v: want %q, got %v", tc.opts, tc.want, err)
		}
	}
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup("datagen")
	if err != nil || c.Sink != nil || !c.AcceptsOption("fields.a.kind") || c.AcceptsOption("topic") {
		t.Fatalf("registration: %v %+v", err, c)
	}
}

var seedRE = regexp.MustCompile(`^\{"event_timestamp": "\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}", "user_id": "([0-9a-f-]{36})", "transaction_id": (\d+), "total_paid": (\d+), "status": "(Paid|Refused)"\}$`)

type seedValue struct {
	EventTimestamp string `json:"event_timestamp"`
	UserID         string `json:"user_id"`
	TransactionID  int    `json:"transaction_id"`
	TotalPaid      int    `json:"total_paid"`
	Status         string `json:"status"`
}

func readAll(t *testing.T, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < n && ctx.Err() == nil {
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { out = append(out, r) })
	}
	return out
}

func TestProduceTransactions(t *testing.T) {
	b, err := kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var progress bytes.Buffer
	fixed := time.Date(2026, 11, 23, 23, 9, 46, 153e6, time.UTC)
	st, err := ProduceTransactions(context.Background(), TxConfig{Bootstrap: b.Addr(), N: 500, Parallel: 10, Progress: &progress,
		Clock: func() time.Time { return fixed }, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 500 || st.Failed != 0 {
		t.Fatalf("stats %+v", st)
	}
	if !strings.Contains(progress.String(), "done: sent 500, failed 0") {
		t.Errorf("progress: %q", progress.String())
	}
	recs := readAll(t, b.Addr(), "transactions", 500)
	if len(recs) != 500 {
		t.Fatalf("read %d", len(recs))
	}
	parts := map[int32]bool{}
	statuses := map[string]int{}
	for _, r := range recs {
		parts[r.Partition] = true
		m := seedRE.FindStringSubmatch(string(r.Value))
		if m == nil {
			t.Fatalf("value %s", r.Value)
		}
		var v seedValue
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		d := int(v.UserID[0] - '0')
		if v.UserID != Users[d] || string(r.Key) != v.UserID || v.TotalPaid != Amount(d) || v.TransactionID < 1 || v.TransactionID > 1000000 {
			t.Fatalf("record %s key %s", r.Value, r.Key)
		}
		if v.EventTimestamp != "2026-11-23 23:09:46.153" || !r.Timestamp.Equal(fixed) {
			t.Fatalf("timestamp %s / %v", v.EventTimestamp, r.Timestamp)
		}
		statuses[v.Status]++
	}
	if len(parts) != 3 || statuses["Paid"] == 0 || statuses["Refused"] == 0 {
		t.Errorf("partitions %v statuses %v", parts, statuses)
	}
	// Rate limiting: 20 records at 100/s take about 0.2 s.
	start := time.Now()
	if _, err := ProduceTransactions(context.Background(), TxConfig{Bootstrap: b.Addr(), Topic: "slow", N: 20, Rate: 100}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("rate 100/s: 20 records in %v", d)
	}
}

func TestProduceSeedBulk(t *testing.T) {
	b, err := kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start := time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC)
	st, err := ProduceSeedBulk(context.Background(), b.Addr(), "bulk", 3000, 1000, start, 3)
	if err != nil {
		t.Fatal(err)
	}
	if st.Sent != 3003 {
		t.Fatalf("stats %+v", st)
	}
	recs := readAll(t, b.Addr(), "bulk", 3003)
	if len(recs) != 3003 {
		t.Fatalf("read %d", len(recs))
	}
	userPart := map[string]int32{}
	future := 0
	seen := map[int64]bool{}
	for _, r := range recs {
		var v seedValue
		if err := json.Unmarshal(r.Value, &v); err != nil {
			t.Fatal(err)
		}
		ts, _ := time.Parse("2006-01-02 15:04:05.000", v.EventTimestamp)
		if !ts.Equal(r.Timestamp) {
			t.Fatalf("event time %s vs record time %v", v.EventTimestamp, r.Timestamp)
		}
		i := ts.Sub(start).Milliseconds()
		if i >= 3000 {
			future++
			continue
		}
		seen[i] = true
		if p, ok := userPart[v.UserID]; ok && p != r.Partition {
			t.Fatalf("user %s in partitions %d and %d", v.UserID, p, r.Partition)
		}
		userPart[v.UserID] = r.Partition
		if v.TotalPaid != Amount(int(v.UserID[0]-'0')) {
			t.Fatalf("record %s", r.Value)
		}
	}
	if future != 3 || len(seen) != 3000 {
		t.Errorf("future %d, distinct event times %d", future, len(seen))
	}
	// Deterministic: a second run writes the same values.
	if _, err := ProduceSeedBulk(context.Background(), b.Addr(), "bulk2", 3000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	again := readAll(t, b.Addr(), "bulk2", 3003)
	count := func(rs []*kgo.Record) map[string]int {
		m := map[string]int{}
		for _, r := range rs {
			m[string(r.Value)]++
		}
		return m
	}
	a, c := count(recs), count(again)
	for k, v := range a {
		if c[k] != v {
			t.Fatalf("runs differ at %s", k)
		}
	}
}

func TestProduceBrokerDown(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if _, err := ProduceTransactions(ctx, TxConfig{Bootstrap: "127.0.0.1:1", N: 1}); err == nil {
		t.Fatal("want an error with no broker")
	}
}
