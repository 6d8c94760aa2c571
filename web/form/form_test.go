package form

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"
)

func TestParseDeliveryFilter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		query     string
		wantQuery string
		wantShown [2]string // since, until as the form shows them
		wantErrs  Errors
	}{
		{name: "empty", query: "", wantQuery: ""},
		{name: "any status", query: "status=any&event_type=", wantQuery: ""},
		{name: "status and type", query: "status=failed&event_type=+ticket.created+", wantQuery: "event_type=ticket.created&status=failed"},
		{name: "unknown status goes to the API", query: "status=weird", wantQuery: "status=weird"},
		{name: "datetime-local is UTC", query: "since=2025-01-31T15:04&until=2025-02-01T00:00:30",
			wantQuery: "since=2025-01-31T15%3A04%3A00Z&until=2025-02-01T00%3A00%3A30Z",
			wantShown: [2]string{"2025-01-31T15:04", "2025-02-01T00:00:30"}},
		{name: "RFC 3339 with an offset", query: "since=2025-01-31T17:04:00%2B02:00",
			wantQuery: "since=2025-01-31T15%3A04%3A00Z", wantShown: [2]string{"2025-01-31T15:04", ""}},
		{name: "not a time", query: "since=yesterday&until=2025-13-01T00:00",
			wantQuery: "", wantShown: [2]string{"yesterday", "2025-13-01T00:00"},
			wantErrs: Errors{"since": errTime, "until": errTime}},
		{name: "before 1970 (the zero time would read as no time)", query: "since=0001-01-01T0:00&until=1969-12-31T23:59",
			wantQuery: "", wantShown: [2]string{"0001-01-01T0:00", "1969-12-31T23:59"},
			wantErrs: Errors{"since": errTime, "until": errTime}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			f, errs := ParseDeliveryFilter(q)
			if got := f.Query().Encode(); got != tt.wantQuery {
				t.Errorf("Query() = %q; want %q", got, tt.wantQuery)
			}
			if f.Since != tt.wantShown[0] || f.Until != tt.wantShown[1] {
				t.Errorf("shown since, until = %q, %q; want %q, %q", f.Since, f.Until, tt.wantShown[0], tt.wantShown[1])
			}
			if len(errs) != len(tt.wantErrs) {
				t.Errorf("errors = %v; want %v", errs, tt.wantErrs)
			}
			for k, v := range tt.wantErrs {
				if errs[k] != v {
					t.Errorf("errors[%q] = %q; want %q", k, errs[k], v)
				}
			}
			if want := tt.wantQuery != "" || len(tt.wantErrs) > 0; f.Active() != want {
				t.Errorf("Active() = %v; want %v", f.Active(), want)
			}
		})
	}
}

func TestParseEventFilter(t *testing.T) {
	t.Parallel()
	f, errs := ParseEventFilter(url.Values{"type": {"order.paid"}, "until": {"2025-01-01T00:00"}})
	if len(errs) != 0 {
		t.Fatalf("errors = %v; want none", errs)
	}
	if got, want := f.Query().Encode(), "type=order.paid&until=2025-01-01T00%3A00%3A00Z"; got != want {
		t.Errorf("Query() = %q; want %q", got, want)
	}
	if !f.Active() {
		t.Error("Active() = false; want true")
	}
	if f, _ := ParseEventFilter(url.Values{}); f.Active() {
		t.Error("an empty filter is Active")
	}
}

func TestParseRecover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		form     url.Values
		want     string
		wantErrs []string
	}{
		{"since only", url.Values{"since": {"2025-03-01T08:30"}}, `{"since":"2025-03-01T08:30:00Z"}`, nil},
		{"since and until", url.Values{"since": {"2025-03-01T08:30"}, "until": {"2025-03-02T08:30:15"}},
			`{"since":"2025-03-01T08:30:00Z","until":"2025-03-02T08:30:15Z"}`, nil},
		{"nothing: the API says since is required", url.Values{}, `{"since":""}`, nil},
		{"garbled", url.Values{"since": {"03/01/2025"}}, `{"since":""}`, []string{"since"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs := ParseRecover(tt.form)
			b, err := json.Marshal(f.Body())
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("Body() = %s; want %s", b, tt.want)
			}
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("errors = %v; want on %v", errs, tt.wantErrs)
			}
			for _, k := range tt.wantErrs {
				if errs[k] == "" {
					t.Errorf("no error on %q: %v", k, errs)
				}
			}
		})
	}
}

func TestParseEventType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                   string
		form                   url.Values
		wantCreate, wantUpdate string
		wantErr                bool
	}{
		{"all fields", url.Values{"name": {" ticket.created "}, "description": {"A ticket was opened."}, "example": {"{\n  \"id\": 1\n}"}},
			`{"name":"ticket.created","description":"A ticket was opened.","example":{"id":1}}`,
			`{"description":"A ticket was opened.","example":{"id":1}}`, false},
		{"no example: none on create, cleared on edit", url.Values{"name": {"a.b"}},
			`{"name":"a.b","description":""}`, `{"description":"","example":null}`, false},
		{"example not JSON", url.Values{"name": {"a.b"}, "example": {"{id: 1}"}},
			`{"name":"a.b","description":""}`, `{"description":"","example":null}`, true},
		{"two values", url.Values{"name": {"a.b"}, "example": {"1 2"}},
			`{"name":"a.b","description":""}`, `{"description":"","example":null}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errs := ParseEventType(tt.form)
			if got := errs["example"] != ""; got != tt.wantErr {
				t.Errorf("example error %q; want one: %v", errs["example"], tt.wantErr)
			}
			c, _ := json.Marshal(f.CreateBody())
			if string(c) != tt.wantCreate {
				t.Errorf("CreateBody() = %s; want %s", c, tt.wantCreate)
			}
			u, _ := json.Marshal(f.UpdateBody())
			if string(u) != tt.wantUpdate {
				t.Errorf("UpdateBody() = %s; want %s", u, tt.wantUpdate)
			}
		})
	}
}

func TestLocalValue(t *testing.T) {
	t.Parallel()
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	tests := []struct {
		in   *time.Time
		want string
	}{
		{nil, ""},
		{&time.Time{}, ""},
		{at("2025-01-31T15:04:00Z"), "2025-01-31T15:04"},
		{at("2025-01-31T15:04:05.9Z"), "2025-01-31T15:04:05"},
		{at("2025-01-31T17:04:00+02:00"), "2025-01-31T15:04"},
	}
	for _, tt := range tests {
		if got := LocalValue(tt.in); got != tt.want {
			t.Errorf("LocalValue(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestExampleText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"null", ""},
		{`{"a":[1,2]}`, "{\n  \"a\": [\n    1,\n    2\n  ]\n}"},
	}
	for _, tt := range tests {
		if got := ExampleText(json.RawMessage(tt.in)); got != tt.want {
			t.Errorf("ExampleText(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
