package httpapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hookd/hookd"
	"github.com/hookd/hookd/sqlite"
)

// nopEngine is an Engine that does nothing; the routing tests never call
// it.
type nopEngine struct{}

func (nopEngine) Notify() {}

func (nopEngine) SendTest(context.Context, *hookd.Claim) (*hookd.Attempt, error) {
	return nil, hookd.Errorf(hookd.EUNAVAILABLE, "no engine")
}

// openAPIDoc is the part of openapi.json the tests read.
type openAPIDoc struct {
	OpenAPI    string                                `json:"openapi"`
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]*schemaDoc `json:"schemas"`
	} `json:"components"`
}

type schemaDoc struct {
	Ref        string                `json:"$ref"`
	AllOf      []*schemaDoc          `json:"allOf"`
	Properties map[string]*schemaDoc `json:"properties"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q; want 3.1.0", doc.OpenAPI)
	}
	return doc
}

// TestOpenAPIRoutes checks that every route the handler serves is in
// openapi.json, and that every operation there is served, by asking the
// handler's own mux.
func TestOpenAPIRoutes(t *testing.T) {
	doc := loadOpenAPI(t)
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hookd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := New(Config{Store: store, Engine: nopEngine{}, AdminKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	s := h.(*server)

	var served, documented []string
	for _, rt := range s.routes {
		served = append(served, rt.pattern())
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			pattern := strings.ToUpper(method) + " " + path
			documented = append(documented, pattern)
			// The mux routes a request for this operation to this very pattern.
			concrete := strings.NewReplacer("{ws}", "ws_1", "{whk}", "whk_1", "{dlv}", "dlv_1", "{evt}", "evt_1",
				"{key_id}", "key_1", "{name}", "ticket.created").Replace(path)
			_, got := s.mux.Handler(httptest.NewRequest(strings.ToUpper(method), concrete, nil))
			if got != pattern {
				t.Errorf("%s %s routes to %q; openapi.json documents %q", strings.ToUpper(method), concrete, got, pattern)
			}
		}
	}
	slices.Sort(served)
	slices.Sort(documented)
	for _, p := range served {
		if !slices.Contains(documented, p) {
			t.Errorf("route %q is served but not in openapi.json", p)
		}
	}
	for _, p := range documented {
		if !slices.Contains(served, p) {
			t.Errorf("openapi.json documents %q, which is not served", p)
		}
	}
}

// TestOpenAPIRefs checks that every $ref in openapi.json points at
// something.
func TestOpenAPIRefs(t *testing.T) {
	var doc any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				if k == "$ref" {
					ref, _ := e.(string)
					target := doc
					for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
						m, _ := target.(map[string]any)
						target = m[part]
					}
					if target == nil {
						t.Errorf("$ref %q points at nothing", ref)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
}

// TestOpenAPISchemas checks that each schema in openapi.json has exactly
// the JSON fields of the Go type the code reads or writes for it.
func TestOpenAPISchemas(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]struct {
		typ  reflect.Type
		omit []string // fields of the Go type that the schema leaves out on purpose
	}{
		"FieldError":          {reflect.TypeFor[hookd.FieldError](), nil},
		"Problem":             {reflect.TypeFor[problem](), nil},
		"SignatureSpec":       {reflect.TypeFor[hookd.SignatureSpec](), nil},
		"WebhookDefaults":     {reflect.TypeFor[hookd.WebhookDefaults](), nil},
		"WorkspaceSettings":   {reflect.TypeFor[hookd.WorkspaceSettings](), nil},
		"Workspace":           {reflect.TypeFor[hookd.Workspace](), nil},
		"WorkspaceCreate":     {reflect.TypeFor[workspaceRequest](), nil},
		"WorkspacePatch":      {reflect.TypeFor[workspaceRequest](), nil},
		"APIKeyCreate":        {reflect.TypeFor[keyRequest](), nil},
		"APIKeyCreated":       {reflect.TypeFor[newKey](), nil},
		"APIKey":              {reflect.TypeFor[hookd.APIKey](), nil},
		"EventType":           {reflect.TypeFor[hookd.EventType](), nil},
		"EventTypeCreate":     {reflect.TypeFor[eventTypeRequest](), nil},
		"EventTypePatch":      {reflect.TypeFor[eventTypeRequest](), nil},
		"Webhook":             {reflect.TypeFor[hookd.Webhook](), nil},
		"WebhookCreate":       {reflect.TypeFor[webhookRequest](), nil},
		"WebhookPatch":        {reflect.TypeFor[webhookRequest](), []string{"secret"}},
		"WebhookCreated":      {reflect.TypeFor[webhookWithSecret](), nil},
		"SigningSecret":       {reflect.TypeFor[signingSecret](), nil},
		"RotateSecret":        {reflect.TypeFor[rotateRequest](), nil},
		"TestRequest":         {reflect.TypeFor[testRequest](), nil},
		"TestResult":          {reflect.TypeFor[testResult](), nil},
		"Attempt":             {reflect.TypeFor[hookd.Attempt](), nil},
		"AttemptRequest":      {reflect.TypeFor[hookd.AttemptRequest](), nil},
		"AttemptResponse":     {reflect.TypeFor[hookd.AttemptResponse](), nil},
		"Delivery":            {reflect.TypeFor[hookd.Delivery](), nil},
		"DeliveryDetail":      {reflect.TypeFor[deliveryView](), nil},
		"Event":               {reflect.TypeFor[hookd.Event](), nil},
		"EventPublish":        {reflect.TypeFor[eventRequest](), nil},
		"DeliveryRef":         {reflect.TypeFor[deliveryRef](), nil},
		"EventPublished":      {reflect.TypeFor[publishedEvent](), nil},
		"EventBatch":          {reflect.TypeFor[batchRequest](), nil},
		"EventBatchPublished": {reflect.TypeFor[batchPublished](), nil},
		"Retried":             {reflect.TypeFor[retried](), nil},
		"RecoverRequest":      {reflect.TypeFor[recoverRequest](), nil},
		"Recovered":           {reflect.TypeFor[recovered](), nil},
		"Health":              {reflect.TypeFor[health](), nil},
		"PortalLinkCreate":    {reflect.TypeFor[portalRequest](), nil},
		"PortalLink":          {reflect.TypeFor[portalLink](), nil},
		"WorkspaceList":       {reflect.TypeFor[list[hookd.Workspace]](), nil},
		"APIKeyList":          {reflect.TypeFor[list[hookd.APIKey]](), nil},
		"EventTypeList":       {reflect.TypeFor[list[hookd.EventType]](), nil},
		"WebhookList":         {reflect.TypeFor[list[hookd.Webhook]](), nil},
		"EventList":           {reflect.TypeFor[list[hookd.Event]](), nil},
		"DeliveryList":        {reflect.TypeFor[list[hookd.Delivery]](), nil},
		"Overview":            {reflect.TypeFor[hookd.Overview](), nil},
		"MinuteCount":         {reflect.TypeFor[hookd.MinuteCount](), nil},
		"TroubledWebhook":     {reflect.TypeFor[hookd.TroubledWebhook](), nil},
	}
	for name, s := range doc.Components.Schemas {
		tt, ok := types[name]
		if !ok {
			t.Errorf("schema %s: no Go type to check it against; add it to this test", name)
			continue
		}
		want := jsonFields(tt.typ)
		want = slices.DeleteFunc(want, func(f string) bool { return slices.Contains(tt.omit, f) })
		got := schemaFields(doc, s)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has fields %q; %s has %q", name, got, tt.typ, want)
		}
	}
	for name := range types {
		if doc.Components.Schemas[name] == nil {
			t.Errorf("schema %s is missing", name)
		}
	}
}

// jsonFields lists the JSON names encoding/json uses for t, sorted.
func jsonFields(t reflect.Type) []string {
	var out []string
	for _, f := range reflect.VisibleFields(deref(t)) {
		if f.Anonymous {
			continue
		}
		if name, ok := jsonName(f); ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// schemaFields lists the properties of s, following $ref and allOf, sorted.
func schemaFields(doc openAPIDoc, s *schemaDoc) []string {
	var out []string
	var walk func(s *schemaDoc)
	walk = func(s *schemaDoc) {
		if s == nil {
			return
		}
		if s.Ref != "" {
			walk(doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")])
		}
		for _, a := range s.AllOf {
			walk(a)
		}
		for p := range s.Properties {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	walk(s)
	slices.Sort(out)
	return out
}
