package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// waitLimit bounds every wait in these tests; it is a failure bound, never an expectation.
const waitLimit = 10 * time.Second

// startProxy serves a new Proxy on 127.0.0.1:0 and returns it with its base URL.
func startProxy(t testing.TB, opts Options) (*Proxy, string) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return p, "http://" + ln.Addr().String()
}

// startBackend serves h on 127.0.0.1:0 and returns it as a Backend named name.
func startBackend(t testing.TB, name string, h http.Handler) Backend {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return Backend{Addr: srv.Listener.Addr().String(), Name: name}
}

// countingBackend is an echo backend named web.1 that counts the connections made to it.
func countingBackend(t testing.TB) (Backend, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(echoHandler("web.1"))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return Backend{Addr: srv.Listener.Addr().String(), Name: "web.1"}, &conns
}

// deadBackend returns a Backend whose address refuses connections.
func deadBackend(t testing.TB, name string) Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return Backend{Addr: addr, Name: name}
}

// newClient returns a keep-alive client whose connections are closed at cleanup.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, ExpectContinueTimeout: waitLimit}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLimit}
}

// echo is what echoHandler answers: what the backend saw.
type echo struct {
	Backend string
	Method  string
	Host    string
	Header  http.Header
	Body    string
	Chunked bool
}

// echoHandler answers with a JSON echo of the request, tagged with the backend's name.
func echoHandler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Backend", name)
		_ = json.NewEncoder(w).Encode(echo{
			Backend: name, Method: r.Method, Host: r.Host, Header: r.Header, Body: string(body),
			Chunked: len(r.TransferEncoding) > 0 && r.TransferEncoding[0] == "chunked",
		})
	})
}

// get sends req through c and decodes the echo; it fails the test on any other answer.
func doEcho(t testing.TB, c *http.Client, req *http.Request) echo {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("%s %s: got status %d (%s), want 200", req.Method, req.URL, res.StatusCode, b)
	}
	var e echo
	if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
		t.Fatalf("decode echo: %v", err)
	}
	return e
}

func getEcho(t testing.TB, c *http.Client, url string) echo {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return doEcho(t, c, req)
}

// gated is a backend handler that holds requests until release is closed.
type gated struct {
	entered chan struct{}
	release chan struct{}
}

func newGated() *gated { return &gated{entered: make(chan struct{}, 16), release: make(chan struct{})} }

func (g *gated) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.entered <- struct{}{}
	select {
	case <-g.release:
		fmt.Fprint(w, "done")
	case <-r.Context().Done():
	}
}

// streamHandler serves an event stream at /events and a hand-rolled upgrade echo at /ws.
func streamHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/ws" {
		upgradeEcho(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fmt.Fprint(w, "data: hello\n\n")
	http.NewResponseController(w).Flush()
	<-r.Context().Done()
}

// upgradeEcho switches to a protocol that echoes bytes back, which is all a proxy sees of a
// websocket.
func upgradeEcho(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		http.Error(w, "upgrade required", http.StatusUpgradeRequired)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	if brw.Flush() == nil {
		io.Copy(conn, brw.Reader)
	}
}

// dialUpgrade opens an upgraded connection to url's /ws through raw TCP.
func dialUpgrade(t *testing.T, url string) (net.Conn, *bufio.Reader) {
	t.Helper()
	host := strings.TrimPrefix(url, "http://")
	c, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", host)
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got status %d, want 101", res.StatusCode)
	}
	return c, br
}

func echoOnce(t *testing.T, c net.Conn, br *bufio.Reader, msg string) {
	t.Helper()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatalf("write %q: %v", msg, err)
	}
	buf := make([]byte, len(msg))
	if _, err := io.ReadFull(br, buf); err != nil || string(buf) != msg {
		t.Fatalf("echo: got %q, %v; want %q", buf, err, msg)
	}
}
