package server

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
)

// liveClient applies a live view's events as the console does.
type liveClient struct {
	header LiveHeader
	rows   map[int64][]any
	total  int
	ended  bool
}

func (c *liveClient) apply(t *testing.T, ev sseEvent) {
	t.Helper()
	switch ev.name {
	case "header":
		if err := json.Unmarshal([]byte(ev.data), &c.header); err != nil {
			t.Fatal(err)
		}
	case "changes":
		var ch struct {
			Upsert [][2]json.RawMessage `json:"upsert"`
			Delete []int64              `json:"delete"`
			Rows   int                  `json:"rows"`
		}
		if err := json.Unmarshal([]byte(ev.data), &ch); err != nil {
			t.Fatalf("%v in %s", err, ev.data)
		}
		for _, u := range ch.Upsert {
			var id int64
			var row []any
			json.Unmarshal(u[0], &id)
			json.Unmarshal(u[1], &row)
			c.rows[id] = row
		}
		for _, id := range ch.Delete {
			delete(c.rows, id)
		}
		c.total = ch.Rows
	case "end":
		c.ended = true
	}
}

func openLive(t *testing.T, ts *testServer, path string) (<-chan sseEvent, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	t.Cleanup(func() { cancel(); resp.Body.Close() })
	return sseEvents(resp), cancel
}

// The ksqlDB results as the console's live table shows them (Pinot's
// upsert table): one row per window, the latest update, with the sums
// computed by hand; the Flink results (insert-only) as the newest rows.
func TestLiveTable(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	files, _ := filepath.Glob("../queries/ksql/*.sql")
	for _, f := range files {
		if status, _, body := ts.postKSQL(readSeed(t, f, addr), nil); status != http.StatusOK {
			t.Fatalf("%s: %d %s", f, status, body)
		}
	}
	ts.statements("flink", seedFlink(t, addr))
	start := time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC)
	if _, err := datagen.ProduceSeedBulk(context.Background(), addr, "transactions", 1200, 1000, start, 3); err != nil {
		t.Fatal(err)
	}
	ts.sync(false)
	ts.sync(false)
	want := map[int64]int64{} // window start (ms) -> total paid
	for _, x := range readJSON[txn](t, addr, "transactions") {
		if x.Status != "Paid" {
			continue
		}
		tm, err := time.Parse("2006-01-02 15:04:05.000", x.EventTimestamp)
		if err != nil {
			t.Fatal(err)
		}
		ms := tm.UnixMilli()
		want[ms-ms%3000] += x.TotalPaid
	}

	events, _ := openLive(t, ts, "/v1/tables/windowed_transactions/live")
	c := &liveClient{rows: map[int64][]any{}}
	deadline := time.After(60 * time.Second)
	for done := false; !done; {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the live view ended")
			}
			c.apply(t, ev)
			done = len(c.rows) == len(want) && func() bool {
				for _, row := range c.rows {
					if int64(row[3].(float64)) != want[int64(row[1].(float64))] {
						return false
					}
				}
				return true
			}()
		case <-deadline:
			t.Fatalf("live rows %v, want totals %v", c.rows, want)
		}
	}
	if c.header.Mode != "retract" || c.header.Object.Name != "WINDOWED_TRANSACTIONS" || c.header.Columns[3].Name != "TOTAL_PAID" || c.total != len(want) {
		t.Errorf("header %+v, %d rows", c.header, c.total)
	}
	// The Flink results: each window once, in order of emission.
	flink, _ := openLive(t, ts, "/v1/tables/transactions_paid_agg_table/live?limit=2")
	fc := &liveClient{rows: map[int64][]any{}}
	for fc.header.Mode == "" || len(fc.rows) < 1 {
		select {
		case ev := <-flink:
			fc.apply(t, ev)
		case <-time.After(30 * time.Second):
			t.Fatalf("flink live view: %+v %v", fc.header, fc.rows)
		}
	}
	if fc.header.Mode != "insert-only" || fc.header.Limit != 2 || len(fc.rows) > 2 {
		t.Errorf("flink view: %+v %v", fc.header, fc.rows)
	}
	if st, _ := ts.do(http.MethodGet, "/v1/tables/nope/live", "", nil); st != http.StatusNotFound {
		t.Errorf("unknown table: %d", st)
	}
}

// A retracting view keeps one row per distinct row; an insert-only view
// keeps its newest rows and says which ones left.
func TestLiveViewMaterializes(t *testing.T) {
	v := newLiveView(planner.Retract, 10)
	v.apply(engine.Insert, []byte(`["a",1]`))
	v.apply(engine.UpdateBefore, []byte(`["a",1]`))
	v.apply(engine.UpdateAfter, []byte(`["a",2]`))
	v.apply(engine.Delete, []byte(`["zzz",1]`)) // never seen: ignored
	out, ok := v.flush(nil)
	if !ok || string(out) != `{"upsert":[[2,["a",2]]],"delete":[],"rows":1}` {
		t.Errorf("first flush: %s", out)
	}
	v.apply(engine.UpdateBefore, []byte(`["a",2]`))
	v.apply(engine.UpdateAfter, []byte(`["a",3]`))
	out, _ = v.flush(nil)
	if string(out) != `{"upsert":[[3,["a",3]]],"delete":[2],"rows":1}` {
		t.Errorf("second flush: %s", out)
	}
	if _, ok := v.flush(nil); ok {
		t.Error("nothing changed, yet a flush")
	}
	a := newLiveView(planner.InsertOnly, 2)
	for _, r := range []string{`[1]`, `[2]`, `[3]`} {
		a.apply(engine.Insert, []byte(r))
	}
	out, _ = a.flush(nil)
	var got struct {
		Upsert [][]json.RawMessage
		Delete []int64
		Rows   int
	}
	json.Unmarshal(out, &got)
	if len(got.Upsert) != 2 || len(got.Delete) != 0 || got.Rows != 2 {
		t.Errorf("append view: %s", out)
	}
	a.apply(engine.Insert, []byte(`[4]`))
	out, _ = a.flush(nil)
	if string(out) != `{"upsert":[[4,[4]]],"delete":[2],"rows":2}` {
		t.Errorf("append view, row 2 leaves: %s", out)
	}
}
