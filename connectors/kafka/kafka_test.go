package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/topicread"
)

func seedColumns() []col {
	return []col{
		{Name: "event_timestamp", Type: types.TTS3},
		{Name: "transaction_id", Type: types.TInt},
		{Name: "user_id", Type: types.TString},
		{Name: "total_paid", Type: types.TInt},
		{Name: "status", Type: types.TString},
		{Name: "flink_timestamp", Type: types.TTS3, Metadata: "timestamp"},
	}
}

func seedValue(ts string, id int, user string, paid int, status string) string {
	return fmt.Sprintf(`{"event_timestamp": "%s", "user_id": "%s", "transaction_id": %d, "total_paid": %d, "status": "%s"}`,
		ts, user, id, paid, status)
}

func TestSeedTableFlink(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{})
	cl := client(t, b)
	when := time.Date(2026, 11, 23, 23, 9, 46, 153e6, time.UTC)
	var rs []*kgo.Record
	for i := 0; i < 30; i++ {
		user := fmt.Sprintf("%d45d2676-04f8-4036-bc25-1a9b02bb75f1", i%10)
		r := rec("transactions", user, seedValue("2026-11-23 23:09:46.153", 1000+i, user, 10*(i%10), "Paid"))
		r.Timestamp = when
		rs = append(rs, r)
	}
	produce(t, cl, rs...)

	spec := tableSpec(b, "flink", seedColumns(), "connector", "kafka", "topic", "transactions",
		"properties.bootstrap.servers", b.Addr(), "properties.group.id", "flink", "scan.startup.mode", "earliest-offset", "format", "json")
	if err := Validate(spec); err != nil {
		t.Fatal(err)
	}
	src := openSource(t, spec, nil)
	if got := src.Splits(); !slices.Equal(got, []int32{0, 1, 2}) {
		t.Fatalf("splits %v", got)
	}
	recs, next, _ := collect(t, src, 30, time.Minute)
	if len(recs) != 30 {
		t.Fatalf("got %d records", len(recs))
	}
	var total int64
	for p, n := range next {
		total += n
		if n <= 0 {
			t.Errorf("split %d next %d", p, n)
		}
	}
	if total != 30 {
		t.Errorf("next offsets sum to %d, want 30", total)
	}
	wantTS, _ := types.ParseTimestamp("2026-11-23 23:09:46.153")
	for _, r := range recs {
		if r.row[0] != types.TimestampV(wantTS) || r.row[5] != types.TimestampV(wantTS) || r.ts != when.UnixMilli() || r.kind != engine.Insert {
			t.Fatalf("row %v ts %d", r.row, r.ts)
		}
		if r.row[3].I != 10*int64(r.row[2].S[0]-'0') || r.row[4].S != "Paid" {
			t.Fatalf("row %v", r.row)
		}
	}
	// EndOffsets agree with Next once caught up.
	end, err := src.EndOffsets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for p, e := range end {
		if next[p] != e {
			t.Errorf("split %d: next %d, end %d", p, next[p], e)
		}
	}
	// Committed offsets are what group-offsets starts from.
	if err := src.CommitOffsets(context.Background(), map[int32]int64{0: 1, 1: 2, 2: 3}); err != nil {
		t.Fatal(err)
	}
	gspec := tableSpec(b, "flink", seedColumns(), "topic", "transactions", "properties.group.id", "flink",
		"scan.startup.mode", "group-offsets", "format", "json")
	gsrc := openSource(t, gspec, nil)
	bs, err := gsrc.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	starts := map[int32]int64{}
	for _, b := range bs {
		starts[b.Split] = b.Next
	}
	if starts[0] != 1 || starts[1] != 2 || starts[2] != 3 {
		t.Fatalf("group-offsets start %v", starts)
	}
	recs, _, _ = collect(t, gsrc, 24, time.Minute)
	if len(recs) != 30-6 {
		t.Fatalf("group-offsets read %d records, want 24", len(recs))
	}
}

