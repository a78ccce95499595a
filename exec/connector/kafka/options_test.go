package kafka

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cockroachdb/datadriven"
	"github.com/weir-stream/weir/sql/sqlstate"
	"github.com/weir-stream/weir/sql/types"
)

// TestOptions runs testdata/options. Commands:
//
//	parse          the input is one `key = value` per line (the WITH options
//	               of a stream (id BIGINT, name VARCHAR)); prints the parsed
//	               options or the error with its SQLSTATE and detail.
//
// The token $CA in a value is replaced by the path of a file holding a PEM
// certificate, $JUNK by a file holding none.
func TestOptions(t *testing.T) {
	dir := t.TempDir()
	ca, junk := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(ca, []byte(testCA), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	schema := types.Schema{{Name: "id", Type: types.Int64Type, Nullable: true}, {Name: "name", Type: types.TextType, Nullable: true}}
	datadriven.RunTest(t, "testdata/options", func(t *testing.T, d *datadriven.TestData) string {
		if d.Cmd != "parse" {
			t.Fatalf("unknown command %q", d.Cmd)
		}
		with := map[string]string{}
		for line := range strings.SplitSeq(strings.TrimSpace(d.Input), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("bad line %q", line)
			}
			v = strings.NewReplacer("$CA", ca, "$JUNK", junk).Replace(strings.TrimSpace(v))
			with[strings.TrimSpace(k)] = v
		}
		o, err := ParseOptions(with, schema)
		if err != nil {
			return formatErr(err)
		}
		return formatOptions(o)
	})
}

func formatErr(err error) string {
	var e *sqlstate.Error
	if errors.As(err, &e) {
		s := fmt.Sprintf("error %s: %s\n", e.Code, e.Message)
		if e.Detail != "" {
			s += "detail: " + e.Detail + "\n"
		}
		return s
	}
	return "error: " + err.Error() + "\n"
}

func formatOptions(o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "topic: %s\nbrokers: %s\nformat: %s\nstartup: %s\n", o.Topic, strings.Join(o.Brokers, " "), o.Format, o.StartupMode)
	if o.GroupID != "" {
		fmt.Fprintf(&b, "group: %s\n", o.GroupID)
	}
	fmt.Fprintf(&b, "on.error: %s\nbatch_rows: %d\ndiscovery: %s\nread_committed: %t\n", o.OnError, o.BatchRows, o.DiscoveryInterval, o.ReadCommitted)
	fmt.Fprintf(&b, "security: %s\n", o.Security)
	if o.Security.CALocation != "" {
		b.WriteString("ca: set\n")
	}
	for _, c := range o.Include {
		fmt.Fprintf(&b, "include %s as %s %s\n", c.Kind, c.Name, c.Type)
	}
	return b.String()
}

// testCA is a self-signed certificate, only ever parsed.
const testCA = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIQIRi6zePL6mKjOipn+dNuaTAKBggqhkjOPQQDAjASMRAw
DgYDVQQKEwdBY21lIENvMB4XDTE3MTAyMDE5NDMwNloXDTE4MTAyMDE5NDMwNlow
EjEQMA4GA1UEChMHQWNtZSBDbzBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABD0d
7VNhbWvZLWPuj/RtHFjvtJBEwOkhbN/BnnE8rnZR8+sbwnc/KhCk3FhnpHZnQz7B
5aETbbIgmuvewdjvSBSjYzBhMA4GA1UdDwEB/wQEAwICpDATBgNVHSUEDDAKBggr
BgEFBQcDATAPBgNVHRMBAf8EBTADAQH/MCkGA1UdEQQiMCCCDmxvY2FsaG9zdDo1
NDUzgg4xMjcuMC4wLjE6NTQ1MzAKBggqhkjOPQQDAgNIADBFAiEA2zpJEPQyz6/l
Wf86aX6PepsntZv2GYlA5UpabfT2EZICICpJ5h/iI+i341gBmLiAFQOyTDT+/wQc
6MF9+Yw1Yy0t
-----END CERTIFICATE-----
`
