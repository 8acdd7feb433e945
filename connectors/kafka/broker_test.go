package kafka

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func TestBrokerSettingsChecked(t *testing.T) {
	for _, tc := range []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"log.retention.typo": "1"}, "unknown setting 'log.retention.typo'"},
		{map[string]string{"log.dirs": "/tmp/x"}, "unknown setting 'log.dirs'"},
		{map[string]string{"log.retention.ms": "1h"}, "'log.retention.ms' = '1h': want a whole number"},
		{map[string]string{"log.retention.check.interval.ms": "0"}, "want a whole number of at least 1"},
		{map[string]string{"log.cleaner.enable": "maybe"}, "want true or false"},
	} {
		_, err := StartBroker(context.Background(), BrokerConfig{Listen: "127.0.0.1:0", Settings: tc.set})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error with %q", tc.set, err, tc.want)
		}
	}
	p, err := planSettings(map[string]string{"log.retention.hours": "2", "log.cleaner.threads": "4"})
	if err != nil {
		t.Fatal(err)
	}
	if p.all["log.retention.ms"] != "7200000" || p.kfake["log.retention.ms"] != "7200000" {
		t.Errorf("log.retention.hours=2 gave log.retention.ms %q", p.all["log.retention.ms"])
	}
	if len(p.warnings) != 1 || !strings.Contains(p.warnings[0], "log.cleaner.threads") {
		t.Errorf("warnings %v, want one about log.cleaner.threads", p.warnings)
	}
	p, _ = planSettings(WithDefaultSettings(nil))
	if p.kfake["log.retention.bytes"] != DefaultBrokerSettings["log.retention.bytes"] || p.retentionCheck != time.Minute {
		t.Errorf("defaults not applied: %v", p.all)
	}
	p, _ = planSettings(WithDefaultSettings(map[string]string{"log.retention.minutes": "5"}))
	if p.kfake["log.retention.ms"] != "300000" {
		t.Errorf("log.retention.minutes=5 over the defaults gave log.retention.ms %q", p.all["log.retention.ms"])
	}
	p, _ = planSettings(nil) // a test broker keeps everything
	if p.kfake["log.retention.ms"] != "-1" || p.kfake["log.retention.bytes"] != "-1" {
		t.Errorf("without settings: %v", p.all)
	}
}

// The broker's settings answer DescribeConfigs as Kafka's do.
func TestBrokerSettingsDescribed(t *testing.T) {
	b := startBroker(t, BrokerConfig{Settings: WithDefaultSettings(map[string]string{"log.retention.ms": "120000", "message.max.bytes": "2000000"})})
	adm := kadm.NewClient(client(t, b))
	rc, err := adm.DescribeBrokerConfigs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rc {
		for _, c := range r.Configs {
			got[c.Key] = c.MaybeValue()
		}
	}
	if got["log.retention.ms"] != "120000" || got["message.max.bytes"] != "2000000" || got["log.retention.bytes"] != "268435456" {
		t.Fatalf("DescribeConfigs: log.retention.ms=%q message.max.bytes=%q log.retention.bytes=%q",
			got["log.retention.ms"], got["message.max.bytes"], got["log.retention.bytes"])
	}
}

