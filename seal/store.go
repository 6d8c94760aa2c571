package seal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hookd/hookd"
)

// maxCached bounds the opened values kept in memory, so that claiming
// deliveries does not decrypt the same secrets again and again.
const maxCached = 16384

// Store is a hookd.Store that seals secrets on their way into the store it
// wraps and opens them on the way out. Every method it does not define is
// the wrapped store's, unchanged. Make it with New.
type Store struct {
	hookd.Store
	keys *Keyring
	log  *slog.Logger

	mu     sync.Mutex
	opened map[string]string // aad, NUL, sealed value -> plain value
}

// New returns inner with its secrets sealed under keys: webhook signing
// secrets and header values, and saved idempotent answers. The result
// implements hookd.DueNotifier when inner does. logger (nil:
// slog.Default()) hears of webhooks whose secrets do not open when their
// deliveries are claimed; those claims are skipped, and their leases run
// out, so that nothing is sent unsigned or without its headers.
func New(inner hookd.Store, keys *Keyring, logger *slog.Logger) hookd.Store {
	if logger == nil {
		logger = slog.Default()
	}
	s := &Store{Store: inner, keys: keys, log: logger, opened: map[string]string{}}
	if n, ok := inner.(hookd.DueNotifier); ok {
		return &notifyingStore{Store: s, DueNotifier: n}
	}
	return s
}

// notifyingStore is a Store over a store that announces due deliveries.
type notifyingStore struct {
	*Store
	hookd.DueNotifier
}

// Unwrap returns the wrapped store.
func (s *Store) Unwrap() hookd.Store { return s.Store }

func secretAAD(webhookID string) string { return "hookd webhook secret\x00" + webhookID }
func headerAAD(webhookID, name string) string {
	return "hookd webhook header\x00" + webhookID + "\x00" + name
}
func idempotencyAAD(scope, key string) string {
	return "hookd idempotent answer\x00" + scope + "\x00" + key
}

// sealWebhook returns a copy of w with its secrets and header values
// sealed.
func (s *Store) sealWebhook(w *hookd.Webhook) *hookd.Webhook {
	c := *w
	c.Secrets = make([]hookd.Secret, len(w.Secrets))
	for i, sec := range w.Secrets {
		c.Secrets[i] = hookd.Secret{Value: s.keys.Seal([]byte(sec.Value), secretAAD(w.ID)), ExpiresAt: sec.ExpiresAt}
	}
	if w.Headers != nil {
		c.Headers = make(map[string]string, len(w.Headers))
		for name, v := range w.Headers {
			c.Headers[name] = s.keys.Seal([]byte(v), headerAAD(w.ID, name))
		}
	}
	return &c
}

// openWebhook returns a copy of w with its secrets and header values
// opened.
func (s *Store) openWebhook(w *hookd.Webhook) (*hookd.Webhook, error) {
	c := *w
	c.Secrets = make([]hookd.Secret, len(w.Secrets))
	for i, sec := range w.Secrets {
		v, err := s.open(sec.Value, secretAAD(w.ID))
		if err != nil {
			return nil, fmt.Errorf("open the signing secrets of webhook %s: %w", w.ID, err)
		}
		c.Secrets[i] = hookd.Secret{Value: v, ExpiresAt: sec.ExpiresAt}
	}
	if w.Headers != nil {
		c.Headers = make(map[string]string, len(w.Headers))
		for name, sealed := range w.Headers {
			v, err := s.open(sealed, headerAAD(w.ID, name))
			if err != nil {
				return nil, fmt.Errorf("open header %s of webhook %s: %w", name, w.ID, err)
			}
			c.Headers[name] = v
		}
	}
	return &c, nil
}

