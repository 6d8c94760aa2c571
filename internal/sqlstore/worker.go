package sqlstore

import (
	"context"
	"sync"
	"time"
)

// Worker runs a job in its own goroutine whenever woken, and again after a
// pause when a run fails, until Stop: both engines' backlog workers, which
// fail the pending deliveries that disables left to them.
type Worker struct {
	wake   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// Start runs run at once and then whenever Wake is called; a run that
// fails calls onErr and is tried again after retry. run gets a context that
// Stop ends.
func (w *Worker) Start(run func(ctx context.Context) error, retry time.Duration, onErr func(error)) {
	ctx, cancel := context.WithCancel(context.Background())
	w.wake, w.cancel, w.done = make(chan struct{}, 1), cancel, make(chan struct{})
	w.Wake()
	go func() {
		defer close(w.done)
		again := time.NewTimer(0)
		<-again.C
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
			case <-again.C:
			}
			if err := run(ctx); err != nil && ctx.Err() == nil {
				onErr(err)
				again.Reset(retry)
			}
		}
	}()
}

// Wake asks for a run; a wake while one is asked for already is one run.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stop ends the worker once its run under way is done. It is safe to call
// more than once, and without Start.
func (w *Worker) Stop() {
	w.once.Do(func() {
		if w.cancel != nil {
			w.cancel()
			<-w.done
		}
	})
}

// FailMarked runs fail for every webhook that a disable marked (its
// failing_at is set), read on q, and stops at the first error.
func FailMarked(ctx context.Context, q Querier, fail func(ctx context.Context, webhookID string) error) error {
	rows, err := q.Query(ctx, `SELECT id FROM webhooks WHERE failing_at IS NOT NULL`)
	ids, err := Collect(rows, err, func(row Row) (string, error) {
		var id string
		err := row.Scan(&id)
		return id, err
	})
	for _, id := range ids {
		if err == nil {
			err = fail(ctx, id)
		}
	}
	return err
}
