// Package client is a Go client for hookd's HTTP API.
//
//	c := client.New("http://localhost:8080", os.Getenv("HOOKD_KEY"))
//	ws, err := c.CreateWorkspace(ctx, client.WorkspaceInput{Name: "acme"})
//
// Every method returns a *Problem when the server answers with an error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/hookd/hookd"
)

// Client talks to one hookd server with one API key.
type Client struct {
	// BaseURL is the server's address, such as http://localhost:8080.
	BaseURL string
	// Key is the Bearer API key: the admin key or a workspace key.
	Key string
	// HTTPClient defaults to a client with a 60 s timeout.
	HTTPClient *http.Client
}

// New returns a client for the server at baseURL using key.
func New(baseURL, key string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Key: key, HTTPClient: &http.Client{Timeout: 60 * time.Second}}
}

// Problem is an error answer from the server (an RFC 9457 problem document).
type Problem struct {
	Type   string             `json:"type"`
	Title  string             `json:"title"`
	Status int                `json:"status"`
	Detail string             `json:"detail"`
	Errors []hookd.FieldError `json:"errors,omitempty"`
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Title)
}

// Request is one API call for Do.
type Request struct {
	Method string
	Path   string // such as /v1/workspaces
	Query  url.Values
	Body   any               // sent as JSON when not nil; []byte is sent as is
	Header map[string]string // extra headers, such as Idempotency-Key
}

// Do sends r and decodes a 2xx answer's JSON into out (when out is not
// nil). It returns a *Problem for an error answer.
func (c *Client) Do(ctx context.Context, r Request, out any) error {
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		body = bytes.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(buf)
	}
	u := c.BaseURL + r.Path
	if len(r.Query) > 0 {
		u += "?" + r.Query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u, body)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Key != "" {
		req.Header.Set("Authorization", "Bearer "+c.Key)
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		p := &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if json.Unmarshal(data, p) != nil || p.Status == 0 {
			p.Status, p.Detail = resp.StatusCode, strings.TrimSpace(string(data))
		}
		return p
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = append((*raw)[:0], data...)
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// List is one page of a list answer.
type List[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// WorkspaceInput creates a workspace.
type WorkspaceInput struct {
	Name     string                   `json:"name"`
	Settings *hookd.WorkspaceSettings `json:"settings,omitempty"`
}

// CreateWorkspace creates a workspace (admin key).
func (c *Client) CreateWorkspace(ctx context.Context, in WorkspaceInput) (*hookd.Workspace, error) {
	var ws hookd.Workspace
	return &ws, c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces", Body: in}, &ws)
}

// Key is a new workspace API key; Key is shown only once.
type Key struct {
	ID          string `json:"id"`
	WorkspaceID string `json:"workspace_id"`
	Name        string `json:"name"`
	Key         string `json:"key"`
}

// CreateKey creates a workspace key (admin key).
func (c *Client) CreateKey(ctx context.Context, workspaceID, name string) (*Key, error) {
	var k Key
	return &k, c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/keys", Body: map[string]string{"name": name}}, &k)
}

// CreateEventType adds a type to the catalogue (admin key).
func (c *Client) CreateEventType(ctx context.Context, name, description string, example json.RawMessage) (*hookd.EventType, error) {
	var et hookd.EventType
	body := map[string]any{"name": name, "description": description}
	if example != nil {
		body["example"] = example
	}
	return &et, c.Do(ctx, Request{Method: "POST", Path: "/v1/event-types", Body: body}, &et)
}

// WebhookInput creates or changes a webhook; nil fields are left out.
type WebhookInput struct {
	Name           string               `json:"name,omitempty"`
	URL            string               `json:"url,omitempty"`
	Method         string               `json:"method,omitempty"`
	Events         []string             `json:"events,omitempty"`
	Channels       []string             `json:"channels,omitempty"`
	Headers        map[string]string    `json:"headers,omitempty"`
	TimeoutSeconds int                  `json:"timeout_seconds,omitempty"`
	RetrySchedule  []string             `json:"retry_schedule,omitempty"`
	Signature      *hookd.SignatureSpec `json:"signature,omitempty"`
	TLSVerify      *bool                `json:"tls_verify,omitempty"`
	RateLimit      *float64             `json:"rate_limit,omitempty"`
	Status         string               `json:"status,omitempty"`
	Secret         string               `json:"secret,omitempty"`
}

// Webhook is a webhook as the API shows it; SigningSecret is set on create.
type Webhook struct {
	hookd.Webhook
	SigningSecret string `json:"signing_secret,omitempty"`
}

// CreateWebhook creates a webhook in a workspace.
func (c *Client) CreateWebhook(ctx context.Context, workspaceID string, in WebhookInput) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/webhooks", Body: in}, &w)
}

// Webhook returns one webhook.
func (c *Client) Webhook(ctx context.Context, workspaceID, id string) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, Request{Method: "GET", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + id}, &w)
}

