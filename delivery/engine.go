package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"syscall"
	"time"

	"github.com/hookd/hookd"
)

// Config configures an Engine. The zero value of each field means its
// default; WithDefaults fills them.
type Config struct {
	// Store is where deliveries are claimed and attempts recorded. Required.
	Store hookd.Store
	// Now is the clock. Defaults to time.Now. Tests move it instead of
	// sleeping, then call Notify.
	Now func() time.Time
	// Rand returns a number in [0, 1) for retry jitter. Defaults to
	// math/rand/v2's Float64.
	Rand func() float64
	// Workers is the number of attempts in flight at once, over all
	// webhooks, while every workspace keeps to its share of them; a
	// workspace or webhook under its share may start attempts beyond it, up
	// to twice Workers, when others' slow endpoints hold the rest (see
	// share.go). Defaults to 256.
	Workers int
	// PerWebhook caps the attempts in flight to one webhook. Defaults to 32,
	// and is at most Workers/2. It is this engine's cap: processes that
	// share a store each have their own.
	PerWebhook int
	// ClaimBatch is the most deliveries claimed in one query. Defaults to 512.
	ClaimBatch int
	// PollInterval is how often an idle engine looks for due deliveries
	// that nobody announced (retries scheduled by another process).
	// Defaults to 1s. Notify wakes it sooner.
	PollInterval time.Duration
	// Lease is how long a claimed delivery stays reserved. It should
	// exceed the longest webhook timeout (MaxTimeoutSeconds): an attempt
	// that outlives its lease may be sent again by another process sharing
	// the store, and New logs a warning when it does not. Defaults to 3m;
	// under 1s is an error.
	Lease time.Duration
	// DisableAfter disables a webhook whose attempts have all failed for
	// this long. Defaults to 5 days; negative means never.
	DisableAfter time.Duration
	// HeaderPrefix prefixes hookd's own headers when the webhook sets none.
	// Defaults to "X-Hookd".
	HeaderPrefix string
	// Version goes into the User-Agent, hookd/<version>. Defaults to "dev".
	Version string
	// DialControl, when set, is called before each outbound connection with
	// the address actually dialled; an error refuses it.
	DialControl func(network, address string, c syscall.RawConn) error
	// Dial, when set, makes every outbound connection in place of a
	// net.Dialer (DialControl is then unused). hookd serve sets an
	// egress.Dialer, which refuses non-public destinations before any
	// socket opens. Nil: no destination policy.
	Dial DialFunc
	// RequireTLSVerify verifies TLS certificates even for webhooks with
	// tls_verify false: a server that does not allow them. False (the
	// default) honours tls_verify.
	RequireTLSVerify bool
	// RequireHTTPS refuses to send to http:// webhook URLs: such an
	// attempt sends nothing and fails with the error hookd.HTTPProblem
	// gives, to be retried on the webhook's schedule like a refused
	// destination. A server that does not allow http:// URLs sets it, so
	// that webhooks made while it did stop sending in the clear. False
	// (the default) sends to http:// URLs too.
	RequireHTTPS bool
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// WithDefaults returns a copy of c with every unset field at its default,
// or an error naming a field that cannot be used.
func (c Config) WithDefaults() (Config, error) {
	if c.Store == nil {
		return c, errors.New("delivery: Config.Store is required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Float64
	}
	if c.Workers <= 0 {
		c.Workers = 256
	}
	if c.PerWebhook <= 0 {
		c.PerWebhook = 32
	}
	c.PerWebhook = max(1, min(c.PerWebhook, c.Workers/2))
	if c.ClaimBatch <= 0 {
		c.ClaimBatch = 512
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 3 * time.Minute
	}
	if c.Lease < time.Second {
		return c, fmt.Errorf("delivery: Config.Lease (%s) must be at least 1s and should exceed the longest webhook timeout (%ds)", c.Lease, hookd.MaxTimeoutSeconds)
	}
	if c.DisableAfter == 0 {
		c.DisableAfter = 5 * 24 * time.Hour
	}
	if c.HeaderPrefix == "" {
		c.HeaderPrefix = "X-Hookd"
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c, nil
}

// Engine delivers due deliveries until stopped. Create it with New, run it
// with Start, end it with Stop.
type Engine struct {
	cfg    Config
	sender *sender

	wake    chan struct{} // Notify: new work may be due
	freed   chan struct{} // an attempt finished: there may be room to claim
	records chan hookd.AttemptRecord

	// The engine's share-out (share.go), guarded by mu.
	mu        sync.Mutex
	spaces    map[string]*space // the workspaces that hold claims
	spaceList []*space          // the same, in the order they take turns
	spaceTurn int               // the workspace whose turn it is to start one
	hooks     map[string]*hook  // the webhooks that hold claims, or wait for a send slot
	busy      int               // how many of spaces hold claims
	held      int               // claims held: queued, parked or in flight
	inflight  int               // attempts in flight
	retries   retryTimes        // when the retries this engine scheduled are due
	back      []string          // deliveries of attempts abandoned by Stop
	stopping  bool
	// running cancels each attempt in flight: Stop, past its deadline,
	// abandons them. Each attempt's context (its timeout) derives from
	// Background rather than from one shared parent, whose lock every
	// attempt would take twice.
	running map[*hookd.Claim]context.CancelFunc
	work    chan job // attempts handed to idle workers
	idle    int      // workers waiting on work

	claimCtx    context.Context // ends to stop claiming
	stopClaim   context.CancelFunc
	claimerDone chan struct{}
	attempts    sync.WaitGroup // attempts in flight
	recorderEnd chan struct{}
	giveUp      chan struct{} // closed by Stop past its deadline: the recorder stops retrying
	startOnce   sync.Once
	stopOnce    sync.Once
}

// New returns an engine for cfg, or an error naming a field that cannot be
// used.
func New(cfg Config) (*Engine, error) {
	cfg, err := cfg.WithDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:         cfg,
		sender:      newSender(&cfg),
		wake:        make(chan struct{}, 1),
		freed:       make(chan struct{}, 1),
		records:     make(chan hookd.AttemptRecord, cfg.Workers),
		spaces:      map[string]*space{},
		hooks:       map[string]*hook{},
		running:     map[*hookd.Claim]context.CancelFunc{},
		work:        make(chan job, 2*cfg.Workers),
		claimerDone: make(chan struct{}),
		recorderEnd: make(chan struct{}),
		giveUp:      make(chan struct{}),
	}
	if cfg.Lease <= hookd.MaxTimeoutSeconds*time.Second {
		cfg.Logger.Warn("the delivery lease is not longer than the longest webhook timeout: an attempt to a slow webhook may be sent twice",
			"lease", cfg.Lease, "max_timeout", hookd.MaxTimeoutSeconds*time.Second)
	}
	return e, nil
}

// Start begins claiming and sending. It returns at once; calling it again
// does nothing. ctx bounds the engine's life as Stop does.
func (e *Engine) Start(ctx context.Context) error {
	e.startOnce.Do(func() {
		e.claimCtx, e.stopClaim = context.WithCancel(ctx)
		go e.recordLoop()
		e.subscribeDue()
		go e.claimLoop()
	})
	return nil
}

// Stop stops claiming, lets the attempts in flight finish until ctx ends,
// then abandons the rest and hands their deliveries back to the store, due
// at once, so nothing acknowledged is lost. It records every finished
// attempt before it returns. Calling it again does nothing.
func (e *Engine) Stop(ctx context.Context) {
	e.startOnce.Do(func() { close(e.claimerDone); close(e.recorderEnd) }) // never started
	e.stopOnce.Do(func() {
		if e.stopClaim == nil {
			return
		}
		e.stopClaim()
		<-e.claimerDone
		e.mu.Lock()
		e.stopping = true // nothing starts any more
		var back []string
		for _, h := range e.hooks {
			for _, c := range h.queue {
				back = append(back, c.Delivery.ID)
			}
			h.space.held -= len(h.queue)
			e.held -= len(h.queue)
			h.queue = nil
		}
		e.mu.Unlock()
		done := make(chan struct{})
		go func() { e.attempts.Wait(); close(done) }()
		// Past the deadline the recorder gives up retrying, so that the
		// attempts waiting to hand it their records can end.
		giveUp := sync.OnceFunc(func() { close(e.giveUp) })
		select {
		case <-done:
		case <-ctx.Done():
			giveUp()
			e.mu.Lock()
			for _, cancel := range e.running {
				cancel()
			}
			e.mu.Unlock()
			<-done
		}
		e.mu.Lock()
		back = append(back, e.back...)
		e.mu.Unlock()
		close(e.work) // the workers end
		close(e.records)
		select {
		case <-e.recorderEnd:
		case <-ctx.Done():
			giveUp() // one more try per batch, then the leases run out
			<-e.recorderEnd
		}
		e.release(back)
	})
}

// subscribeDue makes the store's announcements of due deliveries, when it
// makes any (hookd.DueNotifier: deliveries that other processes published,
// retried or handed back), wake the engine until it stops claiming.
func (e *Engine) subscribeDue() {
	n, ok := e.cfg.Store.(hookd.DueNotifier)
	if !ok {
		return
	}
	due, err := n.SubscribeDue(e.claimCtx)
	if err != nil {
		e.cfg.Logger.Warn("subscribe to due deliveries: polling only", "every", e.cfg.PollInterval, "err", err)
		return
	}
	go func() {
		for range due {
			e.Notify()
		}
	}()
}

// Notify tells the engine that deliveries may be due now. It never blocks.
func (e *Engine) Notify() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *Engine) release(ids []string) {
	if len(ids) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.cfg.Store.ReleaseClaims(ctx, ids); err != nil {
		// The leases run out by themselves; the deliveries are late, not lost.
		e.cfg.Logger.Log(ctx, hookd.LogLevel(err), "hand back deliveries", "count", len(ids), "err", err)
	}
}

// claimLoop claims due deliveries whenever there is room for them.
func (e *Engine) claimLoop() {
	defer close(e.claimerDone)
	ctx := e.claimCtx
	// newcomers is true when work may have become due (a wake, a timer):
	// an engine with little room then claims for the workspaces that hold
	// little, at most every newcomerGap (of real time: it paces the
	// engine's own work, whatever the clock says).
	newcomers := true
	var lastNewcomers time.Time
	for ctx.Err() == nil {
		since := time.Since(lastNewcomers)
		r := e.claimRequest(newcomers && since >= newcomerGap)
		if r.Limit <= 0 {
			wait := e.cfg.PollInterval
			if newcomers && since < newcomerGap {
				wait = newcomerGap - since
			}
			newcomers = e.waitFor(ctx, e.freed, wait) || newcomers
			continue
		}
		if newcomers {
			newcomers, lastNewcomers = false, time.Now()
		}
		now := e.cfg.Now()
		r.Now, r.LeaseUntil = now, now.Add(e.cfg.Lease)
		claims, err := e.cfg.Store.ClaimDue(ctx, r)
		if err != nil {
			if ctx.Err() == nil {
				e.cfg.Logger.Log(ctx, hookd.LogLevel(err), "claim deliveries", "err", err)
				e.waitFor(ctx, nil, e.cfg.PollInterval)
				newcomers = true
			}
			continue
		}
		e.dispatch(claims)
		if len(claims) == 0 {
			// With webhooks or workspaces left out at their share, a
			// finished attempt may make one claimable again: wait for
			// that too, not only for new work.
			ch := e.wake
			if len(r.Exclude)+len(r.ExcludeWorkspaces) > 0 {
				ch = e.freed
			}
			newcomers = e.waitFor(ctx, ch, e.idleWait(now))
		}
	}
}

// idleWait is how long to sleep with nothing due: until the earliest retry
// this engine scheduled that is not due yet, at most PollInterval. The
// retries due by now were looked for by the claim that found nothing.
func (e *Engine) idleWait(now time.Time) time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	wait := e.cfg.PollInterval
	if at, ok := e.retries.next(now); ok {
		wait = min(wait, max(at.Sub(now), time.Millisecond))
	}
	return wait
}

