package proxy

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestPooledH2: HTTP/2 requests without a body go to the app over the pooled HTTP/1.1
// connections: status, fields, body, trailers and HEAD come through as the app sent them, with the
// forwarding headers set, spoofable ones dropped, and the request id passed both ways.
func TestPooledH2(t *testing.T) {
	app := http.NewServeMux()
	app.HandleFunc("/created", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Custom", "yes")
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "hello")
	})
	app.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		io.WriteString(w, "one,")
		w.(http.Flusher).Flush()
		io.WriteString(w, "two")
		w.Header().Set("X-Sum", "2")
	})
	app.Handle("/echo", echoHandler("web.1"))
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", app)}))
	c := tlsClient(t, roots, true)
	for _, tt := range []struct {
		name, method, path string
		status             int
		body, field, value string
		trailer            string
	}{
		{"status, fields and body", http.MethodGet, "/created", http.StatusCreated, "hello", "X-Custom", "yes", ""},
		{"chunked with trailer", http.MethodGet, "/chunked", http.StatusOK, "one,two", "", "", "2"},
		{"HEAD", http.MethodHead, "/created", http.StatusCreated, "", "Content-Length", "5", ""},
		{"not found", http.MethodGet, "/missing", http.StatusNotFound, "404 page not found\n", "", "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, "https://"+addr+tt.path, nil)
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.ProtoMajor != 2 || res.StatusCode != tt.status || string(body) != tt.body {
				t.Errorf("got %s %d %q, want HTTP/2.0 %d %q", res.Proto, res.StatusCode, body, tt.status, tt.body)
			}
			if tt.field != "" && res.Header.Get(tt.field) != tt.value {
				t.Errorf("got %s %q, want %q", tt.field, res.Header.Get(tt.field), tt.value)
			}
			if res.Header.Get("X-Request-Id") == "" {
				t.Error("got no X-Request-Id")
			}
			if got := res.Trailer.Get("X-Sum"); got != tt.trailer {
				t.Errorf("got trailer X-Sum %q, want %q", got, tt.trailer)
			}
		})
	}
	t.Run("forwarding headers", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+addr+"/echo", nil)
		req.Header.Set("X-Real-Ip", "6.6.6.6")
		req.Header.Set("X-Forwarded-For", "6.6.6.6")
		req.Header.Set("X-Request-Id", "abc-123")
		req.Header.Set("Cookie", "a=1")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var e echo
		if err := json.NewDecoder(res.Body).Decode(&e); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]string{
			"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-Host": addr,
			"X-Real-Ip": "", "X-Request-Id": "abc-123", "Cookie": "a=1",
		} {
			if got := strings.Join(e.Header[name], ","); got != want {
				t.Errorf("the app got %s %q, want %q", name, got, want)
			}
		}
		if e.Host != addr {
			t.Errorf("the app got Host %q, want %q", e.Host, addr)
		}
		if got := res.Header.Get("X-Request-Id"); got != "abc-123" {
			t.Errorf("got X-Request-Id %q, want abc-123", got)
		}
	})
}

// TestPooledH2ReusesConnections: one after another, HTTP/2 requests share one keep-alive
// connection to the app.
func TestPooledH2ReusesConnections(t *testing.T) {
	backend, conns := countingBackend(t)
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	c := tlsClient(t, roots, true)
	for range 20 {
		if status, _, err := readAll(c.Get("https://" + addr + "/")); err != nil || status != http.StatusOK {
			t.Fatalf("got %d, %v, want 200", status, err)
		}
	}
	if got := conns.Load(); got != 1 {
		t.Errorf("got %d connections to the app, want 1", got)
	}
}

// TestPooledH2Streams: an event stream reaches the HTTP/2 client event by event: the app sends
// the second only once the client has read the first.
func TestPooledH2Streams(t *testing.T) {
	read := make(chan struct{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: one\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-read:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: two\n\n")
	})
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", app)}))
	res, err := tlsClient(t, roots, true).Get("https://" + addr + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	br := bufio.NewReader(res.Body)
	for i, want := range []string{"data: one\n", "\n", "data: two\n"} {
		line, err := br.ReadString('\n')
		if err != nil || line != want {
			t.Fatalf("line %d: got %q, %v, want %q", i, line, err, want)
		}
		if i == 1 {
			close(read)
		}
	}
}

// TestPooledH2Failures: an app that refuses the connection or closes it without an answer gets
// the client a 502 page over HTTP/2, and Observe the failure with the backend's name.
func TestPooledH2Failures(t *testing.T) {
	for _, tt := range []struct {
		name    string
		backend func(t *testing.T) Backend
	}{
		{"refused", func(t *testing.T) Backend { return deadBackend(t, "web.1") }},
		{"closed without an answer", func(t *testing.T) Backend {
			return rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) { skipHead(br) })
		}},
		{"not HTTP", func(t *testing.T) Backend {
			return rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
				skipHead(br)
				io.WriteString(c, "SSH-2.0-OpenSSH\r\n\r\n")
			})
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen refusals
			p, addr, roots := startTLSProxy(t, Options{Observe: seen.observe})
			p.Switch(NewPool("v1", []Backend{tt.backend(t)}))
			status, body, err := readAll(tlsClient(t, roots, true).Get("https://" + addr + "/"))
			if err != nil {
				t.Fatal(err)
			}
			if status != http.StatusBadGateway || !strings.Contains(body, "502") {
				t.Errorf("got %d %q, want the 502 page", status, body)
			}
			got := seen.wait(t, 1)
			if len(got) != 1 || got[0].Status != http.StatusBadGateway || got[0].Backend != "web.1" || got[0].Release != "v1" {
				t.Errorf("observed %+v, want one 502 from web.1 of v1", got)
			}
		})
	}
}

