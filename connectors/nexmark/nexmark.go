// Package nexmark owns the 'nexmark' connector: a source generating the
// Nexmark benchmark's stream of auction events (new persons, new auctions,
// bids) as one table with columns event_type, person, auction and bid,
// the last three ROWs of which only the one matching event_type is set.
// The generator (generator.go) follows the Nexmark project's model; the
// source emits its events straight into row values, as fast as the job
// takes them, and checkpoints the number of events produced.
package nexmark

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Name is the connector name.
const Name = "nexmark"

// Register adds the 'nexmark' connector (a source) to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:   Name,
		Source: func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Options: []string{"connector", "first-event.rate", "next-event.rate", "events.num",
			"person.proportion", "auction.proportion", "bid.proportion",
			"person.avg-size", "auction.avg-size", "bid.avg-size",
			"bid.hot-ratio.auctions", "bid.hot-ratio.bidders", "auction.hot-ratio.sellers",
			"base-time", "max-emit-speed"},
		Validate: func(spec *engine.TableSpec) error { _, err := NewSource(spec); return err },
	})
}

// ErrOption is wrapped by errors about a nexmark table's options or schema.
var ErrOption = errors.New("invalid nexmark table")

const (
	// batchSize is the number of events a Poll returns at most.
	batchSize = 2048
	idleWait  = 200 * time.Millisecond
)

// The generated fields of each ROW, by name (matched ignoring case).
const (
	fID = iota
	fName
	fEmail
	fCreditCard
	fCity
	fState
	fDateTime
	fExtra
	fItemName
	fDescription
	fInitialBid
	fReserve
	fExpires
	fSeller
	fCategory
	fAuction
	fBidder
	fPrice
	fChannel
	fURL
)

type fieldDef struct {
	name string
	id   int
	kind types.Kind // BigInt, String or Timestamp (TIMESTAMP_LTZ also accepted)
}

var (
	personDefs = []fieldDef{{"id", fID, types.BigInt}, {"name", fName, types.String},
		{"emailAddress", fEmail, types.String}, {"creditCard", fCreditCard, types.String},
		{"city", fCity, types.String}, {"state", fState, types.String},
		{"dateTime", fDateTime, types.Timestamp}, {"extra", fExtra, types.String}}
	auctionDefs = []fieldDef{{"id", fID, types.BigInt}, {"itemName", fItemName, types.String},
		{"description", fDescription, types.String}, {"initialBid", fInitialBid, types.BigInt},
		{"reserve", fReserve, types.BigInt}, {"dateTime", fDateTime, types.Timestamp},
		{"expires", fExpires, types.Timestamp}, {"seller", fSeller, types.BigInt},
		{"category", fCategory, types.BigInt}, {"extra", fExtra, types.String}}
	bidDefs = []fieldDef{{"auction", fAuction, types.BigInt}, {"bidder", fBidder, types.BigInt},
		{"price", fPrice, types.BigInt}, {"channel", fChannel, types.String},
		{"url", fURL, types.String}, {"dateTime", fDateTime, types.Timestamp},
		{"extra", fExtra, types.String}}
)

// field is one declared field of a ROW column: what to generate into it
// and the declared kind (for timestamps: TIMESTAMP or TIMESTAMP_LTZ).
type field struct {
	id   int
	kind types.Kind
}

// rowCol is a ROW column of the table and the fields it declares.
type rowCol struct {
	col    int // position in the row; -1: not declared or not needed
	fields []field
}

// Source generates the Nexmark stream: 'events.num' events (0: without
// end), at most 2048 per Poll. It has one split, 0, whose position is the
// number of events produced, so Open resumes a checkpoint exactly. By
// default ('max-emit-speed' = 'true', as in Nexmark) events are produced
// as fast as the job consumes them; with 'false' they are paced at
// 'first-event.rate' per second of wall-clock time. Poll is called from
// one goroutine; batches stay valid until the second-next Poll (Prefetch).
type Source struct {
	spec  *engine.TableSpec
	gen   *Generator
	limit int64 // -1: unbounded
	paced bool
	now   func() time.Time

	ncols    int
	typeCol  int // -1: event_type not declared or not needed
	typeKind types.Kind
	person   rowCol
	auction  rowCol
	bid      rowCol

	produced int64
	opened   bool
	openAt   time.Time
	openN    int64

	bufs [2]buffer
	cur  int
}

