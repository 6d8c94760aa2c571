package web

import (
	"net/http"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/web/form"
)

// webhookShowView is the data of a webhook's page.
type webhookShowView struct {
	Workspace string
	Webhook   *hookd.Webhook
	// Secret is the signing secret, shown when asked for (?reveal=1).
	Secret string
	// Rotate is the rotate form as sent, and Errors its messages, when the
	// API refused it.
	Rotate   form.RotateSecret
	Errors   fieldMessages
	ReadOnly bool
	// Schedule is the retry schedule as the form writes it.
	Schedule string
}

// SchemeTitle names the webhook's signature scheme.
func (v webhookShowView) SchemeTitle() string {
	for _, s := range signatureSchemes {
		if s.Name == v.Webhook.Signature.Scheme {
			return s.Title
		}
	}
	return v.Webhook.Signature.Scheme
}

// GraceChoices are the grace periods the rotate form offers.
func (webhookShowView) GraceChoices() []graceChoice { return graceChoices }

// graceChoice is one grace period of the rotate form.
type graceChoice struct{ Value, Label string }

// graceChoices go from none to the API's most, 7 days; blank is the API's
// default.
var graceChoices = []graceChoice{
	{"", "24 hours (the default)"},
	{"1h", "1 hour"},
	{"72h", "3 days"},
	{"168h", "7 days (the most)"},
	{"0s", "None: the old secret stops signing now"},
}

// webhookShow shows a webhook: its settings, its status, its signing
// secret on request (?reveal=1), and what can be done with it.
func (h *handler) webhookShow(w http.ResponseWriter, r *request) {
	h.renderWebhookShow(w, r, http.StatusOK, r.URL.Query().Get("reveal") != "", form.RotateSecret{}, nil)
}

// renderWebhookShow shows the page of the webhook of r's path, with its
// signing secret when reveal is set, and rotate's form and messages.
func (h *handler) renderWebhookShow(w http.ResponseWriter, r *request, status int, reveal bool, rotate form.RotateSecret, errs fieldMessages) {
	wh, err := h.webhook(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ws, id := r.PathValue("ws"), r.PathValue("whk")
	v := webhookShowView{Workspace: ws, Webhook: wh, Rotate: rotate, Errors: errs, ReadOnly: r.sess.ReadOnly}
	if reveal {
		var s struct {
			SigningSecret string `json:"signing_secret"`
		}
		if err := h.api(r, "GET", wsPath(ws, "webhooks", id, "secret"), nil, nil, &s); err != nil {
			h.fail(w, r, err)
			return
		}
		v.Secret = s.SigningSecret
	}
	v.Schedule = form.ScheduleText(v.Webhook.RetrySchedule)
	h.render(w, r, status, page{name: "webhook_show", title: webhookTitle(wh), workspace: ws, nav: "webhooks", data: v})
}
