package adhoc

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestNoExternalAccess: DuckDB reads no file, whatever a query names.
func TestNoExternalAccess(t *testing.T) {
	e := openTest(t, memory.NewGoAllocator())
	_, rows, err := e.Query(context.Background(), "SELECT * FROM read_csv('/etc/passwd')", nil, nil)
	if err == nil {
		rows.Release()
		t.Fatal("DuckDB read a file")
	}
	if !strings.Contains(err.Error(), "disabled by configuration") {
		t.Fatalf("reading a file failed for another reason: %v", err)
	}
}