// open returns the plain value of v, a sealed value or one stored before
// encryption, through the cache.
func (s *Store) open(v, aad string) (string, error) {
	if !IsSealed(v) {
		return v, nil
	}
	ck := aad + "\x00" + v
	s.mu.Lock()
	plain, ok := s.opened[ck]
	s.mu.Unlock()
	if ok {
		return plain, nil
	}
	b, err := s.keys.Open(v, aad)
	if err != nil {
		return "", err
	}
	plain = string(b)
	s.mu.Lock()
	if len(s.opened) >= maxCached {
		clear(s.opened)
	}
	s.opened[ck] = plain
	s.mu.Unlock()
	return plain, nil
}

// restore sets w to what the store made of its sealed copy c (ids, times),
// keeping w's plain secrets and headers.
func (s *Store) restore(w, c *hookd.Webhook) error {
	if len(c.Secrets) != len(w.Secrets) {
		o, err := s.openWebhook(c)
		if err != nil {
			return err
		}
		*w = *o
		return nil
	}
	secrets := make([]hookd.Secret, len(c.Secrets))
	for i := range c.Secrets {
		secrets[i] = hookd.Secret{Value: w.Secrets[i].Value, ExpiresAt: c.Secrets[i].ExpiresAt}
	}
	headers := w.Headers
	*w = *c
	w.Secrets, w.Headers = secrets, headers
	return nil
}

// CreateWebhook stores w with its secrets sealed. It fills w.ID when empty
// (the sealed values are bound to it), as the wrapped store would.
func (s *Store) CreateWebhook(ctx context.Context, w *hookd.Webhook, maxWebhooks int) error {
	if w.ID == "" {
		t := w.CreatedAt
		if t.IsZero() {
			t = time.Now()
		}
		w.ID = hookd.NewID(hookd.PrefixWebhook, t)
	}
	c := s.sealWebhook(w)
	if err := s.Store.CreateWebhook(ctx, c, maxWebhooks); err != nil {
		return err
	}
	return s.restore(w, c)
}

// UpdateWebhook stores w with its secrets sealed.
func (s *Store) UpdateWebhook(ctx context.Context, w *hookd.Webhook, now time.Time) error {
	c := s.sealWebhook(w)
	if err := s.Store.UpdateWebhook(ctx, c, now); err != nil {
		return err
	}
	return s.restore(w, c)
}

