package nexmark

import (
	"math"
	"math/bits"
	"strconv"
)

// The event model, after the reference generator (Beam's Nexmark
// GeneratorConfig): in every block of totalProportion events the first
// personProportion are people, the next auctionProportion auctions, the rest
// bids.
const (
	personProportion  = 1
	auctionProportion = 3
	bidProportion     = 46
	totalProportion   = personProportion + auctionProportion + bidProportion

	firstPersonID   = 1000
	firstAuctionID  = 1000
	firstCategoryID = 10
	numCategories   = 5

	// activePeople is how many of the newest people sellers and bidders are
	// drawn from; inFlightAuctions how many of the newest auctions bids go to.
	activePeople     = 1000
	inFlightAuctions = 100
	// One in hotAuctionRatio bids goes to a uniformly drawn in-flight auction,
	// the others to the current hot auction; likewise for sellers and bidders.
	hotAuctionRatio = 2
	hotSellerRatio  = 4
	hotBidderRatio  = 4

	// Average event sizes in bytes; the extra column pads events to them.
	avgPersonBytes  = 200
	avgAuctionBytes = 500
	avgBidBytes     = 100

	numChannels = 10000
)

// DefaultEventTimeRate is the event rate (events per second of event time)
// timestamps advance at when no nexmark.events.per.second is set.
const DefaultEventTimeRate = 10000

// BaseTimeMicros is the timestamp of event 0: 2015-07-15 00:00:00 UTC, in
// microseconds since the Unix epoch.
const BaseTimeMicros = 1436918400 * 1_000_000

// Kind is the kind of an event.
type Kind uint8

// The event kinds.
const (
	KindPerson Kind = iota
	KindAuction
	KindBid
)

// KindOf returns the kind of event number i.
func KindOf(i int64) Kind {
	switch off := i % totalProportion; {
	case off < personProportion:
		return KindPerson
	case off < personProportion+auctionProportion:
		return KindAuction
	}
	return KindBid
}

// kindOfTable returns the kind of event a table holds.
func kindOfTable(table string) Kind {
	switch table {
	case TablePerson:
		return KindPerson
	case TableAuction:
		return KindAuction
	}
	return KindBid
}

// nextOfKind returns the first event number at or after i of kind k.
func nextOfKind(k Kind, i int64) int64 {
	lo, hi := int64(0), int64(personProportion)
	switch k {
	case KindAuction:
		lo, hi = personProportion, personProportion+auctionProportion
	case KindBid:
		lo, hi = personProportion+auctionProportion, totalProportion
	}
	block, off := i/totalProportion, i%totalProportion
	switch {
	case off < lo:
		off = lo
	case off >= hi:
		block, off = block+1, lo
	}
	return block*totalProportion + off
}

// lastPerson returns the 0-based number of the newest person at or before
// event i.
func lastPerson(i int64) int64 {
	block, off := i/totalProportion, i%totalProportion
	return block*personProportion + min(off, personProportion-1)
}

// lastAuction returns the 0-based number of the newest auction at or before
// event i; -1 before the first auction.
func lastAuction(i int64) int64 {
	block, off := i/totalProportion, i%totalProportion
	switch {
	case off < personProportion:
		return (block-1)*auctionProportion + auctionProportion - 1
	case off >= personProportion+auctionProportion:
		return block*auctionProportion + auctionProportion - 1
	}
	return block*auctionProportion + off - personProportion
}

// rng is a splitmix64 generator: a few nanoseconds a draw, and seeded per
// event so that any event can be generated on its own.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	return mix64(uint64(*r))
}

// intn returns a uniform number in [0, n), n > 0.
func (r *rng) intn(n int64) int64 {
	hi, _ := bits.Mul64(r.next(), uint64(n))
	return int64(hi)
}

// float returns a uniform number in [0, 1).
func (r *rng) float() float64 {
	return float64(r.next()>>11) * (1.0 / (1 << 53))
}

func mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// event is one generated event: its BIGINT and TIMESTAMP (microseconds)
// fields in ints, its VARCHAR fields in strs, both indexed by field number.
// The strs slices point into the generator's buffers and are valid until the
// next event is generated.
type event struct {
	ints [maxFields]int64
	strs [maxFields][]byte
}

