package weir

import (
	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// StateBytes returns the bytes of the keys and values the subscription's
// dataflow keeps in its state tables, as of the last committed epoch: what a
// join, aggregate or source position holds for it.
func (s *Subscription) StateBytes() (int64, error) {
	var n int64
	for _, t := range s.tables {
		lo, hi := statestore.TableSpan(t)
		if err := s.e.store.Scan(lo, hi, func(k, v []byte) (bool, error) {
			n += int64(len(k) + len(v))
			return true, nil
		}); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// Sources returns the progress of each source of the subscription's
// dataflow (Progress is that of the first): a query over several streams
// has read them all when none has a lag.
func (s *Subscription) Sources() []exec.SourceProgress {
	var out []exec.SourceProgress
	for _, src := range s.j.sources {
		if p, ok := src.src.Progress(); ok {
			out = append(out, p)
		} else {
			out = append(out, exec.SourceProgress{Lag: -1, Bytes: -1})
		}
	}
	return out
}
