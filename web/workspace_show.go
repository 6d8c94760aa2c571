package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// workspaceView is the data of a workspace's page: its settings, its keys,
// and the forms that create a key and a portal link.
type workspaceView struct {
	Workspace hookd.Workspace
	// Settings are the workspace's settings in words, in the order shown.
	Settings []fact
	Keys     []hookd.APIKey
	Pager    *pager
	// KeyName and KeyErrors are the key form as sent and the API's
	// refusal.
	KeyName   string
	KeyErrors fieldMessages
	// Lives are the portal link form's choices; Portal is the form as sent
	// and PortalErrors the API's refusal.
	Lives        []struct{ Value, Label string }
	Portal       form.PortalLink
	PortalErrors fieldMessages
}

// keyListLimit is how many keys one page of a workspace's page lists.
const keyListLimit = 50

// fact is one line of a facts list.
type fact struct {
	Term, Value string
	// Default marks a value that is hookd's, not the workspace's own.
	Default bool
}

// workspaceShow shows a workspace: its settings, links to its webhooks and
// events, its keys, and a portal link for its users.
func (h *handler) workspaceShow(w http.ResponseWriter, r *request) {
	h.renderWorkspace(w, r, http.StatusOK, workspaceView{Portal: form.PortalLink{ExpiresIn: form.PortalLinkLives[0].Value}})
}

// renderWorkspace loads the workspace of r's path and its keys into v and
// shows its page with status.
func (h *handler) renderWorkspace(w http.ResponseWriter, r *request, status int, v workspaceView) {
	ws := r.PathValue("ws")
	if err := h.api(r, "GET", wsPath(ws), nil, nil, &v.Workspace); err != nil {
		h.fail(w, r, err)
		return
	}
	keys, pg, err := listPage[hookd.APIKey](h, r, wsPath(ws, "keys"), nil, keyListLimit)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v.Keys, v.Pager = keys, pg
	v.Settings = settingsFacts(v.Workspace.Settings)
	v.Lives = form.PortalLinkLives
	h.render(w, r, status, page{name: "workspace_show", title: v.Workspace.Name, workspace: v.Workspace.ID, nav: "workspace", data: v})
}

// settingsFacts says what each setting of s is, and which are hookd's.
func settingsFacts(s hookd.WorkspaceSettings) []fact {
	d := s.WebhookDefaults
	if d == nil {
		d = &hookd.WebhookDefaults{}
	}
	out := []fact{{Term: "Webhooks at most", Value: "No cap of its own: the server's applies", Default: true}}
	if s.MaxWebhooks > 0 {
		out[0] = fact{Term: "Webhooks at most", Value: strconv.Itoa(s.MaxWebhooks)}
	}
	if d.TimeoutSeconds != nil {
		out = append(out, fact{Term: "Timeout", Value: fmt.Sprintf("%d s per attempt", *d.TimeoutSeconds)})
	} else {
		out = append(out, fact{Term: "Timeout", Value: fmt.Sprintf("hookd's default, %d s per attempt", hookd.DefaultTimeout), Default: true})
	}
	switch {
	case d.RetrySchedule == nil:
		out = append(out, fact{Term: "Retries", Value: "hookd's default: " + form.ScheduleText(hookd.DefaultRetrySchedule), Default: true})
	case len(d.RetrySchedule) == 0:
		out = append(out, fact{Term: "Retries", Value: "None: one attempt only"})
	default:
		out = append(out, fact{Term: "Retries", Value: form.ScheduleText(d.RetrySchedule)})
	}
	sig := hookd.SignatureSpec{}
	if d.Signature != nil {
		sig = *d.Signature
	}
	if sig.Scheme != "" {
		out = append(out, fact{Term: "Signature scheme", Value: sig.Scheme})
	} else {
		out = append(out, fact{Term: "Signature scheme", Value: "standard (hookd's default)", Default: true})
	}
	if sig.HeaderPrefix != "" {
		out = append(out, fact{Term: "Header prefix", Value: sig.HeaderPrefix})
	} else {
		out = append(out, fact{Term: "Header prefix", Value: "The server's (X-Hookd unless it sets another)", Default: true})
	}
	if sig.Header != "" {
		out = append(out, fact{Term: "Signature header", Value: sig.Header})
	}
	if sig.TimestampHeader != "" {
		out = append(out, fact{Term: "Timestamp header", Value: sig.TimestampHeader})
	}
	if d.RateLimit != nil {
		out = append(out, fact{Term: "Rate limit", Value: strconv.FormatFloat(*d.RateLimit, 'f', -1, 64) + " requests per second per webhook"})
	} else {
		out = append(out, fact{Term: "Rate limit", Value: "None", Default: true})
	}
	return out
}
