package nexmark

import (
	"math"
	"math/bits"
	"strconv"
	"strings"
	"sync"
)

// The Nexmark model, as the Nexmark project's generator shapes it. Ids
// start at 1000 so that queries naming fixed ids find matches even on
// small streams; categories start at 10.
const (
	FirstPersonID   = 1000
	FirstAuctionID  = 1000
	FirstCategoryID = 10
	NumCategories   = 5

	// personIDLead and auctionIDLead let a bid or auction name a person or
	// auction a few ids ahead of the last one generated (they appear swapped
	// in time).
	personIDLead  = 10
	auctionIDLead = 10
	// hotRatio groups people and auctions in blocks of 100; the first of a
	// block is the hot seller or auction, the second the hot bidder.
	hotRatio = 100
	// hotChannelsRatio: half the bids come through one of the hot channels.
	hotChannelsRatio = 2
	numChannels      = 10000

	// numActivePeople bounds the people a bid or auction picks from (the
	// newest ones), numInFlightAuctions the auctions a bid picks from.
	numActivePeople     = 1000
	numInFlightAuctions = 100

	minStringLength = 3
)

// Event types, the value of the event_type column.
const (
	PersonEvent  = 0
	AuctionEvent = 1
	BidEvent     = 2
)

// Config is what the generator needs; the zero value is not usable, start
// from DefaultConfig.
type Config struct {
	// Proportions of persons, auctions and bids: out of every
	// Person+Auction+Bid consecutive events, that many of each.
	PersonProportion, AuctionProportion, BidProportion int64
	// Rate is the event rate in events per second of event time: event n's
	// timestamp is BaseTime + n / Rate seconds (millisecond resolution).
	Rate float64
	// BaseTime is the event time of event number 0, epoch milliseconds.
	BaseTime int64
	// Average sizes in bytes the 'extra' padding aims at, per event type.
	AvgPersonSize, AvgAuctionSize, AvgBidSize int
	// Hot ratios: a bid is for a hot auction with probability 1 - 1/HotAuctions,
	// by a hot bidder with 1 - 1/HotBidders; an auction is by a hot seller
	// with 1 - 1/HotSellers.
	HotAuctions, HotBidders, HotSellers int
}

// DefaultBaseTime is the event time of the first event unless 'base-time'
// says otherwise: 2015-07-15 00:00:00 UTC, the fixed past instant Beam's
// Nexmark uses so that every run sees the same stream.
const DefaultBaseTime = 1436918400000

// DefaultConfig returns the Nexmark project's defaults: proportions
// 1:3:46, 10,000 events per second, average sizes 200/500/100 bytes, hot
// ratios 2 (auctions), 4 (bidders), 4 (sellers).
func DefaultConfig() Config {
	return Config{
		PersonProportion: 1, AuctionProportion: 3, BidProportion: 46,
		Rate:          10000,
		BaseTime:      DefaultBaseTime,
		AvgPersonSize: 200, AvgAuctionSize: 500, AvgBidSize: 100,
		HotAuctions: 2, HotBidders: 4, HotSellers: 4,
	}
}

// Person is a new person registering.
type Person struct {
	ID                                   int64
	Name, Email, CreditCard, City, State string
	DateTime                             int64 // epoch milliseconds
	Extra                                string
}

// Auction is a new item put up for auction.
type Auction struct {
	ID                    int64
	ItemName, Description string
	InitialBid, Reserve   int64
	DateTime, Expires     int64 // epoch milliseconds
	Seller, Category      int64
	Extra                 string
}

// Bid is a bid on an auction.
type Bid struct {
	Auction, Bidder, Price int64
	Channel, URL           string
	DateTime               int64 // epoch milliseconds
	Extra                  string
}