func TestStartupModes(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 2})
	cl := client(t, b)
	base := time.UnixMilli(1_700_000_000_000)
	for i := 0; i < 10; i++ {
		r := &kgo.Record{Topic: "modes", Partition: int32(i % 2), Value: []byte(fmt.Sprintf(`{"n": %d}`, i)), Timestamp: base.Add(time.Duration(i) * time.Second)}
		produce(t, client(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner())), r)
	}
	_ = cl
	cols := []col{{Name: "n", Type: types.TInt}}
	count := func(opts ...string) []string {
		t.Helper()
		spec := tableSpec(b, "flink", cols, append([]string{"topic", "modes", "format", "json"}, opts...)...)
		src := openSource(t, spec, nil)
		recs, _, _ := collectAll(t, src, time.Minute)
		return rowStrings(recs)
	}
	if got := count("scan.startup.mode", "earliest-offset"); len(got) != 10 {
		t.Errorf("earliest: %v", got)
	}
	if got := count("scan.startup.mode", "latest-offset"); len(got) != 0 {
		t.Errorf("latest: %v", got)
	}
	if got := count("scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", fmt.Sprint(base.Add(7*time.Second).UnixMilli())); !slices.Equal(got, []string{"7", "8", "9"}) {
		t.Errorf("timestamp: %v", got)
	}
	if got := count("scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", fmt.Sprint(base.Add(time.Hour).UnixMilli())); len(got) != 0 {
		t.Errorf("timestamp after every record: %v", got)
	}
	// Partition 0 holds 0,2,4,6,8 at offsets 0..4; partition 1 holds 1,3,5,7,9.
	if got := count("scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:0,offset:3;partition:1,offset:4"); !slices.Equal(got, []string{"6", "8", "9"}) {
		t.Errorf("specific: %v", got)
	}
	// Open's start map wins over the startup mode.
	spec := tableSpec(b, "flink", cols, "topic", "modes", "format", "json", "scan.startup.mode", "latest-offset")
	src := openSource(t, spec, map[int32]int64{0: 4})
	recs, _, _ := collectAll(t, src, time.Minute)
	if got := rowStrings(recs); !slices.Equal(got, []string{"8"}) {
		t.Errorf("resume: %v", got)
	}
	// Bounded: stops with io.EOF at the end it saw at Open.
	bspec := tableSpec(b, "flink", cols, "topic", "modes", "format", "json", "scan.bounded.mode", "latest-offset")
	bsrc := openSource(t, bspec, nil)
	if !bsrc.Bounded() || src.Bounded() {
		t.Error("Bounded() should follow scan.bounded.mode")
	}
	recs, _, _ = collect(t, bsrc, 100, time.Minute)
	if len(recs) != 10 {
		t.Fatalf("bounded read %d", len(recs))
	}
	if _, err := bsrc.Poll(context.Background()); !errors.Is(err, io.EOF) {
		t.Errorf("bounded: want io.EOF, got %v", err)
	}
	// group-offsets without a committed offset and reset none fails clearly.
	nspec := tableSpec(b, "flink", cols, "topic", "modes", "format", "json", "properties.group.id", "nobody",
		"scan.startup.mode", "group-offsets", "properties.auto.offset.reset", "none")
	nsrc, err := NewSource(nspec)
	if err != nil {
		t.Fatal(err)
	}
	defer nsrc.Close()
	if err := nsrc.Open(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "no committed offset") {
		t.Errorf("reset none: %v", err)
	}
}

func TestBadRecords(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 1})
	cl := client(t, b)
	produce(t, cl, rec("bad", "", `{"n": 1}`), rec("bad", "", `{"n": oops`), rec("bad", "", `{"n": 3}`), rec("bad", "", `{"n": "x"}`))
	cols := []col{{Name: "n", Type: types.TInt}}
	spec := tableSpec(b, "flink", cols, "topic", "bad", "format", "json", "json.ignore-parse-errors", "true")
	src := openSource(t, spec, nil)
	// The record that is not JSON is skipped and counted; the bad field
	// reads as NULL and its row is kept, as in Flink.
	recs, next, skipped := collect(t, src, 3, time.Minute)
	if got := rowStrings(recs); !slices.Equal(got, []string{"1", "3", "NULL"}) || skipped != 1 || next[0] != 4 {
		t.Fatalf("got %v skipped %d next %v", got, skipped, next)
	}
	strict := openSource(t, tableSpec(b, "flink", cols, "topic", "bad", "format", "json"), nil)
	deadline := time.Now().Add(time.Minute)
	var err error
	for err == nil && time.Now().Before(deadline) {
		_, err = strict.Poll(context.Background())
	}
	if err == nil || !strings.Contains(err.Error(), "topic 'bad' partition 0 offset 1") {
		t.Fatalf("want an error naming the offset, got %v", err)
	}
	// ksqlDB logs and skips by default.
	kcols := []col{{Name: "N", Type: types.TInt}}
	ksrc := openSource(t, tableSpec(b, "ksql", kcols, "topic", "bad", "value.format", "json"), nil)
	recs, _, skipped = collect(t, ksrc, 2, time.Minute)
	if len(recs) != 2 || skipped != 2 {
		t.Fatalf("ksql: %d records, %d skipped", len(recs), skipped)
	}
}

// roundTrip writes rows through a sink and reads them back through a
// source on the same spec.
func roundTrip(t *testing.T, spec *engine.TableSpec, in []engine.Rec, want int) []got {
	t.Helper()
	sink, err := NewSink(spec)
	if err != nil {
		t.Fatalf("NewSink: %v", err)
	}
	defer sink.Close()
	ctx := context.Background()
	if err := sink.Write(ctx, in); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	src := openSource(t, spec, nil)
	recs, _, skipped := collect(t, src, want, time.Minute)
	if len(recs) != want || skipped != 0 {
		t.Fatalf("read %d records (%d skipped), want %d: %v", len(recs), skipped, want, recs)
	}
	return recs
}

