package e2e

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/session"
)

// TestReaderLeftBehindByRetention: the broker's retention deletes records
// a job has not read yet; the job follows its dialect's rule (Flink's
// earliest-offset: resume at the log start; ksqlDB's default
// auto.offset.reset: latest), counts what it lost in records_lost and
// keeps running.
func TestReaderLeftBehindByRetention(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1, Settings: map[string]string{
		"log.retention.ms": "3600000", "log.segment.bytes": "1024", "log.retention.check.interval.ms": "3600000"}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	addr := b.Addr()
	cl := kgoClient(t, addr, kgo.ProducerLinger(0))
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, nil, "in"); err != nil {
		t.Fatal(err)
	}
	// Six records two hours old, then four new ones; retention removes
	// the old ones before any job reads them.
	for i := range 10 {
		r := &kgo.Record{Topic: "in", Value: fmt.Appendf(nil, `{"k": "k%d", "v": %d}`, i, i)}
		if i < 6 {
			r.Timestamp = time.Now().Add(-2 * time.Hour)
		}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	b.RunRetention()

	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	defer jobs.StopAll()
	flink := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr})
	// The job was at offset 0 when retention ran: 'specific-offsets'
	// puts it there, and earliest is its reset strategy.
	if _, err := flink.ExecuteText(ctx, `
CREATE TABLE src (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'in', 'format' = 'json',
  'scan.startup.mode' = 'specific-offsets', 'scan.startup.specific-offsets' = 'partition:0,offset:0');
CREATE TABLE dst (k STRING, v INT) WITH ('connector' = 'kafka', 'topic' = 'out_flink', 'format' = 'json');
INSERT INTO dst SELECT k, v FROM src;`); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if err := jobs.SyncAll(sctx, false); err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		lost int64
		out  int
	}{"dst": {6, 4}}
	for _, j := range jobs.List() {
		w, ok := want[j.Sink]
		if !ok {
			t.Fatalf("unexpected job writing %s", j.Sink)
		}
		m := j.Job.Metrics.Snapshot()
		if j.Job.Status() != engine.Running || m.Lost != w.lost || m.RecordsIn != int64(w.out) {
			t.Errorf("job writing %s: %s, records_lost %d, records_in %d; want RUNNING, %d, %d (err %v)",
				j.Sink, j.Job.Status(), m.Lost, m.RecordsIn, w.lost, w.out, j.Job.Err())
		}
	}
	if got := readTopic[map[string]any](t, addr, "out_flink"); len(got) != 4 || got[0]["k"] != "k6" {
		t.Errorf("the Flink job wrote %v, want k6..k9", got)
	}
}
