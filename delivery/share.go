package delivery

import (
	"context"
	"slices"
	"time"

	"github.com/hookd/hookd"
)

// How the engine shares itself out: fairly across workspaces first, then
// across the webhooks of each workspace, so that no workspace's dead or
// throttled webhooks, however many, delay another's.
//
//   - Attempts. Workers bounds the attempts in flight while every workspace
//     keeps to its share (Workers split evenly among the workspaces that hold
//     claims). A workspace under its share, or a webhook under its share of
//     its workspace's, may still start one beyond Workers, up to twice
//     Workers: attempts that wait for a dead endpoint's timeout cannot be
//     taken back, so the room for the others is made beside them. Among the
//     claims that may start, each workspace in turn starts one, and within a
//     workspace each webhook in turn.
//   - Rate limits. A claim whose webhook's rate limit does not let it start
//     yet is parked with a timer: it holds no worker while it waits.
//   - Claims. The engine holds up to twice Workers claims. A workspace that
//     holds its share of them (split as above) is left out of the next
//     claims, and a webhook is left out at one and a half times PerWebhook
//     (fewer under a rate limit: what it may send in a second). When
//     little room is left, the engine still claims, less often, for the
//     workspaces that hold little, up to four times Workers: a newcomer is
//     never shut out by another's backlog.

// space is a workspace's share of the engine: the claims it holds.
type space struct {
	id       string
	held     int     // claims held: queued, parked or in flight
	inflight int     // attempts in flight
	hooks    []*hook // its webhooks that hold claims, or wait for a send slot
	busy     int     // how many of hooks hold claims
	turn     int     // the webhook whose turn it is to start one
}

// hook is a webhook's share of the engine.
type hook struct {
	id       string
	space    *space
	rate     *float64       // the webhook's rate limit, from its claims
	inflight int            // attempts in flight
	queue    []*hookd.Claim // claimed, waiting to start
	nextSend time.Time      // rate limit: when the next request may start
	parked   bool           // a timer starts the head of queue when its rate limit allows
}

func (h *hook) held() int { return h.inflight + len(h.queue) }

// limited reports whether the engine spaces h's requests itself.
func (h *hook) limited() bool { return h.rate != nil && *h.rate > 0 }

// spaceShare is each workspace's share of n: n split evenly among the
// workspaces that hold claims, at least 1.
func (e *Engine) spaceShare(n int) int { return max(1, n/max(1, e.busy)) }

// mayStartLocked reports whether h, of workspace s, may start an attempt:
// always under Workers; beyond it, up to twice Workers for a workspace
// under its share, and up to one and a half times Workers for a webhook
// under its share of its workspace's, so that a workspace's many webhooks
// never take the room kept for the workspaces under their share.
func (e *Engine) mayStartLocked(s *space, h *hook) bool {
	if len(h.queue) == 0 || h.parked || h.inflight >= e.cfg.PerWebhook || e.inflight >= 2*e.cfg.Workers {
		return false
	}
	if e.inflight < e.cfg.Workers {
		return true
	}
	share := e.spaceShare(e.cfg.Workers)
	return s.inflight < share ||
		(e.inflight < e.cfg.Workers+e.cfg.Workers/2 && h.inflight < max(1, share/max(1, s.busy)))
}

// holdCap is how many claims h may hold before it is left out of claims.
func (e *Engine) holdCap(h *hook) int {
	n := e.cfg.PerWebhook + e.cfg.PerWebhook/2
	if h.limited() {
		n = min(n, hookd.RateAllows(*h.rate, rateWindow))
	}
	return n
}