func TestFormatsRoundTrip(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{})
	ts, _ := types.ParseTimestamp("2026-11-23 23:09:45.5")
	flinkCols := []col{{Name: "id", Type: types.TBigInt}, {Name: "name", Type: types.TString}, {Name: "ts", Type: types.TTS3},
		{Name: "price", Type: types.DecimalType(10, 2)}, {Name: "ok", Type: types.TBool}}
	row := func(id int64, name string) engine.Rec {
		return engine.Rec{Row: types.Row{types.BigIntV(id), types.StringV(name), types.TimestampV(ts), types.DecimalV(1999, 2), types.BoolV(true)}, Ts: 1_700_000_000_000}
	}
	in := []engine.Rec{row(1, "a,b"), row(2, `q"uote`), row(3, "ünï")}
	for _, tc := range []struct {
		name string
		opts []string
	}{
		{"json", []string{"format", "json"}},
		{"json-iso", []string{"value.format", "json", "value.json.timestamp-format.standard", "ISO-8601"}},
		{"csv", []string{"format", "csv"}},
		{"json-key", []string{"key.format", "json", "key.fields", "id", "value.format", "json"}},
		{"raw-key-except", []string{"key.format", "raw", "key.fields", "name", "value.format", "csv", "value.fields-include", "EXCEPT_KEY"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := tableSpec(b, "flink", flinkCols, append([]string{"topic", "rt-" + tc.name}, tc.opts...)...)
			written := time.Now().Add(-time.Second).UnixMilli()
			recs := roundTrip(t, spec, in, 3)
			want := []string{rowString(in[0].Row), rowString(in[1].Row), rowString(in[2].Row)}
			slices.Sort(want)
			if got := rowStrings(recs); !slices.Equal(got, want) {
				t.Fatalf("got %v want %v", got, want)
			}
			// Flink's sink leaves the timestamp to the producer: the time
			// of writing, not the row's (TestSinkRecordTimestamps).
			for _, r := range recs {
				if r.ts < written {
					t.Fatalf("record timestamp %d, want the time of writing (after %d)", r.ts, written)
				}
			}
		})
	}
	t.Run("raw", func(t *testing.T) {
		spec := tableSpec(b, "flink", []col{{Name: "line", Type: types.TString}}, "topic", "rt-raw", "format", "raw")
		recs := roundTrip(t, spec, []engine.Rec{{Row: types.Row{types.StringV("hello world")}}}, 1)
		if recs[0].row[0].S != "hello world" {
			t.Fatal(recs)
		}
	})
	t.Run("flink-retract-refused", func(t *testing.T) {
		spec := tableSpec(b, "flink", flinkCols, "topic", "rt-retract", "format", "json")
		sink, err := NewSink(spec)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		r := row(1, "x")
		r.Kind = engine.UpdateBefore
		if err := sink.Write(context.Background(), []engine.Rec{r}); !errors.Is(err, ErrRetract) {
			t.Fatalf("want ErrRetract, got %v", err)
		}
	})
	// ksqlDB: key columns with each key format, tombstones as deletes.
	kcols := []col{{Name: "K", Type: types.TString, Key: true}, {Name: "V", Type: types.TBigInt}, {Name: "D", Type: types.TDouble}}
	for _, tc := range []struct{ key, value string }{{"kafka", "json"}, {"json", "delimited"}, {"delimited", "json"}} {
		t.Run("ksql-"+tc.key+"-"+tc.value, func(t *testing.T) {
			topic := "ksql-" + tc.key + "-" + tc.value
			spec := tableSpec(b, "ksql", kcols, "topic", topic, "key.format", tc.key, "value.format", tc.value, "partitions", "2")
			in := []engine.Rec{
				{Row: types.Row{types.StringV("a"), types.BigIntV(1), types.DoubleV(1.5)}},
				{Row: types.Row{types.StringV("b"), types.BigIntV(2), types.DoubleV(20)}, Kind: engine.UpdateAfter},
				{Row: types.Row{types.StringV("b"), types.BigIntV(2), types.DoubleV(20)}, Kind: engine.UpdateBefore},
				{Row: types.Row{types.StringV("a"), {}, {}}, Kind: engine.Delete},
			}
			recs := roundTrip(t, spec, in, 3)
			var deletes int
			for _, r := range recs {
				if r.kind == engine.Delete {
					deletes++
					if r.row[0].S != "a" || !r.row[1].IsNull() || !r.row[2].IsNull() {
						t.Errorf("tombstone row %v", r.row)
					}
				}
			}
			if deletes != 1 {
				t.Errorf("want one delete, got %d: %v", deletes, recs)
			}
			td, err := kadm.NewClient(client(t, b)).ListTopics(context.Background(), topic)
			if err != nil || len(td[topic].Partitions) != 2 {
				t.Errorf("topic partitions: %v %v", td, err)
			}
		})
	}
	// ksqlDB JSON writes what ksqlDB writes, keys unwrapped.
	t.Run("ksql-json-bytes", func(t *testing.T) {
		spec := tableSpec(b, "ksql", []col{{Name: "K", Type: types.TInt, Key: true}, {Name: "WINDOW_START", Type: types.TTSLTZ3}, {Name: "TOTAL", Type: types.TInt}},
			"topic", "ksql-bytes", "key.format", "json", "value.format", "json")
		sink, err := NewSink(spec)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		ctx := context.Background()
		if err := sink.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(7), types.TimestampLTZV(1526075913000000), types.IntV(60)}, Ts: 1526075916000}}); err != nil {
			t.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		r := fetchOne(t, b, "ksql-bytes")
		if string(r.Key) != "7" || string(r.Value) != `{"WINDOW_START":1526075913000,"TOTAL":60}` || r.Timestamp.UnixMilli() != 1526075916000 {
			t.Fatalf("key %q value %q ts %v", r.Key, r.Value, r.Timestamp)
		}
	})
}

