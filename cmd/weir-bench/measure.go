package main

import (
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"time"
)

// processCPUSeconds returns the user+system CPU time of the whole process
// (every goroutine and every DuckDB or Pebble thread), from getrusage. The
// per-core figures divide rows by this, so they stay meaningful on a machine
// shared with other work.
func processCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// stopwatch measures one timed section: wall time and process CPU time.
type stopwatch struct {
	start time.Time
	cpu0  float64
}

// startStopwatch starts a stopwatch now.
func startStopwatch() stopwatch {
	return stopwatch{start: time.Now(), cpu0: processCPUSeconds()}
}

// stop returns the wall and CPU seconds since the stopwatch started.
func (s stopwatch) stop() (wall, cpu float64) {
	return time.Since(s.start).Seconds(), processCPUSeconds() - s.cpu0
}

// heapObjectsMetric is the runtime/metrics name of the bytes held by live and
// not yet swept heap objects.
const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

// heapSampler records the peak of the Go heap's object bytes while it runs,
// sampling runtime/metrics from its own goroutine. start and stop are called
// from one goroutine.
type heapSampler struct {
	base uint64
	mu   sync.Mutex
	peak uint64
	quit chan struct{}
	done chan struct{}
}

// readHeapObjects returns the current heap object bytes.
func readHeapObjects() uint64 {
	s := []metrics.Sample{{Name: heapObjectsMetric}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// startHeapSampler collects garbage, takes the heap size then as the
// baseline, and samples the heap every interval until stop.
func startHeapSampler(interval time.Duration) *heapSampler {
	runtime.GC()
	h := &heapSampler{quit: make(chan struct{}), done: make(chan struct{})}
	h.base = readHeapObjects()
	h.peak = h.base
	go func() {
		defer close(h.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-h.quit:
				return
			case <-t.C:
				h.observe()
			}
		}
	}()
	return h
}

func (h *heapSampler) observe() {
	v := readHeapObjects()
	h.mu.Lock()
	if v > h.peak {
		h.peak = v
	}
	h.mu.Unlock()
}

// stop ends sampling and returns the peak heap bytes above the baseline.
func (h *heapSampler) stop() uint64 {
	h.observe()
	close(h.quit)
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.peak - h.base
}
