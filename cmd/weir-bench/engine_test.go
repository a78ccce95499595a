package main

import (
	"os"
	"strings"
	"testing"
)

// TestWriteOrdersCSV checks the file's header, its first lines and that
// user_id cycles through the keys.
func TestWriteOrdersCSV(t *testing.T) {
	path, size, err := writeOrdersCSV(t.TempDir(), "o.csv", 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != size {
		t.Errorf("size %d, file has %d bytes", size, len(data))
	}
	want := `user_id,amount,ts
0,0.10,2024-01-01 00:00:00.000
1,1.11,2024-01-01 00:00:00.001
2,2.12,2024-01-01 00:00:00.002
0,3.13,2024-01-01 00:00:00.003
1,4.14,2024-01-01 00:00:00.004
`
	if got := string(data); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if n := strings.Count(string(data), "\n"); n != 6 {
		t.Errorf("%d lines, want 6", n)
	}
}