// Generator computes the Nexmark event at any position of the stream. An
// event depends only on the configuration and its position (each event
// draws from a random stream seeded by its id), so a source resumes from a
// checkpointed position by just continuing to count. Strings are slices of
// shared, immutable pools, so generating a bid allocates nothing.
// A Generator is immutable and safe for concurrent use.
type Generator struct {
	cfg     Config
	total   int64
	delayUs float64 // microseconds of event time between events
	// auctionHorizon is how many events it takes to generate
	// numInFlightAuctions auctions (auctions expire about that far ahead).
	auctionHorizon int64
	hotURLs        []string
	channels       []channel
}

// NewGenerator returns a generator for cfg. Proportions must be
// non-negative with a positive sum and Rate positive.
func NewGenerator(cfg Config) *Generator {
	g := &Generator{cfg: cfg, total: cfg.PersonProportion + cfg.AuctionProportion + cfg.BidProportion,
		hotURLs: hotURLs(), channels: channelTable()}
	g.delayUs = 1e6 / cfg.Rate
	if cfg.AuctionProportion > 0 {
		g.auctionHorizon = numInFlightAuctions * g.total / cfg.AuctionProportion
	}
	return g
}

// Config returns the generator's configuration.
func (g *Generator) Config() Config { return g.cfg }

// Event positions, numbers and ids. The event at position p (the count of
// events produced before it, what checkpoints store) has event number p+1
// and id p+2, as the Nexmark project's table source numbers them (first
// event number 1, first event id 1); the id decides its type and seeds its
// random choices, the number its timestamp.

func eventID(pos int64) int64 { return pos + 2 }

// Type returns the event type at position pos: out of every Total
// consecutive ids, the first PersonProportion are persons, the next
// AuctionProportion auctions, the rest bids.
func (g *Generator) Type(pos int64) int {
	rem := eventID(pos) % g.total
	switch {
	case rem < g.cfg.PersonProportion:
		return PersonEvent
	case rem < g.cfg.PersonProportion+g.cfg.AuctionProportion:
		return AuctionEvent
	}
	return BidEvent
}

// Timestamp returns the event time of the event at position pos, epoch
// milliseconds: the base time plus (pos+1) inter-event delays, truncated
// to the millisecond.
func (g *Generator) Timestamp(pos int64) int64 { return g.timestampForNumber(pos + 1) }

func (g *Generator) timestampForNumber(n int64) int64 {
	return g.cfg.BaseTime + int64(float64(n)*g.delayUs)/1000
}

// lastPerson is the base-0 id of the last person generated at or before
// event id (the current one if id is a person).
func (g *Generator) lastPerson(id int64) int64 {
	epoch, off := id/g.total, id%g.total
	if off >= g.cfg.PersonProportion {
		off = g.cfg.PersonProportion - 1
	}
	return epoch*g.cfg.PersonProportion + off
}

// lastAuction is the base-0 id of the last auction generated at or before
// event id.
func (g *Generator) lastAuction(id int64) int64 {
	epoch, off := id/g.total, id%g.total
	switch {
	case off < g.cfg.PersonProportion:
		epoch--
		off = g.cfg.AuctionProportion - 1
	case off >= g.cfg.PersonProportion+g.cfg.AuctionProportion:
		off = g.cfg.AuctionProportion - 1
	default:
		off -= g.cfg.PersonProportion
	}
	return epoch*g.cfg.AuctionProportion + off
}

// somePerson picks one of the active (newest) people, or one a few ids
// ahead of the newest.
func (g *Generator) somePerson(id int64, r *rng) int64 {
	people := g.lastPerson(id) + 1
	active := min(people, numActivePeople)
	return people - active + r.intn(active+personIDLead)
}

// someAuction picks one of the auctions likely still open, or one a few
// ids ahead of the newest.
func (g *Generator) someAuction(id int64, r *rng) int64 {
	last := g.lastAuction(id)
	first := max(last-numInFlightAuctions, 0)
	return first + r.intn(last-first+1+auctionIDLead)
}

