package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPoolAccessors(t *testing.T) {
	in := []Backend{{Addr: "127.0.0.1:1", Name: "web.1"}, {Addr: "127.0.0.1:2", Name: "web.2"}}
	p := NewPool("v7", in)
	in[0].Name = "changed"
	got := p.Backends()
	got[1].Name = "changed too"
	if want := "v7"; p.Release() != want {
		t.Errorf("Release: got %q, want %q", p.Release(), want)
	}
	if b := p.Backends(); b[0].Name != "web.1" || b[1].Name != "web.2" {
		t.Errorf("Backends: got %v, want copies unaffected by callers", b)
	}
	if n := p.InFlight(); n != 0 {
		t.Errorf("InFlight: got %d, want 0", n)
	}
}

func TestPoolPick(t *testing.T) {
	tests := []struct {
		backends int
		want     []int
	}{
		{0, []int{-1, -1}},
		{1, []int{0, 0, 0}},
		{3, []int{0, 1, 2, 0, 1, 2, 0}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.backends), func(t *testing.T) {
			p := NewPool("v1", make([]Backend, tt.backends))
			for i, want := range tt.want {
				if got := p.pick(); got != want {
					t.Errorf("pick %d: got %d, want %d", i, got, want)
				}
			}
		})
	}
}

func TestDrainIdlePoolReturnsAtOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := NewPool("v1", nil).Drain(ctx); err != nil {
		t.Errorf("Drain: got %v, want nil", err)
	}
}

func TestDrainWaitsForSlowRequest(t *testing.T) {
	g := newGated()
	p, url := startProxy(t, Options{})
	old := NewPool("v1", []Backend{startBackend(t, "web.1", g)})
	p.Switch(old)
	answered := make(chan string, 1)
	go func() {
		res, err := newClient(t).Get(url + "/slow")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answered <- fmt.Sprintf("%d %s", res.StatusCode, b)
	}()
	<-g.entered
	p.Switch(NewPool("v2", nil))

	drained := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		drained <- old.Drain(ctx)
	}()
	select {
	case err := <-drained:
		t.Fatalf("Drain returned %v while a request was in flight, want it to wait", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n := old.InFlight(); n != 1 {
		t.Errorf("InFlight while draining: got %d, want 1", n)
	}
	close(g.release)
	if err := <-drained; err != nil {
		t.Errorf("Drain: got %v, want nil", err)
	}
	if got, want := <-answered, "200 done"; got != want {
		t.Errorf("slow request: got %q, want %q", got, want)
	}
}

func TestDrainPastDeadlineCutsStreamAndWebsocket(t *testing.T) {
	var mu sync.Mutex
	var cut []Result
	observe := func(r Result) {
		if errors.Is(r.Err, ErrCut) {
			mu.Lock()
			cut = append(cut, r)
			mu.Unlock()
		}
	}
	p, url := startProxy(t, Options{Observe: observe})
	old := NewPool("v1", []Backend{startBackend(t, "web.1", http.HandlerFunc(streamHandler))})
	p.Switch(old)

	res, err := newClient(t).Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	events := bufio.NewReader(res.Body)
	if line, err := events.ReadString('\n'); err != nil || line != "data: hello\n" {
		t.Fatalf("first event: got %q, %v; want %q", line, err, "data: hello\n")
	}
	ws, wsr := dialUpgrade(t, url)
	echoOnce(t, ws, wsr, "ping")

	p.Switch(NewPool("v2", nil))
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan error, 1)
	go func() { drained <- old.Drain(ctx) }()

	// Draining, but before the deadline: both stay open and working.
	echoOnce(t, ws, wsr, "still there")
	if n := old.InFlight(); n != 2 {
		t.Errorf("InFlight while draining: got %d, want 2", n)
	}
	cancel()

	err = <-drained
	var de *DrainError
	if !errors.As(err, &de) || de.Cut != 2 || de.Release != "v1" || !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain: got %v, want a DrainError for v1 with 2 cut wrapping context.Canceled", err)
	}
	if n := old.InFlight(); n != 0 {
		t.Errorf("InFlight after Drain: got %d, want 0", n)
	}
	if _, err := io.ReadAll(events); err == nil {
		t.Errorf("event stream after the cut: got a clean end, want an error")
	}
	if n, err := wsr.Read(make([]byte, 1)); err == nil {
		t.Errorf("websocket after the cut: read %d bytes, want the connection closed", n)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(cut) != 2 {
		t.Errorf("got %d results with ErrCut, want 2: %+v", len(cut), cut)
	}
}

