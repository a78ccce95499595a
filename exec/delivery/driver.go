// Package delivery delivers a sink's records exactly once. A sink's
// dataflow ends in ops.SinkLog, which writes each epoch's records into the
// sink's log table in state, in the epoch's commit; a Driver, in its own
// goroutine, hands the records of the committed epochs to the sink's
// exec.SinkWriter: Recover once, then Prepare the epochs after what the
// destination holds, and Commit them once the checkpoint holding them is
// durable; delivered epochs are deleted from the log. Any failure goes back
// to Recover, so nothing is delivered twice or lost.
package delivery

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/weir-stream/weir/exec"
	"github.com/weir-stream/weir/exec/ops"
	"github.com/weir-stream/weir/statestore"
)

// BatchRecords bounds the records of one delivery: more epochs wait for
// the next.
const BatchRecords = 1 << 18

// Options configure a Driver.
type Options struct {
	// Name is the sink's, for the log.
	Name string
	// Log is the sink's log table (ops.SinkLog's) in Store.
	Log   statestore.TableID
	Store *statestore.Store
	// Writer delivers to the destination; the driver closes it when it
	// stops.
	Writer exec.SinkWriter
	// Committed returns the newest committed epoch.
	Committed func() exec.Epoch
	// Durable returns the newest epoch whose output may be committed to
	// the destination: the newest durable checkpoint's for exactly-once
	// delivery, else Committed's.
	Durable func() exec.Epoch
	// Hook, when set, is called at the steps sink-prepared,
	// sink-committing and sink-committed (crash tests kill there).
	Hook func(step string)
	// Logger receives the driver's failures and recoveries.
	Logger *slog.Logger
}

// Driver delivers a sink's log to its SinkWriter: after Recover, it
// prepares the records of the committed epochs not yet delivered (read
// from the log in state), commits them once Options.Durable reaches them,
// and then deletes them from the log. It runs in its own goroutine, woken
// at every epoch commit and checkpoint (Poke); the dataflow never waits
// for it.
type Driver struct {
	opts Options

	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}

	// Owned by the driver goroutine.
	recovered bool
	delivered exec.Epoch // the last epoch the destination holds
	prepared  exec.Epoch // prepared and not committed, 0 when none

	mu    sync.Mutex
	stats Stats
	// committedAt is when each epoch not yet delivered was committed, for
	// the delivery lag.
	committedAt map[exec.Epoch]time.Time
}

// Stats is what weir_sinks and the metrics show of a sink's delivery.
type Stats struct {
	Records, Bytes     int64
	Committed, Aborted int64
	Delivered          exec.Epoch
	Prepared           exec.Epoch    // prepared and not committed (an open transaction), 0 when none
	LastLag            time.Duration // from an epoch's commit to its delivery
	LastErr            string
	lastErrLogged      time.Time
}

// New returns the driver of a sink; it does nothing until Start.
func New(opts Options) *Driver {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Driver{opts: opts, wake: make(chan struct{}, 1), done: make(chan struct{}), committedAt: map[exec.Epoch]time.Time{}}
}

// Start runs the driver until Stop.
func (d *Driver) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go d.run(ctx)
}

// Poke wakes the driver: epoch was committed (0: a checkpoint was written).
func (d *Driver) Poke(epoch exec.Epoch) {
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

// Stop ends the driver and closes the writer. With flush, it first
// delivers what is committed and durable (a clean shutdown), for up to 10
// seconds, within ctx.
func (d *Driver) Stop(ctx context.Context, flush bool) {
	if d.cancel == nil {
		// Never started (its job failed to start).
		_ = d.opts.Writer.Close()
		return
	}
	if flush {
		d.Poke(0)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && ctx.Err() == nil {
			d.mu.Lock()
			delivered := d.stats.Delivered
			d.mu.Unlock()
			if delivered >= d.opts.Committed() || d.failing() {
				break
			}
			d.Poke(0)
			time.Sleep(10 * time.Millisecond)
		}
	}
	d.cancel()
	<-d.done
}

// Stats returns the delivery's statistics.
func (d *Driver) Stats() Stats {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats
}

// failing reports whether the last delivery step failed.
func (d *Driver) failing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.stats.LastErr != ""
}

