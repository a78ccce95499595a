// Package checkpoints is how an engine's state survives a crash: it opens
// the checkpoint object stores a configuration names (a local directory,
// S3, or with backend hybrid both), opens the state store (restoring the
// newest checkpoint that verifies unless the state directory was closed
// cleanly), and with the Writer takes a checkpoint of each committed epoch
// (paced, and with backend hybrid one to S3 every s3_upload_every-th),
// waits until a checkpoint holds an epoch, and takes the last one at a
// clean stop.
//
// The engine hands it its configuration as a Config, a logger, and
// callbacks for what only the engine knows: what a checkpoint records
// beside the state (Info) and what to do when one finishes. The package
// knows no catalog, job or connector.
package checkpoints

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/weir-stream/weir/statestore/objstore"
)

// Config is what the package needs of the engine's configuration: the
// server's data directory and the state_management block.
type Config struct {
	// DataDir holds the state directory, the local checkpoints, the
	// scratch directories of the uploads and the clean-shutdown marker.
	DataDir string
	// Backend is state_management.backend_type: memory (no state on disk,
	// no checkpoints), local, s3 or hybrid.
	Backend string
	// Enabled false keeps state in the data directory without checkpoints.
	Enabled bool
	// S3 is where backend s3 and hybrid write checkpoints.
	S3 objstore.S3Config
	// Retained is how many checkpoints each store keeps.
	Retained int
	// S3UploadEvery is, with backend hybrid, how many local checkpoints
	// there are per checkpoint to S3.
	S3UploadEvery int
	// Interval is the checkpoint interval: epochs that come faster (cut
	// by writes to tables) take a checkpoint at most every half interval,
	// unless a Flush waits for one.
	Interval time.Duration
	// ExactlyOnce makes Flush return only once a checkpoint holds the
	// epoch it committed.
	ExactlyOnce bool
	// RestoreFrom, when not 0, makes Open restore the checkpoint of that
	// epoch instead of the newest or the local state of a clean shutdown.
	RestoreFrom uint64
	// Hook, when set, is called at each step of every checkpoint
	// (statestore.CheckpointStep names them); crash tests kill the process
	// there.
	Hook func(step string)
}

// WritesCheckpoints reports whether c writes checkpoints.
func (c Config) WritesCheckpoints() bool {
	return c.Enabled && c.Backend != "memory"
}

// OpenStore returns the object store c writes checkpoints to, for tools
// that list, inspect and verify them. With backend hybrid it is the S3
// store; set Backend to local to read the local one.
func OpenStore(ctx context.Context, c Config) (objstore.Store, error) {
	if !c.WritesCheckpoints() {
		return nil, fmt.Errorf("state_management: backend_type %q with enabled: %v writes no checkpoints", c.Backend, c.Enabled)
	}
	if c.Backend == "hybrid" {
		c.Backend = "s3"
	}
	return openObjects(ctx, c)
}

// openObjects returns the object store checkpoints go to (with backend
// hybrid, the local one).
func openObjects(ctx context.Context, c Config) (objstore.Store, error) {
	switch c.Backend {
	case "local", "hybrid":
		return objstore.NewDir(filepath.Join(c.DataDir, "checkpoints"))
	case "s3":
		return objstore.NewS3(ctx, c.S3)
	}
	return nil, fmt.Errorf("state_management.backend_type: %q cannot hold checkpoints", c.Backend)
}

// store is an object store checkpoints go to, with its name in logs and
// the weir_checkpoints table.
type store struct {
	name    string // "local" or "s3"
	objects objstore.Store
}

// openStores returns the stores c writes checkpoints to: one, or with
// backend hybrid the local directory (every epoch) and S3 (every
// s3_upload_every-th).
func openStores(ctx context.Context, c Config) ([]store, error) {
	first, err := openObjects(ctx, c)
	if err != nil {
		return nil, err
	}
	name := c.Backend
	if name == "hybrid" {
		name = "local"
	}
	stores := []store{{name: name, objects: first}}
	if c.Backend == "hybrid" {
		remote, err := OpenStore(ctx, c)
		if err != nil {
			return nil, err
		}
		stores = append(stores, store{name: "s3", objects: remote})
	}
	return stores, nil
}
