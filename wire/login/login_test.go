package login

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckMethod(t *testing.T) {
	for _, c := range []struct{ method, superuser, err string }{
		{"", "", ""},
		{Trust, "", ""},
		{SCRAM, "admin", ""},
		{SCRAM, "", "server.auth.superuser: required with method scram-sha-256"},
		{"md5", "admin", `server.auth.method: unknown method "md5" (trust or scram-sha-256)`},
	} {
		checkErr(t, "CheckMethod("+c.method+", "+c.superuser+")", CheckMethod(c.method, c.superuser), c.err)
	}
}

func TestCheckTLS(t *testing.T) {
	for _, c := range []struct {
		cert, key string
		required  bool
		err       string
	}{
		{"", "", false, ""},
		{"c.pem", "k.pem", true, ""},
		{"c.pem", "", false, "server.tls: cert_file and key_file go together"},
		{"", "k.pem", false, "server.tls: cert_file and key_file go together"},
		{"", "", true, "server.tls.required: needs cert_file and key_file"},
	} {
		checkErr(t, "CheckTLS("+c.cert+", "+c.key+")", CheckTLS(c.cert, c.key, c.required), c.err)
	}
}

func TestLoadTLS(t *testing.T) {
	if cfg, err := LoadTLS("", ""); cfg != nil || err != nil {
		t.Fatalf("LoadTLS without a certificate = %v, %v; want nil, nil", cfg, err)
	}
	dir := t.TempDir()
	_, err := LoadTLS(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	checkErr(t, "LoadTLS of missing files", err, "server.tls.cert_file, key_file: ")
}

func TestCheckExposure(t *testing.T) {
	refused := "refusing to serve on "
	for _, c := range []struct {
		listen    string
		passwords bool
		err       string
	}{
		{"127.0.0.1:4566", false, ""},
		{"[::1]:4566", false, ""},
		{"localhost:4566", false, ""},
		{"LocalHost:4566", false, ""},
		{"127.0.0.2:4566", false, ""},
		{"0.0.0.0:4566", false, refused + "0.0.0.0:4566 with server.auth.method trust"},
		{":4566", false, refused},
		{"[::]:4566", false, refused},
		{"10.0.0.5:4566", false, refused},
		{"db.example.com:4566", false, refused},
		{"0.0.0.0:4566", true, ""},
		{"4566", false, "server.listen: "},
	} {
		checkErr(t, "CheckExposure("+c.listen+")", CheckExposure(c.listen, c.passwords), c.err)
	}
}

func TestSuperuserPassword(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv(PasswordEnv, "from-env")
	for _, c := range []struct{ file, want, err string }{
		{write("plain", "s3cret"), "s3cret", ""},
		{write("lines", "first line\nsecond\n"), "first line", ""},
		{write("crlf", "windows\r\n"), "windows", ""},
		{write("spaces", " kept as is \n"), " kept as is ", ""},
		{write("empty", "\n"), "", "server.auth.superuser_password_file: " + filepath.Join(dir, "empty") + " is empty"},
		{filepath.Join(dir, "missing"), "", "server.auth.superuser_password_file: open "},
		{"", "from-env", ""},
	} {
		pw, err := SuperuserPassword(c.file, "admin")
		checkErr(t, "SuperuserPassword("+c.file+")", err, c.err)
		if pw != c.want {
			t.Errorf("SuperuserPassword(%s) = %q, want %q", c.file, pw, c.want)
		}
	}
	t.Setenv(PasswordEnv, "")
	_, err := SuperuserPassword("", "admin")
	checkErr(t, "SuperuserPassword without file or env", err,
		`server.auth.superuser_password_file: required to create the superuser "admin" (or set WEIR_SUPERUSER_PASSWORD)`)
}

func TestMockSecret(t *testing.T) {
	var kept []byte
	stores := 0
	stored := func() ([]byte, bool, error) { return kept, kept != nil, nil }
	store := func(s []byte) error { stores++; kept = append([]byte(nil), s...); return nil }

	first, err := MockSecret(stored, store)
	if err != nil || len(first) != MockSecretSize || stores != 1 || !bytes.Equal(first, kept) {
		t.Fatalf("first MockSecret = %x, %v (stores %d, kept %x)", first, err, stores, kept)
	}
	again, err := MockSecret(stored, store)
	if err != nil || !bytes.Equal(again, first) || stores != 1 {
		t.Fatalf("kept MockSecret = %x, %v (stores %d), want %x without storing", again, err, stores, first)
	}
	kept = []byte("short")
	replaced, err := MockSecret(stored, store)
	if err != nil || len(replaced) != MockSecretSize || stores != 2 || bytes.Equal(replaced, first) {
		t.Fatalf("MockSecret over a short value = %x, %v (stores %d)", replaced, err, stores)
	}

	boom := errors.New("boom")
	if _, err := MockSecret(func() ([]byte, bool, error) { return nil, false, boom }, store); !errors.Is(err, boom) {
		t.Errorf("MockSecret with a failing read: %v", err)
	}
	if _, err := MockSecret(func() ([]byte, bool, error) { return nil, false, nil }, func([]byte) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("MockSecret with a failing write: %v", err)
	}
}

// checkErr fails t unless err starts with want (want "": no error).
func checkErr(t *testing.T, what string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s: %v", what, err)
	case want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)):
		t.Errorf("%s = %v, want an error starting %q", what, err, want)
	}
}
