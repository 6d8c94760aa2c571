package seal_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/seal"
	"github.com/hookd/hookd/sqlite"
	"github.com/hookd/hookd/storetest"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func keyring(t testing.TB, keys ...[]byte) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestStoreConformance runs the store conformance suite through the
// decorator: sealing changes nothing that a user of the store can see.
func TestStoreConformance(t *testing.T) {
	keys := keyring(t, seal.GenerateKey())
	storetest.Exercise(t, func(t *testing.T) hookd.Store {
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookd.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return seal.New(s, keys, nil)
	})
}

func TestKeyring(t *testing.T) {
	t.Parallel()
	a, b := seal.GenerateKey(), seal.GenerateKey()
	for _, s := range []string{seal.EncodeKey(a), strings.TrimRight(seal.EncodeKey(a), "="), hex.EncodeToString(a),
		strings.NewReplacer("+", "-", "/", "_").Replace(seal.EncodeKey(a)), " " + seal.EncodeKey(a) + " "} {
		k, err := seal.ParseKeyring(s)
		if err != nil || k.CurrentKeyID() != seal.KeyID(a) {
			t.Errorf("ParseKeyring(%q) = %v, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "short", seal.EncodeKey(a[:16]), seal.EncodeKey(a) + ",", hex.EncodeToString(a)[:63]} {
		if _, err := seal.ParseKeyring(s); err == nil || strings.Contains(err.Error(), seal.EncodeKey(a)) {
			t.Errorf("ParseKeyring(%q) = %v; want an error that shows no key", s, err)
		}
	}

	old := keyring(t, a)
	v := old.Seal([]byte("whsec_x"), "aad")
	if !seal.IsSealed(v) || strings.Contains(v, "whsec_x") {
		t.Fatalf("Seal = %q", v)
	}
	if v2 := old.Seal([]byte("whsec_x"), "aad"); v2 == v {
		t.Errorf("two seals of one value are alike: the nonce is not random")
	}
	// Rotation: the new keyring seals with b and still opens a's values.
	rotated, err := seal.ParseKeyring(seal.EncodeKey(b) + "," + seal.EncodeKey(a))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := rotated.Open(v, "aad"); err != nil || string(got) != "whsec_x" {
		t.Errorf("rotated.Open = %q, %v", got, err)
	}
	if nv := rotated.Seal([]byte("y"), "aad"); !strings.Contains(nv, seal.KeyID(b)) {
		t.Errorf("rotated keyring seals with %q; want key %s", nv, seal.KeyID(b))
	}
	if _, err := keyring(t, b).Open(v, "aad"); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("Open under another key: %v; want ErrUnknownKey", err)
	}
	if _, err := old.Open(v, "other aad"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("Open with another aad: %v; want ErrOpen", err)
	}
	tampered := []byte(v)
	tampered[len(tampered)-3] ^= 1
	if _, err := old.Open(string(tampered), "aad"); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("Open of a tampered value: %v; want ErrOpen", err)
	}
}

// world is a workspace with a webhook, written through a sealed store.
type world struct {
	ws      *hookd.Workspace
	hook    *hookd.Webhook
	secrets []string // plain values that must never reach the disk
}

