package weir

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// DefaultMaxStatementBytes is the default of server.max_statement_bytes.
const DefaultMaxStatementBytes = 16 << 20

// queryMemoryLimit is DuckDB's memory_limit for ad-hoc queries:
// server.query_memory_limit when set, else a quarter of the machine's
// memory, so that a huge query fails with 53200 instead of taking the
// process (and the streaming state in it) down. DuckDB's own default is 80 %
// of the machine, which leaves too little for the rest of weir.
func queryMemoryLimit(c ServerConfig) string {
	if c.QueryMemoryLimit != "" {
		return c.QueryMemoryLimit
	}
	if kb := totalMemoryKB(); kb > 0 {
		return strconv.FormatInt(kb/4/1024, 10) + "MB"
	}
	return ""
}

// totalMemoryKB reads MemTotal from /proc/meminfo (0 where there is none).
func totalMemoryKB() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}
