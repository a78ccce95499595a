package main

import (
	"strings"
	"testing"
)

// TestServeRefusesTrustOnOpenAddress: `weir serve` on an address other
// hosts reach, with trust authentication, does not start and says why.
func TestServeRefusesTrustOnOpenAddress(t *testing.T) {
	for _, args := range [][]string{
		{"--listen", "0.0.0.0:0", "--memory"},
		{"--listen", ":0", "--memory"},
	} {
		err := serve(args)
		if err == nil || !strings.Contains(err.Error(), "server.auth.method") || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("serve %v: %v", args, err)
		}
	}
}
