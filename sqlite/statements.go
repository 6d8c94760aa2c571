package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
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
	workspaceExists   *sql.Stmt
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
		{&st.workspaceExists, sqlWorkspaceExists},
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

// maxCachedStmts bounds a stmtCache: the shared code's queries are a few
// dozen texts, but some lists (an IN of n ids) make a text per n.
const maxCachedStmts = 128

// stmtCache prepares each query text the shared code (sqlstore) runs once
// per pool, on first use: modernc's SQLite compiles a statement for about
// as long as a small query runs, and an API request runs several (its
// workspace, the catalogue). Once full, queries run unprepared.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// stmt returns the statement of query, prepared on c's pool, or nil when
// c is nil or full, or the text does not prepare (running it says why).
func (c *stmtCache) stmt(ctx context.Context, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[query]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	if c.m == nil {
		c.m = map[string]*sql.Stmt{}
	}
	c.m[query] = st
	return st
}

// close closes the statements prepared.
func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}
