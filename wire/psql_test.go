package wire

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// runPsql runs psql against ts with the given arguments and returns its
// stdout, stderr and error.
func runPsql(t *testing.T, ts *testServer, args ...string) (string, string, error) {
	t.Helper()
	path, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("psql is required under CI=true")
		}
		t.Skip("psql not installed")
	}
	host, port, _ := net.SplitHostPort(ts.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-X", "-h", host, "-p", port, "-U", "weir", "-d", "weir"}, args...)...)
	cmd.Env = append(os.Environ(), "PGSSLMODE=prefer", "PGCONNECT_TIMEOUT=5", "PAGER=", "PSQL_PAGER=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}

func TestPsql(t *testing.T) {
	ts := startServer(t, Options{})
	out, errOut, err := runPsql(t, ts, "-c", "select 1", "-c", "gen 2; create table t (a int)")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want := ` ?column? 
----------
        1
(1 row)

 n 
---
 0
 1
(2 rows)

CREATE TABLE
`
	if out != want {
		t.Fatalf("got:\n%q\nwant:\n%q", out, want)
	}

	out, errOut, err = runPsql(t, ts, "-A", "-t", "-c", "types")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	if want := strings.Join(allTypesText, "|") + "\n" + strings.Repeat("|", 13) + "\n"; out != want {
		t.Fatalf("got:\n%q\nwant:\n%q", out, want)
	}

	_, errOut, err = runPsql(t, ts, "-c", "select 'é' from nope")
	if err == nil {
		t.Fatal("psql succeeded on an error")
	}
	want = `ERROR:  relation "nope" does not exist
LINE 1: select 'é' from nope
                        ^
`
	if errOut != want {
		t.Fatalf("got:\n%s\nwant:\n%s", errOut, want)
	}
}