// waitFor waits until ctx ends, ch or a wake (Notify) comes, or d passes.
// It reports whether work may have become due: a wake, or d passed.
func (e *Engine) waitFor(ctx context.Context, ch <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-ch:
		return ch == e.wake
	case <-t.C:
		return true
	case <-e.wake:
		return true
	}
	return false
}

// attempt sends c once and returns the record to write. ok is false when
// the attempt was abandoned by Stop: its delivery goes back unrecorded.
func (e *Engine) attempt(ctx context.Context, c *hookd.Claim, trigger string) (rec hookd.AttemptRecord, ok bool) {
	if c.Delivery.Manual {
		trigger = hookd.TriggerManual
	}
	now := e.cfg.Now()
	a, res := e.sender.send(ctx, c, trigger, now)
	if errors.Is(ctx.Err(), context.Canceled) {
		// Abandoned (ctx may also carry the attempt's deadline: a
		// timeout is an outcome to record).
		return rec, false
	}
	end := e.cfg.Now()
	o := Decide(&c.Delivery, c.Webhook, res, end, e.cfg.Rand(), e.cfg.DisableAfter)
	rec = Record(c, a, res, o, end)
	if o.Kind == Retry {
		e.mu.Lock()
		e.retries.add(o.RetryAt)
		e.mu.Unlock()
	}
	return rec, true
}

