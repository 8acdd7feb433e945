package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/connectors/nexmark"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/suites"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// collector is a sink connector, 'collect', that keeps every row written
// to each table, rendered as text with its kind (+I, -U, +U, -D).
type collector struct {
	mu   sync.Mutex
	rows map[string][]string
}

func (c *collector) register(reg *engine.Registry) {
	reg.Register(&engine.Connector{Name: "collect", Options: []string{"connector"}, SinkChanges: engine.AllChanges,
		Sink: func(spec *engine.TableSpec) (engine.Sink, error) { return &collectSink{c: c, table: spec.Name}, nil }})
}

func (c *collector) get(table string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rows[table]
}

type collectSink struct {
	c     *collector
	table string
}

func (s *collectSink) Write(_ context.Context, recs []engine.Rec) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	for _, r := range recs {
		s.c.rows[s.table] = append(s.c.rows[s.table], r.Kind.String()+" "+renderRow(r.Row))
	}
	return nil
}
func (s *collectSink) Flush(context.Context) error { return nil }
func (s *collectSink) Close() error                { return nil }

func renderRow(vals []types.Value) string {
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = v.String()
	}
	return strings.Join(parts, ", ")
}

// runStatements executes text in a fresh session whose sinks may be
// 'collect', and waits for every job it started to finish.
func runStatements(t *testing.T, text string) *collector {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	c := &collector{rows: map[string][]string{}}
	c.register(reg)
	jobsCtx, stop := context.WithCancel(context.Background())
	defer stop()
	jobs := session.NewJobManager(jobsCtx, log)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Dialect: sql.Flink, Log: log})
	s.Set("restart-strategy", "none")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := s.ExecuteText(ctx, text); err != nil {
		t.Fatal(err)
	}
	list := jobs.List()
	if len(list) == 0 {
		t.Fatal("no job started")
	}
	for _, j := range list {
		select {
		case <-j.Job.Done():
		case <-ctx.Done():
			t.Fatal("the job did not finish")
		}
		if err := j.Job.Err(); err != nil || j.Job.Status() != engine.Finished {
			t.Fatalf("job %s: %s %v", j.Name, j.Job.Status(), err)
		}
	}
	return c
}

const events = 30000

// nexmarkTable is the Nexmark table as the suite's ddl_gen.sql declares
// it, and the view of bids as ddl_views.sql does.
var nexmarkTable = fmt.Sprintf(`
CREATE TABLE datagen (
    event_type int,
    person ROW<id BIGINT, name VARCHAR, emailAddress VARCHAR, creditCard VARCHAR, city VARCHAR, state VARCHAR, `+"`dateTime`"+` TIMESTAMP(3), extra VARCHAR>,
    auction ROW<id BIGINT, itemName VARCHAR, description VARCHAR, initialBid BIGINT, reserve BIGINT, `+"`dateTime`"+` TIMESTAMP(3), expires TIMESTAMP(3), seller BIGINT, category BIGINT, extra VARCHAR>,
    bid ROW<auction BIGINT, bidder BIGINT, price BIGINT, channel VARCHAR, url VARCHAR, `+"`dateTime`"+` TIMESTAMP(3), extra VARCHAR>,
    `+"`dateTime`"+` AS CASE WHEN event_type = 0 THEN person.`+"`dateTime`"+` WHEN event_type = 1 THEN auction.`+"`dateTime`"+` ELSE bid.`+"`dateTime`"+` END,
    WATERMARK FOR `+"`dateTime`"+` AS `+"`dateTime`"+` - INTERVAL '4' SECOND
) WITH ('connector' = 'nexmark', 'first-event.rate' = '10000000', 'next-event.rate' = '10000000',
    'events.num' = '%d', 'person.proportion' = '1', 'auction.proportion' = '3', 'bid.proportion' = '46');

CREATE VIEW bid AS SELECT bid.auction, bid.bidder, bid.price, bid.channel, bid.url, `+"`dateTime`"+`, bid.extra
FROM datagen WHERE event_type = 2;

CREATE VIEW auction AS SELECT auction.id, auction.itemName, auction.description, auction.initialBid, auction.reserve,
    `+"`dateTime`"+`, auction.expires, auction.seller, auction.category, auction.extra
FROM datagen WHERE event_type = 1;
`, events)