// Person fills p with the person at position pos (which must be a person
// event).
func (g *Generator) Person(pos int64, p *Person) {
	id := eventID(pos)
	r := newRNG(id)
	p.ID = g.lastPerson(id) + FirstPersonID
	p.Name = personNames[r.intn(int64(len(personNames)))]
	p.Email = spacedString(&r, 7) + "@" + spacedString(&r, 5) + ".com"
	p.CreditCard = creditCard(&r)
	p.City = usCities[r.intn(int64(len(usCities)))]
	p.State = usStates[r.intn(int64(len(usStates)))]
	p.DateTime = g.Timestamp(pos)
	size := 8 + len(p.Name) + len(p.Email) + len(p.CreditCard) + len(p.City) + len(p.State)
	p.Extra = extra(&r, size, g.cfg.AvgPersonSize)
}

// Auction fills a with the auction at position pos (which must be an
// auction event).
func (g *Generator) Auction(pos int64, a *Auction) {
	id := eventID(pos)
	r := newRNG(id)
	a.ID = g.lastAuction(id) + FirstAuctionID
	if r.intn(int64(g.cfg.HotSellers)) > 0 {
		a.Seller = (g.lastPerson(id) / hotRatio) * hotRatio
	} else {
		a.Seller = g.somePerson(id, &r)
	}
	a.Seller += FirstPersonID
	a.Category = FirstCategoryID + r.intn(NumCategories)
	a.InitialBid = price(&r)
	a.DateTime = g.Timestamp(pos)
	// Auctions last on average until numInFlightAuctions more auctions
	// have been generated.
	horizon := g.timestampForNumber(pos+1+g.auctionHorizon) - a.DateTime
	a.Expires = a.DateTime + 1 + r.intn(max(horizon*2, 1))
	a.ItemName = spacedString(&r, 20)
	a.Description = spacedString(&r, 100)
	a.Reserve = a.InitialBid + price(&r)
	size := 8 + len(a.ItemName) + len(a.Description) + 8 + 8 + 8 + 8 + 8
	a.Extra = extra(&r, size, g.cfg.AvgAuctionSize)
}

// Bid fills b with the bid at position pos (which must be a bid event).
func (g *Generator) Bid(pos int64, b *Bid) {
	id := eventID(pos)
	r := newRNG(id)
	if r.intn(int64(g.cfg.HotAuctions)) > 0 {
		b.Auction = (g.lastAuction(id) / hotRatio) * hotRatio
	} else {
		b.Auction = g.someAuction(id, &r)
	}
	b.Auction += FirstAuctionID
	if r.intn(int64(g.cfg.HotBidders)) > 0 {
		// The second person of the block, so hot bidders are not hot sellers.
		b.Bidder = (g.lastPerson(id)/hotRatio)*hotRatio + 1
	} else {
		b.Bidder = g.somePerson(id, &r)
	}
	b.Bidder += FirstPersonID
	b.Price = price(&r)
	if r.intn(hotChannelsRatio) > 0 {
		i := r.intn(int64(len(hotChannels)))
		b.Channel, b.URL = hotChannels[i], g.hotURLs[i]
	} else {
		c := &g.channels[r.intn(numChannels)]
		b.Channel, b.URL = c.name, c.url
	}
	b.DateTime = g.Timestamp(pos)
	b.Extra = extra(&r, 8+8+8+8, g.cfg.AvgBidSize)
}

// price is 100 × 10^(6u) for u uniform in [0, 1): 100 to 100,000,000 cents,
// log-uniformly.
func price(r *rng) int64 {
	return int64(math.Round(math.Exp(r.float()*6*math.Ln10) * 100))
}

// creditCard is four groups of four digits.
func creditCard(r *rng) string {
	var b [19]byte
	for g := 0; g < 4; g++ {
		n := r.intn(10000)
		o := g * 5
		if g > 0 {
			b[o-1] = ' '
		}
		b[o], b[o+1], b[o+2], b[o+3] = byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10)
	}
	return string(b[:])
}

