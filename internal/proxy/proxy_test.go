package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCurrentAndSwitch(t *testing.T) {
	p := New(Options{})
	if got := p.Current(); got != nil {
		t.Fatalf("Current before the first switch: got %v, want nil", got)
	}
	a, b := NewPool("v1", nil), NewPool("v2", nil)
	if prev := p.Switch(a); prev != nil {
		t.Errorf("first Switch: got prev %v, want nil", prev)
	}
	if prev := p.Switch(b); prev != a {
		t.Errorf("second Switch: got prev %v, want v1", prev)
	}
	if got := p.Current(); got != b {
		t.Errorf("Current: got %v, want v2", got)
	}
}

func TestRoundRobin(t *testing.T) {
	names := []string{"web.1", "web.2", "web.3"}
	var backends []Backend
	for _, n := range names {
		backends = append(backends, startBackend(t, n, echoHandler(n)))
	}
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", backends))
	c := newClient(t)
	for i := range 2 * len(names) {
		if got, want := getEcho(t, c, url+"/").Backend, names[i%len(names)]; got != want {
			t.Errorf("request %d: got backend %s, want %s", i, got, want)
		}
	}
}

func TestChunkedBodyAndContinuePassThrough(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c := newClient(t)
	payload := strings.Repeat("cutover ", 10000)

	t.Run("chunked", func(t *testing.T) {
		pr, pw := io.Pipe()
		go func() {
			for i := 0; i < len(payload); i += 1000 {
				_, _ = pw.Write([]byte(payload[i:min(i+1000, len(payload))]))
			}
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, url+"/upload", pr)
		e := doEcho(t, c, req)
		if e.Body != payload {
			t.Errorf("got body of %d bytes, want %d", len(e.Body), len(payload))
		}
		if !e.Chunked {
			t.Errorf("backend got a body that was not chunked, want chunked passed through")
		}
	})
	t.Run("100-continue", func(t *testing.T) {
		var got100 atomic.Bool
		trace := &httptrace.ClientTrace{Got100Continue: func() { got100.Store(true) }}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace),
			http.MethodPut, url+"/upload", strings.NewReader(payload))
		req.Header.Set("Expect", "100-continue")
		e := doEcho(t, c, req)
		if e.Body != payload {
			t.Errorf("got body of %d bytes, want %d", len(e.Body), len(payload))
		}
		if !got100.Load() {
			t.Errorf("client got no 100 Continue, want it passed through")
		}
	})
}

func TestSSEIsFlushedAtOnce(t *testing.T) {
	next := make(chan struct{})
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: one\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-next:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "data: two\n\n")
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", sse)}))
	res, err := newClient(t).Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	buf := make([]byte, len("data: one\n\n"))
	// The backend writes the second event only after the first arrived here, so reading it proves
	// the proxy flushed before the response ended.
	if _, err := io.ReadFull(res.Body, buf); err != nil || string(buf) != "data: one\n\n" {
		t.Fatalf("first event: got %q, %v; want %q", buf, err, "data: one\n\n")
	}
	close(next)
	rest, err := io.ReadAll(res.Body)
	if err != nil || string(rest) != "data: two\n\n" {
		t.Fatalf("rest: got %q, %v; want %q", rest, err, "data: two\n\n")
	}
}

func TestKeepAliveToBackendsIsReused(t *testing.T) {
	backend, conns := countingBackend(t)
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	c := newClient(t)
	const requests = 50
	for range requests {
		getEcho(t, c, url+"/")
	}
	// One connection is the norm; a few more can appear when the next request overtakes the
	// transport returning the previous connection to its idle pool.
	if got := conns.Load(); got > requests/10 {
		t.Errorf("backend got %d connections for %d sequential requests, want keep-alive reuse", got, requests)
	}
}

// TestQuietAppKeepsItsBackendConnection: requests a pause apart, longer than staleCheckAfter (a
// quiet app), still go over the one keep-alive connection to the app. The connection's read
// deadline from its last request has passed by then; the check that it is still open used to fail
// on that deadline, so each request after a pause dialled the app again.
func TestQuietAppKeepsItsBackendConnection(t *testing.T) {
	backend, conns := countingBackend(t)
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	c := newClient(t)
	for i := range 3 {
		if i > 0 {
			time.Sleep(staleCheckAfter + DefaultClientWatchDelay)
		}
		getEcho(t, c, url+"/")
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("backend got %d connections for 3 requests a pause apart, want 1", got)
	}
}

