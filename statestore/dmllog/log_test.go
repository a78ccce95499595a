package dmllog

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func replayAll(t *testing.T, l *Log) []string {
	t.Helper()
	var got []string
	if err := l.Replay(func(lsn uint64, p []byte) error {
		got = append(got, fmt.Sprintf("%d:%s", lsn, p))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestLogAppendReplayReopen(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"a", "bb", "ccc"} {
		lsn, err := l.Append([]byte(p))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Sync(lsn); err != nil {
			t.Fatal(err)
		}
	}
	if got := fmt.Sprint(replayAll(t, l)); got != "[1:a 2:bb 3:ccc]" {
		t.Fatalf("replay = %s", got)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopened, the records are there and appends continue after them in a
	// new segment.
	l, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	lsn, err := l.Append([]byte("d"))
	if err != nil || lsn != 4 {
		t.Fatalf("append after reopen = %d, %v; want 4", lsn, err)
	}
	if got := fmt.Sprint(replayAll(t, l)); got != "[1:a 2:bb 3:ccc 4:d]" {
		t.Fatalf("replay after reopen = %s", got)
	}
	// Truncating at 3 deletes the first segment only.
	if err := l.Truncate(3); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(replayAll(t, l)); got != "[4:d]" {
		t.Fatalf("replay after Truncate(3) = %s", got)
	}
	// Truncating everything rotates the open segment away.
	if err := l.Truncate(4); err != nil {
		t.Fatal(err)
	}
	if got := replayAll(t, l); len(got) != 0 {
		t.Fatalf("replay after Truncate(4) = %v", got)
	}
	if lsn, _ := l.Append([]byte("e")); lsn != 5 {
		t.Fatalf("append after truncating all = %d, want 5", lsn)
	}
	l.Close()
	l, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if got := fmt.Sprint(replayAll(t, l)); got != "[5:e]" {
		t.Fatalf("replay after truncating and reopening = %s", got)
	}
}

func TestLogTornTail(t *testing.T) {
	// write makes a log of three records in a new directory and returns the
	// directory, the segment's path and its content.
	write := func() (string, string, []byte) {
		dir := t.TempDir()
		l, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			if _, err := l.Append([]byte(fmt.Sprintf("rec%d", i))); err != nil {
				t.Fatal(err)
			}
		}
		l.Close()
		segs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
		data, _ := os.ReadFile(segs[len(segs)-1])
		return dir, segs[len(segs)-1], data
	}
	_, _, data := write()
	// Cut the last record short, and flip a byte of the second: both end the
	// log there.
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"cut", data[:len(data)-2], "[1:rec0 2:rec1]"},
		{"flipped", append(append([]byte(nil), data[:headerLen+4+headerLen]...), append([]byte{'X'}, data[headerLen+4+headerLen+1:]...)...), "[1:rec0]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir, path, _ := write()
			if err := os.WriteFile(path, c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			if got := fmt.Sprint(replayAll(t, l)); got != c.want {
				t.Fatalf("replay = %s, want %s", got, c.want)
			}
			// The torn end is gone: appends continue after the good records.
			n := uint64(len(c.want) / 7)
			if lsn, err := l.Append([]byte("new")); err != nil || lsn != n+1 {
				t.Fatalf("append after a torn end = %d, %v; want %d", lsn, err, n+1)
			}
		})
	}
}

func TestLogSetNextAndGroupSync(t *testing.T) {
	l, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := l.SetNext(100); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint64]bool{}
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				lsn, err := l.Append([]byte("x"))
				if err != nil {
					t.Error(err)
					return
				}
				if err := l.Sync(lsn); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				seen[lsn] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for lsn := uint64(100); lsn < 500; lsn++ {
		if !seen[lsn] {
			t.Fatalf("LSN %d was not handed out", lsn)
		}
	}
	if err := l.SetNext(1000); err == nil {
		t.Fatal("SetNext after appends succeeded")
	}
}
