package adhoc

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// DefaultMemoryLimit returns the memory_limit an engine gives DuckDB when
// its configuration sets none: a quarter of the machine's memory, so that
// a huge query fails with 53200 instead of taking the process (and the
// streaming state in it) down. DuckDB's own default is 80 % of the
// machine, which leaves too little for the rest of weir. It returns ""
// (DuckDB's default) where the machine's memory is unknown.
func DefaultMemoryLimit() string {
	if kb := totalMemoryKB("/proc/meminfo"); kb > 0 {
		return strconv.FormatInt(kb/4/1024, 10) + "MB"
	}
	return ""
}

// totalMemoryKB reads MemTotal from meminfo, a file in /proc/meminfo's
// format (0 where there is none).
func totalMemoryKB(meminfo string) int64 {
	f, err := os.Open(meminfo)
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
