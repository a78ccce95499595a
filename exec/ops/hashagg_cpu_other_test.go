//go:build !unix

package ops_test

// processCPUSeconds is unavailable here: benchmarks report wall-clock rates only.
func processCPUSeconds() float64 { return 0 }
