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

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
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
// that the record key is '1' followed by the window start.
func TestKSQLSeedPipeline(t *testing.T) {
	addr := startBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := planner.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := planner.NewSession(planner.Config{Registry: reg, Jobs: jobs, Bootstrap: addr, Dialect: sql.KSQL})
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
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics("transactions_aggregate_ksql"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	last := map[int64]ksqlWindow{}
	updates := 0
	for {
		pctx, pcancel := context.WithTimeout(context.Background(), time.Second)
		fs := cl.PollFetches(pctx)
		pcancel()
		n := 0
		fs.EachRecord(func(r *kgo.Record) {
			n++
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
		})
		if n == 0 {
			break
		}
	}
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
}
