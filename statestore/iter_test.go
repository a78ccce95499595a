package statestore_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/statestore"
)

// Every reader's iterator is exec's.
var _ exec.StateReader = (*statestore.Overlay)(nil)

// iterCommand runs the iterator commands of testdata/iter:
//
//	iter lo hi                  moves an iterator over the store
//	iter-snapshot name lo hi    over a snapshot
//	iter-overlay lo hi          over the last overlay
//	overlay name                makes an overlay over snapshot name ("-":
//	                            none) of the input lines `set k v`, `delete k`
//
// The moves are input lines: first, seek-ge k, next, each printed with
// where the iterator stands after it; ("-" is an unbounded end).
func (st *storeTest) iterCommand(d *datadriven.TestData) (string, error) {
	var r statestore.Reader = st.s
	rest := 0
	switch d.Cmd {
	case "overlay":
		o := &statestore.Overlay{Changes: map[string][]byte{}}
		if name := arg(d, 0); name != nil {
			snap, ok := st.snaps[string(name)]
			if !ok {
				return "", fmt.Errorf("no snapshot %q", name)
			}
			o.Base = snap
		}
		for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
			switch f := strings.Fields(line); {
			case len(f) == 3 && f[0] == "set":
				o.Changes[f[1]] = []byte(f[2])
			case len(f) == 2 && f[0] == "delete":
				o.Changes[f[1]] = nil
			default:
				return "", fmt.Errorf("bad overlay line %q", line)
			}
		}
		st.overlay = o
		return "ok\n", nil
	case "iter-snapshot":
		snap, ok := st.snaps[string(arg(d, 0))]
		if !ok {
			return "", fmt.Errorf("no snapshot %q", arg(d, 0))
		}
		r, rest = snap, 1
	case "iter-overlay":
		if st.overlay == nil {
			return "", fmt.Errorf("no overlay")
		}
		r = st.overlay
	}
	it, err := r.NewIter(arg(d, rest), arg(d, rest+1))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(d.Input), "\n") {
		var valid bool
		switch f := strings.Fields(line); {
		case len(f) == 1 && f[0] == "first":
			valid = it.First()
		case len(f) == 2 && f[0] == "seek-ge":
			valid = it.SeekGE([]byte(f[1]))
		case len(f) == 1 && f[0] == "next":
			valid = it.Next()
		default:
			it.Close()
			return "", fmt.Errorf("bad iterator move %q", line)
		}
		if valid != it.Valid() {
			fmt.Fprintf(&b, "%s: returned %v but Valid is %v\n", line, valid, it.Valid())
		}
		if it.Valid() {
			fmt.Fprintf(&b, "%s: %s=%s\n", line, it.Key(), it.Value())
		} else {
			fmt.Fprintf(&b, "%s: (end)\n", line)
		}
	}
	return b.String(), it.Close()
}

// TestIterMatchesModel moves iterators over a store, a snapshot, and
// overlays over both, at random, and checks every position against a sorted
// model of what each should hold.
func TestIterMatchesModel(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger(), CacheBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(7, 13))
	keyOf := func() string { return fmt.Sprintf("k%02d", rng.IntN(60)) }
	model := map[string]string{}
	w := s.NewWriteBatch()
	for range 40 {
		k := keyOf()
		model[k] = "base-" + k
		if err := w.Set([]byte(k), []byte(model[k])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	snap := s.NewSnapshot()
	defer snap.Close()
	// Later writes: the store sees them, the snapshot does not.
	snapModel := maps(model)
	w = s.NewWriteBatch()
	if err := w.DeleteRange([]byte("k10"), []byte("k20")); err != nil {
		t.Fatal(err)
	}
	for k := range model {
		if k >= "k10" && k < "k20" {
			delete(model, k)
		}
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	w.Close()

	changes := map[string][]byte{}
	for range 30 {
		k := keyOf()
		if rng.IntN(3) == 0 {
			changes[k] = nil
		} else {
			changes[k] = []byte("new-" + k)
		}
	}
	overlaid := func(base map[string]string) map[string]string {
		out := maps(base)
		for k, v := range changes {
			if v == nil {
				delete(out, k)
			} else {
				out[k] = string(v)
			}
		}
		return out
	}
	readers := []struct {
		name  string
		r     statestore.Reader
		model map[string]string
	}{
		{"store", s, model},
		{"snapshot", snap, snapModel},
		{"overlay on store", &statestore.Overlay{Base: s, Changes: changes}, overlaid(model)},
		{"overlay on snapshot", &statestore.Overlay{Base: snap, Changes: changes}, overlaid(snapModel)},
		{"overlay alone", &statestore.Overlay{Changes: changes}, overlaid(nil)},
	}
	for _, rd := range readers {
		for round := range 50 {
			lo, hi := []byte(keyOf()), []byte(keyOf())
			if round%5 == 0 {
				lo = nil
			}
			if round%7 == 0 || bytes.Compare(hi, lo) < 0 {
				hi = nil
			}
			var keys []string
			for k := range rd.model {
				if k >= string(lo) && (hi == nil || k < string(hi)) {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			it, err := rd.r.NewIter(lo, hi)
			if err != nil {
				t.Fatal(err)
			}
			pos := -1 // index into keys; len(keys) is the end
			var moves []string
			for range 20 {
				switch op := rng.IntN(4); {
				case op == 0:
					it.First()
					pos = 0
					moves = append(moves, "first")
				case op == 1:
					k := keyOf()
					it.SeekGE([]byte(k))
					pos, _ = slices.BinarySearch(keys, max(k, string(lo)))
					moves = append(moves, "seek-ge "+k)
				default:
					if pos >= 0 && pos < len(keys) {
						it.Next()
						pos++
						moves = append(moves, "next")
					}
				}
				if pos < 0 {
					continue
				}
				want := "(end)"
				if pos < len(keys) {
					want = keys[pos] + "=" + rd.model[keys[pos]]
				}
				got := "(end)"
				if it.Valid() {
					got = string(it.Key()) + "=" + string(it.Value())
				}
				if got != want {
					t.Fatalf("%s [%s, %s) after %v: at %s, want %s", rd.name, lo, hi, moves, got, want)
				}
			}
			if err := it.Close(); err != nil {
				t.Fatal(err)
			}
			if it.Valid() || it.Next() {
				t.Fatalf("%s: a closed iterator is valid", rd.name)
			}
		}
	}
}

func maps(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestIterClosed: a closed store or snapshot gives no iterator.
func TestIterClosed(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	snap := s.NewSnapshot()
	if err := snap.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := snap.NewIter(nil, nil); err != statestore.ErrClosed {
		t.Errorf("closed snapshot: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NewIter(nil, nil); err != statestore.ErrClosed {
		t.Errorf("closed store: %v", err)
	}
}

// TestIterPointInTime: a store's iterator reads the state as it was when it
// was made; later commits, even of keys it has not reached, are not seen.
func TestIterPointInTime(t *testing.T) {
	s, err := statestore.Open(statestore.Options{InMemory: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustCommit(t, s, "a", "1", "c", "3")
	it, err := s.NewIter(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	if !it.First() || string(it.Key()) != "a" {
		t.Fatalf("first at %q", it.Key())
	}
	mustCommit(t, s, "b", "2", "c", "30")
	var got []string
	for ok := it.Next(); ok; ok = it.Next() {
		got = append(got, string(it.Key())+"="+string(it.Value()))
	}
	if strings.Join(got, " ") != "c=3" {
		t.Fatalf("after a later commit the iterator read %v, want [c=3]", got)
	}
}
