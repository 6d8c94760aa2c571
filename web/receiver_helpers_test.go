package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// httptestReceiver is an endpoint on loopback that answers 200 "ok".
func httptestReceiver(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/hook"
}