// segmentFiles counts a partition's segment files in the data dir.
func segmentFiles(t *testing.T, dir, topic string, p int) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "partitions", fmt.Sprintf("%s-%d", topic, p), "*.dat"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// Records older than log.retention.ms leave the log, and their segment
// files leave the disk; a reader then starts at the new log start. The
// records are written with retention off, then the broker restarts on the
// same data dir with retention every 100 ms (kfake's own timers do not
// run retention after a restart; the broker's do).
func TestBrokerRetentionByTime(t *testing.T) {
	dir := t.TempDir()
	first, err := StartBroker(context.Background(), BrokerConfig{Listen: "127.0.0.1:0", DataDir: dir, Settings: map[string]string{
		"log.retention.ms": "-1", "log.segment.bytes": "1024"}})
	if err != nil {
		t.Fatal(err)
	}
	cl := client(t, first, kgo.ProducerLinger(0))
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, 1, nil, "old"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for i := range 40 { // one batch each, segments of ~1 KiB
		r := rec("old", "k", fmt.Sprintf("old-%02d-%s", i, strings.Repeat("x", 100)))
		r.Timestamp = old
		produce(t, cl, r)
	}
	for i := range 3 {
		produce(t, cl, rec("old", "k", fmt.Sprintf("new-%d", i)))
	}
	cl.Close()
	first.Close()
	before := segmentFiles(t, dir, "old", 0)
	if before < 4 {
		t.Fatalf("want several segments before retention, have %d", before)
	}
	b := startBroker(t, BrokerConfig{DataDir: dir, Settings: map[string]string{
		"log.retention.ms": "3600000", "log.segment.bytes": "1024", "log.retention.check.interval.ms": "100",
	}})
	adm := kadm.NewClient(client(t, b))
	// The broker's own timer (every 100 ms here) removes the old records.
	deadline := time.Now().Add(time.Minute)
	var start int64
	for time.Now().Before(deadline) {
		lo, err := adm.ListStartOffsets(context.Background(), "old")
		if err != nil {
			t.Fatal(err)
		}
		o, _ := lo.Lookup("old", 0)
		if start = o.Offset; start == 40 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if start != 40 {
		t.Fatalf("log start offset %d after retention, want 40 (the first record younger than an hour)", start)
	}
	if after := segmentFiles(t, dir, "old", 0); after >= before || after > 3 {
		t.Fatalf("segment files: %d before retention, %d after", before, after)
	}
	rd := client(t, b, kgo.ConsumeTopics("old"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var vals []string
	for len(vals) < 3 && ctx.Err() == nil {
		rd.PollFetches(ctx).EachRecord(func(r *kgo.Record) { vals = append(vals, string(r.Value)) })
	}
	if strings.Join(vals, ",") != "new-0,new-1,new-2" {
		t.Fatalf("read after retention: %v", vals)
	}
}

// retention.bytes set per topic (IncrementalAlterConfigs, as kadm sends
// it) bounds the partition; another topic keeps everything.
func TestBrokerRetentionBytesPerTopic(t *testing.T) {
	b := startBroker(t, BrokerConfig{Settings: map[string]string{"log.retention.check.interval.ms": "3600000"}})
	cl := client(t, b, kgo.ProducerLinger(0))
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	for _, topic := range []string{"small", "big"} {
		if _, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "retention.bytes", Value: kadm.StringPtr("2000")}}, "small")
	if err == nil {
		_, err = resp.On("small", nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		v := fmt.Sprintf("%03d-%s", i, strings.Repeat("y", 100))
		produce(t, cl, rec("small", "", v), rec("big", "", v))
	}
	b.RunRetention()
	lo, err := adm.ListStartOffsets(ctx, "small", "big")
	if err != nil {
		t.Fatal(err)
	}
	small, _ := lo.Lookup("small", 0)
	big, _ := lo.Lookup("big", 0)
	if small.Offset < 20 || big.Offset != 0 {
		t.Fatalf("log start offsets: small %d (want most of 50 records gone), big %d (want 0)", small.Offset, big.Offset)
	}
	ld, err := adm.DescribeAllLogDirs(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var size int64 = -1
	ld.Each(func(d kadm.DescribedLogDir) {
		d.Topics.Each(func(p kadm.DescribedLogDirPartition) {
			if p.Topic == "small" {
				size = p.Size
			}
		})
	})
	if size < 0 || size > 2000 {
		t.Fatalf("topic 'small' holds %d bytes, retention.bytes is 2000", size)
	}
}

// A topic created with cleanup.policy=compact keeps the last record of each
// key, and retention (even records two hours old under a one-hour
// log.retention.ms) leaves it alone, as Kafka does; compact,delete gets
// both.
func TestBrokerCompaction(t *testing.T) {
	b := startBroker(t, BrokerConfig{Settings: map[string]string{"log.retention.ms": "3600000"}})
	cl := client(t, b, kgo.ProducerLinger(0))
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, "table"); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact,delete")}, "windows"); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Hour)
	for i := range 30 {
		for _, topic := range []string{"table", "windows"} {
			r := rec(topic, fmt.Sprintf("k%d", i%3), fmt.Sprintf("v%d", i))
			r.Timestamp = old
			produce(t, cl, r)
		}
	}
	produce(t, cl, rec("table", "k9", "last"), rec("windows", "k9", "last")) // the active batch, never cleaned
	b.RunCleaner()
	read := func(topic string) []string {
		rd := client(t, b, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		var out []string
		for ctx.Err() == nil {
			fs := rd.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) { out = append(out, string(r.Key)+"="+string(r.Value)) })
			if len(out) > 0 && out[len(out)-1] == "k9=last" {
				break
			}
		}
		return out
	}
	if got := strings.Join(read("table"), ","); got != "k0=v27,k1=v28,k2=v29,k9=last" {
		t.Fatalf("compacted topic holds %s", got)
	}
	if got := strings.Join(read("windows"), ","); got != "k9=last" {
		t.Fatalf("compact,delete topic holds %s (records two hours old should be gone)", got)
	}
	// Switching the table to delete lets retention act on it again.
	resp, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Name: "cleanup.policy", Value: kadm.StringPtr("delete")}}, "table")
	if err == nil {
		_, err = resp.On("table", nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	b.RunRetention()
	if got := strings.Join(read("table"), ","); got != "k9=last" {
		t.Fatalf("after cleanup.policy=delete the topic holds %s", got)
	}
}

func TestBrokerSettingsWarnNoOp(t *testing.T) {
	var logs strings.Builder
	b := startBroker(t, BrokerConfig{Logger: newTestLogger(&logs), Settings: map[string]string{"log.cleaner.threads": "2"}})
	_ = b
	if !strings.Contains(logs.String(), "log.cleaner.threads") || !strings.Contains(logs.String(), "no effect") {
		t.Fatalf("no warning for a setting without effect; log:\n%s", logs.String())
	}
}

func newTestLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// A sink creates a table's topic compacted: an 'upsert-kafka' sink's
// compact, a ksqlDB table's what the planner says (compact, or
// compact,delete when windowed); a plain 'kafka' sink's gets the broker's
// default (delete).
func TestSinkTopicCleanupPolicy(t *testing.T) {
	b := startBroker(t, BrokerConfig{})
	cols := []col{{Name: "k", Type: types.TString, Key: true}, {Name: "n", Type: types.TBigInt}}
	upsert := tableSpec(b, "flink", cols, "topic", "t_upsert", "key.format", "raw", "value.format", "json")
	upsert.PrimaryKey = []string{"k"}
	plain := tableSpec(b, "flink", cols, "topic", "t_plain", "format", "json")
	wcols := append(cols[:2:2], col{Name: "ws", Type: types.TBigInt, Metadata: MetaWindowStart})
	windowed := tableSpec(b, "ksql", wcols, "topic", "t_windowed", "key.format", "kafka", "value.format", "json",
		"window.type", "TUMBLING", "window.size", "3000 ms")
	windowed.PrimaryKey = []string{"k"}
	windowed.Defaults[engine.DefaultTopicCleanupPolicy] = "compact,delete"
	// ksqlDB's RETENTION_MS, as the planner translates it
	retained := tableSpec(b, "ksql", cols, "topic", "t_retained", "key.format", "kafka", "value.format", "json", "retention.ms", "60000")
	ctx := context.Background()
	for _, tc := range []struct {
		spec   *engine.TableSpec
		upsert bool
	}{{upsert, true}, {plain, false}, {windowed, false}, {retained, false}} {
		mk := NewSink
		if tc.upsert {
			mk = NewUpsertSink
		}
		sink, err := mk(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		row := types.Row{types.StringV("a"), types.BigIntV(1)}
		if len(tc.spec.Columns) == 3 {
			row = append(row, types.BigIntV(0))
		}
		if err := sink.Write(ctx, []engine.Rec{{Row: row, Ts: time.Now().UnixMilli()}}); err != nil {
			t.Fatal(err)
		}
		if err := sink.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		sink.Close()
	}
	rc, err := kadm.NewClient(client(t, b)).DescribeTopicConfigs(ctx, "t_upsert", "t_plain", "t_windowed", "t_retained")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rc {
		for _, c := range r.Configs {
			if c.Key == "cleanup.policy" {
				got[r.Name] = c.MaybeValue()
			}
			if c.Key == "retention.ms" {
				got[r.Name+" retention.ms"] = c.MaybeValue()
			}
		}
	}
	if got["t_upsert"] != "compact" || got["t_plain"] != "delete" || got["t_windowed"] != "compact,delete" {
		t.Fatalf("cleanup.policy of the sinks' topics: %v", got)
	}
	if got["t_retained retention.ms"] != "60000" || got["t_plain retention.ms"] == "60000" {
		t.Fatalf("retention.ms of the sinks' topics: %v", got)
	}
}