// fetchOne reads the first record of topic with a plain client.
func fetchOne(t *testing.T, b *Broker, topic string) *kgo.Record {
	t.Helper()
	cl := client(t, b, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("no record in %s", topic)
		}
		var r *kgo.Record
		fs.EachRecord(func(x *kgo.Record) {
			if r == nil {
				r = x
			}
		})
		if r != nil {
			return r
		}
	}
}

func TestMissingTopicAppears(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 2})
	cols := []col{{Name: "n", Type: types.TInt}}
	spec := tableSpec(b, "flink", cols, "topic", "later", "format", "json", "scan.startup.mode", "latest-offset")
	src := openSource(t, spec, nil)
	if s := src.Splits(); len(s) != 0 {
		t.Fatalf("splits before the topic exists: %v", s)
	}
	recs, _, _ := collect(t, src, 1, 500*time.Millisecond)
	if len(recs) != 0 {
		t.Fatal(recs)
	}
	// Records written right after the topic appears are read: partitions
	// that appear later start at their beginning.
	produce(t, client(t, b), rec("later", "k1", `{"n": 1}`), rec("later", "k2", `{"n": 2}`))
	// EndOffsets sees the new topic at once (no stale metadata).
	end, err := src.EndOffsets(context.Background())
	if err != nil || len(end) != 2 || end[0]+end[1] != 2 {
		t.Fatalf("end offsets right after the topic appeared: %v %v", end, err)
	}
	recs, _, _ = collect(t, src, 2, time.Minute)
	if got := rowStrings(recs); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("got %v", got)
	}
	if s := src.Splits(); len(s) != 2 {
		t.Fatalf("splits %v", s)
	}
}

func TestNewPartitionsDiscovered(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 1})
	cl := client(t, b)
	produce(t, cl, rec("grow", "", `{"n": 1}`))
	cols := []col{{Name: "n", Type: types.TInt}}
	spec := tableSpec(b, "flink", cols, "topic", "grow", "format", "json", "scan.topic-partition-discovery.interval", "200 ms")
	src := openSource(t, spec, nil)
	if _, _, _ = collect(t, src, 1, time.Minute); len(src.Splits()) != 1 {
		t.Fatal(src.Splits())
	}
	adm := kadm.NewClient(cl)
	if _, err := adm.CreatePartitions(context.Background(), 1, "grow"); err != nil {
		t.Fatal(err)
	}
	produce(t, client(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner())), &kgo.Record{Topic: "grow", Partition: 1, Value: []byte(`{"n": 2}`)})
	recs, _, _ := collect(t, src, 1, time.Minute)
	if len(recs) != 1 || recs[0].split != 1 || recs[0].row[0].I != 2 {
		t.Fatalf("got %v", recs)
	}
}

