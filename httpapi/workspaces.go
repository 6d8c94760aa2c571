package httpapi

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/hookd/hookd"
)

// workspaceRequest is the body of POST /v1/workspaces, and the editable
// view of a workspace that PATCH merges into.
type workspaceRequest struct {
	Name     string           `json:"name"`
	Settings *settingsRequest `json:"settings"`
}

// settingsRequest is a workspace's settings in a request. No field is
// omitempty: the editable view must tell an empty retry schedule (no
// retries) from none (the default).
type settingsRequest struct {
	MaxWebhooks     int              `json:"max_webhooks"`
	WebhookDefaults *defaultsRequest `json:"webhook_defaults"`
}

type defaultsRequest struct {
	TimeoutSeconds *int                 `json:"timeout_seconds"`
	RetrySchedule  []string             `json:"retry_schedule" expect:"a list of durations such as [\"5s\",\"5m\",\"2h\"]"`
	Signature      *hookd.SignatureSpec `json:"signature"`
	RateLimit      *float64             `json:"rate_limit"`
}

// workspaceView is the editable view of ws.
func workspaceView(ws *hookd.Workspace) workspaceRequest {
	v := workspaceRequest{Name: ws.Name, Settings: &settingsRequest{MaxWebhooks: ws.Settings.MaxWebhooks}}
	if d := ws.Settings.WebhookDefaults; d != nil {
		v.Settings.WebhookDefaults = &defaultsRequest{
			TimeoutSeconds: d.TimeoutSeconds,
			RetrySchedule:  scheduleStrings(d.RetrySchedule),
			Signature:      d.Signature,
			RateLimit:      d.RateLimit,
		}
	}
	return v
}

// apply sets ws's name and settings from req and validates them.
func (req workspaceRequest) apply(ws *hookd.Workspace) error {
	var errs fieldErrors
	ws.Name = req.Name
	ws.Settings = hookd.WorkspaceSettings{}
	if st := req.Settings; st != nil {
		ws.Settings.MaxWebhooks = st.MaxWebhooks
		if d := st.WebhookDefaults; d != nil {
			const prefix = "settings.webhook_defaults."
			wd := &hookd.WebhookDefaults{
				TimeoutSeconds: d.TimeoutSeconds,
				RetrySchedule:  parseSchedule(prefix+"retry_schedule", d.RetrySchedule, &errs),
				Signature:      d.Signature,
				RateLimit:      d.RateLimit,
			}
			if sig := d.Signature; sig != nil {
				if sig.Scheme != "" && !validScheme(sig.Scheme) {
					errs.add(prefix+"signature.scheme", `must be one of "standard", "stripe", "github", "split"`)
				}
				if p := sig.HeaderPrefix; p != "" && (!validHeaderName(p) || len(p) > 64) {
					errs.add(prefix+"signature.header_prefix", "must be a header name such as X-Acme")
				}
				for _, f := range hookd.SignatureHeaderProblems(*sig, sig.HeaderPrefix) {
					errs.add(prefix+"signature."+f.Field, f.Message)
				}
			}
			if r := d.RateLimit; r != nil && (*r <= 0 || *r > 100000) {
				errs.add(prefix+"rate_limit", "must be null or from above 0 to 100000 requests per second")
			}
			ws.Settings.WebhookDefaults = wd
		}
	}
	return errs.with(hookd.ValidateWorkspace(ws))
}

// scheduleStrings writes s as duration strings; nil stays nil.
func scheduleStrings(s hookd.RetrySchedule) []string {
	if s == nil {
		return nil
	}
	out := make([]string, len(s))
	for i, d := range s {
		out[i] = d.String()
	}
	return out
}

