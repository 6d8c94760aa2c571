package storetest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// portalLink stores a link of the workspace created at t0 that expires at
// expires, under the hash of token, and returns the link as stored.
func (f *fixture) portalLink(workspaceID, token string, readOnly bool, expires time.Time) *hookd.PortalLink {
	f.t.Helper()
	sum := sha256.Sum256([]byte(token))
	l := &hookd.PortalLink{TokenHash: sum[:], WorkspaceID: workspaceID, ReadOnly: readOnly, ExpiresAt: expires, CreatedAt: t0}
	if err := f.s.CreatePortalLink(f.ctx, l); err != nil {
		f.t.Fatalf("CreatePortalLink %s: %v", token, err)
	}
	return l
}

func tokenHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// wantRedeemError fails the test unless redeeming token at now fails with
// code, and with the sentinel want when it is not nil.
func (f *fixture) wantRedeemError(what, token string, now time.Time, code string, want error) {
	f.t.Helper()
	l, err := f.s.RedeemPortalLink(f.ctx, tokenHash(token), now)
	if l != nil {
		f.t.Errorf("%s: RedeemPortalLink returned a link %+v with the error %v", what, *l, err)
	}
	wantCode(f.t, what, err, code)
	if want != nil && !errors.Is(err, want) {
		f.t.Errorf("%s: got %v; want %v", what, err, want)
	}
}

func testPortalLinks(t *testing.T, f *fixture) {
	ws := f.workspace()

	// The times are kept to the microsecond, in UTC.
	expires := at(time.Hour + 1500*time.Nanosecond).In(time.FixedZone("UTC+2", 2*3600))
	rw := f.portalLink(ws.ID, "read-write", false, expires)
	want := &hookd.PortalLink{TokenHash: tokenHash("read-write"), WorkspaceID: ws.ID,
		ExpiresAt: at(time.Hour + time.Microsecond), CreatedAt: t0}
	wantEqual(t, "created link", rw, want)
	got, err := f.s.RedeemPortalLink(f.ctx, tokenHash("read-write"), at(time.Minute))
	if err != nil {
		t.Fatalf("RedeemPortalLink: %v", err)
	}
	wantEqual(t, "redeemed link", got, want)

	// Once only, whenever asked again.
	f.wantRedeemError("second redemption", "read-write", at(2*time.Minute), hookd.ECONFLICT, hookd.ErrPortalLinkUsed)
	f.wantRedeemError("redemption after use and expiry", "read-write", at(2*time.Hour), hookd.ECONFLICT, hookd.ErrPortalLinkUsed)

	ro := f.portalLink(ws.ID, "read-only", true, at(time.Hour))
	got, err = f.s.RedeemPortalLink(f.ctx, tokenHash("read-only"), at(time.Hour-time.Microsecond))
	if err != nil {
		t.Fatalf("RedeemPortalLink read-only, just before it expires: %v", err)
	}
	wantEqual(t, "redeemed read-only link", got, ro)

	// Expired at its expiry; a refused redemption does not use it up.
	f.portalLink(ws.ID, "late", false, at(time.Hour))
	f.wantRedeemError("redemption at expiry", "late", at(time.Hour), hookd.EFORBIDDEN, hookd.ErrPortalLinkExpired)
	f.wantRedeemError("redemption after expiry", "late", at(3*time.Hour), hookd.EFORBIDDEN, hookd.ErrPortalLinkExpired)

	f.wantRedeemError("unknown link", "never-made", at(time.Minute), hookd.ENOTFOUND, nil)

	// Creation checks the workspace and the hash.
	sum := tokenHash("orphan")
	err = f.s.CreatePortalLink(f.ctx, &hookd.PortalLink{TokenHash: sum, WorkspaceID: "ws_01NOTHERE", ExpiresAt: at(time.Hour), CreatedAt: t0})
	wantCode(t, "link of a missing workspace", err, hookd.ENOTFOUND)
	err = f.s.CreatePortalLink(f.ctx, &hookd.PortalLink{TokenHash: tokenHash("late"), WorkspaceID: ws.ID, ExpiresAt: at(5 * time.Hour), CreatedAt: t0})
	wantCode(t, "link with a hash that exists", err, hookd.ECONFLICT)
	f.wantRedeemError("link whose hash was taken again", "late", at(3*time.Hour), hookd.EFORBIDDEN, hookd.ErrPortalLinkExpired)

	// A link goes with its workspace.
	gone := f.workspace()
	f.portalLink(gone.ID, "gone", false, at(time.Hour))
	if err := f.s.DeleteWorkspace(f.ctx, gone.ID); err != nil {
		t.Fatalf("DeleteWorkspace: %v", err)
	}
	f.wantRedeemError("link of a deleted workspace", "gone", at(time.Minute), hookd.ENOTFOUND, nil)

	// Purge deletes the links that expired before IdempotencyBefore,
	// used or not, and keeps the others as they are.
	f.portalLink(ws.ID, "used-kept", false, at(10*time.Hour))
	if _, err := f.s.RedeemPortalLink(f.ctx, tokenHash("used-kept"), at(time.Minute)); err != nil {
		t.Fatalf("RedeemPortalLink used-kept: %v", err)
	}
	f.portalLink(ws.ID, "fresh", false, at(10*time.Hour))
	f.portalLink(ws.ID, "at-the-cut", false, at(4*time.Hour))
	if _, err := f.s.Purge(f.ctx, hookd.PurgeRequest{Before: t0, IdempotencyBefore: at(4 * time.Hour)}); err != nil {
		t.Fatalf("Purge: %v", err)
	}
	for _, token := range []string{"read-write", "read-only", "late"} {
		f.wantRedeemError("purged link "+token, token, at(4*time.Hour), hookd.ENOTFOUND, nil)
	}
	f.wantRedeemError("kept link, used", "used-kept", at(4*time.Hour), hookd.ECONFLICT, hookd.ErrPortalLinkUsed)
	f.wantRedeemError("kept link, expired at the cut", "at-the-cut", at(4*time.Hour), hookd.EFORBIDDEN, hookd.ErrPortalLinkExpired)
	if _, err := f.s.RedeemPortalLink(f.ctx, tokenHash("fresh"), at(4*time.Hour)); err != nil {
		t.Errorf("kept link, not used: RedeemPortalLink: %v", err)
	}
}

