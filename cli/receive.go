package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hookd/hookd/signature"
)

const receiveUsage = `receive [flags]

Runs a webhook receiver for trying hookd out: it prints every request it
gets, checks its signature when given the webhook's secret, and answers with
--status.`

func runReceive(ctx context.Context, args []string, out, errOut io.Writer) error {
	fs := newFlagSet("receive", receiveUsage, errOut)
	addr := fs.String("addr", "127.0.0.1:9000", "address to listen on")
	status := fs.Int("status", 200, "HTTP status to answer with")
	secret := fs.String("secret", "", "the webhook's signing secret (whsec_...), to verify each request's signature")
	prefix := fs.String("prefix", signature.DefaultPrefix, "header prefix of the stripe, github and split schemes")
	sigHeader := fs.String("signature-header", "", "full name of the signature header, when the webhook sets signature.header (such as X-Hub-Signature-256)")
	tsHeader := fs.String("signature-timestamp-header", "", "full name of the split scheme's timestamp header, when the webhook sets signature.timestamp_header")
	if err := parseWithEnv(fs, args); err != nil {
		return err
	}
	switch {
	case *status < 100 || *status > 599:
		return usageError("--status %d is not an HTTP status", *status)
	case *sigHeader != "" && !isToken(*sigHeader):
		return usageError("--signature-header %q is not a header name", *sigHeader)
	case *tsHeader != "" && !isToken(*tsHeader):
		return usageError("--signature-timestamp-header %q is not a header name", *tsHeader)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var mu sync.Mutex
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 10<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "--> %s %s\n", r.Method, r.URL)
		names := make([]string, 0, len(r.Header))
		for k := range r.Header {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			fmt.Fprintf(out, "    %s: %s\n", k, strings.Join(r.Header[k], ", "))
		}
		var pretty any
		if json.Unmarshal(body, &pretty) == nil {
			b, _ := json.MarshalIndent(pretty, "    ", "  ")
			fmt.Fprintf(out, "    %s\n", b)
		} else {
			fmt.Fprintf(out, "    %q\n", body)
		}
		if *secret != "" {
			v := signature.Verifier{Scheme: signature.Auto, Prefix: *prefix, SignatureHeader: *sigHeader, TimestampHeader: *tsHeader, Secrets: []string{*secret}}
			if m, err := v.Verify(r.Header, body); err != nil {
				fmt.Fprintf(out, "    signature: INVALID (%v)\n", err)
			} else {
				fmt.Fprintf(out, "    signature: valid (%s scheme)\n", m.Scheme)
			}
		}
		fmt.Fprintf(out, "<-- %d\n\n", *status)
		w.WriteHeader(*status)
	})}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	fmt.Fprintf(out, "receiving webhooks on http://%s\n", ln.Addr())
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