const poolSize = 1 << 16

// generator fills events. It owns scratch buffers, so it is used by one
// goroutine at a time.
type generator struct {
	seed uint64 // mixed seed
	rate int64  // events per second of event time
	// pool is random lower-case text that random strings are cut from.
	pool []byte
	buf  []byte
}

func newGenerator(seed int64, rate int64) *generator {
	if rate <= 0 {
		rate = DefaultEventTimeRate
	}
	g := &generator{seed: mix64(uint64(seed) ^ 0x5851f42d4c957f2d), rate: rate,
		pool: make([]byte, poolSize), buf: make([]byte, 0, 512)}
	r := rng(g.seed)
	for i := 0; i < poolSize; i += 8 {
		v := r.next()
		for j := range 8 {
			g.pool[i+j] = 'a' + byte((v>>(8*j))&0xff)%26
		}
	}
	return g
}

// rngFor returns the random stream of event i.
func (g *generator) rngFor(i int64) rng {
	return rng(mix64(g.seed + uint64(i)*0xd1b54a32d192ed03))
}

// timestamp returns the event time of event i in microseconds.
func (g *generator) timestamp(i int64) int64 {
	return BaseTimeMicros + (i/g.rate)*1_000_000 + (i%g.rate)*1_000_000/g.rate
}

// text returns n random letters.
func (g *generator) text(r *rng, n int) []byte {
	off := r.intn(int64(poolSize - n))
	return g.pool[off : off+int64(n)]
}

// appendText appends n random letters to the scratch buffer.
func (g *generator) appendText(r *rng, n int) {
	g.buf = append(g.buf, g.text(r, n)...)
}

// extra returns the padding of an event whose other fields take size bytes,
// so that events average avg bytes: avg-size bytes give or take 20%.
func (g *generator) extra(r *rng, size, avg int) []byte {
	if size >= avg {
		r.next()
		return g.pool[:0]
	}
	d := avg - size
	delta := (d + 2) / 5
	return g.text(r, d-delta+int(r.intn(int64(2*delta+1))))
}

// price returns a price in cents, log-uniform between 1 and 1,000,000 units.
func price(r *rng) int64 {
	return int64(math.Round(math.Exp(r.float()*6*math.Ln10) * 100))
}

// person draws an existing person: the hot one (newest multiple of
// hotRatio) hotRatio-1 times in hotRatio, else one of the activePeople newest.
func person(r *rng, i int64, hotRatio int64) int64 {
	last := lastPerson(i)
	if r.intn(hotRatio) > 0 {
		return firstPersonID + (last/hotRatio)*hotRatio
	}
	return firstPersonID + last - r.intn(min(activePeople, last+1))
}

var (
	firstNames = []string{"peter", "paul", "luke", "john", "saul", "vicky", "kate", "julie", "sarah", "deiter", "walter"}
	lastNames  = []string{"shultz", "abrams", "spencer", "white", "bartels", "walton", "smith", "jones", "noris"}
	cities     = bytesOf("phoenix", "los angeles", "san francisco", "boise", "portland", "bend", "redmond", "seattle", "kent", "cheyenne")
	states     = bytesOf("az", "ca", "id", "or", "wa", "wy")
	fullNames  = func() [][]byte {
		var out [][]byte
		for _, f := range firstNames {
			for _, l := range lastNames {
				out = append(out, []byte(f+" "+l))
			}
		}
		return out
	}()
	hotChannels = bytesOf("Google", "Facebook", "Baidu", "Apple")
	hotURLs     = bytesOf(
		"https://www.nexmark.com/google/item.htm?query=1",
		"https://www.nexmark.com/facebook/item.htm?query=1",
		"https://www.nexmark.com/baidu/item.htm?query=1",
		"https://www.nexmark.com/apple/item.htm?query=1")
)