type buffer struct {
	arena []types.Value
	recs  []engine.Rec
	batch [1]engine.SplitBatch
}

var (
	_ engine.Source        = (*Source)(nil)
	_ engine.BoundedSource = (*Source)(nil)
	_ engine.Prefetcher    = (*Source)(nil)
)

// NewSource checks the table's options and columns and builds the source.
func NewSource(spec *engine.TableSpec) (*Source, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w '%s': %s", ErrOption, spec.Name, fmt.Sprintf(format, args...))
	}
	cfg := DefaultConfig()
	s := &Source{spec: spec, limit: -1, now: time.Now, typeCol: -1,
		person: rowCol{col: -1}, auction: rowCol{col: -1}, bid: rowCol{col: -1}}
	intOpt := func(key string, min int64, dst *int64) error {
		v, ok := spec.Option(key)
		if !ok {
			return nil
		}
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < min {
			return bad("'%s' must be an integer of at least %d, not '%s'", key, min, v)
		}
		*dst = n
		return nil
	}
	rate := int64(cfg.Rate)
	nextRate := rate
	events := int64(0)
	baseTime := int64(cfg.BaseTime)
	hot := [3]int64{int64(cfg.HotAuctions), int64(cfg.HotBidders), int64(cfg.HotSellers)}
	for _, o := range []struct {
		key string
		min int64
		dst *int64
	}{
		{"first-event.rate", 1, &rate}, {"next-event.rate", 1, &nextRate}, {"events.num", 0, &events},
		{"person.proportion", 0, &cfg.PersonProportion}, {"auction.proportion", 0, &cfg.AuctionProportion},
		{"bid.proportion", 0, &cfg.BidProportion}, {"base-time", 0, &baseTime},
		{"bid.hot-ratio.auctions", 1, &hot[0]}, {"bid.hot-ratio.bidders", 1, &hot[1]},
		{"auction.hot-ratio.sellers", 1, &hot[2]},
	} {
		if err := intOpt(o.key, o.min, o.dst); err != nil {
			return nil, err
		}
	}
	if cfg.PersonProportion+cfg.AuctionProportion+cfg.BidProportion <= 0 {
		return nil, bad("'person.proportion', 'auction.proportion' and 'bid.proportion' add up to 0")
	}
	for _, o := range []struct {
		key string
		dst *int
	}{{"person.avg-size", &cfg.AvgPersonSize}, {"auction.avg-size", &cfg.AvgAuctionSize}, {"bid.avg-size", &cfg.AvgBidSize}} {
		if v, ok := spec.Option(o.key); ok {
			n, err := parseBytes(v)
			if err != nil {
				return nil, bad("'%s': %v", o.key, err)
			}
			*o.dst = n
		}
	}
	if v, ok := spec.Option("max-emit-speed"); ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, bad("'max-emit-speed' must be true or false, not '%s'", v)
		}
		s.paced = !b
	}
	cfg.Rate = float64(rate)
	cfg.HotAuctions, cfg.HotBidders, cfg.HotSellers = int(hot[0]), int(hot[1]), int(hot[2])
	if baseTime == 0 {
		baseTime = s.now().UnixMilli() // Nexmark's 0: the current time
	}
	cfg.BaseTime = baseTime
	if events > 0 {
		s.limit = events
	}
	s.gen = NewGenerator(cfg)
	if err := s.bindColumns(bad); err != nil {
		return nil, err
	}
	return s, nil
}