// dispatch queues claims per webhook and starts what may start.
func (e *Engine) dispatch(claims []hookd.Claim) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i := range claims {
		c := &claims[i]
		h := e.hooks[c.Delivery.WebhookID]
		if h == nil {
			s := e.spaces[c.Delivery.WorkspaceID]
			if s == nil {
				s = &space{id: c.Delivery.WorkspaceID}
				e.spaces[s.id] = s
				e.spaceList = append(e.spaceList, s)
			}
			h = &hook{id: c.Delivery.WebhookID, space: s}
			e.hooks[h.id] = h
			s.hooks = append(s.hooks, h)
		}
		h.rate = c.Webhook.RateLimit
		if h.held() == 0 {
			if h.space.busy++; h.space.busy == 1 {
				e.busy++
			}
		}
		h.queue = append(h.queue, c)
		h.space.held++
		e.held++
	}
	e.pumpLocked()
}

// pumpLocked starts every claim that may start: a round over the
// workspaces starts at most one of each, and rounds go on while one starts.
func (e *Engine) pumpLocked() {
	if e.stopping {
		return
	}
	for started := true; started; {
		started = false
		n := len(e.spaceList)
		for i := range n {
			s := e.spaceList[(e.spaceTurn+i)%n]
			if e.startOneLocked(s) {
				started = true
			}
		}
		if n > 0 {
			e.spaceTurn = (e.spaceTurn + 1) % n
		}
	}
}

// startOneLocked starts one claim of s, of the first webhook in turn that
// may start one, and reports whether it did.
func (e *Engine) startOneLocked(s *space) bool {
	n := len(s.hooks)
	for i := range n {
		h := s.hooks[(s.turn+i)%n]
		if !e.mayStartLocked(s, h) {
			continue
		}
		c := e.takeLocked(h)
		if c == nil {
			continue // parked until its rate limit allows
		}
		s.turn = (s.turn + i + 1) % n
		h.inflight++
		s.inflight++
		e.inflight++
		// The attempt's deadline, from Background: a context derived from
		// a cancellable parent would register with it, and that costs
		// more than the rest of the context's setup.
		ctx, cancel := context.WithTimeout(context.Background(), attemptTimeout(c.Webhook))
		e.running[c] = cancel
		e.attempts.Add(1)
		if j := (job{ctx, c}); e.idle > 0 {
			e.idle--
			e.work <- j // never blocks: it has room for every attempt in flight
		} else {
			go e.worker(j)
		}
		return true
	}
	return false
}

// takeLocked takes the head of h's queue if its rate limit lets it start
// now. Otherwise it parks h until then and returns nil. The send slot the
// store reserved for the claim, when it did (hookd.Claim.NotBefore), holds
// for every process that shares the store; else the engine spaces the
// webhook's requests itself.
func (e *Engine) takeLocked(h *hook) *hookd.Claim {
	c := h.queue[0]
	var wait time.Duration
	switch {
	case !c.NotBefore.IsZero():
		wait = c.NotBefore.Sub(e.cfg.Now())
	case h.limited():
		now := time.Now()
		if wait = h.nextSend.Sub(now); wait <= 0 {
			h.nextSend = now.Add(time.Duration(float64(time.Second) / *h.rate))
		}
	}
	if wait > 0 {
		h.parked = true
		time.AfterFunc(wait, func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			h.parked = false
			e.pumpLocked()
		})
		return nil
	}
	h.queue[0] = nil
	h.queue = h.queue[1:]
	return c
}

// job is an attempt to make: its claim and its context.
type job struct {
	ctx context.Context
	c   *hookd.Claim
}

// worker makes the attempt j, then the ones it is handed, until Stop. The
// engine keeps the workers it started, so that each attempt starts on a
// goroutine whose stack has grown already, rather than on a new one.
func (e *Engine) worker(j job) {
	for ok := true; ok; j, ok = <-e.work {
		e.run(j.ctx, j.c)
	}
}

// run makes claim c's attempt and records it; an attempt abandoned by Stop
// hands its delivery back instead.
func (e *Engine) run(ctx context.Context, c *hookd.Claim) {
	defer e.attempts.Done()
	rec, ok := e.attempt(ctx, c, hookd.TriggerScheduled)
	if ok {
		e.records <- rec
	}
	e.finish(c, ok)
}