func TestDrainPastDeadlineAnswersWaitingRequestWith502(t *testing.T) {
	g := newGated()
	p, url := startProxy(t, Options{})
	old := NewPool("v1", []Backend{startBackend(t, "web.1", g)})
	p.Switch(old)
	answered := make(chan string, 1)
	go func() {
		res, err := newClient(t).Get(url + "/slow")
		if err != nil {
			answered <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		answered <- fmt.Sprintf("%d %s", res.StatusCode, b)
	}()
	<-g.entered
	p.Switch(NewPool("v2", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var de *DrainError
	if err := old.Drain(ctx); !errors.As(err, &de) || de.Cut != 1 {
		t.Fatalf("Drain: got %v, want a DrainError with 1 cut", err)
	}
	// Cut before the app answered: the client still gets an answer, not a dropped connection.
	if got := <-answered; !strings.HasPrefix(got, "502 ") || !strings.Contains(got, "the app did not answer") {
		t.Errorf("cut request: got %q, want a 502 page", got)
	}
}

func TestDrainPastDeadlineCutsAnUploadInProgress(t *testing.T) {
	started := make(chan struct{})
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.CopyN(io.Discard, r.Body, 1)
		close(started)
		io.Copy(io.Discard, r.Body) // the body never ends
	})
	var mu sync.Mutex
	var results []Result
	observe := func(r Result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	p, url := startProxy(t, Options{Observe: observe})
	old := NewPool("v1", []Backend{startBackend(t, "web.1", backend)})
	p.Switch(old)
	c, br := dialRaw(t, url)
	io.WriteString(c, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
	<-started
	p.Switch(NewPool("v2", nil))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var de *DrainError
	if err := old.Drain(ctx); !errors.As(err, &de) || de.Cut != 1 {
		t.Fatalf("Drain: got %v, want a DrainError with 1 cut", err)
	}
	res, body := readResponse(t, br, http.MethodPost)
	if res.StatusCode != http.StatusBadGateway || !res.Close {
		t.Errorf("got %d (%s), close %v; want 502 and the connection closed", res.StatusCode, body, res.Close)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(results) != 1 || !errors.Is(results[0].Err, ErrCut) || results[0].Release != "v1" {
		t.Errorf("observed %+v, want one result of v1 with ErrCut", results)
	}
}

func TestDrainClosesIdleBackendConnections(t *testing.T) {
	closed := make(chan struct{})
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		readRequests(br, c, func(*http.Request) string { return "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" })
		close(closed) // the proxy closed the kept-alive connection
	})
	p, url := startProxy(t, Options{})
	old := NewPool("v1", []Backend{backend})
	p.Switch(old)
	res, err := newClient(t).Get(url + "/")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	p.Switch(NewPool("v2", nil))
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := old.Drain(ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}
	select {
	case <-closed:
	case <-time.After(waitLimit):
		t.Errorf("the drained pool's idle backend connection is still open")
	}
}

func TestPoolFirstRequest(t *testing.T) {
	p, url := startProxy(t, Options{})
	v1 := NewPool("v1", []Backend{startBackend(t, "web", echoHandler("v1"))})
	if got := v1.FirstRequest(); !got.IsZero() {
		t.Fatalf("before any request: got %v, want zero", got)
	}
	p.Switch(v1)
	c := newClient(t)
	before := time.Now()
	getEcho(t, c, url+"/")
	first := v1.FirstRequest()
	if first.Before(before) || first.After(time.Now()) {
		t.Errorf("got first request at %v, want it during the request sent at %v", first, before)
	}
	getEcho(t, c, url+"/")
	if got := v1.FirstRequest(); !got.Equal(first) {
		t.Errorf("after a second request: got %v, want the first one's %v", got, first)
	}
}
