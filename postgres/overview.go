package postgres

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/internal/sqlstore"
	"github.com/jackc/pgx/v5"
)

// The operator's overview. Attempts are counted per minute in
// attempt_minutes (migration 0005): RecordAttempts adds what it wrote to
// this process's counts in memory (attemptCounts), which a background
// flusher writes every attemptFlushEvery, in one transaction, to one of
// attemptShards rows per minute; Overview and Purge write them first.
// Pending deliveries are counted from deliveries_due.

// attemptFlushEvery is how often this process's attempt counts are
// written: the delivery hot path then costs no statement, and a process
// that dies loses the counts of its last second at most.
const attemptFlushEvery = time.Second

// attemptShards is how many rows share each minute's counts: a flush adds
// to one of them, picked at random, so that the flushes of several
// processes seldom queue for one row's lock.
const attemptShards = 16

const (
	// sqlCountAttempts adds attempts of minute $1 to shard $2.
	sqlCountAttempts = `INSERT INTO attempt_minutes (minute, shard, succeeded, failed) VALUES ($1, $2, $3, $4)
		ON CONFLICT (minute, shard) DO UPDATE SET succeeded = attempt_minutes.succeeded + excluded.succeeded,
			failed = attempt_minutes.failed + excluded.failed`
	// sqlOverviewMinutes sums the shards of the minutes from $1 to $2.
	sqlOverviewMinutes = `SELECT minute, sum(succeeded)::bigint, sum(failed)::bigint FROM attempt_minutes
		WHERE minute BETWEEN $1 AND $2 GROUP BY minute`
	// sqlOverviewTotals counts workspaces and webhooks, and the pending
	// deliveries with those of them due at $1.
	sqlOverviewTotals = `SELECT (SELECT count(*) FROM workspaces), (SELECT count(*) FROM webhooks),
		count(*), count(*) FILTER (WHERE next_attempt_at <= $1)
		FROM deliveries WHERE status = 'pending'`
	// sqlTroubled lists the webhooks that are failing (active, with a
	// failing streak) and then those disabled, most recently updated first.
	sqlTroubled = `SELECT ` + sqlstore.WebhookColumns + ` FROM webhooks
		WHERE status = 'disabled' OR failing_since IS NOT NULL
		ORDER BY status = 'disabled', updated_at DESC, id DESC LIMIT $1`
)

// attemptCounts are the attempts this process recorded and has not
// written to attempt_minutes yet, by minute.
type attemptCounts struct {
	mu      sync.Mutex
	pending map[time.Time][2]int // minute -> succeeded, failed
	// flushing makes flushes one at a time, so that a flush that returns
	// has written every count added before it began.
	flushing sync.Mutex
}

// add counts tallies.
func (c *attemptCounts) add(tallies []sqlstore.MinuteTally) {
	if len(tallies) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[time.Time][2]int{}
	}
	for _, t := range tallies {
		n := c.pending[t.Minute]
		c.pending[t.Minute] = [2]int{n[0] + t.Succeeded, n[1] + t.Failed}
	}
}

// take returns the counts, in time order, and forgets them.
func (c *attemptCounts) take() []sqlstore.MinuteTally {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]sqlstore.MinuteTally, 0, len(c.pending))
	for m, n := range c.pending {
		out = append(out, sqlstore.MinuteTally{Minute: m, Succeeded: n[0], Failed: n[1]})
	}
	clear(c.pending)
	slices.SortFunc(out, func(a, b sqlstore.MinuteTally) int { return a.Minute.Compare(b.Minute) })
	return out
}