// testPortalLinkRace redeems one link from several goroutines at once,
// each on a connection of its own where the engine pools them: exactly one
// redemption succeeds, and every other gets ErrPortalLinkUsed.
func testPortalLinkRace(t *testing.T, f *fixture) {
	ws := f.workspace()
	const racers = 8
	for round := range 3 {
		token := fmt.Sprintf("race-%d", round)
		f.portalLink(ws.ID, token, false, at(time.Hour))
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			links = make(chan *hookd.PortalLink, racers)
			errs  = make(chan error, racers)
		)
		for range racers {
			wg.Go(func() {
				<-start
				l, err := f.s.RedeemPortalLink(f.ctx, tokenHash(token), at(time.Minute))
				if err != nil {
					errs <- err
					return
				}
				links <- l
			})
		}
		close(start)
		wg.Wait()
		close(links)
		close(errs)
		if n := len(links); n != 1 {
			t.Fatalf("round %d: %d of %d concurrent redemptions succeeded; want 1", round, n, racers)
		}
		if l := <-links; l.WorkspaceID != ws.ID {
			t.Errorf("round %d: redeemed link of workspace %q; want %q", round, l.WorkspaceID, ws.ID)
		}
		for err := range errs {
			if !errors.Is(err, hookd.ErrPortalLinkUsed) {
				t.Errorf("round %d: a losing redemption got %v; want %v", round, err, hookd.ErrPortalLinkUsed)
			}
		}
	}
}