func populate(t *testing.T, s hookd.Store) world {
	t.Helper()
	ctx := t.Context()
	ws := &hookd.Workspace{Name: "acme", CreatedAt: t0, UpdatedAt: t0, ID: hookd.NewID(hookd.PrefixWorkspace, t0)}
	if err := s.CreateWorkspace(ctx, ws); err != nil {
		t.Fatal(err)
	}
	w := &hookd.Webhook{WorkspaceID: ws.ID, URL: "https://example.com/hook", Method: hookd.MethodPost, Events: []string{"*"},
		Headers:        map[string]string{"Authorization": "Bearer header-credential-1f0e9d", "X-Api-Key": "apikey-value-77aa"},
		TimeoutSeconds: 30, Status: hookd.WebhookActive, Signature: hookd.SignatureSpec{Scheme: hookd.SchemeStandard},
		Secrets: []hookd.Secret{{Value: "whsec_c2VjcmV0LW9uZS1zZWNyZXQtb25lLXNlY3JldC0x"}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateWebhook(ctx, w, 0); err != nil {
		t.Fatal(err)
	}
	if w.ID == "" || w.Secrets[0].Value != "whsec_c2VjcmV0LW9uZS1zZWNyZXQtb25lLXNlY3JldC0x" || w.Headers["X-Api-Key"] != "apikey-value-77aa" {
		t.Fatalf("CreateWebhook changed the caller's webhook: %+v", w)
	}
	// Rotate: the old secret stays for a day.
	exp := t0.Add(24 * time.Hour)
	w.Secrets = []hookd.Secret{{Value: "whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldC0y"}, {Value: w.Secrets[0].Value, ExpiresAt: &exp}}
	if err := s.UpdateWebhook(ctx, w, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if w.Secrets[0].Value != "whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldC0y" || !w.UpdatedAt.Equal(t0.Add(time.Second)) {
		t.Fatalf("UpdateWebhook left %+v", w)
	}
	const scope, key = "admin POST /v1/workspaces/x/keys", "idem-1"
	if _, err := s.ReserveIdempotencyKey(ctx, scope, key, "fp", t0); err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"id":"key_1","key":"hk_newapikey-in-an-answer-5c5c"}`)
	if err := s.SaveIdempotentResponse(ctx, scope, key, hookd.IdempotentResponse{Status: 201, Body: body}); err != nil {
		t.Fatal(err)
	}
	saved, err := s.ReserveIdempotencyKey(ctx, scope, key, "fp", t0)
	if err != nil || saved == nil || !bytes.Equal(saved.Body, body) || saved.Status != 201 {
		t.Fatalf("saved answer %+v, %v", saved, err)
	}
	e := &hookd.Event{WorkspaceID: ws.ID, Type: "ticket.created", Payload: []byte(`{"a":1}`)}
	if err := s.Publish(ctx, []*hookd.Event{e}, t0); err != nil {
		t.Fatal(err)
	}
	return world{ws: ws, hook: w, secrets: []string{
		"whsec_c2VjcmV0LW9uZS1zZWNyZXQtb25lLXNlY3JldC0x", "c2VjcmV0LW9uZS1zZWNyZXQtb25lLXNlY3JldC0x",
		"whsec_c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldC0y", "c2VjcmV0LXR3by1zZWNyZXQtdHdvLXNlY3JldC0y",
		"header-credential-1f0e9d", "apikey-value-77aa", "hk_newapikey-in-an-answer-5c5c",
	}}
}

// dbBytes returns the database file and its WAL and journal, as a thief
// would copy them.
func dbBytes(t *testing.T, path string) []byte {
	t.Helper()
	var all []byte
	for _, p := range []string{path, path + "-wal", path + "-journal", path + "-shm"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// TestNothingInClear writes secrets through the decorator and reads the
// SQLite files byte for byte, and its tables with SQL: no secret, header
// value or saved key is there in clear. Read back through the decorator,
// everything is as written; claims carry the plain secrets.
func TestNothingInClear(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hookd.db")
	inner, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	keys := keyring(t, seal.GenerateKey())
	s := seal.New(inner, keys, nil)
	wd := populate(t, s)

	raw := dbBytes(t, path)
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dump strings.Builder
	for _, q := range []string{`SELECT headers || secrets FROM webhooks`, `SELECT CAST(body AS TEXT) FROM idempotency_keys`} {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v sql.NullString
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			dump.WriteString(v.String + "\n")
		}
		rows.Close()
	}
	if !strings.Contains(dump.String(), "sealed:v1:") || !strings.Contains(dump.String(), "Authorization") {
		t.Fatalf("the tables do not hold sealed values: %s", dump.String())
	}
	for _, secret := range wd.secrets {
		if bytes.Contains(raw, []byte(secret)) {
			t.Errorf("the database files hold %q in clear", secret)
		}
		if strings.Contains(dump.String(), secret) {
			t.Errorf("the tables hold %q in clear", secret)
		}
	}

	got, err := s.Webhook(ctx, wd.ws.ID, wd.hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Secrets[0].Value != wd.hook.Secrets[0].Value || got.Secrets[1].Value != wd.hook.Secrets[1].Value ||
		got.Headers["Authorization"] != "Bearer header-credential-1f0e9d" || got.Secrets[1].ExpiresAt == nil {
		t.Errorf("read back %+v", got)
	}
	list, _, err := s.ListWebhooks(ctx, wd.ws.ID, hookd.Page{Limit: 10})
	if err != nil || len(list) != 1 || list[0].Headers["X-Api-Key"] != "apikey-value-77aa" {
		t.Errorf("ListWebhooks = %+v, %v", list, err)
	}
	claims, err := s.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 10, PerWebhook: 10})
	if err != nil || len(claims) != 1 {
		t.Fatalf("ClaimDue = %+v, %v", claims, err)
	}
	if vs := claims[0].Webhook.ValidSecrets(t0); len(vs) != 2 || vs[0] != wd.hook.Secrets[0].Value || claims[0].Webhook.Headers["X-Api-Key"] != "apikey-value-77aa" {
		t.Errorf("claimed webhook %+v", claims[0].Webhook)
	}
	if err := seal.CheckKey(ctx, s); err != nil {
		t.Errorf("CheckKey with the right key: %v", err)
	}
}

// TestWrongKey: a store opened with another key refuses to serve the
// secrets, CheckKey says so, and claims of its webhooks are held back
// rather than sent with what does not open.
func TestWrongKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	wd := populate(t, seal.New(inner, keyring(t, seal.GenerateKey()), nil))

	wrong := seal.New(inner, keyring(t, seal.GenerateKey()), nil)
	if _, err := wrong.Webhook(ctx, wd.ws.ID, wd.hook.ID); !errors.Is(err, seal.ErrUnknownKey) {
		t.Errorf("Webhook with the wrong key: %v; want ErrUnknownKey", err)
	}
	if err := seal.CheckKey(ctx, wrong); err == nil || !strings.Contains(err.Error(), "HOOKD_ENCRYPTION_KEY") {
		t.Errorf("CheckKey with the wrong key = %v", err)
	}
	claims, err := wrong.ClaimDue(ctx, hookd.ClaimRequest{Now: t0, LeaseUntil: t0.Add(time.Minute), Limit: 10, PerWebhook: 10})
	if err != nil || len(claims) != 0 {
		t.Errorf("ClaimDue with the wrong key = %+v, %v; want no claims", claims, err)
	}
	if _, err := wrong.ReserveIdempotencyKey(ctx, "admin POST /v1/workspaces/x/keys", "idem-1", "fp", t0); err == nil {
		t.Errorf("the saved answer opened under the wrong key")
	}
}

// TestMovedSecretDoesNotOpen: a sealed secret copied into another webhook's
// row (by someone who can write the database) does not open there.
func TestMovedSecretDoesNotOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	s := seal.New(inner, keyring(t, seal.GenerateKey()), nil)
	wd := populate(t, s)
	other := *wd.hook
	other.ID, other.Secrets = "", []hookd.Secret{{Value: "whsec_b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI="}}
	if err := s.CreateWebhook(ctx, &other, 0); err != nil {
		t.Fatal(err)
	}
	sealed, err := inner.Webhook(ctx, wd.ws.ID, wd.hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved, err := inner.Webhook(ctx, wd.ws.ID, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	moved.Secrets = sealed.Secrets
	if err := inner.UpdateWebhook(ctx, moved, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Webhook(ctx, wd.ws.ID, other.ID); !errors.Is(err, seal.ErrOpen) {
		t.Errorf("a secret moved to another webhook: %v; want ErrOpen", err)
	}
}

// TestPlainValuesFromBefore: a webhook written before encryption reads as
// it is, and is sealed at its next write.
func TestPlainValuesFromBefore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	inner, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer inner.Close()
	wd := populate(t, inner) // no decorator: plain values
	s := seal.New(inner, keyring(t, seal.GenerateKey()), nil)
	got, err := s.Webhook(ctx, wd.ws.ID, wd.hook.ID)
	if err != nil || got.Headers["X-Api-Key"] != "apikey-value-77aa" {
		t.Fatalf("plain webhook through the decorator: %+v, %v", got, err)
	}
	if err := s.UpdateWebhook(ctx, got, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	raw, err := inner.Webhook(ctx, wd.ws.ID, wd.hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !seal.IsSealed(raw.Secrets[0].Value) || !seal.IsSealed(raw.Headers["X-Api-Key"]) {
		t.Errorf("after an update the row holds %+v; want sealed values", raw)
	}
}

// notifier is a store that announces due deliveries.
type notifier struct {
	hookd.Store
	ch chan struct{}
}

func (n *notifier) SubscribeDue(context.Context) (<-chan struct{}, error) { return n.ch, nil }

// TestKeepsDueNotifier: wrapping a store that announces due deliveries
// keeps the announcements, so that the engine still wakes at once; a
// store without them gains none.
func TestKeepsDueNotifier(t *testing.T) {
	t.Parallel()
	keys := keyring(t, seal.GenerateKey())
	inner := &notifier{ch: make(chan struct{})}
	n, ok := seal.New(inner, keys, nil).(hookd.DueNotifier)
	if !ok {
		t.Fatal("the wrapped store lost hookd.DueNotifier")
	}
	if ch, err := n.SubscribeDue(t.Context()); err != nil || ch != (<-chan struct{})(inner.ch) {
		t.Errorf("SubscribeDue = %v, %v; want the wrapped store's", ch, err)
	}
	plain, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, ok := seal.New(plain, keys, nil).(hookd.DueNotifier); ok {
		t.Error("a store without hookd.DueNotifier gained one")
	}
}