// spacedString is a string of 3 to maxLen-1 lower-case letters with about
// one space in 13, trimmed: a slice of a shared pool.
func spacedString(r *rng, maxLen int64) string {
	n := minStringLength + r.intn(maxLen-minStringLength)
	off := r.intn(int64(len(spacedPool)) - n)
	return strings.TrimSpace(spacedPool[off : off+n])
}

// extra is padding of lower-case letters that brings an event of size
// current to avg bytes on average (±20%): a slice of a shared pool.
func extra(r *rng, current, avg int) string {
	if current > avg {
		return ""
	}
	want := avg - current
	delta := int64(math.Round(float64(want) * 0.2))
	n := int64(want) - delta
	if delta > 0 {
		n += r.intn(2 * delta)
	}
	if n > int64(len(letterPool)) {
		n = int64(len(letterPool))
	}
	off := r.intn(int64(len(letterPool)) - n + 1)
	return letterPool[off : off+n]
}

var (
	usStates    = []string{"AZ", "CA", "ID", "OR", "WA", "WY"}
	usCities    = []string{"Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"}
	firstNames  = []string{"Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"}
	lastNames   = []string{"Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"}
	personNames = func() []string {
		var out []string
		for _, f := range firstNames {
			for _, l := range lastNames {
				out = append(out, f+" "+l)
			}
		}
		return out
	}()
	hotChannels = []string{"Google", "Facebook", "Baidu", "Apple"}
)

// The string pools: fixed pseudo-random text generated once from fixed
// seeds, so every process slices the same strings.
const poolSize = 1 << 16

var (
	letterPool = func() string {
		r := newRNG(-1)
		b := make([]byte, poolSize)
		for i := range b {
			b[i] = byte('a' + r.intn(26))
		}
		return string(b)
	}()
	spacedPool = func() string {
		r := newRNG(-2)
		b := make([]byte, poolSize)
		for i := range b {
			if r.intn(13) == 0 {
				b[i] = ' '
			} else {
				b[i] = byte('a' + r.intn(26))
			}
		}
		return string(b)
	}()
)

// baseURL is a made-up item page: three path segments of letters and
// underscores.
func baseURL(r *rng) string {
	var sb strings.Builder
	sb.WriteString("https://www.nexmark.com/")
	for i := 0; i < 3; i++ {
		n := minStringLength + r.intn(5-minStringLength)
		seg := make([]byte, n)
		for j := range seg {
			if r.intn(13) == 0 {
				seg[j] = '_'
			} else {
				seg[j] = byte('a' + r.intn(26))
			}
		}
		sb.Write(seg)
		sb.WriteByte('/')
	}
	sb.WriteString("item.htm?query=1")
	return sb.String()
}

// hotURLs are the pages of the hot channels.
var hotURLs = sync.OnceValue(func() []string {
	out := make([]string, len(hotChannels))
	for i := range out {
		r := newRNG(-100 - int64(i))
		out[i] = baseURL(&r)
	}
	return out
})

type channel struct{ name, url string }

// channelTable holds the other channels, "channel-<n>", each with its page;
// nine in ten pages carry a channel_id parameter (n's bits reversed as a
// signed 32-bit number, made positive, as Nexmark writes it).
var channelTable = sync.OnceValue(func() []channel {
	out := make([]channel, numChannels)
	for n := range out {
		r := newRNG(-1000 - int64(n))
		url := baseURL(&r)
		if r.intn(10) > 0 {
			id := int32(bits.Reverse32(uint32(n)))
			if id < 0 {
				id = -id // -MinInt32 stays negative, as Java's Math.abs
			}
			url += "&channel_id=" + strconv.FormatInt(int64(id), 10)
		}
		out[n] = channel{name: "channel-" + strconv.Itoa(n), url: url}
	}
	return out
})

// rng is a small, fast random stream (SplitMix64), seeded per event.
type rng struct{ s uint64 }

func newRNG(seed int64) rng {
	r := rng{s: uint64(seed)*0x9e3779b97f4a7c15 ^ 0x5851f42d4c957f2d}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n); 0 when n <= 0.
func (r *rng) intn(n int64) int64 {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }
