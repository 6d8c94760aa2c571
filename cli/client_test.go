package cli

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

// TestWebhookFieldsSignature: the signature flags of 'hookd webhooks
// create/update' make the signature object, with only the flags given.
func TestWebhookFieldsSignature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want any // the body's "signature", nil for none
	}{
		{[]string{"--url", "https://a.example/h"}, nil},
		{[]string{"--scheme", "github", "--signature-header", "X-Hub-Signature-256"}, map[string]string{"scheme": "github", "header": "X-Hub-Signature-256"}},
		{[]string{"--signature-header", "X-Sig", "--signature-timestamp-header", "X-Sig-Time", "--header-prefix", "X-Acme"},
			map[string]string{"header": "X-Sig", "timestamp_header": "X-Sig-Time", "header_prefix": "X-Acme"}},
		{[]string{"--signature-timestamp-header", ""}, map[string]string{"timestamp_header": ""}},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("webhooks create", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		fields := webhookFields(fs)
		if err := fs.Parse(tt.args); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		got, ok := fields()["signature"]
		if !ok {
			got = nil
		}
		if tt.want == nil && got != nil || tt.want != nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: signature %#v; want %#v", tt.args, got, tt.want)
		}
	}
}
