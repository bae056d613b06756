package socket

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/loadgen"
)

// tracked is a server on a shared socket whose connections a Conns tracks.
type tracked struct {
	*Conns
	served        atomic.Int64
	stopAccepting func()
}

// serveTracked serves 200 on a new listener on s.
func serveTracked(t *testing.T, s *Shared) *tracked {
	t.Helper()
	ln, err := s.Listener()
	if err != nil {
		t.Fatal(err)
	}
	ts := &tracked{Conns: NewConns(), stopAccepting: func() { ln.Close() }}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ts.served.Add(1) })}
	go srv.Serve(ts.Listener(ln))
	t.Cleanup(func() { srv.Close() })
	return ts
}

// TestRetiredConnectionCloses: a retired keep-alive connection's next response says
// Connection: close, and the connection is gone after it.
func TestRetiredConnectionCloses(t *testing.T) {
	s := listen(t)
	cs := serveTracked(t, s)
	client := &http.Client{Transport: &http.Transport{}}
	get := func() (*http.Response, bool) {
		var reused bool
		ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused },
		})
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.DialAddr()+"/", nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp, reused
	}
	get()
	if resp, reused := get(); !reused || resp.Close {
		t.Fatalf("before retiring: got reused %v, close %v; want a kept-alive connection", reused, resp.Close)
	}
	cs.Retire()
	if resp, reused := get(); !reused || !resp.Close {
		t.Errorf("the retired connection's next answer: got reused %v, close %v; want Connection: close on the same connection", reused, resp.Close)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cs.Wait(ctx); err != nil {
		t.Errorf("wait for the retired connection to close: %v", err)
	}
	if _, reused := get(); reused {
		t.Errorf("the client reused a retired connection")
	}
}

// TestRetireUnderLoad hands a shared socket from one server to another under GET and POST load, as
// an upgrade does: the first stops accepting and retires its connections; no request fails, none
// is silently re-sent, and every connection of the first closes.
func TestRetireUnderLoad(t *testing.T) {
	s := listen(t)
	old := serveTracked(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	results := make(chan *loadgen.Result, 2)
	for _, o := range []loadgen.Options{
		{URL: "http://" + s.DialAddr() + "/", Concurrency: 8},
		{URL: "http://" + s.DialAddr() + "/", Concurrency: 4, Method: http.MethodPost, Body: []byte("x")},
	} {
		o.Duration = time.Minute
		go func() {
			r, err := loadgen.Run(ctx, o)
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("load: %v", err)
			}
			results <- r
		}()
	}
	waitUntil(t, "the load to run on the old server", func() bool { return old.served.Load() >= 300 })

	next := serveTracked(t, s)
	old.stopAccepting()
	old.Retire()
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := old.Wait(wctx); err != nil {
		t.Errorf("the old server's connections: %v", err)
	}
	waitUntil(t, "the load to run on the new server", func() bool { return next.served.Load() >= 300 })
	cancel()
	for range 2 {
		r := <-results
		if r.Failed != 0 || r.Retries != 0 {
			t.Errorf("%s: want no failed and no re-sent request", r)
		}
		t.Logf("%s", r)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
