package ops

import (
	"math/rand/v2"
	"testing"
)

// TestHashAggIntMap checks the open-addressing table against a Go map under
// random puts and deletes over a small key range (long probe chains, many
// back-shifts) and a wide one, through several resizes.
func TestHashAggIntMap(t *testing.T) {
	for _, keyRange := range []int64{50, 5000, 1 << 40} {
		rng := rand.New(rand.NewPCG(uint64(keyRange), 7))
		m := newHashAggIntMap()
		want := map[int64]int32{}
		for op := 0; op < 200_000; op++ {
			k := rng.Int64N(keyRange) - keyRange/2
			if op%1000 == 0 {
				k = int64(op) * 1024 // keys colliding on their low bits
			}
			g, ok := m.get(k)
			wg, wok := want[k]
			if ok != wok || g != wg {
				t.Fatalf("range %d op %d: get(%d) = %d,%v, want %d,%v", keyRange, op, k, g, ok, wg, wok)
			}
			if ok && rng.IntN(2) == 0 {
				m.delete(k)
				delete(want, k)
			} else if !ok {
				m.put(k, int32(op))
				want[k] = int32(op)
			}
			if m.len() != len(want) {
				t.Fatalf("range %d op %d: len %d, want %d", keyRange, op, m.len(), len(want))
			}
		}
		for k, wg := range want {
			if g, ok := m.get(k); !ok || g != wg {
				t.Fatalf("range %d: final get(%d) = %d,%v, want %d", keyRange, k, g, ok, wg)
			}
		}
	}
}

// TestHashAggIntMapReset checks that a zero hashAggIntMap resized to a few
// entries (a DISTINCT set's index) grows, and is empty after reset.
func TestHashAggIntMapReset(t *testing.T) {
	var m hashAggIntMap
	m.resize(distinctIntSetMinSize)
	for k := range int64(1000) {
		m.put(k*k, int32(k))
	}
	for k := range int64(1000) {
		if g, ok := m.get(k * k); !ok || g != int32(k) {
			t.Fatalf("get(%d) = %d,%v, want %d", k*k, g, ok, k)
		}
	}
	m.reset()
	if _, ok := m.get(4); ok || m.len() != 0 {
		t.Fatalf("after reset: get(4) found, len %d", m.len())
	}
	m.put(4, 9)
	if g, ok := m.get(4); !ok || g != 9 {
		t.Fatalf("after reset and put: get(4) = %d,%v", g, ok)
	}
}
