package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/hookd/hookd"
)

// The size of the overview benchmark's store: the operator's page reads
// Overview once per render, over every workspace and webhook.
const (
	// OverviewWorkspaces is how many workspaces SeedOverview makes.
	OverviewWorkspaces = 100
	// OverviewWebhooks is how many webhooks SeedOverview makes: 10 per
	// workspace, of which 50 are failing and 50 disabled.
	OverviewWebhooks = 1000
)

// SeedOverview makes OverviewWorkspaces workspaces in s and
// OverviewWebhooks webhooks spread evenly across them, created at now and
// updated one second apart. One webhook in twenty has been failing since
// an hour before now, and one in twenty is disabled, so that more are
// troubled than an overview lists. It returns the workspaces' ids, in the
// order the webhooks were spread over them, and fails tb on any error.
// The engine's benchmark then adds the deliveries and attempt counts.
func SeedOverview(tb testing.TB, s hookd.Store, now time.Time) []string {
	tb.Helper()
	ctx := tb.Context()
	var workspaces []string
	for i := range OverviewWorkspaces {
		ws := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, now), Name: fmt.Sprint("ws", i),
			CreatedAt: now, UpdatedAt: now}
		if err := s.CreateWorkspace(ctx, ws); err != nil {
			tb.Fatalf("CreateWorkspace: %v", err)
		}
		workspaces = append(workspaces, ws.ID)
	}
	perWorkspace := OverviewWebhooks / OverviewWorkspaces
	for i := range OverviewWebhooks {
		w := &hookd.Webhook{ID: hookd.NewID(hookd.PrefixWebhook, now), WorkspaceID: workspaces[i/perWorkspace],
			Name: fmt.Sprint("w", i), URL: "https://example.com/hook", Method: hookd.MethodPost, Events: []string{"*"},
			TimeoutSeconds: 30, RetrySchedule: hookd.DefaultRetrySchedule, Status: hookd.WebhookActive,
			Secrets: []hookd.Secret{{Value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}, TLSVerify: true,
			CreatedAt: now, UpdatedAt: now.Add(time.Duration(i) * time.Second)}
		switch i % 20 {
		case 1:
			since := now.Add(-time.Hour)
			w.FailingSince = &since
		case 2:
			w.Status, w.DisabledReason = hookd.WebhookDisabled, "the endpoint answered 410 Gone"
		}
		if err := s.CreateWebhook(ctx, w, 0); err != nil {
			tb.Fatalf("CreateWebhook: %v", err)
		}
	}
	return workspaces
}

// BenchmarkOverview measures Overview of s at now, a store that
// SeedOverview filled, and reports the time of one call in ms/overview.
// It fails b unless the last overview counts pending deliveries pending,
// OverviewWebhooks webhooks, hookd.OverviewTroubled troubled ones and
// succeeded attempts in its last minute.
func BenchmarkOverview(b *testing.B, s hookd.Store, now time.Time, pending, succeeded int) {
	b.Helper()
	ctx := b.Context()
	var o *hookd.Overview
	for b.Loop() {
		var err error
		if o, err = s.Overview(ctx, now); err != nil {
			b.Fatalf("Overview: %v", err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/overview")
	last := o.Minutes[len(o.Minutes)-1]
	if o.Pending != pending || len(o.Troubled) != hookd.OverviewTroubled || o.Webhooks != OverviewWebhooks ||
		last.Succeeded != succeeded {
		b.Fatalf("overview: pending %d, %d troubled, %d webhooks, last minute %+v; want %d, %d, %d, %d succeeded",
			o.Pending, len(o.Troubled), o.Webhooks, last, pending, hookd.OverviewTroubled, OverviewWebhooks, succeeded)
	}
}
