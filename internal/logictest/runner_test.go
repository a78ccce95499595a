package logictest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// recordingTB collects the errors RunFile reports instead of failing the test.
type recordingTB struct {
	testing.TB
	errs []string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestRunFile runs testdata/run against the fake server of fakeserver_test.go:
//
//	file name=<name>        writes the input (~~~~ standing for ----) to a temporary directory
//	run [rewrite]           writes the input as test.slt there, runs it and prints each
//	                        reported error (and, with rewrite, the rewritten file)
func TestRunFile(t *testing.T) {
	dir := t.TempDir()
	datadriven.RunTest(t, "testdata/run", func(t *testing.T, d *datadriven.TestData) string {
		input := strings.ReplaceAll(d.Input, "~~~~", "----") + "\n"
		switch d.Cmd {
		case "file":
			var name string
			d.ScanArgs(t, "name", &name)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(input), 0o644); err != nil {
				t.Fatal(err)
			}
			return ""
		case "run":
			path := filepath.Join(dir, "test.slt")
			if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
				t.Fatal(err)
			}
			srv := startFakeServer(t) // a fresh server numbers its connections from 1
			rec := &recordingTB{TB: t}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			RunFile(ctx, rec, path, Options{DSN: srv.dsn(), Rewrite: d.HasArg("rewrite"), Timeout: 5 * time.Second})
			var b strings.Builder
			for _, e := range rec.errs {
				b.WriteString(strings.ReplaceAll(e, dir+string(filepath.Separator), "") + "\n")
			}
			if len(rec.errs) == 0 {
				b.WriteString("ok\n")
			}
			if d.HasArg("rewrite") {
				data, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				b.WriteString("rewritten:\n" + strings.ReplaceAll(string(data), "----", "~~~~"))
			}
			return b.String()
		}
		d.Fatalf(t, "unknown command %s", d.Cmd)
		return ""
	})
}