// parseSchedule reads duration strings for field; nil stays nil (the
// default) and an empty list is a schedule without retries. When the list
// is longer than hookd.MaxRetries, or a string is not a duration, it adds
// the error and returns nil.
func parseSchedule(field string, raw []string, errs *fieldErrors) hookd.RetrySchedule {
	if raw == nil {
		return nil
	}
	if len(raw) > hookd.MaxRetries {
		errs.add(field, fmt.Sprintf("at most %d retries; this list has %d", hookd.MaxRetries, len(raw)))
		return nil
	}
	out := make(hookd.RetrySchedule, len(raw))
	ok := true
	for i, r := range raw {
		d, err := time.ParseDuration(r)
		if err != nil {
			errs.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not a duration such as \"30s\" or \"2h\"", r))
			ok = false
		}
		out[i] = d
	}
	if !ok {
		return nil
	}
	return out
}

func (s *server) createWorkspace(req *request) (int, any, error) {
	var body workspaceRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	ws := &hookd.Workspace{ID: hookd.NewID(hookd.PrefixWorkspace, req.now), CreatedAt: req.now, UpdatedAt: req.now}
	if err := body.apply(ws); err != nil {
		return 0, nil, err
	}
	if err := s.store.CreateWorkspace(req.Context(), ws); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ws, nil
}

func (s *server) listWorkspaces(req *request) (int, any, error) {
	scope := scopeOf("workspaces")
	p, _, errs := parseList(req, scope)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListWorkspaces(req.Context(), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

func (s *server) getWorkspace(req *request) (int, any, error) {
	ws, err := s.store.Workspace(req.Context(), req.PathValue("ws"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ws, nil
}

func (s *server) updateWorkspace(req *request) (int, any, error) {
	ws, err := s.store.Workspace(req.Context(), req.PathValue("ws"))
	if err != nil {
		return 0, nil, err
	}
	var body workspaceRequest
	if _, err := decodePatch(req.body, workspaceView(ws), &body); err != nil {
		return 0, nil, err
	}
	if err := body.apply(ws); err != nil {
		return 0, nil, err
	}
	ws.UpdatedAt = req.now
	if err := s.store.UpdateWorkspace(req.Context(), ws); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ws, nil
}

func (s *server) deleteWorkspace(req *request) (int, any, error) {
	if err := s.store.DeleteWorkspace(req.Context(), req.PathValue("ws")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}

// keyRequest is the body of POST /v1/workspaces/{ws}/keys.
type keyRequest struct {
	Name string `json:"name"`
}

// newKey is the answer to a key's creation, the only one that shows the
// key's secret.
type newKey struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Key         string    `json:"key"`
	WorkspaceID string    `json:"workspace_id"`
	CreatedAt   time.Time `json:"created_at"`
}

func (s *server) createKey(req *request) (int, any, error) {
	var body keyRequest
	if err := decodeJSON(req.body, &body); err != nil {
		return 0, nil, err
	}
	if len(body.Name) > hookd.MaxNameLength {
		return 0, nil, invalid("name", fmt.Sprintf("must be at most %d characters", hookd.MaxNameLength))
	}
	ws, err := s.store.Workspace(req.Context(), req.PathValue("ws"))
	if err != nil {
		return 0, nil, err
	}
	secret := newAPIKey()
	sum := sha256.Sum256([]byte(secret))
	k := &hookd.APIKey{
		ID:          hookd.NewID(hookd.PrefixKey, req.now),
		WorkspaceID: ws.ID,
		Name:        body.Name,
		Hash:        sum[:],
		CreatedAt:   req.now,
	}
	if err := s.store.CreateAPIKey(req.Context(), k); err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, newKey{ID: k.ID, Name: k.Name, Key: secret, WorkspaceID: k.WorkspaceID, CreatedAt: k.CreatedAt}, nil
}

func (s *server) listKeys(req *request) (int, any, error) {
	scope := scopeOf("keys", req.PathValue("ws"))
	p, _, errs := parseList(req, scope)
	if err := errs.with(nil); err != nil {
		return 0, nil, err
	}
	items, next, err := s.store.ListAPIKeys(req.Context(), req.PathValue("ws"), p)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, newList(scope, items, next), nil
}

func (s *server) deleteKey(req *request) (int, any, error) {
	if err := s.store.DeleteAPIKey(req.Context(), req.PathValue("ws"), req.PathValue("key_id")); err != nil {
		return 0, nil, err
	}
	return http.StatusNoContent, nil, nil
}