func TestObserveOncePerRequest(t *testing.T) {
	var mu sync.Mutex
	var results []Result
	observe := func(r Result) {
		mu.Lock()
		defer mu.Unlock()
		results = append(results, r)
	}
	p, url := startProxy(t, Options{Observe: observe})
	c := newClient(t)
	get := func(wantStatus int) {
		t.Helper()
		res, err := c.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != wantStatus {
			t.Fatalf("got status %d, want %d", res.StatusCode, wantStatus)
		}
	}
	get(http.StatusBadGateway)
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	get(http.StatusOK)
	get(http.StatusOK)
	p.Switch(NewPool("v2", []Backend{deadBackend(t, "web.1")}))
	get(http.StatusBadGateway)

	want := []Result{
		{Release: "", Backend: "", Status: 502, Err: ErrNoRelease},
		{Release: "v1", Backend: "web.1", Status: 200},
		{Release: "v1", Backend: "web.1", Status: 200},
		{Release: "v2", Backend: "web.1", Status: 502, Err: errDialSentinel},
	}
	// Observe runs as the handler returns, which can be just after the client has its answer.
	deadline := time.Now().Add(waitLimit)
	for {
		mu.Lock()
		n := len(results)
		mu.Unlock()
		if n >= len(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != len(want) {
		t.Fatalf("got %d results, want %d: %+v", len(results), len(want), results)
	}
	for i, w := range want {
		got := results[i]
		if got.Release != w.Release || got.Backend != w.Backend || got.Status != w.Status {
			t.Errorf("result %d: got %+v, want %+v", i, got, w)
		}
		switch {
		case w.Err == nil && got.Err != nil:
			t.Errorf("result %d: got err %v, want nil", i, got.Err)
		case w.Err == errDialSentinel && !isDialError(got.Err):
			t.Errorf("result %d: got err %v, want a dial error", i, got.Err)
		case w.Err != nil && w.Err != errDialSentinel && !errors.Is(got.Err, w.Err):
			t.Errorf("result %d: got err %v, want %v", i, got.Err, w.Err)
		}
		if got.Duration <= 0 {
			t.Errorf("result %d: got duration %v, want > 0", i, got.Duration)
		}
	}
}

// errDialSentinel stands for "some dial error" in expected results.
var errDialSentinel = errors.New("dial error")

func TestSwitchUnderLoad(t *testing.T) {
	const (
		workers = 8
		runFor  = 1500 * time.Millisecond
		slow    = 4
	)
	gate := make(chan struct{})
	var entered sync.WaitGroup
	entered.Add(slow)
	oldEcho := echoHandler("old")
	old := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			entered.Done()
			// Held until after the switch, so these are in flight at it; the test's deadline
			// only guards against a hang.
			select {
			case <-gate:
			case <-time.After(waitLimit):
			}
		}
		oldEcho.ServeHTTP(w, r)
	})
	oldPool := NewPool("v1", []Backend{startBackend(t, "old", old)})
	newPool := NewPool("v2", []Backend{startBackend(t, "new", echoHandler("new"))})
	p, url := startProxy(t, Options{})
	p.Switch(oldPool)
	c := newClient(t)

	var switched atomic.Bool
	var failures, before, after atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(runFor)
	for w := range workers {
		wg.Go(func() {
			for i := 0; i < 5000 && time.Now().Before(stop); i++ {
				startedAfter := switched.Load()
				res, err := c.Get(url + "/")
				if err != nil {
					failures.Add(1)
					t.Errorf("worker %d: %v", w, err)
					return
				}
				body, _ := io.ReadAll(res.Body)
				res.Body.Close()
				name := res.Header.Get("X-Backend")
				switch {
				case res.StatusCode != http.StatusOK:
					failures.Add(1)
					t.Errorf("worker %d: got status %d (%s), want 200", w, res.StatusCode, body)
					return
				case startedAfter && name != "new":
					t.Errorf("worker %d: request started after Switch returned answered by %q, want new", w, name)
					return
				case startedAfter:
					after.Add(1)
				default:
					before.Add(1)
				}
			}
		})
	}
	slowDone := make(chan string, slow)
	for range slow {
		go func() {
			res, err := c.Get(url + "/slow")
			if err != nil {
				slowDone <- err.Error()
				return
			}
			res.Body.Close()
			slowDone <- res.Header.Get("X-Backend")
		}()
	}
	entered.Wait()
	time.Sleep(runFor / 3) // let the load run on the old release for a while first
	if prev := p.Switch(newPool); prev != oldPool {
		t.Fatalf("Switch: got prev %v, want the old pool", prev)
	}
	switched.Store(true)
	close(gate)
	for range slow {
		if got := <-slowDone; got != "old" {
			t.Errorf("slow request in flight at the switch: got %q, want answered by old", got)
		}
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := oldPool.Drain(ctx); err != nil {
		t.Errorf("Drain old pool: %v", err)
	}
	t.Logf("%d requests before the switch, %d after, %d failures", before.Load(), after.Load(), failures.Load())
	if after.Load() == 0 || before.Load() == 0 {
		t.Errorf("got %d requests before and %d after the switch, want both > 0", before.Load(), after.Load())
	}
}

func benchmarkGet(b *testing.B, url string) {
	c := newClient(b)
	b.ReportAllocs()
	for b.Loop() {
		res, err := c.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			b.Fatalf("got status %d, want 200", res.StatusCode)
		}
	}
}

var helloHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	w.Write([]byte("hello, world\n"))
})

// BenchmarkProxy measures a small GET through the proxy; compare with BenchmarkDirect.
func BenchmarkProxy(b *testing.B) {
	p, url := startProxy(b, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(b, "web.1", helloHandler)}))
	benchmarkGet(b, url+"/")
}

// BenchmarkDirect measures the same GET straight to the backend.
func BenchmarkDirect(b *testing.B) {
	backend := startBackend(b, "web.1", helloHandler)
	benchmarkGet(b, "http://"+backend.Addr+"/")
}
