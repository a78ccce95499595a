package main

import (
	"os"
	"runtime/metrics"
	"runtime/pprof"
	"time"
)

// liveHeapMetric is the runtime/metrics name of the heap bytes the last
// garbage collection found reachable.
const liveHeapMetric = "/gc/heap/live:bytes"

// startPeakHeapProfile checks the live heap every interval and, each time
// it exceeds its highest value so far, writes a heap profile to path
// (replacing the previous one), so that path ends up holding the profile
// taken nearest to the run's highest live heap. The returned function
// stops it.
func startPeakHeapProfile(path string, interval time.Duration) (stop func()) {
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		var peak uint64
		s := []metrics.Sample{{Name: liveHeapMetric}}
		for {
			select {
			case <-quit:
				return
			case <-t.C:
			}
			metrics.Read(s)
			if s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64() <= peak {
				continue
			}
			peak = s[0].Value.Uint64()
			if f, err := os.Create(path); err == nil {
				_ = pprof.WriteHeapProfile(f)
				_ = f.Close()
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