// flushAttemptCounts writes the attempt counts of this process to one
// shard, picked at random, in one transaction; when that fails they stay
// in memory for the next flush. The minutes go in time order: two flushes
// that pick one shard lock its rows in one order, and cannot deadlock.
func (s *Store) flushAttemptCounts(ctx context.Context) error {
	s.attempts.flushing.Lock()
	defer s.attempts.flushing.Unlock()
	tallies := s.attempts.take()
	if len(tallies) == 0 {
		return nil
	}
	shard := rand.IntN(attemptShards)
	err := s.write(ctx, "write attempt counts", func(ctx context.Context, tx pgx.Tx) error {
		var b pgx.Batch
		for _, m := range tallies {
			b.Queue(sqlCountAttempts, m.Minute, shard, m.Succeeded, m.Failed)
		}
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		s.attempts.add(tallies)
	}
	return err
}

// startAttemptFlusher starts the goroutine that writes the attempt counts
// every attemptFlushEvery, and once more when the store closes.
func (s *Store) startAttemptFlusher() {
	s.listeners.Add(1)
	go func() {
		defer s.listeners.Done()
		tick := time.NewTicker(attemptFlushEvery)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				if err := s.flushAttemptCounts(context.Background()); err != nil {
					s.log.Debug("write attempt counts (will try again)", "err", err)
				}
			case <-s.closing:
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				if err := s.flushAttemptCounts(ctx); err != nil {
					s.log.Warn("write attempt counts at close: the overview misses them", "err", err)
				}
				cancel()
				return
			}
		}
	}()
}

// purgeAttemptMinutes deletes the attempt counts of the minutes that
// started before before, those of this process written first.
func (s *Store) purgeAttemptMinutes(ctx context.Context, before time.Time) error {
	if err := s.flushAttemptCounts(ctx); err != nil {
		return err
	}
	return s.write(ctx, "purge attempt counts", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM attempt_minutes WHERE minute < $1`, sqlstore.RoundTime(before))
		return err
	})
}

// Overview summarizes every workspace at now, from one snapshot
// (repeatable read) read in one round trip:
//
//   - Minutes: the attempts RecordAttempts wrote, in any process, by the
//     minute they started in (test attempts included), for the
//     hookd.OverviewMinutes minutes up to the one that holds now; counting
//     began with migration 0005. This process's counts are written first;
//     other processes' show within attemptFlushEvery. When that write
//     fails, the counts wait for the next one and the rest is answered.
//   - Pending: the pending deliveries; Due: those of them whose next
//     attempt is at or before now, leased or not.
//   - Troubled: active webhooks with a failing streak, then disabled ones
//     (whose FailingSince is the streak that ran when they were disabled,
//     if any), most recently updated first, at most hookd.OverviewTroubled.
//
// Its cost follows the pending deliveries (deliveries_due holds only
// them) and the number of webhooks, not the deliveries kept.
func (s *Store) Overview(ctx context.Context, now time.Time) (*hookd.Overview, error) {
	_ = s.flushAttemptCounts(ctx) // a full disk must not hide the rest
	last := now.UTC().Truncate(time.Minute)
	first := last.Add(-(hookd.OverviewMinutes - 1) * time.Minute)
	o := &hookd.Overview{Minutes: make([]hookd.MinuteCount, hookd.OverviewMinutes), Troubled: []hookd.TroubledWebhook{}}
	err := s.read(ctx, "overview", func(ctx context.Context, tx pgx.Tx) error {
		for i := range o.Minutes {
			o.Minutes[i] = hookd.MinuteCount{Start: first.Add(time.Duration(i) * time.Minute)}
		}
		o.Troubled = o.Troubled[:0]
		var b pgx.Batch
		b.Queue(sqlOverviewMinutes, first, last)
		b.Queue(sqlOverviewTotals, sqlstore.RoundTime(now))
		b.Queue(sqlTroubled, hookd.OverviewTroubled)
		res := tx.SendBatch(ctx, &b)
		defer res.Close()

		rows, err := res.Query()
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				minute            time.Time
				succeeded, failed int
			)
			if err := rows.Scan(&minute, &succeeded, &failed); err != nil {
				rows.Close()
				return err
			}
			if i := int(minute.Sub(first) / time.Minute); i >= 0 && i < len(o.Minutes) {
				o.Minutes[i].Succeeded, o.Minutes[i].Failed = succeeded, failed
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		if err := res.QueryRow().Scan(&o.Workspaces, &o.Webhooks, &o.Pending, &o.Due); err != nil {
			return err
		}

		if rows, err = res.Query(); err != nil {
			return err
		}
		troubled, err := collect(rows, sqlstore.ScanWebhook)
		if err != nil {
			return err
		}
		for _, w := range troubled {
			o.Troubled = append(o.Troubled, hookd.TroubledWebhook{Webhook: *w, FailingSince: w.FailingSince})
		}
		return res.Close()
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}