// finish gives c's share back, starts what may start now, and tells the
// claimer when there may be room to claim again.
func (e *Engine) finish(c *hookd.Claim, recorded bool) {
	e.mu.Lock()
	if !recorded {
		e.back = append(e.back, c.Delivery.ID)
	}
	e.running[c]()
	delete(e.running, c)
	e.idle++ // this worker: the next attempt may go to it
	h := e.hooks[c.Delivery.WebhookID]
	s := h.space
	// Left out of claims before this one ended: claimable again, maybe.
	capped := h.held() >= e.holdCap(h) || s.held >= e.spaceShare(2*e.cfg.Workers)
	h.inflight--
	s.inflight--
	e.inflight--
	s.held--
	e.held--
	if h.held() == 0 {
		if s.busy--; s.busy == 0 {
			e.busy--
		}
		if wait := time.Until(h.nextSend); wait > 0 {
			// Its rate limit's spacing outlives the claim: forget it
			// once the next send slot has come.
			time.AfterFunc(wait, func() {
				e.mu.Lock()
				defer e.mu.Unlock()
				e.dropIdleLocked(h)
			})
		} else {
			e.dropIdleLocked(h)
		}
	}
	e.pumpLocked()
	roomy := 2*e.cfg.Workers-e.held >= e.claimRoom()
	e.mu.Unlock()
	if capped || roomy {
		select {
		case e.freed <- struct{}{}:
		default:
		}
	}
}

// dropIdleLocked forgets h, and its workspace with it when that was its
// last webhook, unless h holds claims again or its send slot is still to
// come.
func (e *Engine) dropIdleLocked(h *hook) {
	if e.hooks[h.id] != h || h.held() > 0 || h.parked || h.nextSend.After(time.Now()) {
		return
	}
	s := h.space
	delete(e.hooks, h.id)
	s.hooks = slices.DeleteFunc(s.hooks, func(x *hook) bool { return x == h })
	if len(s.hooks) == 0 {
		delete(e.spaces, s.id)
		e.spaceList = slices.DeleteFunc(e.spaceList, func(x *space) bool { return x == s })
	}
}

// claimRoom is the room worth a claim: less waits for more to free up, so
// that each claim brings a batch.
func (e *Engine) claimRoom() int { return min(e.cfg.ClaimBatch/4, e.cfg.Workers) }

// rateWindow bounds the claims of a rate-limited webhook to what its rate
// lets it send that soon: claims that wait longer hold room that others
// can use.
const rateWindow = time.Second

// newcomerGap is how often, at most, an engine with little room claims for
// the workspaces that hold little.
const newcomerGap = 5 * time.Millisecond

// claimRequest says what to claim next: with room, a batch for every
// workspace and webhook under its share; with little room and newcomers
// true, a smaller claim for the workspaces that hold little (see the top of
// this file). A Limit of 0 means nothing to claim now.
func (e *Engine) claimRequest(newcomers bool) hookd.ClaimRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var r hookd.ClaimRequest
	room, least := 2*e.cfg.Workers-e.held, e.claimRoom()
	share := e.spaceShare(2 * e.cfg.Workers)
	switch {
	case room >= least:
		r.Limit = min(room, e.cfg.ClaimBatch)
	case newcomers:
		r.Limit = min(least, 4*e.cfg.Workers-e.held)
		share = min(share, least)
	}
	if r.Limit <= 0 {
		return r
	}
	r.PerWebhook, r.RateWindow = e.cfg.PerWebhook, rateWindow
	for _, s := range e.spaceList {
		if s.held >= share {
			r.ExcludeWorkspaces = append(r.ExcludeWorkspaces, s.id)
			continue
		}
		for _, h := range s.hooks {
			if h.held() >= e.holdCap(h) {
				r.Exclude = append(r.Exclude, h.id)
			}
		}
	}
	return r
}
