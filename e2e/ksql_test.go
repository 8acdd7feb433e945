package e2e

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/topicread"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

type ksqlWindow struct {
	Start int64 `json:"WINDOW_START"`
	End   int64 `json:"WINDOW_END"`
	Total int64 `json:"TOTAL_PAID"`
	Count int64 `json:"TOTAL_TRANSACTIONS"`
	Avg   int64 `json:"AVERAGE_TRANSACTION_VALUE"`
}

// TestKSQLSeedPipeline runs queries/ksql in the ksqlDB dialect and checks
// that the last update of every 3-second window has the right values, and
// that the record key is '1' followed by the window start. The table's
// topic is created compact,delete, as ksqlDB creates a windowed table's;
// once the broker's cleaner ran, it holds one record per window, the last.
func TestKSQLSeedPipeline(t *testing.T) {
	broker := startBrokerHandle(t)
	addr := broker.Addr()
	ctx, cancel := context.WithCancel(context.Background())
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr, Dialect: sql.KSQL})
	s.Set("auto.offset.reset", "earliest")
	files, _ := filepath.Glob("../queries/ksql/*.sql")
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if _, err := s.ExecuteText(context.Background(), string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	if len(jobs.List()) != 2 {
		t.Fatalf("want 2 persistent queries, have %d", len(jobs.List()))
	}
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 12000, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer scancel()
	// The first query feeds the second: sync twice.
	for i := 0; i < 2; i++ {
		if err := jobs.SyncAll(sctx, false); err != nil {
			t.Fatal(err)
		}
	}
	// Expected, by hand, with event time read as UTC.
	want := map[int64]ksqlWindow{}
	for _, x := range readTopic[txn](t, addr, "transactions") {
		if x.Status != "Paid" {
			continue
		}
		us, err := types.ParseTimestamp(x.EventTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		ms := us / 1000
		ws := ms - ms%3000
		w := want[ws]
		w.Start, w.End = ws, ws+3000
		w.Total += x.TotalPaid
		w.Count++
		w.Avg = w.Total / w.Count
		want[ws] = w
	}
	last, updates := readKSQLWindows(t, addr)
	if len(last) != len(want) {
		t.Fatalf("%d windows updated, want %d", len(last), len(want))
	}
	for ws, w := range want {
		if last[ws] != w {
			t.Errorf("window %d: last update %+v, want %+v", ws, last[ws], w)
		}
	}
	t.Logf("%d windows, %d updates", len(last), updates)
	ids := []string{}
	for _, j := range jobs.List() {
		ids = append(ids, j.ID)
	}
	if strings.Join(ids, ",") != "CSAS_PAID_TRANSACTIONS_STREAM_0,CTAS_WINDOWED_TRANSACTIONS_1" {
		t.Errorf("query ids %v", ids)
	}

	// Compaction: the topic was created compact,delete ...
	adm := kadm.NewClient(kgoClient(t, addr))
	rc, err := adm.DescribeTopicConfigs(context.Background(), "transactions_aggregate_ksql", "PAID_TRANSACTIONS_STREAM")
	if err != nil {
		t.Fatal(err)
	}
	policies := map[string]string{}
	for _, r := range rc {
		for _, c := range r.Configs {
			if c.Key == "cleanup.policy" {
				policies[r.Name] = c.MaybeValue()
			}
		}
	}
	if policies["transactions_aggregate_ksql"] != "compact,delete" || policies["PAID_TRANSACTIONS_STREAM"] != "delete" {
		t.Fatalf("cleanup.policy: %v, want the table compact,delete and the stream delete", policies)
	}
	// ... and once cleaned keeps the last update of each window. The
	// newest batch of a partition is never cleaned (Kafka's active
	// segment): a record on each partition after the pipeline's moves it.
	p := kgoClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for part := int32(0); part < 3; part++ {
		r := &kgo.Record{Topic: "transactions_aggregate_ksql", Partition: part, Key: []byte("end")}
		if err := p.ProduceSync(context.Background(), r).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	broker.RunCleaner()
	after, records := readKSQLWindows(t, addr)
	if records != len(want) {
		t.Errorf("after compaction the topic holds %d window records for %d windows (%d updates before)", records, len(want), updates)
	}
	for ws, w := range want {
		if after[ws] != w {
			t.Errorf("window %d after compaction: %+v, want %+v", ws, after[ws], w)
		}
	}
}

func kgoClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// readKSQLWindows reads transactions_aggregate_ksql from the start: the
// last value of each window and the number of window records (records
// keyed otherwise are skipped).
func readKSQLWindows(t *testing.T, addr string) (map[int64]ksqlWindow, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	recs, err := topicread.Read(ctx, addr, "transactions_aggregate_ksql", false)
	if err != nil {
		t.Fatal(err)
	}
	last := map[int64]ksqlWindow{}
	updates := 0
	for _, r := range recs {
		if string(r.Key) == "end" {
			continue
		}
		updates++
		if len(r.Key) != 1+8 || r.Key[0] != '1' {
			t.Fatalf("key %q is not '1' + window start", r.Key)
		}
		ws := int64(binary.BigEndian.Uint64(r.Key[1:]))
		var w ksqlWindow
		if err := json.Unmarshal(r.Value, &w); err != nil {
			t.Fatalf("value %s: %v", r.Value, err)
		}
		if w.Start != ws {
			t.Fatalf("key window %d, value window %d", ws, w.Start)
		}
		last[ws] = w
	}
	return last, updates
}
