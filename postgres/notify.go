package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// dueChannel is the LISTEN/NOTIFY channel on which writes that make
// deliveries due (publish, retry, recover, hand-back, enabling a webhook)
// tell every hookd process of the database. The payload is the schema the
// write went to, so that stores of other schemas of the same database
// ignore it.
const dueChannel = "hookd_due"

// notifyDue queues the notification in tx: PostgreSQL sends it when tx
// commits, once however many times tx asks. Publish does not: see
// startDueNotifier.
func notifyDue(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `SELECT pg_notify('`+dueChannel+`', current_schema())`)
	return err
}

// Bounds of the wait between reconnections of a listener.
const (
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

// SubscribeDue listens for the notifications that deliveries became due,
// on a connection of its own, and returns a channel that receives a value
// for each (coalesced: a signal waiting to be read absorbs the next ones).
// When the connection is lost it logs, connects again with a growing pause
// (up to 5s) and, once listening again, signals once, since notifications
// may have been missed meanwhile. The channel is closed when ctx ends or
// the store is closed. It fails only on a closed store.
func (s *Store) SubscribeDue(ctx context.Context) (<-chan struct{}, error) {
	select {
	case <-s.closing:
		return nil, errors.New("subscribe to due deliveries: the store is closed")
	default:
	}
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan struct{}, 1)
	s.listeners.Add(1)
	go func() {
		select {
		case <-s.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	go func() {
		defer s.listeners.Done()
		defer close(ch)
		defer cancel()
		s.listen(ctx, ch)
	}()
	return ch, nil
}

// listen runs one subscription until ctx ends.
func (s *Store) listen(ctx context.Context, ch chan<- struct{}) {
	signal := func() {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
	pause := listenRetryMin
	for first := true; ctx.Err() == nil; first = false {
		conn, schema, err := s.listenConn(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("listen for due deliveries: cannot connect; polling meanwhile", "err", err, "retry_in", pause)
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			pause = min(2*pause, listenRetryMax)
			continue
		}
		if !first {
			s.log.Info("listen for due deliveries: connected again")
			signal()
		}
		pause = listenRetryMin
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Warn("listen for due deliveries: connection lost", "err", err)
				}
				break
			}
			if n.Payload == schema {
				signal()
			}
		}
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(closeCtx)
		cancel()
	}
}

// listenConn opens a connection that listens on dueChannel and returns it
// with the schema whose notifications it wants.
func (s *Store) listenConn(ctx context.Context) (*pgx.Conn, string, error) {
	conn, err := pgx.ConnectConfig(ctx, s.connCfg.Copy())
	if err != nil {
		return nil, "", err
	}
	var schema string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		conn.Close(context.Background())
		return nil, "", err
	}
	if _, err := conn.Exec(ctx, `LISTEN `+dueChannel); err != nil {
		conn.Close(context.Background())
		return nil, "", err
	}
	return conn, schema, nil
}

// startDueNotifier runs, until Close, the goroutine that sends hookd_due
// for publishes (notifyDueSoon), after their commits. A transaction that
// NOTIFYs takes PostgreSQL's one notification-queue lock for its commit, so
// that concurrent publishes, each with a NOTIFY, committed one WAL flush
// after another: 16 clients publishing single events waited on that lock
// (pg_stat_activity: Lock/object) at under 800 events/s. The notification
// is only a wake-up: sent once the commit is done, and once for however
// many publishes commit while one is being sent, it costs one statement
// outside their transactions. Should this process die between a commit and
// its notification, the other processes find the deliveries at their next
// poll.
func (s *Store) startDueNotifier() {
	s.dueSoon = make(chan struct{}, 1)
	s.listeners.Add(1)
	go func() {
		defer s.listeners.Done()
		send := func(ctx context.Context) {
			if _, err := s.pool.Exec(ctx, `SELECT pg_notify('`+dueChannel+`', current_schema())`); err != nil {
				s.log.Debug("notify due deliveries (the others will poll)", "err", err)
			}
		}
		for {
			select {
			case <-s.dueSoon:
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				send(ctx)
				cancel()
			case <-s.closing:
				select {
				case <-s.dueSoon:
					ctx, cancel := context.WithTimeout(context.Background(), time.Second)
					send(ctx)
					cancel()
				default:
				}
				return
			}
		}
	}()
}

// notifyDueSoon asks the due notifier to send hookd_due; asks made while
// one is pending are one.
func (s *Store) notifyDueSoon() {
	select {
	case s.dueSoon <- struct{}{}:
	default:
	}
}