// TestPooledH2Cut: a drain past its deadline cuts an HTTP/2 request waiting on the app over a
// pooled connection: the client gets 502, Observe ErrCut, and the app sees the request cancelled.
func TestPooledH2Cut(t *testing.T) {
	entered, cancelled := make(chan struct{}), make(chan struct{})
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done()
		close(cancelled)
	})
	var seen refusals
	p, addr, roots := startTLSProxy(t, Options{Observe: seen.observe})
	pool := NewPool("v1", []Backend{startBackend(t, "web.1", app)})
	p.Switch(pool)
	status := make(chan int, 1)
	go func() {
		s, _, _ := readAll(tlsClient(t, roots, true).Get("https://" + addr + "/"))
		status <- s
	}()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var de *DrainError
	if err := pool.Drain(ctx); !errors.As(err, &de) || de.Cut != 1 {
		t.Errorf("Drain: got %v, want a DrainError that cut 1", err)
	}
	if got := <-status; got != http.StatusBadGateway {
		t.Errorf("got %d, want 502", got)
	}
	<-cancelled
	if got := seen.wait(t, 1); len(got) != 1 || !errors.Is(got[0].Err, ErrCut) {
		t.Errorf("observed %+v, want one ErrCut", got)
	}
}

// TestPooledH2LeftoverBytes: an app that sends bytes past its response (a body after a 204) gets
// that connection closed, not pooled: the next request must not read them as its response.
func TestPooledH2LeftoverBytes(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var answered atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					if _, err := http.ReadRequest(br); err != nil {
						return
					}
					if answered.Add(1) == 1 {
						io.WriteString(c, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nEVIL!")
						continue
					}
					io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				}
			}()
		}
	}()
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{{Name: "web.1", Addr: ln.Addr().String()}}))
	c := tlsClient(t, roots, true)
	for i, want := range []string{"204 ", "200 ok", "200 ok"} {
		res, err := c.Get("https://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if got := strings.TrimSpace(strings.Fields(res.Status)[0] + " " + string(body)); got != strings.TrimSpace(want) {
			t.Errorf("request %d: got %q, want %q", i+1, got, want)
		}
	}
}

// TestWritable: what an HTTP/2 request may carry into an HTTP/1.1 head written as it is.
func TestWritable(t *testing.T) {
	ok := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/a?b=c", nil)
		r.Host = "shop.example:8443"
		r.Header.Set("Accept", "text/html; q=0.9")
		return r
	}
	for _, tt := range []struct {
		name   string
		change func(*http.Request)
		want   bool
	}{
		{"an ordinary request", func(*http.Request) {}, true},
		{"a method with a space", func(r *http.Request) { r.Method = "GET /admin HTTP/1.0\r\nX:" }, false},
		{"an empty method", func(r *http.Request) { r.Method = "" }, false},
		{"a host with a space", func(r *http.Request) { r.Host = "shop.example evil" }, false},
		{"a field name with a space", func(r *http.Request) { r.Header["Bad Name"] = []string{"x"} }, false},
		{"a field value with a line end", func(r *http.Request) { r.Header["X-A"] = []string{"1\r\nX-Admin: yes"} }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ok()
			tt.change(r)
			if got := writable(r); got != tt.want {
				t.Errorf("writable = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestWriteStreamHead: the request line is the routed path in origin form, whatever form :path
// took, and an empty POST says its length.
func TestWriteStreamHead(t *testing.T) {
	for _, tt := range []struct {
		name, method, target string
		want, notWant        string
	}{
		{"absolute form", http.MethodGet, "http://evil.example/admin?x=1", "GET /admin?x=1 HTTP/1.1\r\nHost: good.example\r\n", "evil.example"},
		{"escaped path", http.MethodGet, "/a%20b", "GET /a%20b HTTP/1.1\r\n", ""},
		{"empty POST", http.MethodPost, "/form", "Content-Length: 0\r\n", ""},
		{"GET has no length", http.MethodGet, "/", "GET / HTTP/1.1\r\n", "Content-Length"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.target, nil)
			r.Host = "good.example"
			var b strings.Builder
			w := newWriter(&b)
			f := &flight{requestID: "id-1", pool: NewPool("v1", []Backend{{Addr: "127.0.0.1:1"}})}
			f.writeStreamHead(w, r, true)
			w.Flush()
			if head := b.String(); !strings.Contains(head, tt.want) || tt.notWant != "" && strings.Contains(head, tt.notWant) {
				t.Errorf("got head\n%s\nwant %q in it%s", head, tt.want, map[bool]string{true: ", and no " + tt.notWant}[tt.notWant != ""])
			}
		})
	}
}
