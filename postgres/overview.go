package postgres

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/hookd/hookd"
	"github.com/jackc/pgx/v5"
)

// The operator's overview. Attempts are counted per minute in
// attempt_minutes (migration 0005), which RecordAttempts updates in its
// transaction, in one of attemptShards rows per minute; pending
// deliveries are counted from deliveries_due.

// attemptShards is how many rows share each minute's counts: a
// RecordAttempts call adds to one of them, picked at random, so that
// concurrent records (of one process or of several) seldom queue for one
// row's lock, which is held until they commit.
const attemptShards = 16

const (
	// sqlCountAttempts adds a batch's attempts of minute $1 to shard $2.
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
	sqlTroubled = `SELECT ` + webhookColumns + ` FROM webhooks
		WHERE status = 'disabled' OR failing_since IS NOT NULL
		ORDER BY status = 'disabled', updated_at DESC, id DESC LIMIT $1`
)

// minuteTally is what a batch of records adds to one minute's counts.
type minuteTally struct {
	minute            time.Time
	succeeded, failed int
}

// tallyMinutes counts the records of recs that were applied by the minute
// their attempt started in, in the order the minutes first appear.
func tallyMinutes(recs []hookd.AttemptRecord, applied []bool) []minuteTally {
	var out []minuteTally
	for i := range recs {
		if !applied[i] {
			continue
		}
		m := recs[i].Attempt.StartedAt.UTC().Truncate(time.Minute)
		j := len(out) - 1
		for j >= 0 && !out[j].minute.Equal(m) {
			j--
		}
		if j < 0 {
			out = append(out, minuteTally{minute: m})
			j = len(out) - 1
		}
		if recs[i].Succeeded {
			out[j].succeeded++
		} else {
			out[j].failed++
		}
	}
	return out
}

// queueAttemptCounts queues on b the upserts that add the attempts of the
// applied records of recs to their minutes, in one shard picked at random.
// The minutes go in time order: two transactions that pick the same shard
// lock its rows in one order, and cannot deadlock.
func queueAttemptCounts(b *pgx.Batch, recs []hookd.AttemptRecord, applied []bool) {
	tallies := tallyMinutes(recs, applied)
	if len(tallies) == 0 {
		return
	}
	if len(tallies) > 1 {
		sortTallies(tallies)
	}
	shard := rand.IntN(attemptShards)
	for _, m := range tallies {
		b.Queue(sqlCountAttempts, m.minute, shard, m.succeeded, m.failed)
	}
}

// sortTallies puts tallies in time order (a batch seldom spans more than
// two minutes).
func sortTallies(tallies []minuteTally) {
	for i := 1; i < len(tallies); i++ {
		for j := i; j > 0 && tallies[j].minute.Before(tallies[j-1].minute); j-- {
			tallies[j], tallies[j-1] = tallies[j-1], tallies[j]
		}
	}
}

// purgeAttemptMinutes deletes the attempt counts of the minutes that
// started before before.
func (s *Store) purgeAttemptMinutes(ctx context.Context, before time.Time) error {
	return s.write(ctx, "purge attempt counts", func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM attempt_minutes WHERE minute < $1`, roundTime(before))
		return err
	})
}

// Overview summarizes every workspace at now, from one snapshot
// (repeatable read), in one round trip:
//
//   - Minutes: the attempts RecordAttempts wrote, in any process, by the
//     minute they started in (test attempts included), for the
//     hookd.OverviewMinutes minutes up to the one that holds now; counting
//     began with migration 0005.
//   - Pending: the pending deliveries; Due: those of them whose next
//     attempt is at or before now, leased or not.
//   - Troubled: active webhooks with a failing streak, then disabled ones
//     (whose FailingSince is the streak that ran when they were disabled,
//     if any), most recently updated first, at most hookd.OverviewTroubled.
//
// Its cost follows the pending deliveries (deliveries_due holds only
// them) and the number of webhooks, not the deliveries kept.
func (s *Store) Overview(ctx context.Context, now time.Time) (*hookd.Overview, error) {
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
		b.Queue(sqlOverviewTotals, roundTime(now))
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
		troubled, err := collect(rows, scanWebhook)
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