// UpdateWebhook changes the given fields of a webhook.
func (c *Client) UpdateWebhook(ctx context.Context, workspaceID, id string, in WebhookInput) (*Webhook, error) {
	var w Webhook
	return &w, c.Do(ctx, Request{Method: "PATCH", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + id, Body: in}, &w)
}

// EventInput is an event to publish.
type EventInput struct {
	Type           string          `json:"type"`
	Payload        json.RawMessage `json:"payload"`
	Channels       []string        `json:"channels,omitempty"`
	IdempotencyKey string          `json:"idempotency_key,omitempty"`
}

// Published is the answer to a publish: the event and its deliveries.
type Published struct {
	ID         string    `json:"id"`
	Type       string    `json:"type"`
	CreatedAt  time.Time `json:"created_at"`
	Deliveries []struct {
		ID        string `json:"id"`
		WebhookID string `json:"webhook_id"`
	} `json:"deliveries"`
}

// Publish publishes one event; it returns once the event is stored.
func (c *Client) Publish(ctx context.Context, workspaceID string, in EventInput) (*Published, error) {
	var p Published
	return &p, c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/events", Body: in}, &p)
}

// PublishBatch publishes up to 1000 events, all or none.
func (c *Client) PublishBatch(ctx context.Context, workspaceID string, in []EventInput) ([]Published, error) {
	var out List[Published]
	err := c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/events/batch", Body: map[string]any{"events": in}}, &out)
	return out.Data, err
}

// Deliveries lists a webhook's deliveries; query may hold status,
// event_type, since, until, limit and cursor.
func (c *Client) Deliveries(ctx context.Context, workspaceID, webhookID string, query url.Values) (*List[hookd.Delivery], error) {
	var out List[hookd.Delivery]
	return &out, c.Do(ctx, Request{Method: "GET", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + webhookID + "/deliveries", Query: query}, &out)
}

// Delivery returns one delivery with its attempt log.
func (c *Client) Delivery(ctx context.Context, workspaceID, webhookID, id string) (*hookd.Delivery, error) {
	var d hookd.Delivery
	return &d, c.Do(ctx, Request{Method: "GET", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + webhookID + "/deliveries/" + id}, &d)
}

// RetryDelivery asks for one more attempt of a delivery now.
func (c *Client) RetryDelivery(ctx context.Context, workspaceID, webhookID, id string) error {
	return c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + webhookID + "/deliveries/" + id + "/retry"}, nil)
}

// Recover re-queues a webhook's failed deliveries created since since
// (until until, if not zero) and returns how many.
func (c *Client) Recover(ctx context.Context, workspaceID, webhookID string, since, until time.Time) (int, error) {
	body := map[string]string{"since": since.UTC().Format(time.RFC3339Nano)}
	if !until.IsZero() {
		body["until"] = until.UTC().Format(time.RFC3339Nano)
	}
	var out struct {
		Requeued int `json:"requeued"`
	}
	err := c.Do(ctx, Request{Method: "POST", Path: "/v1/workspaces/" + workspaceID + "/webhooks/" + webhookID + "/recover", Body: body}, &out)
	return out.Requeued, err
}
