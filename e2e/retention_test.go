package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
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

// TestBrokerCommandSettings: `tumble kafka` refuses an unknown --config
// key, applies the laptop defaults under the user's settings (as
// DescribeConfigs shows them), and writes its heap profile when it stops.
func TestBrokerCommandSettings(t *testing.T) {
	out, err := exec.Command(tumbleBin, "kafka", "--listen", "127.0.0.1:0", "--config", "log.retention.typo=1").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "unknown setting 'log.retention.typo'") {
		t.Fatalf("unknown key: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	heap := filepath.Join(t.TempDir(), "heap.pprof")
	cmd := exec.Command(tumbleBin, "kafka", "--listen", addr, "--data-dir", t.TempDir(),
		"--config", "log.retention.hours=2", "--config", "message.max.bytes=2000000", "--memprofile", heap)
	var stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	got := map[string]string{}
	for ctx.Err() == nil && got["log.retention.ms"] == "" {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
		if err != nil {
			t.Fatal(err)
		}
		if rc, err := kadm.NewClient(cl).DescribeBrokerConfigs(ctx); err == nil {
			for _, r := range rc {
				for _, c := range r.Configs {
					got[c.Key] = c.MaybeValue()
				}
			}
		}
		cl.Close()
		time.Sleep(100 * time.Millisecond)
	}
	if got["log.retention.ms"] != "7200000" || got["log.retention.bytes"] != "268435456" || got["message.max.bytes"] != "2000000" {
		t.Errorf("broker configs: log.retention.ms=%q log.retention.bytes=%q message.max.bytes=%q\n%s",
			got["log.retention.ms"], got["log.retention.bytes"], got["message.max.bytes"], stderr.String())
	}
	cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("tumble kafka: %v\n%s", err, stderr.String())
	}
	if st, err := os.Stat(heap); err != nil || st.Size() == 0 {
		t.Fatalf("heap profile: %v", err)
	}
}
