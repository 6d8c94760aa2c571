package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hookd/hookd/signature"
)

// verifyEvery is how often the receiver checks a signature: one request in
// verifyEvery, so that checking costs the measured rate little.
const verifyEvery = 64

// receiver is the endpoint every webhook of the benchmark points at: a
// plain net/http server on loopback. Each webhook has its own route.
type receiver struct {
	srv    *http.Server
	base   string
	closed chan struct{}

	mu     sync.RWMutex
	routes map[string]*route
	nextID atomic.Int64

	verified atomic.Int64 // signatures checked and valid
	invalid  atomic.Int64 // signatures checked and wrong
	seq      atomic.Int64
}

// route is one webhook's endpoint and what arrived there.
type route struct {
	path   string
	secret string // whsec_…; "" for unsigned requests (the ceiling)
	hang   bool   // never answer: wait until the caller gives up
	gate   chan struct{}

	count   atomic.Int64 // requests answered
	hanging atomic.Int64 // requests held unanswered now (hang)
	first   atomic.Int64 // arrival of the first request, Unix ns
	last    atomic.Int64 // arrival of the latest request, Unix ns

	// arrivals, when set, keeps each request's event id and arrival time.
	arrMu    sync.Mutex
	arrivals map[string]time.Time
}

func startReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("receiver: %w", err)
	}
	r := &receiver{base: "http://" + ln.Addr().String(), routes: map[string]*route{}, closed: make(chan struct{})}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) close() {
	close(r.closed)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if r.srv.Shutdown(ctx) != nil {
		r.srv.Close()
	}
}

// newRoute adds a route and returns it; its URL is r.url(rt).
func (r *receiver) newRoute() *route {
	rt := &route{path: "/r/" + strconv.FormatInt(r.nextID.Add(1), 10)}
	r.mu.Lock()
	r.routes[rt.path] = rt
	r.mu.Unlock()
	return rt
}

func (r *receiver) url(rt *route) string { return r.base + rt.path }

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.RLock()
	rt := r.routes[req.URL.Path]
	r.mu.RUnlock()
	if rt == nil {
		http.NotFound(w, req)
		return
	}
	if rt.hang {
		rt.hanging.Add(1)
		defer rt.hanging.Add(-1)
		select {
		case <-req.Context().Done():
		case <-r.closed:
		case <-time.After(5 * time.Minute):
		}
		return
	}
	if rt.gate != nil {
		select {
		case <-rt.gate:
		case <-req.Context().Done():
			return
		case <-r.closed:
			return
		}
	}
	check := rt.secret != "" && r.seq.Add(1)%verifyEvery == 1
	if check {
		buf := bodyPool.Get().(*bytes.Buffer)
		buf.Reset()
		_, _ = buf.ReadFrom(req.Body)
		if signature.VerifyStandard(req.Header, buf.Bytes(), rt.secret, time.Now(), 0) == nil {
			r.verified.Add(1)
		} else {
			r.invalid.Add(1)
		}
		bodyPool.Put(buf)
	} else {
		_, _ = io.Copy(io.Discard, req.Body)
	}
	now := time.Now()
	if rt.arrivals != nil {
		id := req.Header.Get(signature.HeaderID)
		rt.arrMu.Lock()
		if _, seen := rt.arrivals[id]; !seen {
			rt.arrivals[id] = now
		}
		rt.arrMu.Unlock()
	}
	ns := now.UnixNano()
	rt.first.CompareAndSwap(0, ns)
	for {
		l := rt.last.Load()
		if ns <= l || rt.last.CompareAndSwap(l, ns) {
			break
		}
	}
	rt.count.Add(1)
	w.WriteHeader(http.StatusOK)
}

// waitCount waits until the routes have received want requests in all, ctx
// ends or no request arrives for stall. It returns the count and the last
// arrival time.
func waitCount(ctx context.Context, routes []*route, want int64, stall time.Duration) (int64, time.Time, error) {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var (
		prev     int64 = -1
		progress       = time.Now()
	)
	for {
		var n, last int64
		for _, rt := range routes {
			n += rt.count.Load()
			last = max(last, rt.last.Load())
		}
		if n >= want {
			return n, time.Unix(0, last), nil
		}
		if n != prev {
			prev, progress = n, time.Now()
		} else if time.Since(progress) > stall {
			return n, time.Unix(0, last), fmt.Errorf("%d of %d requests arrived, then none for %s", n, want, stall)
		}
		select {
		case <-ctx.Done():
			return n, time.Unix(0, last), fmt.Errorf("%d of %d requests arrived: %w", n, want, ctx.Err())
		case <-tick.C:
		}
	}
}

func sumCount(routes []*route) int64 {
	var n int64
	for _, rt := range routes {
		n += rt.count.Load()
	}
	return n
}

var errStopped = errors.New("stopped")
