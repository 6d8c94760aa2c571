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
	dueWebhooks       *sql.Stmt
	webhookByID       *sql.Stmt
	claimDue          *sql.Stmt
	recordDelivery    *sql.Stmt
	insertAttempt     *sql.Stmt
	webhookOfDelivery *sql.Stmt
	insertEvent       *sql.Stmt
	insertDelivery    *sql.Stmt
	eventByKey        *sql.Stmt
	publishWebhooks   *sql.Stmt
	workspaceExists   *sql.Stmt
	streakSucceeded   *sql.Stmt
	streakFailed      *sql.Stmt
	streakRestart     *sql.Stmt
	failPending       *sql.Stmt
	disableWebhook    *sql.Stmt
}

func (st *statements) list() []struct {
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
		{&st.recordDelivery, sqlRecordDelivery},
		{&st.insertAttempt, sqlInsertAttempt},
		{&st.webhookOfDelivery, sqlWebhookOfDelivery},
		{&st.insertEvent, sqlInsertEvent},
		{&st.insertDelivery, sqlInsertDelivery},
		{&st.eventByKey, sqlEventByKey},
		{&st.publishWebhooks, sqlPublishWebhooks},
		{&st.workspaceExists, sqlWorkspaceExists},
		{&st.streakSucceeded, sqlStreakSucceeded},
		{&st.streakFailed, sqlStreakFailed},
		{&st.streakRestart, sqlStreakRestart},
		{&st.failPending, sqlFailPending},
		{&st.disableWebhook, sqlDisableWebhook},
	}
}

func (st *statements) prepare(ctx context.Context, db *sql.DB) error {
	for _, s := range st.list() {
		stmt, err := db.PrepareContext(ctx, s.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", s.query, err)
		}
		*s.p = stmt
	}
	return nil
}

func (st *statements) close() {
	for _, s := range st.list() {
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
	dueWebhooks *sql.Stmt
	webhookByID *sql.Stmt
	claimDue    *sql.Stmt
}

func (st *claimStatements) prepare(ctx context.Context, db *sql.DB) error {
	for _, s := range []struct {
		p     **sql.Stmt
		query string
	}{
		{&st.dueWebhooks, sqlDueWebhooks},
		{&st.webhookByID, sqlWebhookByID},
		{&st.claimDue, sqlClaimDue},
	} {
		stmt, err := db.PrepareContext(ctx, s.query)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", s.query, err)
		}
		*s.p = stmt
	}
	return nil
}

func (st *claimStatements) close() {
	for _, p := range []**sql.Stmt{&st.dueWebhooks, &st.webhookByID, &st.claimDue} {
		if *p != nil {
			(*p).Close()
			*p = nil
		}
	}
}
