package exec

import (
	"context"
	"reflect"
)

// BarrierAligner exposes barrierAligner to the external tests.
type BarrierAligner struct{ a *barrierAligner }

// NewBarrierAligner returns an aligner over inputs.
func NewBarrierAligner(inputs []<-chan Message) BarrierAligner {
	return BarrierAligner{newBarrierAligner(inputs)}
}

// Next returns the next message (and its input), or done once every input
// has finished.
func (a BarrierAligner) Next(ctx context.Context) (m Message, input int, done bool, err error) {
	for {
		ev, err := a.a.next(ctx, reflect.Value{})
		if ev.Ended && err == nil {
			continue // an input's end is no message
		}
		return ev.Msg, ev.Input, ev.Done, err
	}
}