func TestMetadataColumns(t *testing.T) {
	b := startBroker(t, BrokerConfig{Partitions: 1})
	cols := []col{
		{Name: "v", Type: types.TString},
		{Name: "ltz", Type: types.TTSLTZ3, Metadata: "timestamp"},
		{Name: "wall", Type: types.TTS3, Metadata: "timestamp", Virtual: true},
		{Name: "p", Type: types.TInt, Metadata: "partition", Virtual: true},
		{Name: "o", Type: types.TBigInt, Metadata: "offset", Virtual: true},
		{Name: "tp", Type: types.TString, Metadata: "topic", Virtual: true},
		{Name: "h", Type: types.MapOf(types.TString, types.TBytes), Metadata: "headers"},
		{Name: "k", Type: types.TBytes, Metadata: "key", Virtual: true},
	}
	spec := tableSpec(b, "flink", cols, "topic", "meta", "format", "raw")
	spec.Defaults["local-time-zone"] = "Europe/Paris"
	sink, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ltz := time.Date(2026, 11, 23, 22, 9, 45, 0, time.UTC).UnixMicro()
	hdr := &types.MapValue{Keys: []types.Value{types.StringV("trace")}, Vals: []types.Value{types.BytesV([]byte("abc"))}}
	if err := sink.Write(context.Background(), []engine.Rec{{Row: types.Row{types.StringV("x"), types.TimestampLTZV(ltz), {}, {}, {}, {}, types.MapV(hdr), {}}}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := collect(t, openSource(t, spec, nil), 1, time.Minute)
	if len(recs) != 1 {
		t.Fatal(recs)
	}
	r := recs[0].row
	wall, _ := types.ParseTimestamp("2026-11-23 23:09:45") // Paris is UTC+1 in November
	if r[1] != types.TimestampLTZV(ltz) || r[2] != types.TimestampV(wall) || r[3] != types.IntV(0) || r[4] != types.BigIntV(0) ||
		r[5] != types.StringV("meta") || r[6].MapVal().Keys[0].S != "trace" || r[6].MapVal().Vals[0].S != "abc" || !r[7].IsNull() {
		t.Fatalf("row %v", r)
	}
	// A metadata column that cannot be written must be VIRTUAL in a sink.
	bad := tableSpec(b, "flink", []col{{Name: "v", Type: types.TString}, {Name: "o", Type: types.TBigInt, Metadata: "offset"}}, "topic", "meta", "format", "raw")
	if _, err := NewSink(bad); err == nil || !strings.Contains(err.Error(), "VIRTUAL") {
		t.Fatalf("want a VIRTUAL error, got %v", err)
	}
}

func TestValidate(t *testing.T) {
	b := &Broker{addr: "localhost:9092"}
	cols := []col{{Name: "a", Type: types.TInt}, {Name: "b", Type: types.TString}}
	for _, tc := range []struct {
		dialect string
		opts    []string
		want    string
	}{
		{"flink", []string{"format", "json"}, "option 'topic' is required"},
		{"ksql", []string{"value.format", "json"}, "KAFKA_TOPIC"},
		{"flink", []string{"topic", "t", "format", "orc"}, "format 'orc'"},
		{"flink", []string{"topic", "t"}, "'format'"},
		{"flink", []string{"topic", "t", "format", "json", "value.format", "json"}, "not both"},
		{"flink", []string{"topic", "t", "format", "json", "scan.startup.mode", "sometimes"}, "unknown 'scan.startup.mode' 'sometimes'"},
		{"flink", []string{"topic", "t", "format", "json", "scan.startup.mode", "timestamp"}, "scan.startup.timestamp-millis"},
		{"flink", []string{"topic", "t", "format", "json", "scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "p:1"}, "partition:N,offset:M"},
		{"flink", []string{"topic", "t", "format", "json", "scan.startup.mode", "group-offsets"}, "properties.group.id"},
		{"flink", []string{"topic", "t", "format", "json", "key.format", "json"}, "key.fields"},
		{"flink", []string{"topic", "t", "format", "json", "key.format", "json", "key.fields", "zz"}, "'zz'"},
		{"flink", []string{"topic", "t", "format", "json", "key.format", "json", "key.fields", "a", "key.fields-prefix", "k_"}, "prefix"},
		{"flink", []string{"topic", "t", "format", "json", "sink.delivery-guarantee", "exactly-once"}, "transactional-id-prefix"},
		{"flink", []string{"topic", "t", "format", "json", "sink.partitioner", "random"}, "sink.partitioner"},
		{"flink", []string{"topic", "t", "format", "raw"}, "exactly one"},
		{"flink", []string{"topic", "a;b", "format", "json"}, "several topics"},
		{"flink", []string{"topic", "t", "format", "json", "properties.isolation.level", "dirty"}, "isolation.level"},
		{"ksql", []string{"topic", "t", "value.format", "avro"}, "no Schema Registry is configured"},
		{"ksql", []string{"topic", "t", "value.format", "json", "partitions", "zero"}, "PARTITIONS"},
		{"ksql", []string{"topic", "t", "value.format", "json", "wrap.single.value", "false"}, "exactly one value column"},
	} {
		err := Validate(tableSpec(b, tc.dialect, cols, tc.opts...))
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrOption) {
			t.Errorf("%v: want error with %q, got %v", tc.opts, tc.want, err)
		}
	}
	if err := Validate(tableSpec(b, "flink", cols, "topic", "t", "format", "json")); err != nil {
		t.Errorf("valid table: %v", err)
	}
	pk := tableSpec(b, "flink", cols, "topic", "t", "format", "json")
	pk.PrimaryKey = []string{"a"}
	if err := Validate(pk); err == nil || !strings.Contains(err.Error(), "upsert-kafka") {
		t.Errorf("PRIMARY KEY on a kafka table: %v", err)
	}
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup("kafka")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"topic", "properties.bootstrap.servers", "json.ignore-parse-errors", "value.json.fail-on-missing-field", "key.fields", "scan.startup.mode", "csv.field-delimiter", "raw.endianness", "wrap.single.value"} {
		if !c.AcceptsOption(k) {
			t.Errorf("option %s not accepted", k)
		}
	}
	if c.AcceptsOption("bogus") {
		t.Error("bogus accepted")
	}
}

func TestBrokerRestartKeepsData(t *testing.T) {
	checkGoroutines(t)
	dir := t.TempDir()
	b, err := StartBroker(context.Background(), BrokerConfig{Listen: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		produce(t, cl, rec("durable", fmt.Sprint("k", i), fmt.Sprintf(`{"n": %d}`, i)))
	}
	adm := kadm.NewClient(cl)
	var os kadm.Offsets
	os.Add(kadm.Offset{Topic: "durable", Partition: 0, At: 2, LeaderEpoch: -1})
	if err := adm.CommitAllOffsets(context.Background(), "g", os); err != nil {
		t.Fatal(err)
	}
	cl.Close()
	// A committed transaction, and one left open when the broker stops.
	tcols := []col{{Name: "n", Type: types.TInt}}
	tspec := tableSpec(b, "flink", tcols, "topic", "txdurable", "format", "json",
		"sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "restart")
	sink, err := NewSink(tspec)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := sink.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(1)}}, {Row: types.Row{types.IntV(2)}}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Commit(ctx, -1); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	b.Close()

	b2 := startBroker(t, BrokerConfig{DataDir: dir})
	rc := tableSpec(b2, "flink", tcols, "topic", "txdurable", "format", "json", "properties.isolation.level", "read_committed")
	tsrc := openSource(t, rc, nil)
	trecs, tnext, _ := collect(t, tsrc, 2, time.Minute)
	if len(trecs) != 2 {
		t.Fatalf("committed transaction after restart: %v", trecs)
	}
	tend, err := tsrc.EndOffsets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, more, _ := collectAll(t, tsrc, time.Minute) // a commit marker may come in a later fetch
	for p, n := range more {
		tnext[p] = n
	}
	for p, e := range tend {
		if e > 0 && tnext[p] != e {
			t.Errorf("partition %d: next %d, last stable offset %d", p, tnext[p], e)
		}
	}
	resp, err := kadm.NewClient(client(t, b2)).FetchOffsets(context.Background(), "g")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := resp.Lookup("durable", 0); !ok || o.At != 2 {
		t.Fatalf("committed offset after restart: %+v %v", o, ok)
	}
}

func TestBrokerListenAddresses(t *testing.T) {
	for _, listen := range []string{"localhost:0", "0.0.0.0:0", "[::1]:0"} {
		b, err := StartBroker(context.Background(), BrokerConfig{Listen: listen})
		if err != nil {
			if strings.Contains(listen, "::1") {
				t.Logf("%s: %v (no IPv6 loopback here)", listen, err)
				continue
			}
			t.Fatalf("%s: %v", listen, err)
		}
		cl := client(t, b)
		produce(t, cl, rec("hello", "", "x"))
		if r := fetchOne(t, b, "hello"); string(r.Value) != "x" {
			t.Fatalf("%s: read %q", listen, r.Value)
		}
		b.Close()
	}
	if _, err := StartBroker(context.Background(), BrokerConfig{Listen: "nonsense"}); err == nil {
		t.Error("bad listen address accepted")
	}
}

// The broker advertises the address it is bound to (a wildcard as
// 127.0.0.1) unless told another; checked without connecting, since
// tests reach nothing but loopback.
func TestBrokerAdvertisedAddress(t *testing.T) {
	for _, tc := range []struct {
		adv   string
		bound net.Addr
		want  string
	}{
		{"", &net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 9092}, "10.1.2.3:9092"},
		{"", &net.TCPAddr{IP: net.IPv4zero, Port: 9092}, "127.0.0.1:9092"},
		{"", &net.TCPAddr{IP: net.IPv6unspecified, Port: 9092}, "127.0.0.1:9092"},
		{"", &net.TCPAddr{IP: net.IPv6loopback, Port: 9092}, "[::1]:9092"},
		{"kafka:0", &net.TCPAddr{IP: net.IPv4zero, Port: 9092}, "kafka:9092"},
		{"kafka:29092", &net.TCPAddr{IP: net.IPv4zero, Port: 9092}, "kafka:29092"},
	} {
		got, err := advertised(tc.adv, tc.bound)
		if err != nil || got.String() != tc.want {
			t.Errorf("advertised(%q, %v) = %v, %v; want %s", tc.adv, tc.bound, got, err, tc.want)
		}
	}
	for _, bad := range []string{"kafka", ":9092", "kafka:x", "kafka:70000"} {
		if _, err := advertised(bad, &net.TCPAddr{IP: net.IPv4zero, Port: 9092}); err == nil {
			t.Errorf("advertised address %q accepted", bad)
		}
	}
}

func TestBrokerDown(t *testing.T) {
	checkGoroutines(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens here now
	spec := &engine.TableSpec{Name: "t", Columns: []col{{Name: "n", Type: types.TInt}},
		Options: map[string]string{"topic": "x", "format": "json", "properties.bootstrap.servers": addr, "properties.default.api.timeout.ms": "1500"}}
	src, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	start := time.Now()
	if err := src.Open(context.Background(), nil); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("want an error naming %s, got %v", addr, err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Open took %v", time.Since(start))
	}
	if _, err := src.Poll(context.Background()); !errors.Is(err, ErrNotOpen) {
		t.Errorf("Poll after failed Open: %v", err)
	}
	spec.Rules = rulesOf("ksql")
	spec.Options = map[string]string{"topic": "x", "value.format": "json", "properties.bootstrap.servers": addr, "properties.default.api.timeout.ms": "1500"}
	spec.Columns[0].Name = "N"
	if _, err := NewSink(spec); err == nil {
		t.Error("ksqlDB sink with the broker down should fail to create its topic")
	}
}

func TestPollHonoursContextAndTimeout(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 1})
	produce(t, client(t, b), rec("quiet", "", `{"n": 1}`))
	src := openSource(t, tableSpec(b, "flink", []col{{Name: "n", Type: types.TInt}}, "topic", "quiet", "format", "json"), nil)
	collect(t, src, 1, time.Minute)
	start := time.Now()
	bs, err := src.Poll(context.Background())
	if err != nil || len(bs) != 0 {
		t.Fatalf("idle poll: %v %v", bs, err)
	}
	// It returns with nothing (after about 200 ms, or a health ping of
	// at most 2 s): bounded generously for a loaded machine.
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("idle poll took %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled poll: %v", err)
	}
}

