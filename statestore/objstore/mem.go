package objstore

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// Mem is an in-memory Store for tests. Its fault hooks let tests make
// operations fail.
type Mem struct {
	mu      sync.Mutex
	objects map[string][]byte
	// FailPut, when set, is called before each Put; an error it returns
	// fails the Put, which then stores nothing.
	FailPut func(name string) error
	puts    int
	bytesIn int64
}

// NewMem returns an empty in-memory store.
func NewMem() *Mem { return &Mem{objects: map[string][]byte{}} }

func (m *Mem) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	m.mu.Lock()
	fail := m.FailPut
	m.mu.Unlock()
	if fail != nil {
		if err := fail(name); err != nil {
			return err
		}
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("objstore: put %s: %w", name, err)
	}
	if int64(len(data)) != size {
		return fmt.Errorf("objstore: put %s: read %d bytes, want %d", name, len(data), size)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[name] = data
	m.puts++
	m.bytesIn += size
	return nil
}

func (m *Mem) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.objects[name]
	if !ok {
		return nil, fmt.Errorf("objstore: get %s: %w", name, ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (m *Mem) List(ctx context.Context, prefix string) ([]Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Object
	for name, data := range m.objects {
		if strings.HasPrefix(name, prefix) {
			out = append(out, Object{Name: name, Size: int64(len(data))})
		}
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (m *Mem) Delete(ctx context.Context, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, name)
	return nil
}

func (m *Mem) String() string { return "memory" }

// Corrupt flips a byte of the object called name, for tests of
// verification. It reports whether the object exists and is not empty.
func (m *Mem) Corrupt(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.objects[name]
	if !ok || len(data) == 0 {
		return false
	}
	data = slices.Clone(data)
	data[len(data)/2] ^= 0xff
	m.objects[name] = data
	return true
}

// PutStats returns the number of Puts and the bytes they stored.
func (m *Mem) PutStats() (puts int, bytes int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.puts, m.bytesIn
}
