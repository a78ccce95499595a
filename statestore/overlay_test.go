package statestore

import (
	"sort"
	"strings"
	"testing"
)

// mapReader is a Reader over a map, for tests.
type mapReader map[string]string

func (m mapReader) Get(key []byte) ([]byte, bool, error) {
	v, ok := m[string(key)]
	if !ok {
		return nil, false, nil
	}
	return []byte(v), true, nil
}

func (m mapReader) Scan(lo, hi []byte, fn func(key, value []byte) (bool, error)) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k >= string(lo) && (hi == nil || k < string(hi)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if more, err := fn([]byte(k), []byte(m[k])); err != nil || !more {
			return err
		}
	}
	return nil
}

// NewIter iterates over m as an Overlay without a base would.
func (m mapReader) NewIter(lo, hi []byte) (Iterator, error) {
	changes := make(map[string][]byte, len(m))
	for k, v := range m {
		changes[k] = []byte(v)
	}
	return (&Overlay{Changes: changes}).NewIter(lo, hi)
}

func TestOverlay(t *testing.T) {
	base := mapReader{"a": "1", "c": "3", "e": "5", "g": "7"}
	o := &Overlay{Base: base, Changes: map[string][]byte{
		"b": []byte("20"), // new
		"c": nil,          // deleted
		"e": []byte("50"), // replaced
		"h": []byte("80"), // new, after every base key
		"z": []byte("x"),  // outside the scanned span
	}}
	var got []string
	err := o.Scan([]byte("a"), []byte("y"), func(k, v []byte) (bool, error) {
		got = append(got, string(k)+"="+string(v))
		return true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "a=1 b=20 e=50 g=7 h=80"; strings.Join(got, " ") != want {
		t.Errorf("Scan = %q, want %q", strings.Join(got, " "), want)
	}
	// Stopping early stops both the base and the changes.
	got = nil
	_ = o.Scan([]byte("a"), nil, func(k, v []byte) (bool, error) {
		got = append(got, string(k))
		return len(got) < 2, nil
	})
	if want := "a b"; strings.Join(got, " ") != want {
		t.Errorf("Scan stopped after 2 = %q, want %q", strings.Join(got, " "), want)
	}
	for key, want := range map[string]string{"a": "1", "b": "20", "c": "", "e": "50", "d": ""} {
		v, ok, err := o.Get([]byte(key))
		if err != nil || ok != (want != "") || string(v) != want {
			t.Errorf("Get(%s) = %q, %v, %v; want %q", key, v, ok, err, want)
		}
	}
	// Without a base, only the changes are seen.
	got = nil
	_ = ScanMerged(nil, nil, nil, o.Changes, func(k, v []byte) (bool, error) {
		got = append(got, string(k))
		return true, nil
	})
	if want := "b e h z"; strings.Join(got, " ") != want {
		t.Errorf("ScanMerged without base = %q, want %q", strings.Join(got, " "), want)
	}
}