// SendTest sends the test delivery c now (a claim from Store.PublishTest),
// records the attempt and returns it.
func (e *Engine) SendTest(ctx context.Context, c *hookd.Claim) (*hookd.Attempt, error) {
	rec, ok := e.attempt(ctx, c, hookd.TriggerTest)
	if !ok {
		return nil, fmt.Errorf("send test: %w", ctx.Err())
	}
	rec.Attempt.Trigger = hookd.TriggerTest
	if err := e.cfg.Store.RecordAttempts(ctx, []hookd.AttemptRecord{rec}); err != nil {
		return nil, fmt.Errorf("send test: %w", err)
	}
	a := rec.Attempt
	a.Number = c.Delivery.Attempts + 1
	return &a, nil
}

// recordLinger is how long the recorder waits for more records before a
// write. Each write commits, and a commit costs about as much as a few
// dozen records: bigger batches leave more CPU for sending. It only holds
// leases a little longer; attempts are sent as soon as they are claimed.
const recordLinger = 2 * time.Millisecond

// recordLoop writes attempt records in batches: whatever arrives within
// recordLinger of the first record, or by the time the previous write
// ends, goes into the next one.
func (e *Engine) recordLoop() {
	defer close(e.recorderEnd)
	const maxBatch = 1024
	batch := make([]hookd.AttemptRecord, 0, maxBatch)
	linger := time.NewTimer(recordLinger)
	for rec := range e.records {
		batch = append(batch[:0], rec)
		linger.Reset(recordLinger)
	collect:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-e.records:
				if !ok {
					break collect
				}
				batch = append(batch, r)
			case <-linger.C:
				break collect
			}
		}
		e.write(batch)
	}
}

