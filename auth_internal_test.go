package weir

import (
	"context"
	"testing"
)

// TestMockSecretSurvivesRestart: the secret of the mock SCRAM exchange is
// the same after a restart, so that the salts sent for unknown users do not
// change and give away which users exist.
func TestMockSecretSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	cfg := DefaultConfig()
	cfg.Server.DataDir = t.TempDir()
	var secrets [][]byte
	for i := 0; i < 2; i++ {
		e, err := Open(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.MockSecret()
		if err != nil {
			t.Fatal(err)
		}
		secrets = append(secrets, s)
		if err := e.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(secrets[0]) != 32 || string(secrets[0]) != string(secrets[1]) {
		t.Fatalf("mock secrets %x and %x", secrets[0], secrets[1])
	}
}
