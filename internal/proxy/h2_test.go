package proxy

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// h2Load drives an HTTP/2 client at the TLS proxy at addr from several goroutines until stop is
// called, counting answers by backend and failures, and the TLS connections it opened.
type h2Load struct {
	mu       sync.Mutex
	byName   map[string]int
	failures []error
	dials    atomic.Int64
	tr       *http.Transport
	stopped  chan struct{}
	wg       sync.WaitGroup
}

func startH2Load(t *testing.T, addr string, cfg *tls.Config, workers int) *h2Load {
	l := &h2Load{byName: map[string]int{}, stopped: make(chan struct{})}
	var protos http.Protocols
	protos.SetHTTP2(true)
	tr := &http.Transport{Protocols: &protos, TLSClientConfig: cfg}
	tr.DialTLSContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		l.dials.Add(1)
		d := tls.Dialer{Config: cfg.Clone()}
		d.Config.NextProtos = []string{alpnH2}
		return d.DialContext(ctx, network, a)
	}
	t.Cleanup(tr.CloseIdleConnections)
	l.tr = tr
	c := &http.Client{Transport: tr, Timeout: waitLimit}
	for range workers {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stopped:
					return
				default:
				}
				res, err := c.Get("https://" + addr + "/")
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = &statusError{res.StatusCode}
					}
				}
				l.mu.Lock()
				if err != nil {
					l.failures = append(l.failures, err)
				} else {
					l.byName[res.Header.Get("X-Backend")]++
				}
				l.mu.Unlock()
			}
		})
	}
	return l
}

type statusError struct{ status int }

func (e *statusError) Error() string { return http.StatusText(e.status) }

// served returns how many answers name gave so far.
func (l *h2Load) served(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byName[name]
}

// waitServed waits until name has given n more answers than it had.
func (l *h2Load) waitServed(t *testing.T, name string, n int) {
	t.Helper()
	want := l.served(name) + n
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := pollUntil(ctx, func() bool { return l.served(name) >= want }); err != nil {
		t.Fatalf("waiting for %d answers from %s: %v", n, name, err)
	}
}

// stop ends the load and fails t on any failed request.
func (l *h2Load) stop(t *testing.T) {
	t.Helper()
	close(l.stopped)
	l.wg.Wait()
	if len(l.failures) > 0 {
		t.Errorf("%d failed requests over HTTP/2, first: %v", len(l.failures), l.failures[0])
	}
}

// slowEcho is echoHandler with a short wait, so requests are in flight when a deploy switches.
func slowEcho(name string) http.Handler {
	h := echoHandler(name)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		h.ServeHTTP(w, r)
	})
}

// TestH2SwitchDrain: HTTP/2 clients see no failed request across a deploy (Switch, then Drain of
// the old pool), and none after it reaches the old pool.
func TestH2SwitchDrain(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	var entered atomic.Int64 // requests v1's app began
	slow := slowEcho("v1")
	v1 := NewPool("v1", []Backend{startBackend(t, "v1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		entered.Add(1)
		slow.ServeHTTP(w, r)
	}))})
	v2 := NewPool("v2", []Backend{startBackend(t, "v2", slowEcho("v2"))})
	p.Switch(v1)
	load := startH2Load(t, addr, &tls.Config{RootCAs: roots, ServerName: "example.com"}, 8)
	load.waitServed(t, "v1", 50)
	p.Switch(v2)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := v1.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	after := entered.Load()
	load.waitServed(t, "v2", 50)
	load.stop(t)
	if got := entered.Load(); got != after {
		t.Errorf("requests reaching v1 after its drain: got %d, want 0", got-after)
	}
}

// TestH2Retire: Retire makes an HTTP/2 connection send GOAWAY with its next response; the client
// moves to a new connection without a failed request, and the old one closes: once the client
// closes its idle connections, none is left open.
func TestH2Retire(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "v1", slowEcho("v1"))}))
	load := startH2Load(t, addr, &tls.Config{RootCAs: roots, ServerName: "example.com"}, 8)
	load.waitServed(t, "v1", 50)
	dials := load.dials.Load()
	p.Retire()
	load.waitServed(t, "v1", 50)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := pollUntil(ctx, func() bool { return load.dials.Load() > dials }); err != nil {
		t.Errorf("no new connection after Retire: %v", err)
	}
	load.waitServed(t, "v1", 50)
	load.stop(t)
	load.tr.CloseIdleConnections()
	if err := p.Wait(ctx); err != nil {
		t.Error(err)
	}
}
