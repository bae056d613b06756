package proxy

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHoldReleasesInArrivalOrder: a resumed hold lets its requests go one at a time, each bound
// before the next goes, in the order they came.
func TestHoldReleasesInArrivalOrder(t *testing.T) {
	p := New(Options{Logger: slog.New(slog.DiscardHandler)})
	h := newHold(time.Minute)
	const n = 8
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if out := h.wait(p, nil, func() { mu.Lock(); order = append(order, i); mu.Unlock() }); out != heldReleased {
				t.Errorf("waiter %d: got outcome %d, want released", i, out)
			}
		}()
		waitFor(t, func() bool { return h.held() == i+1 })
	}
	if got := h.release(); got != n {
		t.Errorf("release: got %d let go, want %d", got, n)
	}
	wg.Wait()
	for i, got := range order {
		if got != i {
			t.Fatalf("bound in order %v, want 0 to %d in turn", order, n-1)
		}
	}
	if out := h.wait(p, nil, func() {}); out != heldReleased {
		t.Errorf("after the release: got outcome %d, want released at once", out)
	}
}

// TestHoldEnds: a held request stops waiting at its timeout, when its client leaves, when the
// proxy stops, or goes elsewhere when the proxy hands over; none of them is let go by the release.
func TestHoldEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(p *Proxy, gone chan struct{})
		want heldOutcome
	}{
		{"timeout", func(*Proxy, chan struct{}) {}, heldTimeout},
		{"client gone", func(_ *Proxy, gone chan struct{}) { close(gone) }, heldGone},
		{"shutdown", func(p *Proxy, _ chan struct{}) { p.stopOnce.Do(func() { close(p.stop) }) }, heldStopped},
		{"handed over", func(p *Proxy, _ chan struct{}) { p.DetourHeld() }, heldDetour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := New(Options{Logger: slog.New(slog.DiscardHandler)})
			timeout := time.Hour
			if tt.want == heldTimeout {
				timeout = time.Millisecond
			}
			h := newHold(timeout)
			gone := make(chan struct{})
			done := make(chan heldOutcome, 1)
			go func() { done <- h.wait(p, gone, func() {}) }()
			waitFor(t, func() bool { return h.held() == 1 || len(done) == 1 })
			tt.end(p, gone)
			if got := <-done; got != tt.want {
				t.Errorf("got outcome %d, want %d", got, tt.want)
			}
			if got := h.release(); got != 0 {
				t.Errorf("release after it ended: got %d let go, want 0", got)
			}
		})
	}
}

// TestPauseResume: on both paths, a paused site holds new requests while the one in flight
// finishes, and lets them all through when resumed; pausing and resuming twice changes nothing.
func TestPauseResume(t *testing.T) {
	for name, url := range bothPaths(t) {
		t.Run(name, func(t *testing.T) {
			p, base := url()
			gate := make(chan struct{})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/slow" {
					<-gate
				}
				io.WriteString(w, "ok "+r.URL.Path)
			}))}))
			c := newClient(t)
			inFlight := make(chan string, 1)
			go func() { inFlight <- getText(t, c, base+"/slow") }()
			waitFor(t, func() bool { return p.Current().InFlight() == 1 })

			p.Site().Pause(0)
			p.Site().Pause(time.Minute)
			const n = 4
			answers := make(chan string, n)
			for i := range n {
				go func() { answers <- getText(t, c, base+"/held") }()
				waitFor(t, func() bool { _, held := p.Site().Paused(); return held == i+1 })
			}
			close(gate)
			if got := <-inFlight; got != "200 ok /slow" {
				t.Errorf("in flight before the pause: got %q, want it to finish with 200", got)
			}
			if paused, held := p.Site().Paused(); !paused || held != n {
				t.Errorf("after the one in flight finished: got paused %v with %d held, want %d still held", paused, held, n)
			}
			if got := p.Site().Resume(); got != n {
				t.Errorf("Resume: got %d let go, want %d", got, n)
			}
			for range n {
				if got := <-answers; got != "200 ok /held" {
					t.Errorf("held request: got %q, want 200 once resumed", got)
				}
			}
			if got := p.Site().Resume(); got != 0 {
				t.Errorf("second Resume: got %d let go, want 0", got)
			}
			if paused, _ := p.Site().Paused(); paused {
				t.Errorf("after Resume: still paused")
			}
		})
	}
}

// TestPauseTimeout: on both paths, a request held past the pause's timeout gets 503 with
// Retry-After, and is observed as ErrPaused.
func TestPauseTimeout(t *testing.T) {
	for name, url := range bothPaths(t) {
		t.Run(name, func(t *testing.T) {
			p, base := url()
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
			results := make(chan Result, 4)
			p.Site().SetObserve(func(r Result) { results <- r })
			p.Site().Pause(10 * time.Millisecond)
			defer p.Site().Resume()
			res, err := newClient(t).Get(base + "/")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" || !strings.Contains(string(body), "paused") {
				t.Errorf("got %d, Retry-After %q, body %q; want 503, 5 and a page that says paused", res.StatusCode, res.Header.Get("Retry-After"), body)
			}
			if r := <-results; r.Err != ErrPaused || r.Status != http.StatusServiceUnavailable {
				t.Errorf("observed %d %v, want 503 %v", r.Status, r.Err, ErrPaused)
			}
		})
	}
}

// bothPaths returns, per path, a function that starts a proxy and returns it with the base URL
// of that path: its own fast path, or the general path under a server of the test's.
func bothPaths(t *testing.T) map[string]func() (*Proxy, string) {
	return pathsWith(t, Options{})
}

func pathsWith(t *testing.T, opts Options) map[string]func() (*Proxy, string) {
	return map[string]func() (*Proxy, string){
		"fast path": func() (*Proxy, string) { return startProxy(t, opts) },
		"general path": func() (*Proxy, string) {
			p, _ := startProxy(t, opts)
			srv := httptest.NewServer(p)
			t.Cleanup(srv.Close)
			return p, srv.URL
		},
	}
}

// getText fetches url with c and returns "STATUS BODY", or the error.
func getText(t testing.TB, c *http.Client, url string) string {
	res, err := c.Get(url)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return strings.TrimSpace(res.Status[:3] + " " + string(body))
}

// waitFor polls cond until it holds, and fails the test after waitLimit.
func waitFor(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(time.Millisecond)
	}
}
