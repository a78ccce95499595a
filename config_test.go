package weir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weir-stream/weir"
)

// TestLoadConfig: a good file loads over the defaults; a bad one is an
// error that names the file and the key.
func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.yaml", "server:\n  listen: 127.0.0.1:6000\nstate_management:\n  checkpoint_interval_ms: 250\n  retained_checkpoints: 2\n")
	cfg, err := weir.LoadConfig(good)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Server.Listen != "127.0.0.1:6000" || cfg.State.CheckpointIntervalMS != 250 || cfg.State.RetainedCheckpoints != 2 || cfg.State.BackendType != "local" {
		t.Fatalf("loaded %+v", cfg)
	}
	for _, c := range []struct{ name, text, want string }{
		{"unknown.yaml", "state_management:\n  checkpoint_intervl_ms: 5\n", "checkpoint_intervl_ms"},
		{"backend.yaml", "state_management:\n  backend_type: tape\n", "state_management.backend_type"},
		{"retain.yaml", "state_management:\n  retained_checkpoints: 0\n", "state_management.retained_checkpoints"},
		{"interval.yaml", "state_management:\n  checkpoint_interval_ms: -1\n", "state_management.checkpoint_interval_ms"},
		{"type.yaml", "state_management:\n  retained_checkpoints: many\n", "retained_checkpoints"},
		{"hybrid.yaml", "state_management:\n  backend_type: hybrid\n", "state_management.s3_config.bucket"},
		{"every.yaml", "state_management:\n  backend_type: hybrid\n  s3_upload_every: 0\n  s3_config:\n    bucket: b\n", "state_management.s3_upload_every"},
		{"ttl.yaml", "state_management:\n  state_timeout_ms: -5\n", "state_management.state_timeout_ms"},
		{"metrics.yaml", "server:\n  metrics_listen: nowhere\n", "server.metrics_listen"},
		{"conns.yaml", "server:\n  max_connections: -1\n", "server.max_connections"},
		{"startup.yaml", "server:\n  max_startup_connections: -2\n", "server.max_startup_connections"},
		{"cursors.yaml", "server:\n  cursor_connections: -1\n", "server.cursor_connections"},
		{"cursormem.yaml", "server:\n  cursor_memory_bytes: -1\n", "server.cursor_memory_bytes"},
		{"sync.yaml", "state_management:\n  synchronous_commit: sometimes\n", "state_management.synchronous_commit"},
	} {
		_, err := weir.LoadConfig(write(c.name, c.text))
		if err == nil || !strings.Contains(err.Error(), c.name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and %s", c.name, err, c.want)
		}
	}
}
