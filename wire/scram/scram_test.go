package scram

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRFC7677Example replays the exchange of RFC 7677 section 3 (user
// "user", password "pencil") and checks the server's messages byte for byte.
func TestRFC7677Example(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	v, err := verifierFor("pencil", salt, 4096)
	if err != nil {
		t.Fatal(err)
	}
	x := NewExchange(v, nil, false)
	x.serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	first, err := x.ServerFirst([]byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"; string(first) != want {
		t.Fatalf("server-first = %q, want %q", first, want)
	}
	final, err := x.ServerFinal([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="; string(final) != want {
		t.Fatalf("server-final = %q, want %q", final, want)
	}

	// The same exchange with a proof computed from another password fails.
	x = NewExchange(v, nil, false)
	x.serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	if _, err := x.ServerFirst([]byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")); err != nil {
		t.Fatal(err)
	}
	_, err = x.ServerFinal([]byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAAZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	if !errors.Is(err, ErrWrongProof) {
		t.Fatalf("wrong proof: err = %v", err)
	}
}

func TestVerifierString(t *testing.T) {
	v, err := NewVerifier("secret")
	if err != nil {
		t.Fatal(err)
	}
	s := v.String()
	if !strings.HasPrefix(s, "SCRAM-SHA-256$4096:") || strings.Contains(s, "secret") {
		t.Fatalf("verifier %q", s)
	}
	back, err := ParseVerifier(s)
	if err != nil || back.String() != s {
		t.Fatalf("ParseVerifier(%q) = %v, %v", s, back, err)
	}
	for _, bad := range []string{"", "secret", "SCRAM-SHA-256$x:abc$def:ghi", "md5abc", "SCRAM-SHA-256$4096:c2FsdA==$c2hvcnQ=:c2hvcnQ="} {
		if IsVerifier(bad) {
			t.Errorf("IsVerifier(%q) = true", bad)
		}
	}
}

func TestMalformed(t *testing.T) {
	v, _ := NewVerifier("pw")
	for _, msg := range []string{"", "n", "p=tls-server-end-point,,n=,r=abc", "n,a=admin,n=,r=abc", "n,,r=abc", "x,,n=,r=abc", "n,,n=,r="} {
		if _, err := NewExchange(v, nil, false).ServerFirst([]byte(msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ServerFirst(%q): err = %v", msg, err)
		}
	}
	x := NewExchange(v, nil, false)
	if _, err := x.ServerFirst([]byte("n,,n=,r=abc")); err != nil {
		t.Fatal(err)
	}
	for _, msg := range []string{"", "c=biws,r=abc", "c=biws,r=wrong,p=AAAA", "c=eSws,r=" + x.nonce + ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="} {
		if _, err := x.ServerFinal([]byte(msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("ServerFinal(%q): err = %v", msg, err)
		}
	}
}

// clientFinal computes the client-final-message of password for the
// exchange so far (the client's side, as a test double).
func clientFinal(t *testing.T, password, clientFirstBare, serverFirst, cbind string) string {
	t.Helper()
	var nonce, salt string
	iter := 0
	for _, a := range strings.Split(serverFirst, ",") {
		switch a[:2] {
		case "r=":
			nonce = a[2:]
		case "s=":
			salt = a[2:]
		case "i=":
			fmt.Sscan(a[2:], &iter)
		}
	}
	rawSalt, _ := base64.StdEncoding.DecodeString(salt)
	v, err := verifierFor(password, rawSalt, iter)
	if err != nil {
		t.Fatal(err)
	}
	salted, _ := pbkdf2.Key(sha256.New, password, rawSalt, iter, sha256.Size)
	clientKey := hmacSHA256(salted, "Client Key")
	withoutProof := "c=" + base64.StdEncoding.EncodeToString([]byte(cbind)) + ",r=" + nonce
	sig := hmacSHA256(v.StoredKey, clientFirstBare+","+serverFirst+","+withoutProof)
	proof := make([]byte, len(sig))
	for i := range sig {
		proof[i] = clientKey[i] ^ sig[i]
	}
	return withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)
}

// TestChannelBinding: SCRAM-SHA-256-PLUS checks the client's binding data,
// and a client that says the server cannot bind is refused when it offered to.
func TestChannelBinding(t *testing.T) {
	v, _ := NewVerifier("pw")
	binding := []byte("certificate hash")
	x := NewExchange(v, binding, true)
	first, err := x.ServerFirst([]byte("p=tls-server-end-point,,n=,r=abc"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.ServerFinal([]byte(clientFinal(t, "pw", "n=,r=abc", string(first), "p=tls-server-end-point,,"+string(binding)))); err != nil {
		t.Fatalf("right binding: %v", err)
	}
	x = NewExchange(v, binding, true)
	first, _ = x.ServerFirst([]byte("p=tls-server-end-point,,n=,r=abc"))
	if _, err := x.ServerFinal([]byte(clientFinal(t, "pw", "n=,r=abc", string(first), "p=tls-server-end-point,,other"))); !errors.Is(err, ErrMalformed) {
		t.Fatalf("wrong binding: %v", err)
	}
	for _, c := range []struct {
		plus bool
		msg  string
	}{
		{false, "y,,n=,r=abc"},                      // PLUS offered, client thinks it was not
		{true, "n,,n=,r=abc"},                       // PLUS chosen without binding
		{false, "p=tls-server-end-point,,n=,r=abc"}, // binding without choosing PLUS
		{true, "p=tls-unique,,n=,r=abc"},
	} {
		if _, err := NewExchange(v, binding, c.plus).ServerFirst([]byte(c.msg)); !errors.Is(err, ErrMalformed) {
			t.Errorf("plus=%v %q: %v", c.plus, c.msg, err)
		}
	}
	// Without TLS, "y" is a client that could bind: fine.
	x = NewExchange(v, nil, false)
	first, _ = x.ServerFirst([]byte("y,,n=,r=abc"))
	if _, err := x.ServerFinal([]byte(clientFinal(t, "pw", "n=,r=abc", string(first), "y,,"))); err != nil {
		t.Fatal(err)
	}
}

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain ascii\x01", "plain ascii\x01"},   // ASCII is kept as is
		{"w\u00f6rd", "w\u00f6rd"},               // composed stays composed
		{"wo\u0308rd", "w\u00f6rd"},              // decomposed is composed
		{"\ufb01sh", "fish"},                     // NFKC: the ligature is two letters
		{"a\u00a0b\u3000c", "a b c"},             // non-ASCII spaces are spaces
		{"so\u00adft\u200b", "soft"},             // mapped to nothing
		{"\u00e9\u0007bell", "\u00e9\u0007bell"}, // a control character: kept raw
		{"\u00e9\ue000private", "\u00e9\ue000private"},
		{"\xff\xfe", "\xff\xfe"}, // not UTF-8: kept raw
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