// expected computes the rows of q0, q1 and q2 (and of a filter on
// auctions) straight from the generator, configured as the table is.
func expected() map[string][]string {
	cfg := nexmark.DefaultConfig()
	cfg.Rate = 10_000_000
	g := nexmark.NewGenerator(cfg)
	out := map[string][]string{}
	ts := func(ms int64) string { return types.TimestampV(ms * 1000).String() }
	for pos := int64(0); pos < events; pos++ {
		switch g.Type(pos) {
		case nexmark.BidEvent:
			var b nexmark.Bid
			g.Bid(pos, &b)
			out["nexmark_q0"] = append(out["nexmark_q0"], fmt.Sprintf("+I %d, %d, %d, %s, %s", b.Auction, b.Bidder, b.Price, ts(b.DateTime), b.Extra))
			out["nexmark_q1"] = append(out["nexmark_q1"], fmt.Sprintf("+I %d, %d, %s, %s, %s", b.Auction, b.Bidder,
				types.FormatDecimal(b.Price*908, 3), ts(b.DateTime), b.Extra))
			if b.Auction%123 == 0 {
				out["nexmark_q2"] = append(out["nexmark_q2"], fmt.Sprintf("+I %d, %d", b.Auction, b.Price))
			}
		case nexmark.AuctionEvent:
			var a nexmark.Auction
			g.Auction(pos, &a)
			if a.Category == 10 {
				out["auctions_10"] = append(out["auctions_10"], fmt.Sprintf("+I %d, %d, %s, %s", a.ID, a.Seller, ts(a.DateTime), ts(a.Expires)))
			}
		}
	}
	return out
}

func checkRows(t *testing.T, c *collector, want map[string][]string, tables ...string) {
	t.Helper()
	for _, table := range tables {
		got, exp := c.get(table), want[table]
		if len(exp) == 0 {
			t.Fatalf("%s: nothing expected", table)
		}
		if len(got) != len(exp) {
			t.Errorf("%s: %d rows, want %d", table, len(got), len(exp))
		}
		for i := range min(len(got), len(exp)) {
			if got[i] != exp[i] {
				t.Errorf("%s row %d:\n got %s\nwant %s", table, i, got[i], exp[i])
				break
			}
		}
	}
}

// TestQueriesAgainstGenerator runs Nexmark's q0 (pass-through), q1
// (currency conversion) and q2 (selection) and a filter on auctions
// through the planner over a bounded nexmark table, and checks every row
// against the same events computed directly with the generator.
func TestQueriesAgainstGenerator(t *testing.T) {
	c := runStatements(t, nexmarkTable+`
CREATE TABLE nexmark_q0 (auction BIGINT, bidder BIGINT, price BIGINT, `+"`dateTime`"+` TIMESTAMP(3), extra VARCHAR) WITH ('connector' = 'collect');
CREATE TABLE nexmark_q1 (auction BIGINT, bidder BIGINT, price DECIMAL(23, 3), `+"`dateTime`"+` TIMESTAMP(3), extra VARCHAR) WITH ('connector' = 'collect');
CREATE TABLE nexmark_q2 (auction BIGINT, price BIGINT) WITH ('connector' = 'collect');
CREATE TABLE auctions_10 (id BIGINT, seller BIGINT, starts TIMESTAMP(3), expires TIMESTAMP(3)) WITH ('connector' = 'collect');
INSERT INTO nexmark_q0 SELECT auction, bidder, price, `+"`dateTime`"+`, extra FROM bid;
INSERT INTO nexmark_q1 SELECT auction, bidder, 0.908 * price as price, `+"`dateTime`"+`, extra FROM bid;
INSERT INTO nexmark_q2 SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
INSERT INTO auctions_10 SELECT id, seller, `+"`dateTime`"+`, expires FROM auction WHERE category = 10;
`)
	checkRows(t, c, expected(), "nexmark_q0", "nexmark_q1", "nexmark_q2", "auctions_10")
}

