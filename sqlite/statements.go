package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// statements are the queries of the hot paths (publish, claim, record),
// prepared once on the writer's connection and used in transactions with
// tx.StmtContext, which reuses the prepared statement.
type statements struct {
	recordDelivery    *sql.Stmt
	writeQueued       *sql.Stmt
	moveCursor        *sql.Stmt
	webhookOfDelivery *sql.Stmt
	insertEvent       *sql.Stmt
	webhookByID       *sql.Stmt
	eventByKey        *sql.Stmt
	publishWebhooks   *sql.Stmt
	streakSucceeded   *sql.Stmt
	streakFailed      *sql.Stmt
	streakRestart     *sql.Stmt
	failPending       *sql.Stmt
	failingQueued     *sql.Stmt
	writeRow          *sql.Stmt
	markFailing       *sql.Stmt
	clearFailing      *sql.Stmt
	disableWebhook    *sql.Stmt
	countAttempts     *sql.Stmt
}

func (st *statements) list() []struct {
	p     **sql.Stmt
	query string
} {
	return []struct {
		p     **sql.Stmt
		query string
	}{
		{&st.webhookByID, sqlWebhookByID},
		{&st.recordDelivery, sqlRecordDelivery},
		{&st.writeQueued, sqlWriteQueued},
		{&st.moveCursor, sqlMoveCursor},
		{&st.webhookOfDelivery, sqlWebhookOfDelivery},
		{&st.insertEvent, sqlInsertEvent},
		{&st.eventByKey, sqlEventByKey},
		{&st.publishWebhooks, sqlPublishWebhooks},
		{&st.streakSucceeded, sqlStreakSucceeded},
		{&st.streakFailed, sqlStreakFailed},
		{&st.streakRestart, sqlStreakRestart},
		{&st.failPending, sqlFailPending},
		{&st.failingQueued, sqlFailingQueued},
		{&st.writeRow, sqlWriteRow},
		{&st.markFailing, sqlMarkFailing},
		{&st.clearFailing, sqlClearFailing},
		{&st.disableWebhook, sqlDisableWebhook},
		{&st.countAttempts, sqlCountAttempts},
	}
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, st.list())
}

func (st *statements) close() {
	closeAll(st.list())
}

// prepareAll prepares each query of list on db into its statement.
func prepareAll(ctx context.Context, db *sql.DB, list []struct {
	p     **sql.Stmt
	query string
}) error {
	for _, s := range list {
		stmt, err := db.PrepareContext(ctx, s.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", s.query, err)
		}
		*s.p = stmt
	}
	return nil
}

// closeAll closes the statements of list that are open.
func closeAll(list []struct {
	p     **sql.Stmt
	query string
}) {
	for _, s := range list {
		if *s.p != nil {
			(*s.p).Close()
			*s.p = nil
		}
	}
}

// claimStatements are the claim queries, prepared on the reader pool: a
// claim writes nothing (leases are in memory), so it need not wait for the
// writer, which spends most of its time in the fsyncs of publishes and
// records.
type claimStatements struct {
	dueWebhooks    *sql.Stmt
	webhookByID    *sql.Stmt
	claimDue       *sql.Stmt
	queuedEvents   *sql.Stmt
	writtenBetween *sql.Stmt
	lastQueued     *sql.Stmt
	payloads       *sql.Stmt
}

func (st *claimStatements) list() []struct {
	p     **sql.Stmt
	query string
} {
	return []struct {
		p     **sql.Stmt
		query string
	}{
		{&st.dueWebhooks, sqlDueWebhooks},
		{&st.webhookByID, sqlWebhookByID},
		{&st.claimDue, sqlClaimDue},
		{&st.queuedEvents, sqlQueuedEvents},
		{&st.writtenBetween, sqlWrittenBetween},
		{&st.lastQueued, sqlLastQueued},
		{&st.payloads, sqlPayloads},
	}
}

func (st *claimStatements) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, st.list())
}

func (st *claimStatements) close() {
	closeAll(st.list())
}
