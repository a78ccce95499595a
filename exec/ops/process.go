package ops

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// ProcessFunc is the function of a Process (an embedding program's Go
// step): it receives every change of the process's query, with its state.
// The chunk is borrowed. It runs on the job's goroutine, between epochs'
// barriers: what it puts in st is written with the epoch.
type ProcessFunc func(ctx context.Context, c exec.Chunk, st *ProcessState) error

// Process is the last operator of a Process job: it hands each chunk to the
// function with the job's state, and writes the state's changes at each
// barrier.
type Process struct {
	fn ProcessFunc
	st *ProcessState
}

// NewProcess returns the operator running fn, with its state in table.
func NewProcess(fn ProcessFunc, table statestore.TableID) *Process {
	return &Process{fn: fn, st: &ProcessState{table: table}}
}

// Open implements exec.Operator.
func (p *Process) Open(_ context.Context, oc exec.OpenContext) error {
	p.st.reader = oc.State
	return nil
}

// ProcessChunk implements exec.Operator.
func (p *Process) ProcessChunk(ctx context.Context, _ int, c exec.Chunk, _ exec.Output) error {
	return p.fn(ctx, c, p.st)
}

// OnBarrier implements exec.Operator.
func (p *Process) OnBarrier(_ context.Context, _ exec.Barrier, w exec.StateWriter, _ exec.Output) error {
	return p.st.flush(w)
}

// ProcessState is the keyed state of a Process function: byte values under
// string keys, in the state store. Puts and Deletes are kept in memory
// until the epoch's barrier, then written with the epoch, so the state a
// restart restores is exactly the one of the checkpoint's epoch. Typed
// stores any JSON-encodable value. A ProcessState is used from its job's
// goroutine only.
type ProcessState struct {
	table  statestore.TableID
	reader exec.StateReader
	dirty  map[string][]byte // nil: deleted
	key    []byte
}

// Get returns the value under key (a copy), and whether there is one.
func (s *ProcessState) Get(key string) ([]byte, bool, error) {
	if v, ok := s.dirty[key]; ok {
		return append([]byte(nil), v...), v != nil, nil
	}
	if s.reader == nil {
		return nil, false, nil
	}
	s.key = statestore.AppendKey(s.key[:0], s.table, 0, []byte(key))
	return s.reader.Get(s.key)
}

// Put sets the value under key.
func (s *ProcessState) Put(key string, value []byte) {
	if s.dirty == nil {
		s.dirty = map[string][]byte{}
	}
	s.dirty[key] = append(make([]byte, 0, len(value)), value...)
}

// Delete removes key.
func (s *ProcessState) Delete(key string) {
	if s.dirty == nil {
		s.dirty = map[string][]byte{}
	}
	s.dirty[key] = nil
}

// flush writes the epoch's changes.
func (s *ProcessState) flush(w exec.StateWriter) error {
	for k, v := range s.dirty {
		s.key = statestore.AppendKey(s.key[:0], s.table, 0, []byte(k))
		var err error
		if v == nil {
			err = w.Delete(s.key)
		} else {
			err = w.Set(s.key, v)
		}
		if err != nil {
			return err
		}
	}
	clear(s.dirty)
	return nil
}

// TypedState is a typed view of a State: values of type V, encoded as JSON.
type TypedState[V any] struct{ st *ProcessState }

// Typed returns the typed view of st for values of type V.
func Typed[V any](st *ProcessState) TypedState[V] { return TypedState[V]{st: st} }

// Get returns the value under key and whether there is one.
func (t TypedState[V]) Get(key string) (V, bool, error) {
	var v V
	data, ok, err := t.st.Get(key)
	if err != nil || !ok {
		return v, ok, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, false, fmt.Errorf("state %q: %w", key, err)
	}
	return v, true, nil
}

// Put sets the value under key.
func (t TypedState[V]) Put(key string, v V) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("state %q: %w", key, err)
	}
	t.st.Put(key, data)
	return nil
}

// Delete removes key.
func (t TypedState[V]) Delete(key string) { t.st.Delete(key) }