// write stores a batch of records, trying again while the store fails: as
// long as the store is unavailable (EUNAVAILABLE: the database restarts or
// cannot be reached) or out of storage (ESTORAGE: a full disk, a read-only
// database), else 10 times; once Stop's deadline has passed, each batch
// gets one try. A batch it cannot write is dropped: its leases run out and
// the deliveries are sent again (at least once). Storage failures are not
// logged at each try: the store logs when writes start to fail and when
// they succeed again.
func (e *Engine) write(batch []hookd.AttemptRecord) {
	backoff := 50 * time.Millisecond
	for try := 1; ; try++ {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := e.cfg.Store.RecordAttempts(ctx, batch)
		cancel()
		if err == nil {
			return
		}
		code := hookd.ErrorCode(err)
		e.cfg.Logger.Log(context.Background(), hookd.LogLevel(err), "record attempts", "count", len(batch), "try", try, "err", err)
		// While the database is unreachable or out of storage, keep the
		// batch: the leases may run out meanwhile, and the deliveries be
		// sent again, but the log keeps every attempt that was made.
		// Other errors get 10 tries.
		if try >= 10 && code != hookd.EUNAVAILABLE && code != hookd.ESTORAGE {
			e.cfg.Logger.Error("record attempts: giving up; the deliveries will be sent again when their leases run out", "count", len(batch))
			return
		}
		t := time.NewTimer(backoff)
		select {
		case <-t.C:
		case <-e.giveUp:
			t.Stop()
			e.cfg.Logger.Error("record attempts: giving up at shutdown; the deliveries will be sent again when their leases run out", "count", len(batch))
			return
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