// TestSuiteQueries runs the suite's own q0, q1 and q2 files, as the
// benchmark does, with their blackhole sinks collecting instead.
func TestSuiteQueries(t *testing.T) {
	dir := suites.Require(t, "suites/nexmark")
	want := expected()
	for _, q := range []string{"q0", "q1", "q2"} {
		t.Run(q, func(t *testing.T) {
			text, err := Script(dir, q, events, 10_000_000, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			text = strings.ReplaceAll(text, "'connector' = 'blackhole'", "'connector' = 'collect'")
			checkRows(t, runStatements(t, text), want, "nexmark_"+q)
		})
	}
}

func TestListQueries(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"q10.sql", "q2.sql", "q0.sql", "ddl_gen.sql", "qx.sql"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := listQueries(dir, "")
	if err != nil || strings.Join(got, ",") != "q0,q2,q10" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := listQueries(dir, "q3"); err == nil {
		t.Fatal("q3 does not exist")
	}
}

// TestSuiteQueriesBeyondBeam runs the suite's q10 (a partitioned
// filesystem sink committed by partition time), q13 (a processing-time
// join to a bounded side input declared with Flink's legacy options) and
// q14 (a Java UDF, CountChar, that Tumble implements) as the benchmark
// does, and checks what they write against the generator.
func TestSuiteQueriesBeyondBeam(t *testing.T) {
	dir := suites.Require(t, "suites/nexmark")
	cfg := nexmark.DefaultConfig()
	cfg.Rate = 10_000_000
	g := nexmark.NewGenerator(cfg)
	ts := func(ms int64) string { return types.TimestampV(ms * 1000).String() }
	var bids []nexmark.Bid
	for pos := int64(0); pos < events; pos++ {
		if g.Type(pos) == nexmark.BidEvent {
			var b nexmark.Bid
			g.Bid(pos, &b)
			bids = append(bids, b)
		}
	}
	script := func(t *testing.T, q string) (string, string) {
		tmp := t.TempDir()
		if err := writeSideInput(tmp); err != nil {
			t.Fatal(err)
		}
		text, err := Script(dir, q, events, 10_000_000, tmp)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(text, "'connector' = 'blackhole'", "'connector' = 'collect'"), tmp
	}

	t.Run("q13", func(t *testing.T) {
		text, _ := script(t, "q13")
		var want []string
		for _, b := range bids {
			want = append(want, fmt.Sprintf("+I %d, %d, %d, %s, %d", b.Auction, b.Bidder, b.Price, ts(b.DateTime), b.Auction%sideInputRows))
		}
		checkRows(t, runStatements(t, text), map[string][]string{"nexmark_q13": want}, "nexmark_q13")
	})

	t.Run("q14", func(t *testing.T) {
		text, _ := script(t, "q14")
		var want []string
		for _, b := range bids {
			if p := b.Price * 908; p <= 1_000_000_000 || p >= 50_000_000_000 {
				continue
			}
			hour := time.UnixMilli(b.DateTime).UTC().Hour()
			kind := "otherTime"
			switch {
			case hour >= 8 && hour <= 18:
				kind = "dayTime"
			case hour <= 6 || hour >= 20:
				kind = "nightTime"
			}
			want = append(want, fmt.Sprintf("+I %d, %d, %s, %s, %s, %s, %d", b.Auction, b.Bidder,
				types.FormatDecimal(b.Price*908, 3), kind, ts(b.DateTime), b.Extra, strings.Count(b.Extra, "c")))
		}
		checkRows(t, runStatements(t, text), map[string][]string{"nexmark_q14": want}, "nexmark_q14")
	})

	t.Run("q10", func(t *testing.T) {
		text, tmp := script(t, "q10")
		runStatements(t, text)
		root := filepath.Join(tmp, "data", "output", "0", "bid")
		parts := map[string]int{} // partition directory -> lines
		success := map[string]bool{}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if d.Name() == "_tumble_checkpoints" { // the sink's commit markers
					return filepath.SkipDir
				}
				return nil
			}
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			switch name := d.Name(); {
			case name == "_SUCCESS":
				success[rel] = true
			case strings.HasPrefix(name, "part-"):
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				parts[rel] += strings.Count(string(b), "\n")
			default:
				t.Errorf("unexpected file %s", p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{}
		for _, b := range bids {
			tm := time.UnixMilli(b.DateTime).UTC()
			want[fmt.Sprintf("dt=%s/hm=%s", tm.Format("2006-01-02"), strings.ReplaceAll(tm.Format("15:04"), ":", "%3A"))]++
		}
		if fmt.Sprint(parts) != fmt.Sprint(want) {
			t.Errorf("rows per partition: got %v, want %v", parts, want)
		}
		for p := range want {
			if !success[p] {
				t.Errorf("partition %s has no _SUCCESS file once the input ended", p)
			}
		}
	})
}

// TestSuiteQ5 runs the suite's q5 (hot items: the auctions with the most
// bids in each 10-second window sliding by 2 seconds, a window join of a
// HOP window aggregate and its cascade) over 30 seconds of event time,
// and checks that it writes only inserts, each a row of the result
// computed straight from the generator.
func TestSuiteQ5(t *testing.T) {
	dir := suites.Require(t, "suites/nexmark")
	const tps = 1000
	text, err := Script(dir, "q5", events, tps, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	got := runStatements(t, strings.ReplaceAll(text, "'connector' = 'blackhole'", "'connector' = 'collect'")).get("nexmark_q5")
	cfg := nexmark.DefaultConfig()
	cfg.Rate = tps
	g := nexmark.NewGenerator(cfg)
	const slide, size = 2000, 10000       // ms
	counts := map[int64]map[int64]int64{} // window start -> auction -> bids
	for pos := int64(0); pos < events; pos++ {
		if g.Type(pos) != nexmark.BidEvent {
			continue
		}
		var b nexmark.Bid
		g.Bid(pos, &b)
		last := b.DateTime - ((b.DateTime%slide)+slide)%slide
		for start := last; start > b.DateTime-size; start -= slide {
			if counts[start] == nil {
				counts[start] = map[int64]int64{}
			}
			counts[start][b.Auction]++
		}
	}
	var want []string
	for _, byAuction := range counts {
		most := int64(0)
		for _, n := range byAuction {
			most = max(most, n)
		}
		for a, n := range byAuction {
			if n >= most {
				want = append(want, fmt.Sprintf("+I %d, %d", a, n))
			}
		}
	}
	if len(counts) < 10 {
		t.Fatalf("only %d windows: the test needs more event time", len(counts))
	}
	sort.Strings(want)
	sort.Strings(got)
	checkRows(t, &collector{rows: map[string][]string{"nexmark_q5": got}}, map[string][]string{"nexmark_q5": want}, "nexmark_q5")
}

// TestReuseKeepsResults runs the suite's q3, q5, q8 and q20 over 30 seconds
// of event time with sub-plan reuse (the default: datagen scanned once for
// the views they read, q5's window aggregate computed once) and without
// it, and checks that both write the same rows.
func TestReuseKeepsResults(t *testing.T) {
	dir := suites.Require(t, "suites/nexmark")
	for _, q := range []string{"q3", "q5", "q8", "q20"} {
		t.Run(q, func(t *testing.T) {
			text, err := Script(dir, q, events, 1000, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			text = strings.ReplaceAll(text, "'connector' = 'blackhole'", "'connector' = 'collect'")
			with := runStatements(t, text).get("nexmark_" + q)
			without := runStatements(t, "SET 'table.optimizer.reuse-sub-plan-enabled' = 'false';\n"+text).get("nexmark_" + q)
			if len(with) == 0 {
				t.Fatal("no rows")
			}
			a, b := slices.Sorted(slices.Values(with)), slices.Sorted(slices.Values(without))
			if !slices.Equal(a, b) {
				t.Errorf("%d rows with reuse, %d without; they differ", len(a), len(b))
			}
		})
	}
}
