package weir

import (
	"context"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/checkpoints"
	"github.com/weir-stream/weir/exec/tablelog"
	"github.com/weir-stream/weir/statestore/objstore"
)

// CheckpointInfo is what a checkpoint's manifest records beside the state,
// for operators and `weir checkpoint inspect`: the catalog's objects and
// where every source was at the checkpoint's epoch (exec/checkpoints).
type CheckpointInfo = checkpoints.Info

// CheckpointObject is a stream, table or view of a checkpoint's catalog.
type CheckpointObject = checkpoints.Object

// CheckpointSource is the read position of the source of a view at a
// checkpoint, in its connector's terms.
type CheckpointSource = checkpoints.Source

// recoveryInfo is what Open did to get its state, for the weir_recovery
// system table and the metrics: how it obtained it, and the table write
// log's records (and their rows) it applied again because the state
// lacked them. Open finishes it before anyone can query, so it needs no
// lock; progress during the restore goes to the log.
type recoveryInfo struct {
	checkpoints.Recovery
	replayed tablelog.Replayed
}

// checkpointConfig returns what exec/checkpoints needs of c.
func (c Config) checkpointConfig() checkpoints.Config {
	s3 := c.State.S3
	return checkpoints.Config{
		DataDir: c.Server.DataDir, Backend: c.State.BackendType, Enabled: c.State.Enabled,
		S3: objstore.S3Config{
			Bucket: s3.Bucket, Region: s3.Region, Prefix: s3.Prefix, EndpointURL: s3.EndpointURL,
			AccessKeyID: s3.AccessKeyID, SecretAccessKey: s3.SecretAccessKey,
		},
		Retained: c.State.RetainedCheckpoints, S3UploadEvery: c.State.S3UploadEvery,
		Interval: c.interval(), ExactlyOnce: c.State.ExactlyOnce,
		RestoreFrom: c.RestoreFrom, Hook: c.CheckpointHook,
	}
}

// OpenCheckpointStore returns the object store cfg writes checkpoints to,
// for tools that list, inspect and verify them. With backend hybrid it is
// the S3 store; set BackendType to local to read the local one.
func OpenCheckpointStore(ctx context.Context, cfg Config) (objstore.Store, error) {
	return checkpoints.OpenStore(ctx, cfg.checkpointConfig())
}

// checkpointInfo returns the CheckpointInfo of epoch: the catalog's
// objects and the positions of the running sources at epoch.
func (e *Engine) checkpointInfo(epoch exec.Epoch) CheckpointInfo {
	var info CheckpointInfo
	for _, o := range e.cat.List(0) {
		info.Objects = append(info.Objects, CheckpointObject{Name: o.Name, Kind: o.Kind.String(), Pipeline: o.Pipeline, PipelineKeys: o.PipelineKeys})
	}
	for _, j := range e.jobs.List() {
		for _, s := range j.sources {
			if pos, ok := s.src.PositionAt(epoch); ok {
				info.Sources = append(info.Sources, CheckpointSource{View: j.Name, Stream: s.stream.Name, Position: pos})
			}
		}
	}
	return info
}

// durableFlush returns once everything written before the call is in a
// checkpoint (or, without checkpoints or with exactly_once false, visible
// to queries).
func (e *Engine) durableFlush(ctx context.Context) error { return e.cp.Flush(ctx, e.coord.Flush) }