// Webhook returns the webhook with its secrets opened.
func (s *Store) Webhook(ctx context.Context, workspaceID, id string) (*hookd.Webhook, error) {
	w, err := s.Store.Webhook(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	return s.openWebhook(w)
}

// ListWebhooks returns the webhooks with their secrets opened.
func (s *Store) ListWebhooks(ctx context.Context, workspaceID string, p hookd.Page) ([]hookd.Webhook, string, error) {
	items, next, err := s.Store.ListWebhooks(ctx, workspaceID, p)
	if err != nil {
		return nil, "", err
	}
	for i := range items {
		o, err := s.openWebhook(&items[i])
		if err != nil {
			return nil, "", err
		}
		items[i] = *o
	}
	return items, next, nil
}

// Overview returns the overview with its troubled webhooks' secrets
// opened.
func (s *Store) Overview(ctx context.Context, now time.Time) (*hookd.Overview, error) {
	o, err := s.Store.Overview(ctx, now)
	if err != nil {
		return nil, err
	}
	for i := range o.Troubled {
		w, err := s.openWebhook(&o.Troubled[i].Webhook)
		if err != nil {
			return nil, err
		}
		o.Troubled[i].Webhook = *w
	}
	return o, nil
}

// PublishTest returns the claim with its webhook's secrets opened.
func (s *Store) PublishTest(ctx context.Context, e *hookd.Event, webhookID string, now, leaseUntil time.Time) (*hookd.Claim, error) {
	c, err := s.Store.PublishTest(ctx, e, webhookID, now, leaseUntil)
	if err != nil {
		return nil, err
	}
	w, err := s.openWebhook(c.Webhook)
	if err != nil {
		return nil, err
	}
	out := *c
	out.Webhook = w
	return &out, nil
}

// ClaimDue returns the claims with their webhooks' secrets opened, once per
// webhook; claims of one webhook still share one *Webhook. The claims of a
// webhook whose secrets do not open are left out and logged: they stay
// leased until r.LeaseUntil, then are claimed again.
func (s *Store) ClaimDue(ctx context.Context, r hookd.ClaimRequest) ([]hookd.Claim, error) {
	claims, err := s.Store.ClaimDue(ctx, r)
	if err != nil || len(claims) == 0 {
		return claims, err
	}
	opened := map[*hookd.Webhook]*hookd.Webhook{}
	failed := map[*hookd.Webhook]error{}
	out := claims[:0]
	for _, c := range claims {
		w, ok := opened[c.Webhook]
		if !ok && failed[c.Webhook] == nil {
			var err error
			if w, err = s.openWebhook(c.Webhook); err != nil {
				failed[c.Webhook] = err
			} else {
				opened[c.Webhook] = w
			}
		}
		if w == nil {
			continue
		}
		c.Webhook = w
		out = append(out, c)
	}
	for w, err := range failed {
		s.log.Error("claim deliveries: skipping a webhook whose secrets do not open; its deliveries wait until this is fixed (is HOOKD_ENCRYPTION_KEY the key the database was written with?)",
			"webhook", w.ID, "until", r.LeaseUntil, "err", err)
	}
	return out, nil
}

// ReserveIdempotencyKey returns the saved answer, opened.
func (s *Store) ReserveIdempotencyKey(ctx context.Context, scope, key, fingerprint string, now time.Time) (*hookd.IdempotentResponse, error) {
	resp, err := s.Store.ReserveIdempotencyKey(ctx, scope, key, fingerprint, now)
	if err != nil || resp == nil {
		return resp, err
	}
	if !IsSealed(string(resp.Body)) {
		return resp, nil
	}
	body, err := s.keys.Open(string(resp.Body), idempotencyAAD(scope, key))
	if err != nil {
		return nil, fmt.Errorf("open the saved answer of idempotency key %q: %w", key, err)
	}
	return &hookd.IdempotentResponse{Status: resp.Status, Body: body}, nil
}

// SaveIdempotentResponse saves the answer sealed: answers of creations hold
// new API keys and signing secrets.
func (s *Store) SaveIdempotentResponse(ctx context.Context, scope, key string, resp hookd.IdempotentResponse) error {
	resp.Body = []byte(s.keys.Seal(resp.Body, idempotencyAAD(scope, key)))
	return s.Store.SaveIdempotentResponse(ctx, scope, key, resp)
}

// CheckKey makes sure that store, as New returns it, opens what its
// database holds: it opens the secrets of the first webhook it finds in
// the first workspaces. It returns nil for a database without webhooks,
// and an error that says so when the key is not the one the database was
// written with.
func CheckKey(ctx context.Context, store hookd.Store) error {
	cursor := ""
	for range 20 {
		wss, next, err := store.ListWorkspaces(ctx, hookd.Page{Limit: 50, Cursor: cursor})
		if err != nil {
			return fmt.Errorf("check the encryption key: %w", err)
		}
		for _, ws := range wss {
			hooks, _, err := store.ListWebhooks(ctx, ws.ID, hookd.Page{Limit: 1})
			switch {
			case err == nil && len(hooks) > 0:
				return nil
			case errors.Is(err, ErrUnknownKey) || errors.Is(err, ErrOpen):
				return fmt.Errorf("the encryption key does not open the secrets in this database "+
					"(set HOOKD_ENCRYPTION_KEY to the key it was written with, with older keys after a comma): %w", err)
			case err != nil && hookd.ErrorCode(err) != hookd.ENOTFOUND:
				return fmt.Errorf("check the encryption key: %w", err)
			}
		}
		if next == "" {
			return nil
		}
		cursor = next
	}
	return nil
}
