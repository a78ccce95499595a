package weir

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/planner/catalog"
	"github.com/weir-stream/weir/statestore"
)

// sinkBatchRecords bounds the records of one delivery: more epochs wait
// for the next.
const sinkBatchRecords = 1 << 18

// sinkDriver delivers a sink's log to its SinkWriter: after Recover, it
// prepares the records of the committed epochs not yet delivered (read
// from the log in state), commits them once the checkpoint holding them is
// durable (at once without exactly-once), and then deletes them from the
// log. It runs in its own goroutine, woken at every epoch commit and
// checkpoint; the dataflow never waits for it.
type sinkDriver struct {
	e     *Engine
	name  string
	table statestore.TableID
	w     exec.SinkWriter
	spec  sinkSpec

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}

	// Owned by the driver goroutine.
	recovered bool
	delivered exec.Epoch // the last epoch the destination holds
	prepared  exec.Epoch // prepared and not committed, 0 when none

	mu    sync.Mutex
	stats sinkStats
	// committedAt is when each epoch not yet delivered was committed, for
	// the delivery lag.
	committedAt map[exec.Epoch]time.Time
}

// sinkStats is what weir_sinks shows of a sink.
type sinkStats struct {
	Records, Bytes     int64
	Committed, Aborted int64
	Delivered          exec.Epoch
	Prepared           exec.Epoch    // prepared and not committed (an open transaction), 0 when none
	LastLag            time.Duration // from an epoch's commit to its delivery
	LastErr            string
	lastErrLogged      time.Time
}

func newSinkDriver(e *Engine, o *catalog.Object, spec sinkSpec, w exec.SinkWriter) *sinkDriver {
	return &sinkDriver{e: e, name: o.Name, table: o.StateTables[0], w: w, spec: spec,
		wake: make(chan struct{}, 1), done: make(chan struct{}), committedAt: map[exec.Epoch]time.Time{}}
}

// start runs the driver until stop.
func (d *sinkDriver) start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.run(ctx)
}

// poke wakes the driver: an epoch was committed or a checkpoint written.
func (d *sinkDriver) poke(epoch exec.Epoch) {
	if epoch != 0 {
		d.mu.Lock()
		if _, ok := d.committedAt[epoch]; !ok && len(d.committedAt) < 1<<16 {
			d.committedAt[epoch] = time.Now()
		}
		d.mu.Unlock()
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// stop ends the driver. With flush, it first delivers what is committed
// and durable (a clean shutdown), within ctx.
func (d *sinkDriver) stop(ctx context.Context, flush bool) {
	if d.cancel == nil {
		// Never started (its job failed to start).
		_ = d.w.Close()
		return
	}
	if flush {
		d.poke(0)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			d.mu.Lock()
			delivered := d.stats.Delivered
			d.mu.Unlock()
			if delivered >= d.e.coord.Committed() || d.failing() {
				break
			}
			d.poke(0)
			time.Sleep(10 * time.Millisecond)
		}
	}
	d.cancel()
	<-d.done
}

// failing reports whether the last delivery step failed.
func (d *sinkDriver) failing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats.LastErr != ""
}

func (d *sinkDriver) run(ctx context.Context) {
	defer close(d.done)
	defer d.w.Close()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := d.step(ctx)
		d.mu.Lock()
		if err != nil && ctx.Err() == nil {
			d.stats.LastErr = err.Error()
			if time.Since(d.stats.lastErrLogged) > 10*time.Second {
				d.stats.lastErrLogged = time.Now()
				d.e.log.Error("sink delivery failed; retrying", "sink", d.name, "err", err)
			}
		} else if err == nil {
			d.stats.LastErr = ""
		}
		d.mu.Unlock()
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
		case <-tick.C:
		}
	}
}

// durable returns the newest epoch whose output may be committed: the
// newest durable checkpoint with exactly-once (with backend hybrid, the
// newest in S3; the committed epoch when there are no checkpoints), else
// the committed epoch.
func (d *sinkDriver) durable() exec.Epoch {
	committed := d.e.coord.Committed()
	if !d.spec.exactlyOnce || d.e.cp == nil {
		return committed
	}
	durable := min(committed, exec.Epoch(d.e.cp.Durable()))
	if d.e.remote != nil {
		// Hybrid: a lost machine recovers from S3, which must hold every
		// epoch the destination does.
		durable = min(durable, exec.Epoch(d.e.remote.Durable()))
	}
	return durable
}

