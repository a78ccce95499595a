package sourceguard

import (
	"sync"
	"time"
)

// rateWindow is the shortest time over which rateMeter measures a rate.
const rateWindow = time.Second

// rateMeter turns a growing count (the rows a source has read) into a rate
// per second over the last window of at least rateWindow. The source's
// barriers feed it; weir_sources reads it. Safe for concurrent use.
type rateMeter struct {
	mu    sync.Mutex
	start time.Time // the window's start; zero before the first observation
	count int64     // the count at start
	rate  float64   // over the last complete window
}

// observe records that the count is n at now. Once the window is at least
// rateWindow long, its rate becomes the meter's and a new window starts.
func (m *rateMeter) observe(now time.Time, n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.start.IsZero() || n < m.count {
		m.start, m.count = now, n
		return
	}
	if d := now.Sub(m.start); d >= rateWindow {
		m.rate = float64(n-m.count) / d.Seconds()
		m.start, m.count = now, n
	}
}

// perSecond returns the rate of the last complete window (0 before one).
func (m *rateMeter) perSecond() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rate
}
