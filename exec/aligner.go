package exec

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// barrierAligner reads the input channels of a multi-input fragment and
// returns their messages in arrival order, holding back the inputs that have
// delivered the barrier being aligned: once input i has delivered barrier E,
// it is not read again until every input has delivered E; then the aligned
// barrier is returned once. A closed input has finished: it counts as having
// delivered every later barrier. A barrierAligner is used by one goroutine.
type barrierAligner struct {
	inputs  []<-chan Message
	ended   []bool
	blocked []bool
	// pending is the barrier being aligned, nil when none is.
	pending *Barrier
	// pendingSince is when the first input delivered pending (set only
	// with two inputs or more, where alignment can wait).
	pendingSince time.Time
	// start rotates the input polled first, so a busy input cannot starve
	// the others.
	start int
	cases []reflect.SelectCase
	idx   []int
}

// alignedEvent is what barrierAligner.next returns: a chunk or a watermark
// from input Input, an aligned barrier, the end of every input (Done), or a value
// received from the extra channel (Extra). With an aligned barrier of a
// multi-input aligner, Aligned is the time from the first input delivering
// it until every input had (zero with a single input).
type alignedEvent struct {
	Msg   Message
	Input int
	// Ended reports that input Input has just finished (its channel
	// closed), when other inputs go on.
	Ended   bool
	Done    bool
	Extra   reflect.Value
	Aligned time.Duration
}

func newBarrierAligner(inputs []<-chan Message) *barrierAligner {
	return &barrierAligner{
		inputs:  inputs,
		ended:   make([]bool, len(inputs)),
		blocked: make([]bool, len(inputs)),
	}
}

// next returns the next event. extra, when not nil, is a receive-only channel
// selected together with the inputs (the fragment's Do requests); a value
// received from it is returned as Extra. next blocks until there is an
// event or ctx is done.
func (a *barrierAligner) next(ctx context.Context, extra reflect.Value) (alignedEvent, error) {
	for {
		if ev, ok, err := a.complete(); ok || err != nil {
			return ev, err
		}
		// Poll every readable input once, without blocking, starting at
		// a.start.
		n, start, progress := len(a.inputs), a.start, false
		for k := 0; k < n; k++ {
			i := (start + k) % n
			if a.ended[i] || a.blocked[i] {
				continue
			}
			select {
			case m, ok := <-a.inputs[i]:
				a.start = (i + 1) % n
				ev, ret, err := a.receive(i, m, ok)
				if ret || err != nil {
					return ev, err
				}
				progress = true
			default:
			}
		}
		if progress {
			// A barrier or an end was consumed: look again before blocking.
			continue
		}
		// Nothing ready: block on every readable input, ctx and extra.
		a.cases = a.cases[:0]
		a.idx = a.idx[:0]
		for i := range a.inputs {
			if a.ended[i] || a.blocked[i] {
				continue
			}
			a.cases = append(a.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(a.inputs[i])})
			a.idx = append(a.idx, i)
		}
		a.cases = append(a.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())})
		if extra.IsValid() {
			a.cases = append(a.cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: extra})
		}
		chosen, v, ok := reflect.Select(a.cases)
		switch {
		case chosen < len(a.idx):
			i := a.idx[chosen]
			var m Message
			if ok {
				m = v.Interface().(Message)
			}
			ev, ret, err := a.receive(i, m, ok)
			if ret || err != nil {
				return ev, err
			}
		case chosen == len(a.idx):
			return alignedEvent{}, ctx.Err()
		default:
			if ok {
				return alignedEvent{Extra: v}, nil
			}
			// A closed extra channel is ignored from now on.
			extra = reflect.Value{}
		}
	}
}

// receive handles message m (ok false: the channel closed) from input i. It
// reports whether ev should be returned now.
func (a *barrierAligner) receive(i int, m Message, ok bool) (ev alignedEvent, ret bool, err error) {
	if !ok {
		a.ended[i] = true
		// It counts as having delivered every later barrier: the next
		// call's complete returns the one being aligned if that was all
		// it waited for.
		return alignedEvent{Input: i, Ended: true}, true, nil
	}
	if m.Barrier == nil {
		// A chunk or a watermark.
		return alignedEvent{Msg: m, Input: i}, true, nil
	}
	b := *m.Barrier
	if a.pending == nil {
		a.pending = &b
		if len(a.inputs) > 1 {
			a.pendingSince = time.Now()
		}
	} else {
		if a.pending.Epoch != b.Epoch {
			return alignedEvent{}, false, fmt.Errorf("exec: input %d delivered barrier %d while aligning barrier %d", i, b.Epoch, a.pending.Epoch)
		}
		if b.Kind == Stop {
			a.pending.Kind = Stop
		}
	}
	a.blocked[i] = true
	return alignedEvent{}, false, nil
}

// complete returns the aligned barrier once every unfinished input has
// delivered it, or Done once every input has finished.
func (a *barrierAligner) complete() (alignedEvent, bool, error) {
	allEnded := true
	for i := range a.inputs {
		if a.ended[i] {
			continue
		}
		allEnded = false
		if !a.blocked[i] {
			return alignedEvent{}, false, nil
		}
	}
	if a.pending != nil {
		b := *a.pending
		a.pending = nil
		for i := range a.blocked {
			a.blocked[i] = false
		}
		var waited time.Duration
		if !a.pendingSince.IsZero() {
			waited = time.Since(a.pendingSince)
			a.pendingSince = time.Time{}
		}
		return alignedEvent{Msg: Message{Barrier: &b}, Aligned: waited}, true, nil
	}
	if allEnded {
		return alignedEvent{Done: true}, true, nil
	}
	return alignedEvent{}, false, nil
}
