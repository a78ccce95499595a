package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
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

// TestWireOptionsFromConfig: the connection bounds of the config reach the
// wire server.
func TestWireOptionsFromConfig(t *testing.T) {
	cfg := weir.DefaultConfig()
	if cfg.Server.MaxConnections != 100 {
		t.Errorf("default max_connections = %d, want Postgres' 100", cfg.Server.MaxConnections)
	}
	cfg.Server.MaxConnections, cfg.Server.MaxStartupConnections, cfg.Server.MaxStatementBytes = 7, 3, 1<<20
	opts, err := wireOptions(nil, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if opts.MaxConns != 7 || opts.MaxStartupConns != 3 || opts.MaxStatementSize != 1<<20 {
		t.Errorf("wire options %d, %d, %d; want 7, 3, %d", opts.MaxConns, opts.MaxStartupConns, opts.MaxStatementSize, 1<<20)
	}
}