func bytesOf(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// fill generates event i, which must be of kind k, into ev.
func (g *generator) fill(k Kind, i int64, ev *event) {
	r := g.rngFor(i)
	g.buf = g.buf[:0]
	switch k {
	case KindPerson:
		g.person(&r, i, ev)
	case KindAuction:
		g.auction(&r, i, ev)
	default:
		g.bid(&r, i, ev)
	}
}

func (g *generator) person(r *rng, i int64, ev *event) {
	ev.ints[personID] = firstPersonID + lastPerson(i)
	ev.strs[personName] = fullNames[r.intn(int64(len(fullNames)))]
	start := len(g.buf)
	g.appendText(r, 7)
	g.buf = append(g.buf, '@')
	g.appendText(r, 5)
	g.buf = append(g.buf, ".com"...)
	ev.strs[personEmail] = g.buf[start:]
	start = len(g.buf)
	for j := range 4 {
		if j > 0 {
			g.buf = append(g.buf, ' ')
		}
		v := r.intn(10000)
		g.buf = append(g.buf, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
	}
	ev.strs[personCard] = g.buf[start:]
	ev.strs[personCity] = cities[r.intn(int64(len(cities)))]
	ev.strs[personState] = states[r.intn(int64(len(states)))]
	ev.ints[personDateTime] = g.timestamp(i)
	size := 8 + len(ev.strs[personName]) + len(ev.strs[personEmail]) + len(ev.strs[personCard]) +
		len(ev.strs[personCity]) + len(ev.strs[personState]) + 8
	ev.strs[personExtra] = g.extra(r, size, avgPersonBytes)
}

func (g *generator) auction(r *rng, i int64, ev *event) {
	ev.ints[auctionID] = firstAuctionID + lastAuction(i)
	ev.strs[auctionItemName] = g.text(r, 5+int(r.intn(16)))
	ev.strs[auctionDescription] = g.text(r, 20+int(r.intn(81)))
	initial := price(r)
	ev.ints[auctionInitialBid] = initial
	ev.ints[auctionReserve] = initial + price(r)
	ts := g.timestamp(i)
	ev.ints[auctionDateTime] = ts
	// An auction lasts about as long as it takes inFlightAuctions more
	// auctions to open, so that about that many are open at any time.
	horizon := int64(inFlightAuctions*totalProportion/auctionProportion) * 1_000_000 / g.rate
	ev.ints[auctionExpires] = ts + 1 + r.intn(max(2*horizon, 1))
	ev.ints[auctionSeller] = person(r, i, hotSellerRatio)
	ev.ints[auctionCategory] = firstCategoryID + r.intn(numCategories)
	size := 8 + len(ev.strs[auctionItemName]) + len(ev.strs[auctionDescription]) + 6*8
	ev.strs[auctionExtra] = g.extra(r, size, avgAuctionBytes)
}

func (g *generator) bid(r *rng, i int64, ev *event) {
	last := lastAuction(i)
	if r.intn(hotAuctionRatio) > 0 {
		ev.ints[bidAuction] = firstAuctionID + (last/hotAuctionRatio)*hotAuctionRatio
	} else {
		ev.ints[bidAuction] = firstAuctionID + last - r.intn(min(inFlightAuctions, last)+1)
	}
	ev.ints[bidBidder] = person(r, i, hotBidderRatio)
	ev.ints[bidPrice] = price(r)
	if r.intn(2) > 0 {
		c := r.intn(int64(len(hotChannels)))
		ev.strs[bidChannel], ev.strs[bidURL] = hotChannels[c], hotURLs[c]
	} else {
		n := r.intn(numChannels)
		start := len(g.buf)
		g.buf = append(g.buf, "channel-"...)
		g.buf = strconv.AppendInt(g.buf, n, 10)
		ev.strs[bidChannel] = g.buf[start:]
		start = len(g.buf)
		g.buf = append(g.buf, "https://www.nexmark.com/"...)
		g.appendText(r, 5)
		g.buf = append(g.buf, '/')
		g.appendText(r, 5)
		g.buf = append(g.buf, '/')
		g.appendText(r, 5)
		g.buf = append(g.buf, "/item.htm?query=1&channel_id="...)
		g.buf = strconv.AppendInt(g.buf, n, 10)
		ev.strs[bidURL] = g.buf[start:]
	}
	ev.ints[bidDateTime] = g.timestamp(i)
	size := 4*8 + len(ev.strs[bidChannel]) + len(ev.strs[bidURL])
	ev.strs[bidExtra] = g.extra(r, size, avgBidBytes)
}
