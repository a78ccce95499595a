package pacing

import (
	"math"
	"testing"
	"time"
)

func TestPacerDue(t *testing.T) {
	clock := time.Unix(100, 0)
	p := Pacer{Rate: 1000, Now: func() time.Time { return clock }}
	p.Start(50)
	for _, c := range []struct {
		after time.Duration
		want  int64
	}{{0, 50}, {time.Millisecond, 51}, {1500 * time.Millisecond, 1550}, {-time.Second, 50}} {
		clock = time.Unix(100, 0).Add(c.after)
		if got := p.Due(); got != c.want {
			t.Errorf("after %v: due %d, want %d", c.after, got, c.want)
		}
	}
	if got := (&Pacer{}).Due(); got != math.MaxInt64 {
		t.Errorf("unpaced: due %d", got)
	}
}
