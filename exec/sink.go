package exec

import "context"

// SinkRecord is one record a sink delivers: the encoded Key (nil for sinks
// without keys) and Value (nil is a tombstone: an upsert sink's delete).
type SinkRecord struct {
	Key, Value []byte
}

// SinkWriter delivers the output of committed epochs to the world outside
// weir (a Kafka topic, files, stdout). The output of every epoch is first
// kept in state, in the same commit as the epoch's source positions; the
// engine then hands it to the SinkWriter in two phases tied to checkpoints,
// so that a crash at any point neither loses nor repeats an epoch at the
// destination:
//
//   - Recover is called once, before anything else. It returns the newest
//     epoch whose output the destination holds for good (0 when none), and
//     discards whatever an earlier run prepared and did not commit (Kafka:
//     fencing the old producer aborts its open transaction). The engine then
//     delivers, from its state, every epoch after the one returned.
//   - Prepare writes records, the output of the epochs after the last
//     committed one up to epoch, so that they are not yet visible (Kafka:
//     produced and flushed inside a transaction; files: a temporary file).
//     It may be called before the checkpoint of epoch is durable.
//   - Commit makes what Prepare wrote visible, atomically with the
//     destination's record that epoch is delivered, so that a later Recover
//     returns it. The engine calls it only once the checkpoint that holds
//     epoch is durable (with exactly_once; at once otherwise).
//   - Abort discards what Prepare wrote; the engine prepares the same
//     epochs again later.
//
// Prepare and Commit alternate: at most one epoch is prepared and not
// committed. A SinkWriter that cannot hide output until Commit (stdout)
// writes in Prepare and returns 0 from Recover: after a crash it delivers
// the epochs after the checkpoint again (at least once). The engine calls
// a SinkWriter from one goroutine at a time.
//
// Writing a new sink: implement these five methods over the destination's
// own atomic step (a transaction, a rename), keep the last delivered epoch
// next to the data, and register a constructor with the engine.
type SinkWriter interface {
	Recover(ctx context.Context) (Epoch, error)
	Prepare(ctx context.Context, epoch Epoch, records []SinkRecord) error
	Commit(ctx context.Context, epoch Epoch) error
	Abort(ctx context.Context) error
	Close() error
}