// bindColumns matches the declared columns and ROW fields with what the
// generator produces.
func (s *Source) bindColumns(bad func(string, ...any) error) error {
	spec := s.spec
	s.ncols = len(spec.Columns)
	needed := func(i int) bool { return spec.Needed == nil || (i < len(spec.Needed) && spec.Needed[i]) }
	for i, c := range spec.Columns {
		if c.Metadata != "" {
			return bad("column '%s': the nexmark connector has no metadata", c.Name)
		}
		var rc *rowCol
		var defs []fieldDef
		switch strings.ToLower(c.Name) {
		case "event_type":
			if !c.Type.Kind.IsInteger() {
				return bad("column 'event_type' must be an integer (INT), not %s", c.Type)
			}
			if needed(i) {
				s.typeCol, s.typeKind = i, c.Type.Kind
			}
			continue
		case "person":
			rc, defs = &s.person, personDefs
		case "auction":
			rc, defs = &s.auction, auctionDefs
		case "bid":
			rc, defs = &s.bid, bidDefs
		default:
			return bad("unknown column '%s' (the columns are event_type, person, auction, bid)", c.Name)
		}
		if c.Type.Kind != types.Struct {
			return bad("column '%s' must be a ROW, not %s", c.Name, c.Type)
		}
		var fields []field
		for _, f := range c.Type.Fields {
			d, ok := findDef(defs, f.Name)
			if !ok {
				names := make([]string, len(defs))
				for k, d := range defs {
					names[k] = d.name
				}
				return bad("column '%s' has no field '%s' (fields: %s)", c.Name, f.Name, strings.Join(names, ", "))
			}
			k := f.Type.Kind
			okKind := k == d.kind || (d.kind == types.Timestamp && k == types.TimestampLTZ)
			if !okKind {
				want := d.kind.String()
				if d.kind == types.Timestamp {
					want = "TIMESTAMP(3)"
				}
				return bad("field '%s.%s' must be %s, not %s", c.Name, f.Name, want, f.Type)
			}
			fields = append(fields, field{id: d.id, kind: k})
		}
		if needed(i) {
			*rc = rowCol{col: i, fields: fields}
		}
	}
	return nil
}

func findDef(defs []fieldDef, name string) (fieldDef, bool) {
	for _, d := range defs {
		if strings.EqualFold(d.name, name) {
			return d, true
		}
	}
	return fieldDef{}, false
}

// parseBytes reads a size such as "200", "200b" or "1kb".
func parseBytes(v string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(v))
	mul := 1
	for _, u := range []struct {
		suffix string
		mul    int
	}{{"kb", 1 << 10}, {"k", 1 << 10}, {"bytes", 1}, {"b", 1}} {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mul = strings.TrimSpace(rest), u.mul
			break
		}
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("'%s' is not a size in bytes (up to 1mb)", v)
	}
	return n * mul, nil
}

// Generator returns the source's generator (tests compare against it).
func (s *Source) Generator() *Generator { return s.gen }

// Open starts generating; start[0], if present, is the number of events
// already produced (the position a checkpoint stored).
func (s *Source) Open(ctx context.Context, start map[int32]int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n, ok := start[0]; ok {
		if n < 0 {
			return fmt.Errorf("nexmark '%s': negative start position %d", s.spec.Name, n)
		}
		s.produced = n
	}
	s.openAt, s.openN, s.opened = s.now(), s.produced, true
	return nil
}

// Splits returns the single split, 0.
func (s *Source) Splits() []int32 { return []int32{0} }

// Bounded reports whether 'events.num' bounds the stream.
func (s *Source) Bounded() bool { return s.limit >= 0 }

// Prefetch implements engine.Prefetcher: Poll alternates two buffers.
func (s *Source) Prefetch() bool { return true }

// Close does nothing (no goroutines, no connections).
func (s *Source) Close() error { return nil }

// Poll returns the next events, at most 2048; io.EOF once 'events.num'
// were produced. Paced, it waits (at most ~200 ms, or until ctx is done)
// for an event to be due and may return nothing.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if !s.opened {
		return nil, fmt.Errorf("nexmark '%s': Poll before Open", s.spec.Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.limit >= 0 && s.produced >= s.limit {
		return nil, io.EOF
	}
	n := int64(batchSize)
	if s.limit >= 0 {
		n = min(n, s.limit-s.produced)
	}
	if s.paced {
		due := s.due(n)
		if due == 0 {
			wait := min(max(time.Duration(float64(time.Second)/s.gen.cfg.Rate), time.Millisecond), idleWait)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
			if due = s.due(n); due == 0 {
				return nil, nil
			}
		}
		n = due
	}
	buf := &s.bufs[s.cur]
	s.cur ^= 1
	recs := s.fill(buf, s.produced, int(n))
	s.produced += n
	buf.batch[0] = engine.SplitBatch{Split: 0, Recs: recs, Next: s.produced}
	return buf.batch[:], nil
}

// due is how many of at most n events the rate allows now.
func (s *Source) due(n int64) int64 {
	want := s.openN + int64(s.now().Sub(s.openAt).Seconds()*s.gen.cfg.Rate)
	if want <= s.openN && s.produced == s.openN {
		want = s.openN + 1 // the first event right away
	}
	return max(min(want-s.produced, n), 0)
}

