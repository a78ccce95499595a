// Package pacing spreads the items a generator source emits over time at a
// fixed rate, so that a paced source emits item n no earlier than n/rate
// seconds after it started.
package pacing

import (
	"math"
	"time"
)

// Pacer says which items are due. It is used by one goroutine (the source's).
type Pacer struct {
	// Rate is the items per second; 0 means unpaced (everything is due).
	Rate int64
	// Now is the clock (time.Now when nil); tests replace it.
	Now func() time.Time

	start time.Time
	first int64
}

func (p *Pacer) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

// Start makes item first due now (a source calls it when it opens).
func (p *Pacer) Start(first int64) { p.start, p.first = p.now(), first }

// Due returns the first item not yet due, or math.MaxInt64 when unpaced.
func (p *Pacer) Due() int64 {
	if p.Rate == 0 {
		return math.MaxInt64
	}
	el := p.now().Sub(p.start)
	if el < 0 {
		return p.first
	}
	secs, frac := int64(el/time.Second), int64(el%time.Second)
	if secs > (math.MaxInt64-p.first)/p.Rate-1 {
		return math.MaxInt64
	}
	return p.first + secs*p.Rate + frac*p.Rate/int64(time.Second)
}