// step does what can be done now: recover, commit the prepared epochs,
// prepare the next ones. A failure leaves the undelivered epochs in the log
// for a later step.
func (d *sinkDriver) step(ctx context.Context) error {
	if !d.recovered {
		last, err := d.w.Recover(ctx)
		if err != nil {
			return err
		}
		if committed := d.e.coord.Committed(); last > committed {
			// The destination holds epochs newer than the state: the state
			// was restored from an older checkpoint than the newest (a
			// fallback, or --restore-from). The epochs after it are
			// computed again and delivered again: at least once.
			d.e.log.Warn("the sink's destination holds epochs newer than the restored state (restored from an older checkpoint than the newest); what the epochs after the state produce again may be delivered twice",
				"sink", d.name, "destination_epoch", last, "state_epoch", committed)
			last = committed
		}
		d.recovered, d.delivered = true, last
		d.mu.Lock()
		d.stats.Delivered = last
		d.mu.Unlock()
		d.e.log.Info("sink recovered", "sink", d.name, "delivered_epoch", last)
		if err := d.trim(); err != nil {
			return err
		}
	}
	for {
		durable := d.durable()
		if d.prepared != 0 {
			if durable < d.prepared {
				return nil
			}
			d.hook("sink-committing")
			if err := d.w.Commit(ctx, d.prepared); err != nil {
				// Whether the commit happened is the destination's to say:
				// recover again before anything else.
				d.failed()
				return err
			}
			d.hook("sink-committed")
			d.finish(d.prepared, true)
			if err := d.trim(); err != nil {
				return err
			}
		}
		committed := d.e.coord.Committed()
		if committed <= d.delivered {
			return nil
		}
		upTo, records, err := d.read(committed)
		if err != nil {
			return err
		}
		if len(records) == 0 {
			// Epochs without output: nothing to deliver or record.
			d.finish(upTo, false)
			continue
		}
		if err := d.w.Prepare(ctx, upTo, records); err != nil {
			if aerr := d.w.Abort(ctx); aerr != nil && !errors.Is(aerr, context.Canceled) {
				d.e.log.Warn("sink abort failed", "sink", d.name, "err", aerr)
			}
			d.failed()
			return err
		}
		d.prepared = upTo
		d.hook("sink-prepared")
		d.mu.Lock()
		d.stats.Prepared = upTo
		d.stats.Records += int64(len(records))
		for _, r := range records {
			d.stats.Bytes += int64(len(r.Key) + len(r.Value))
		}
		d.mu.Unlock()
	}
}

// hook calls the crash tests' hook at a step of the delivery.
func (d *sinkDriver) hook(step string) {
	if h := d.e.cfg.CheckpointHook; h != nil {
		h(step)
	}
}

// failed forgets the prepared epochs after a failed step: the next step
// recovers first, so that the destination says what it holds (a commit
// whose answer was lost may have happened) and the undelivered epochs are
// prepared again from there, never twice.
func (d *sinkDriver) failed() {
	d.prepared = 0
	d.recovered = false
	d.mu.Lock()
	d.stats.Prepared = 0
	d.stats.Aborted++
	d.mu.Unlock()
}

// finish records epoch as delivered, by a commit or (without output) by
// nothing to deliver.
func (d *sinkDriver) finish(epoch exec.Epoch, committed bool) {
	d.prepared = 0
	d.delivered = epoch
	d.mu.Lock()
	defer d.mu.Unlock()
	if committed {
		d.stats.Committed++
	}
	d.stats.Prepared = 0
	d.stats.Delivered = epoch
	for e, at := range d.committedAt {
		if e <= epoch {
			if e == epoch {
				d.stats.LastLag = time.Since(at)
			}
			delete(d.committedAt, e)
		}
	}
}

// read returns the logged records of the epochs after the delivered one,
// up to committed, or fewer whole epochs when there are more than
// sinkBatchRecords, and the last epoch they cover.
func (d *sinkDriver) read(committed exec.Epoch) (exec.Epoch, []exec.SinkRecord, error) {
	lo := ops.SinkLogEpochStart(d.table, d.delivered+1)
	hi := ops.SinkLogEpochStart(d.table, committed+1)
	var records []exec.SinkRecord
	var last exec.Epoch
	upTo := committed
	err := d.e.store.Scan(lo, hi, func(k, v []byte) (bool, error) {
		epoch, err := ops.SinkLogEpoch(k)
		if err != nil {
			return false, err
		}
		if len(records) >= sinkBatchRecords && epoch > last {
			upTo = last
			return false, nil
		}
		// One copy per record: the key and value alias it (v is valid
		// only during the call).
		r, err := ops.DecodeSinkRecord(bytes.Clone(v))
		if err != nil {
			return false, err
		}
		records = append(records, r)
		last = epoch
		return true, nil
	})
	return upTo, records, err
}

// trim deletes the log of the delivered epochs.
func (d *sinkDriver) trim() error {
	lo, _ := statestore.TableSpan(d.table)
	w := d.e.store.NewWriteBatch()
	defer w.Close()
	if err := w.DeleteRange(lo, ops.SinkLogEpochStart(d.table, d.delivered+1)); err != nil {
		return err
	}
	return w.Commit()
}

// snapshotStats returns the sink's statistics.
func (d *sinkDriver) snapshotStats() sinkStats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}