func (d *Driver) run(ctx context.Context) {
	defer close(d.done)
	defer d.opts.Writer.Close()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := d.step(ctx)
		d.mu.Lock()
		if err != nil && ctx.Err() == nil {
			d.stats.LastErr = err.Error()
			if time.Since(d.stats.lastErrLogged) > 10*time.Second {
				d.stats.lastErrLogged = time.Now()
				d.opts.Logger.Error("sink delivery failed; retrying", "sink", d.opts.Name, "err", err)
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

// step does what can be done now: recover, commit the prepared epochs,
// prepare the next ones. A failure leaves the undelivered epochs in the log
// for a later step.
func (d *Driver) step(ctx context.Context) error {
	if !d.recovered {
		last, err := d.opts.Writer.Recover(ctx)
		if err != nil {
			return err
		}
		if committed := d.opts.Committed(); last > committed {
			// The destination holds epochs newer than the state: the state
			// was restored from an older checkpoint than the newest (a
			// fallback, or --restore-from). The epochs after it are
			// computed again and delivered again: at least once.
			d.opts.Logger.Warn("the sink's destination holds epochs newer than the restored state (restored from an older checkpoint than the newest); what the epochs after the state produce again may be delivered twice",
				"sink", d.opts.Name, "destination_epoch", last, "state_epoch", committed)
			last = committed
		}
		d.recovered, d.delivered = true, last
		d.mu.Lock()
		d.stats.Delivered = last
		d.mu.Unlock()
		d.opts.Logger.Info("sink recovered", "sink", d.opts.Name, "delivered_epoch", last)
		if err := d.trim(); err != nil {
			return err
		}
	}
	for {
		durable := d.opts.Durable()
		if d.prepared != 0 {
			if durable < d.prepared {
				return nil
			}
			d.hook("sink-committing")
			if err := d.opts.Writer.Commit(ctx, d.prepared); err != nil {
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
		committed := d.opts.Committed()
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
		if err := d.opts.Writer.Prepare(ctx, upTo, records); err != nil {
			if aerr := d.opts.Writer.Abort(ctx); aerr != nil && !errors.Is(aerr, context.Canceled) {
				d.opts.Logger.Warn("sink abort failed", "sink", d.opts.Name, "err", aerr)
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

// hook calls Options.Hook at a step of the delivery.
func (d *Driver) hook(step string) {
	if d.opts.Hook != nil {
		d.opts.Hook(step)
	}
}

// failed forgets the prepared epochs after a failed step: the next step
// recovers first, so that the destination says what it holds (a commit
// whose answer was lost may have happened) and the undelivered epochs are
// prepared again from there, never twice.
func (d *Driver) failed() {
	d.prepared = 0
	d.recovered = false
	d.mu.Lock()
	d.stats.Prepared = 0
	d.stats.Aborted++
	d.mu.Unlock()
}

// finish records epoch as delivered, by a commit or (without output) by
// nothing to deliver.
func (d *Driver) finish(epoch exec.Epoch, committed bool) {
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
// BatchRecords, and the last epoch they cover.
func (d *Driver) read(committed exec.Epoch) (exec.Epoch, []exec.SinkRecord, error) {
	lo := ops.SinkLogEpochStart(d.opts.Log, d.delivered+1)
	hi := ops.SinkLogEpochStart(d.opts.Log, committed+1)
	var records []exec.SinkRecord
	var last exec.Epoch
	upTo := committed
	err := d.opts.Store.Scan(lo, hi, func(k, v []byte) (bool, error) {
		epoch, err := ops.SinkLogEpoch(k)
		if err != nil {
			return false, err
		}
		if len(records) >= BatchRecords && epoch > last {
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
func (d *Driver) trim() error {
	lo, _ := statestore.TableSpan(d.opts.Log)
	w := d.opts.Store.NewWriteBatch()
	defer w.Close()
	if err := w.DeleteRange(lo, ops.SinkLogEpochStart(d.opts.Log, d.delivered+1)); err != nil {
		return err
	}
	return w.Commit()
}