// fill generates n events from position pos into buf's rows.
func (s *Source) fill(buf *buffer, pos int64, n int) []engine.Rec {
	nc := s.ncols
	if cap(buf.arena) < n*nc {
		buf.arena = make([]types.Value, batchSize*nc)
	}
	if cap(buf.recs) < n {
		buf.recs = make([]engine.Rec, batchSize)
	}
	recs := buf.recs[:n]
	arena := buf.arena[:n*nc]
	clear(arena)
	// ROW values are never changed once emitted (operators may keep them),
	// so their fields come from a slab allocated for this batch.
	g := s.gen
	size := 0
	for r := 0; r < n; r++ {
		switch g.Type(pos + int64(r)) {
		case PersonEvent:
			size += len(s.person.fields)
		case AuctionEvent:
			size += len(s.auction.fields)
		default:
			size += len(s.bid.fields)
		}
	}
	slab := make([]types.Value, 0, size)
	var (
		p Person
		a Auction
		b Bid
	)
	for r := 0; r < n; r++ {
		row := arena[r*nc : (r+1)*nc : (r+1)*nc]
		at := pos + int64(r)
		t := g.Type(at)
		if s.typeCol >= 0 {
			row[s.typeCol] = types.Value{K: s.typeKind, I: int64(t)}
		}
		switch t {
		case PersonEvent:
			if c := &s.person; c.col >= 0 {
				g.Person(at, &p)
				k := len(slab)
				slab = personValues(slab, c.fields, &p)
				row[c.col] = types.StructV(slab[k:len(slab):len(slab)])
			}
		case AuctionEvent:
			if c := &s.auction; c.col >= 0 {
				g.Auction(at, &a)
				k := len(slab)
				slab = auctionValues(slab, c.fields, &a)
				row[c.col] = types.StructV(slab[k:len(slab):len(slab)])
			}
		default:
			if c := &s.bid; c.col >= 0 {
				g.Bid(at, &b)
				k := len(slab)
				slab = bidValues(slab, c.fields, &b)
				row[c.col] = types.StructV(slab[k:len(slab):len(slab)])
			}
		}
		recs[r] = engine.Rec{Row: row, Ts: g.Timestamp(at)}
	}
	return recs
}

func ts(kind types.Kind, ms int64) types.Value {
	return types.Value{K: kind, I: ms * types.MicrosPerMilli}
}

func personValues(out []types.Value, fields []field, p *Person) []types.Value {
	for _, f := range fields {
		var v types.Value
		switch f.id {
		case fID:
			v = types.BigIntV(p.ID)
		case fName:
			v = types.StringV(p.Name)
		case fEmail:
			v = types.StringV(p.Email)
		case fCreditCard:
			v = types.StringV(p.CreditCard)
		case fCity:
			v = types.StringV(p.City)
		case fState:
			v = types.StringV(p.State)
		case fDateTime:
			v = ts(f.kind, p.DateTime)
		case fExtra:
			v = types.StringV(p.Extra)
		}
		out = append(out, v)
	}
	return out
}

func auctionValues(out []types.Value, fields []field, a *Auction) []types.Value {
	for _, f := range fields {
		var v types.Value
		switch f.id {
		case fID:
			v = types.BigIntV(a.ID)
		case fItemName:
			v = types.StringV(a.ItemName)
		case fDescription:
			v = types.StringV(a.Description)
		case fInitialBid:
			v = types.BigIntV(a.InitialBid)
		case fReserve:
			v = types.BigIntV(a.Reserve)
		case fDateTime:
			v = ts(f.kind, a.DateTime)
		case fExpires:
			v = ts(f.kind, a.Expires)
		case fSeller:
			v = types.BigIntV(a.Seller)
		case fCategory:
			v = types.BigIntV(a.Category)
		case fExtra:
			v = types.StringV(a.Extra)
		}
		out = append(out, v)
	}
	return out
}

func bidValues(out []types.Value, fields []field, b *Bid) []types.Value {
	for _, f := range fields {
		var v types.Value
		switch f.id {
		case fAuction:
			v = types.BigIntV(b.Auction)
		case fBidder:
			v = types.BigIntV(b.Bidder)
		case fPrice:
			v = types.BigIntV(b.Price)
		case fChannel:
			v = types.StringV(b.Channel)
		case fURL:
			v = types.StringV(b.URL)
		case fDateTime:
			v = ts(f.kind, b.DateTime)
		case fExtra:
			v = types.StringV(b.Extra)
		}
		out = append(out, v)
	}
	return out
}
