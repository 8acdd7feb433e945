package nexmark

import (
	"context"
	"errors"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// nexmarkSpec is the table of the Nexmark suite's ddl_gen.sql (physical
// columns) with the given options.
func nexmarkSpec(opts map[string]string) *engine.TableSpec {
	s, ts := types.TString, types.TTS3
	row := func(names []string, ts ...types.Type) types.Type {
		t := types.Type{Kind: types.Struct}
		for i, n := range names {
			t.Fields = append(t.Fields, types.Field{Name: n, Type: ts[i]})
		}
		return t
	}
	b := types.TBigInt
	o := map[string]string{"connector": "nexmark"}
	for k, v := range opts {
		o[k] = v
	}
	return &engine.TableSpec{Name: "datagen", Options: o, Columns: []engine.ColumnSpec{
		{Name: "event_type", Type: types.TInt},
		{Name: "person", Type: row([]string{"id", "name", "emailAddress", "creditCard", "city", "state", "dateTime", "extra"},
			b, s, s, s, s, s, ts, s)},
		{Name: "auction", Type: row([]string{"id", "itemName", "description", "initialBid", "reserve", "dateTime", "expires", "seller", "category", "extra"},
			b, s, s, b, b, ts, ts, b, b, s)},
		{Name: "bid", Type: row([]string{"auction", "bidder", "price", "channel", "url", "dateTime", "extra"},
			b, b, b, s, s, ts, s)},
	}}
}

// render turns a row into text, ROW fields included, so rows can be
// compared after their buffers are reused.
func render(row types.Row) string {
	var sb strings.Builder
	for i, v := range row {
		if i > 0 {
			sb.WriteByte('|')
		}
		if v.K == types.Struct {
			sb.WriteString("(")
			for j, f := range v.Elems() {
				if j > 0 {
					sb.WriteByte(',')
				}
				sb.WriteString(f.String())
			}
			sb.WriteString(")")
			continue
		}
		sb.WriteString(v.String())
	}
	return sb.String()
}

// drain reads up to max rows from an opened source (all, until io.EOF,
// when max < 0) and returns them rendered with the last position.
func drain(t *testing.T, src *Source, max int) ([]string, int64) {
	t.Helper()
	var out []string
	var next int64
	for max < 0 || len(out) < max {
		bs, err := src.Poll(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			for _, r := range b.Recs {
				out = append(out, render(r.Row))
			}
			next = b.Next
		}
	}
	return out, next
}

func newSource(t *testing.T, opts map[string]string) *Source {
	t.Helper()
	src, err := NewSource(nexmarkSpec(opts))
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestDeterministic(t *testing.T) {
	g1, g2 := NewGenerator(DefaultConfig()), NewGenerator(DefaultConfig())
	for pos := int64(0); pos < 20000; pos++ {
		if g1.Type(pos) != g2.Type(pos) {
			t.Fatalf("type differs at %d", pos)
		}
		switch g1.Type(pos) {
		case PersonEvent:
			var a, b Person
			g1.Person(pos, &a)
			g2.Person(pos, &b)
			if a != b {
				t.Fatalf("person at %d: %+v vs %+v", pos, a, b)
			}
		case AuctionEvent:
			var a, b Auction
			g1.Auction(pos, &a)
			g2.Auction(pos, &b)
			if a != b {
				t.Fatalf("auction at %d: %+v vs %+v", pos, a, b)
			}
		default:
			var a, b Bid
			g1.Bid(pos, &a)
			g2.Bid(pos, &b)
			if a != b {
				t.Fatalf("bid at %d: %+v vs %+v", pos, a, b)
			}
		}
	}
	// Two sources of the same table produce the same rows.
	r1, _ := drain(t, open(t, newSource(t, map[string]string{"events.num": "5000"}), nil), -1)
	r2, _ := drain(t, open(t, newSource(t, map[string]string{"events.num": "5000"}), nil), -1)
	if !slices.Equal(r1, r2) {
		t.Fatal("two sources of one configuration differ")
	}
}

func open(t *testing.T, src *Source, start map[int32]int64) *Source {
	t.Helper()
	if err := src.Open(context.Background(), start); err != nil {
		t.Fatal(err)
	}
	return src
}

func TestProportions(t *testing.T) {
	for _, c := range []struct{ p, a, b int64 }{{1, 3, 46}, {2, 5, 3}, {0, 1, 9}, {1, 0, 0}} {
		cfg := DefaultConfig()
		cfg.PersonProportion, cfg.AuctionProportion, cfg.BidProportion = c.p, c.a, c.b
		g := NewGenerator(cfg)
		total := c.p + c.a + c.b
		var n [3]int64
		const epochs = 1000
		for pos := int64(0); pos < epochs*total; pos++ {
			n[g.Type(pos)]++
		}
		if n != [3]int64{epochs * c.p, epochs * c.a, epochs * c.b} {
			t.Errorf("%d:%d:%d: %v events per type in %d", c.p, c.a, c.b, n, epochs*total)
		}
	}
	// Nexmark's numbering: event id = position + 2, so with 1:3:46 the
	// first two events are auctions and the first person is at position 48.
	g := NewGenerator(DefaultConfig())
	if g.Type(0) != AuctionEvent || g.Type(1) != AuctionEvent || g.Type(2) != BidEvent || g.Type(48) != PersonEvent {
		t.Errorf("types of the first events: %d %d %d ... %d", g.Type(0), g.Type(1), g.Type(2), g.Type(48))
	}
}

func TestIDsAndFields(t *testing.T) {
	g := NewGenerator(DefaultConfig())
	const n = 200000
	lastPerson, lastAuction := int64(FirstPersonID), int64(FirstAuctionID)
	var bids, hotAuction, hotBidder, hotChannel, withChannelID, sellers, hotSellers int
	states := map[string]bool{}
	for pos := int64(0); pos < n; pos++ {
		switch g.Type(pos) {
		case PersonEvent:
			var p Person
			g.Person(pos, &p)
			if p.ID != lastPerson+1 {
				t.Fatalf("person at %d has id %d after %d", pos, p.ID, lastPerson)
			}
			lastPerson = p.ID
			states[p.State] = true
			if len(p.CreditCard) != 19 || !strings.Contains(p.Email, "@") || !strings.HasSuffix(p.Email, ".com") {
				t.Fatalf("person %+v", p)
			}
			if !slices.Contains(usCities, p.City) || !slices.Contains(personNames, p.Name) {
				t.Fatalf("person %+v", p)
			}
		case AuctionEvent:
			var a Auction
			g.Auction(pos, &a)
			if a.ID != lastAuction+1 {
				t.Fatalf("auction at %d has id %d after %d", pos, a.ID, lastAuction)
			}
			lastAuction = a.ID
			if a.Category < FirstCategoryID || a.Category >= FirstCategoryID+NumCategories {
				t.Fatalf("category %d", a.Category)
			}
			if a.Seller < FirstPersonID || a.Seller > lastPerson+personIDLead {
				t.Fatalf("auction %d: seller %d, last person %d", a.ID, a.Seller, lastPerson)
			}
			sellers++
			if (a.Seller-FirstPersonID)%hotRatio == 0 {
				hotSellers++
			}
			if a.Reserve < a.InitialBid || a.Expires <= a.DateTime || len(a.ItemName) > 19 || len(a.Description) > 99 {
				t.Fatalf("auction %+v", a)
			}
			if l := len(a.Extra); l == 0 || 8+len(a.ItemName)+len(a.Description)+40+l > 600 {
				t.Fatalf("auction extra of %d bytes", l)
			}
		default:
			var b Bid
			g.Bid(pos, &b)
			bids++
			if b.Auction < FirstAuctionID || b.Auction > lastAuction+auctionIDLead {
				t.Fatalf("bid at %d: auction %d, last auction %d", pos, b.Auction, lastAuction)
			}
			if b.Bidder < FirstPersonID || b.Bidder > lastPerson+personIDLead+1 {
				t.Fatalf("bid at %d: bidder %d, last person %d", pos, b.Bidder, lastPerson)
			}
			if b.Price < 100 || b.Price > 100_000_000 {
				t.Fatalf("price %d", b.Price)
			}
			if (b.Auction-FirstAuctionID)%hotRatio == 0 {
				hotAuction++
			}
			if (b.Bidder-FirstPersonID)%hotRatio == 1 {
				hotBidder++
			}
			if slices.Contains(hotChannels, b.Channel) {
				hotChannel++
			} else if !strings.HasPrefix(b.Channel, "channel-") {
				t.Fatalf("channel %q", b.Channel)
			}
			if strings.Contains(b.URL, "&channel_id=") {
				withChannelID++
			}
			if !strings.HasPrefix(b.URL, "https://www.nexmark.com/") {
				t.Fatalf("url %q", b.URL)
			}
			// 100 bytes on average: 32 of numbers, 54 to 81 of padding.
			if l := len(b.Extra); l < 54 || l > 81 {
				t.Fatalf("bid extra of %d bytes", l)
			}
		}
	}
	if len(states) != len(usStates) {
		t.Errorf("states seen: %v", states)
	}
	near := func(what string, got, of int, want float64) {
		if f := float64(got) / float64(of); math.Abs(f-want) > 0.03 {
			t.Errorf("%s: %.3f, want about %.3f", what, f, want)
		}
	}
	// Hot ratio 2: half the bids go to the hot auction, plus the random
	// picks that land on it; hot ratio 4 for bidders and sellers.
	near("bids for a hot auction", hotAuction, bids, 0.5+0.5*0.01)
	near("bids by a hot bidder", hotBidder, bids, 0.75+0.25*0.01)
	near("auctions by a hot seller", hotSellers, sellers, 0.75+0.25*0.01)
	near("bids through a hot channel", hotChannel, bids, 0.5)
	near("non-hot bids whose url has a channel_id", withChannelID, bids-hotChannel, 0.9)
}

func TestTimestamps(t *testing.T) {
	cfg := DefaultConfig() // 10,000 events/s: 100 µs apart
	g := NewGenerator(cfg)
	for _, c := range []struct{ pos, want int64 }{{0, 0}, {8, 0}, {9, 1}, {10, 1}, {9999, 1000}, {999_999, 100_000}} {
		if got := g.Timestamp(c.pos) - cfg.BaseTime; got != c.want {
			t.Errorf("timestamp of event %d: base + %d ms, want + %d", c.pos, got, c.want)
		}
	}
	cfg.Rate, cfg.BaseTime = 10_000_000, 1_700_000_000_000
	g = NewGenerator(cfg)
	if got := g.Timestamp(9_999_999); got != cfg.BaseTime+1000 {
		t.Errorf("10M events at 10M/s end at %d, want base + 1000 ms", got)
	}
	prev := int64(math.MinInt64)
	for pos := int64(0); pos < 100000; pos++ {
		ts := g.Timestamp(pos)
		if ts < prev {
			t.Fatalf("timestamps go back at %d", pos)
		}
		prev = ts
		var d int64
		switch g.Type(pos) {
		case PersonEvent:
			var p Person
			g.Person(pos, &p)
			d = p.DateTime
		case AuctionEvent:
			var a Auction
			g.Auction(pos, &a)
			d = a.DateTime
		default:
			var b Bid
			g.Bid(pos, &b)
			d = b.DateTime
		}
		if d != ts {
			t.Fatalf("event %d: dateTime %d, timestamp %d", pos, d, ts)
		}
	}
	// In the rows: TIMESTAMP(3) holds the UTC wall clock of the instant,
	// and the record timestamp is the event time.
	src := open(t, newSource(t, map[string]string{"base-time": "1700000000000", "first-event.rate": "1000"}), nil)
	bs, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	r := bs[0].Recs[5]
	bid := r.Row[3].Elems()
	if bid[5].K != types.Timestamp || bid[5].I != (1_700_000_000_000+6)*1000 || r.Ts != 1_700_000_000_006 {
		t.Errorf("bid dateTime %v (%d), record ts %d", bid[5], bid[5].I, r.Ts)
	}
}

func TestResumeFromPosition(t *testing.T) {
	opts := map[string]string{"events.num": "20000"}
	all, end := drain(t, open(t, newSource(t, opts), nil), -1)
	if len(all) != 20000 || end != 20000 {
		t.Fatalf("%d rows, end position %d", len(all), end)
	}
	first, pos := drain(t, open(t, newSource(t, opts), nil), 5000)
	if pos != int64(len(first)) {
		t.Fatalf("position %d after %d rows", pos, len(first))
	}
	// A fresh source opened at the checkpointed position continues the
	// same stream.
	rest, end := drain(t, open(t, newSource(t, opts), map[int32]int64{0: pos}), -1)
	if end != 20000 || !slices.Equal(append(first, rest...), all) {
		t.Fatalf("resumed at %d: %d + %d rows, not the same stream", pos, len(first), len(rest))
	}
}

func TestBoundedEnds(t *testing.T) {
	src := open(t, newSource(t, map[string]string{"events.num": "5000"}), nil)
	if !src.Bounded() {
		t.Fatal("not bounded")
	}
	rows, _ := drain(t, src, -1)
	if len(rows) != 5000 {
		t.Fatalf("%d rows", len(rows))
	}
	if _, err := src.Poll(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
	if newSource(t, nil).Bounded() {
		t.Fatal("events.num 0 should be unbounded")
	}
}

func TestRows(t *testing.T) {
	src := open(t, newSource(t, map[string]string{"events.num": "100"}), nil)
	bs, err := src.Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g := src.Generator()
	for i, r := range bs[0].Recs {
		typ := g.Type(int64(i))
		if r.Row[0].K != types.Int || r.Row[0].I != int64(typ) {
			t.Fatalf("row %d: event_type %v", i, r.Row[0])
		}
		for c := 1; c <= 3; c++ {
			if set := !r.Row[c].IsNull(); set != (c == typ+1) {
				t.Fatalf("row %d of type %d: column %d set=%v", i, typ, c, set)
			}
		}
		if typ == BidEvent {
			var b Bid
			g.Bid(int64(i), &b)
			f := r.Row[3].Elems()
			if f[0].I != b.Auction || f[1].I != b.Bidder || f[2].I != b.Price || f[3].S != b.Channel || f[4].S != b.URL || f[6].S != b.Extra {
				t.Fatalf("row %d: %s vs %+v", i, render(r.Row), b)
			}
		}
	}
	// Fields are found by name, in any order and case, and only the
	// columns the query needs are generated.
	spec := nexmarkSpec(nil)
	spec.Columns[3].Type.Fields = []types.Field{{Name: "PRICE", Type: types.TBigInt}, {Name: "dateTime", Type: types.TTSLTZ3}}
	spec.Needed = []bool{true, false, false, true}
	src2, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	bs, err = open(t, src2, nil).Poll(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range bs[0].Recs[:100] {
		if g.Type(int64(i)) != BidEvent {
			if !r.Row[1].IsNull() || !r.Row[2].IsNull() || !r.Row[3].IsNull() {
				t.Fatalf("row %d: %s", i, render(r.Row))
			}
			continue
		}
		var b Bid
		g.Bid(int64(i), &b)
		f := r.Row[3].Elems()
		if len(f) != 2 || f[0].I != b.Price || f[1].K != types.TimestampLTZ || f[1].I != b.DateTime*1000 {
			t.Fatalf("row %d: %s", i, render(r.Row))
		}
	}
}

func TestOptionsAndSchema(t *testing.T) {
	for _, c := range []struct {
		opts map[string]string
		edit func(*engine.TableSpec)
		want string
	}{
		{opts: map[string]string{"first-event.rate": "0"}, want: "'first-event.rate' must be an integer of at least 1"},
		{opts: map[string]string{"events.num": "-1"}, want: "'events.num'"},
		{opts: map[string]string{"person.proportion": "0", "auction.proportion": "0", "bid.proportion": "0"}, want: "add up to 0"},
		{opts: map[string]string{"bid.avg-size": "big"}, want: "'bid.avg-size'"},
		{opts: map[string]string{"max-emit-speed": "maybe"}, want: "'max-emit-speed'"},
		{edit: func(s *engine.TableSpec) {
			s.Columns = append(s.Columns, engine.ColumnSpec{Name: "x", Type: types.TInt})
		}, want: "unknown column 'x'"},
		{edit: func(s *engine.TableSpec) { s.Columns[3].Type.Fields[0].Name = "auctionId" }, want: "no field 'auctionId'"},
		{edit: func(s *engine.TableSpec) { s.Columns[3].Type.Fields[2].Type = types.TString }, want: "'bid.price' must be BIGINT"},
		{edit: func(s *engine.TableSpec) { s.Columns[1].Type = types.TString }, want: "must be a ROW"},
		{edit: func(s *engine.TableSpec) { s.Columns[0].Metadata = "offset" }, want: "no metadata"},
	} {
		spec := nexmarkSpec(c.opts)
		if c.edit != nil {
			c.edit(spec)
		}
		_, err := NewSource(spec)
		if err == nil || !errors.Is(err, ErrOption) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error containing %q", c.opts, err, c.want)
		}
	}
	src := newSource(t, map[string]string{"first-event.rate": "20", "next-event.rate": "20",
		"person.proportion": "1", "auction.proportion": "1", "bid.proportion": "1", "bid.avg-size": "1kb",
		"bid.hot-ratio.auctions": "1", "base-time": "0"})
	cfg := src.Generator().Config()
	if cfg.Rate != 20 || cfg.AvgBidSize != 1024 || cfg.HotAuctions != 1 || time.Since(time.UnixMilli(cfg.BaseTime)) > time.Minute {
		t.Errorf("config %+v", cfg)
	}
	r := engine.NewRegistry()
	Register(r)
	c, err := r.Lookup("nexmark")
	if err != nil || c.Validate(nexmarkSpec(nil)) != nil || !c.AcceptsOption("events.num") || c.AcceptsOption("rows-per-second") {
		t.Errorf("registered connector: %v", err)
	}
}

func TestPaced(t *testing.T) {
	src := newSource(t, map[string]string{"max-emit-speed": "false", "first-event.rate": "1000"})
	now := time.Unix(1000, 0)
	src.now = func() time.Time { return now }
	open(t, src, nil)
	count := func() int {
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
	if n := count(); n != 1 {
		t.Fatalf("first poll: %d events, want the first one", n)
	}
	now = now.Add(500 * time.Millisecond)
	if n := count(); n != 499 {
		t.Fatalf("after 0.5 s at 1000/s: %d more events, want 499", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Poll(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// BenchmarkSourcePoll is the generator as a job sees it: events of the
// suite's table, straight into rows.
func BenchmarkSourcePoll(b *testing.B) {
	src, err := NewSource(nexmarkSpec(nil))
	if err != nil {
		b.Fatal(err)
	}
	if err := src.Open(context.Background(), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for n < b.N {
		bs, err := src.Poll(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		n += len(bs[0].Recs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/event")
}

func BenchmarkBid(b *testing.B) {
	g := NewGenerator(DefaultConfig())
	var bid Bid
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g.Bid(int64(i), &bid)
	}
}