func TestExactlyOnceSink(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 1})
	cols := []col{{Name: "n", Type: types.TInt}}
	spec := tableSpec(b, "flink", cols, "topic", "txn", "format", "json",
		"sink.delivery-guarantee", "exactly-once", "sink.transactional-id-prefix", "tumble-test")
	sink, err := NewSink(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ctx := context.Background()
	if err := sink.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(1)}}, {Row: types.Row{types.IntV(2)}}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	readSpec := tableSpec(b, "flink", cols, "topic", "txn", "format", "json", "properties.isolation.level", "read_committed")
	src := openSource(t, readSpec, nil)
	if recs, _, _ := collect(t, src, 1, time.Second); len(recs) != 0 {
		t.Fatalf("uncommitted records visible: %v", recs)
	}
	if err := sink.Commit(ctx, -1); err != nil {
		t.Fatal(err)
	}
	recs, next, _ := collect(t, src, 2, time.Minute)
	if len(recs) != 2 {
		t.Fatalf("after commit: %v", recs)
	}
	// An aborted transaction stays invisible; Next moves past its marker.
	if err := sink.Begin(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sink.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(3)}}}); err != nil {
		t.Fatal(err)
	}
	if err := sink.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	recs, next2, _ := collectAll(t, src, time.Minute)
	if len(recs) != 0 {
		t.Fatalf("aborted record visible: %v", recs)
	}
	end, err := src.EndOffsets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := next2[0]; !ok {
		next2[0] = next[0]
	} else if n != end[0] {
		t.Errorf("next %d, end %d", n, end[0])
	}
	if next2[0] != end[0] {
		t.Errorf("caught up at %d, end is %d", next2[0], end[0])
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}

func TestUpsertKafka(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{})
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup("upsert-kafka")
	if err != nil {
		t.Fatal(err)
	}
	cols := []col{{Name: "user_id", Type: types.TString}, {Name: "total", Type: types.TBigInt}}
	spec := tableSpec(b, "flink", cols, "topic", "upserts", "key.format", "raw", "value.format", "json")
	if err := c.Validate(spec); err == nil || !strings.Contains(err.Error(), "PRIMARY KEY") {
		t.Fatalf("no primary key: %v", err)
	}
	spec.PrimaryKey = []string{"user_id"}
	if err := c.Validate(spec); err != nil {
		t.Fatal(err)
	}
	sink, err := c.Sink(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ctx := context.Background()
	in := []engine.Rec{
		{Row: types.Row{types.StringV("a"), types.BigIntV(1)}},
		{Row: types.Row{types.StringV("a"), types.BigIntV(1)}, Kind: engine.UpdateBefore},
		{Row: types.Row{types.StringV("a"), types.BigIntV(3)}, Kind: engine.UpdateAfter},
		{Row: types.Row{types.StringV("a"), {}}, Kind: engine.Delete},
	}
	if err := sink.Write(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	src, err := c.Source(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	recs, _, _ := collect(t, src, 3, time.Minute)
	if len(recs) != 3 || recs[0].row[1].I != 1 || recs[1].row[1].I != 3 || recs[2].kind != engine.Delete || recs[2].row[0].S != "a" || !recs[2].row[1].IsNull() {
		t.Fatalf("got %v", recs)
	}
}

func TestKsqlWindowedKeys(t *testing.T) {
	b := startBroker(t, BrokerConfig{})
	for _, tc := range []struct {
		typ  string
		want string // key bytes in hex after "1"
	}{{"TUMBLING", "31" + "0000018f89920ba8"}, {"SESSION", "31" + "0000018f89921760" + "0000018f89920ba8"}} {
		t.Run(tc.typ, func(t *testing.T) {
			topic := "win-" + strings.ToLower(tc.typ)
			cols := []col{{Name: "KSQL_COL_0", Type: types.TString, Key: true}, {Name: "TOTAL", Type: types.TBigInt},
				{Name: "WS", Type: types.TBigInt, Metadata: MetaWindowStart}, {Name: "WE", Type: types.TBigInt, Metadata: MetaWindowEnd}}
			spec := tableSpec(b, "ksql", cols, "topic", topic, "key.format", "kafka", "value.format", "json",
				"window.type", tc.typ, "window.size", "3 SECONDS")
			start := int64(1716000000936)
			in := []engine.Rec{{Row: types.Row{types.StringV("1"), types.BigIntV(60), types.BigIntV(start), types.BigIntV(start + 3000)}}}
			recs := roundTrip(t, spec, in, 1)
			if r := recs[0].row; r[0].S != "1" || r[1].I != 60 || r[2].I != start || r[3].I != start+3000 {
				t.Fatalf("row %v", r)
			}
			if got := fmt.Sprintf("%x", fetchOne(t, b, topic).Key); got != tc.want {
				t.Fatalf("key %s, want %s", got, tc.want)
			}
		})
	}
	bad := tableSpec(b, "ksql", []col{{Name: "K", Type: types.TString, Key: true}, {Name: "V", Type: types.TInt}},
		"topic", "w", "key.format", "kafka", "value.format", "json", "window.type", "TUMBLING")
	if _, err := NewSink(bad); err == nil || !strings.Contains(err.Error(), MetaWindowStart) {
		t.Errorf("windowed sink without window start: %v", err)
	}
}

// A -U that no new row of its key follows before the flush is a row that
// is gone (it stopped matching a filter): upsert-kafka writes a tombstone.
// With Flink's sink buffer only each key's last change is written.
func TestUpsertKafkaSinkDeletes(t *testing.T) {
	checkGoroutines(t)
	b := startBroker(t, BrokerConfig{Partitions: 1})
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup("upsert-kafka")
	if err != nil {
		t.Fatal(err)
	}
	cols := []col{{Name: "k", Type: types.TString}, {Name: "n", Type: types.TBigInt}}
	row := func(k string, n int64) types.Row { return types.Row{types.StringV(k), types.BigIntV(n)} }
	write := func(topic string, batches [][]engine.Rec, opts ...string) []string {
		t.Helper()
		spec := tableSpec(b, "flink", cols, append([]string{"topic", topic, "key.format", "raw", "value.format", "json"}, opts...)...)
		spec.PrimaryKey = []string{"k"}
		sink, err := c.Sink(spec)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		ctx := context.Background()
		for _, recs := range batches {
			if err := sink.Write(ctx, recs); err != nil {
				t.Fatal(err)
			}
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		recs, err := topicread.Read(rctx, b.Addr(), topic, false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			v := string(r.Value)
			if r.Value == nil {
				v = "<tombstone>"
			}
			out = append(out, string(r.Key)+"="+v)
		}
		return out
	}
	got := write("deletes", [][]engine.Rec{
		{{Row: row("a", 1)}, {Row: row("b", 1)}, {Row: row("c", 1)}},
		// a stops matching: a lone -U; b is updated across two batches.
		{{Row: row("a", 1), Kind: engine.UpdateBefore}, {Row: row("b", 1), Kind: engine.UpdateBefore}},
		{{Row: row("b", 2), Kind: engine.UpdateAfter}, {Row: row("c", 1), Kind: engine.Delete}},
	})
	want := []string{`a={"k":"a","n":1}`, `b={"k":"b","n":1}`, `c={"k":"c","n":1}`, `b={"k":"b","n":2}`, `c=<tombstone>`, `a=<tombstone>`}
	if !slices.Equal(got, want) {
		t.Errorf("without a buffer:\n got %v\nwant %v", got, want)
	}
	got = write("buffered", [][]engine.Rec{
		{{Row: row("a", 1)}, {Row: row("a", 1), Kind: engine.UpdateBefore}, {Row: row("a", 2), Kind: engine.UpdateAfter}, {Row: row("b", 1)}},
		{{Row: row("b", 1), Kind: engine.Delete}, {Row: row("c", 1)}, {Row: row("c", 1), Kind: engine.UpdateBefore}},
	}, "sink.buffer-flush.max-rows", "100", "sink.buffer-flush.interval", "1h")
	want = []string{`a={"k":"a","n":2}`, `b=<tombstone>`, `c=<tombstone>`}
	if !slices.Equal(got, want) {
		t.Errorf("with a buffer:\n got %v\nwant %v", got, want)
	}
	spec := tableSpec(b, "flink", cols, "topic", "x", "key.format", "raw", "value.format", "json", "sink.buffer-flush.max-rows", "10")
	spec.PrimaryKey = []string{"k"}
	if err := c.Validate(spec); err == nil || !strings.Contains(err.Error(), "together") {
		t.Errorf("max-rows without interval: %v", err)
	}
}

// TestSinkRecordTimestamps: Flink's kafka and upsert-kafka sinks leave a
// record's timestamp to the producer (the time of writing) unless a
// 'timestamp' metadata column is written, whatever event time the row
// carries; ksqlDB's keep the input's. A sink that stamped a window's
// event time had its output of days-old input deleted within minutes by a
// real broker's 7-day time retention.
func TestSinkRecordTimestamps(t *testing.T) {
	b := startBroker(t, BrokerConfig{Partitions: 1})
	old := time.Date(2026, 11, 23, 23, 9, 48, 0, time.UTC)
	cases := []struct {
		name, dialect string
		opts          []string
		meta          bool
		wantOld       bool
	}{
		{"kafka", "flink", []string{"connector", "kafka", "format", "json"}, false, false},
		{"upsert", "flink", []string{"connector", "upsert-kafka", "key.format", "json", "value.format", "json"}, false, false},
		{"meta", "flink", []string{"connector", "kafka", "format", "json"}, true, true},
		{"ksql", "ksql", []string{"value.format", "json"}, false, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			topic := "ts_" + c.name
			cols := []col{{Name: "v", Type: types.TString}}
			row := types.Row{types.StringV("x")}
			if c.meta {
				cols = append(cols, col{Name: "ts", Type: types.TTSLTZ3, Metadata: "timestamp"})
				row = append(row, types.TimestampLTZV(old.UnixMicro()))
			}
			spec := tableSpec(b, c.dialect, cols, append([]string{"topic", topic}, c.opts...)...)
			newSink := NewSink
			if c.name == "upsert" {
				spec.PrimaryKey = []string{"v"}
				newSink = NewUpsertSink
			}
			sink, err := newSink(spec)
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			before := time.Now().Add(-time.Second)
			if err := sink.Write(context.Background(), []engine.Rec{{Row: row, Ts: old.UnixMilli()}}); err != nil {
				t.Fatal(err)
			}
			if err := sink.Flush(context.Background()); err != nil {
				t.Fatal(err)
			}
			ts := fetchOne(t, b, topic).Timestamp
			if c.wantOld {
				if !ts.Equal(old) {
					t.Fatalf("timestamp %v, want the row's %v", ts, old)
				}
			} else if ts.Before(before) || ts.After(time.Now().Add(time.Second)) {
				t.Fatalf("timestamp %v, want the time of writing (after %v), not the row's event time", ts, before)
			}
		})
	}
}
