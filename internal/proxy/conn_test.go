package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// refusals is an Observe that keeps the results with an error.
type refusals struct {
	mu  sync.Mutex
	got []Result
}

func (r *refusals) observe(res Result) {
	if res.Err != nil {
		r.mu.Lock()
		r.got = append(r.got, res)
		r.mu.Unlock()
	}
}

// wait returns the results with an error once there are n of them.
func (r *refusals) wait(t *testing.T, n int) []Result {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		r.mu.Lock()
		got := append([]Result(nil), r.got...)
		r.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMalformedRequestsAreRefusedAndClosed(t *testing.T) {
	var hits atomic.Int64
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	})
	tests := []struct {
		name   string
		req    string
		status int
		err    error
	}{
		{"Content-Length and Transfer-Encoding",
			"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, ErrAmbiguousLength},
		{"Transfer-Encoding before Content-Length",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", 400, ErrAmbiguousLength},
		{"Content-Length twice", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, errDupLength},
		{"Content-Length twice, equal", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab", 400, errDupLength},
		{"Content-Length not a number", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2x\r\n\r\nab", 400, errBadLength},
		{"Transfer-Encoding not ending in chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400, errBadTE},
		{"Transfer-Encoding with another coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, errUnsupportedT},
		{"Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, errTE10},
		{"obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", 400, errField},
		{"whitespace before the colon", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length : 0\r\n\r\n", 400, errField},
		{"bare LF line ends", "GET / HTTP/1.1\nHost: a\n\n", 400, errBareLF},
		{"a bare LF in the fields", "GET / HTTP/1.1\r\nHost: a\nX-A: 1\r\n\r\n", 400, errBareLF},
		{"a bare LF ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n", 400, errBareLF},
		{"a bare CR", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r2\r\n\r\n", 400, errField},
		{"no Host", "GET / HTTP/1.1\r\n\r\n", 400, errHost},
		{"HTTP/2.0", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, errVersion},
		{"too many fields", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-A: 1\r\n", maxFields) + "\r\n", 431, errHeadTooLarge},
		{"head too large", "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + strings.Repeat("a", maxHeadBytes-30), 431, errHeadTooLarge},
		{"request line over 8 KiB, unfinished", "GET /" + strings.Repeat("a", 100<<10), 414, errLineTooLong},
		{"request line over 8 KiB", "GET /" + strings.Repeat("a", MaxRequestLineBytes) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, errLineTooLong},
		{"one field over 8 KiB", "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + strings.Repeat("a", MaxFieldBytes) + "\r\n\r\n", 431, errHeadTooLarge},
		{"a 900 KiB field", "GET / HTTP/1.1\r\nHost: a\r\nX-A: " + strings.Repeat("a", 900<<10) + "\r\n\r\n", 431, errHeadTooLarge},
		{"fields over 32 KiB in all", "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-A: "+strings.Repeat("a", 4<<10)+"\r\n", 9) + "\r\n", 431, errHeadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen refusals
			p, url := startProxy(t, Options{Observe: seen.observe})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			before := hits.Load()
			c, br := dialRaw(t, url)
			go io.WriteString(c, tt.req) // the proxy may answer before it read everything
			res, body := readResponse(t, br, http.MethodGet)
			if res.StatusCode != tt.status || !res.Close {
				t.Errorf("got status %d, close %v (%s); want %d and the connection closed", res.StatusCode, res.Close, body, tt.status)
			}
			expectClosed(t, c, br)
			if n := hits.Load() - before; n != 0 {
				t.Errorf("backend got %d requests, want none", n)
			}
			got := seen.wait(t, 1)
			if len(got) != 1 || got[0].Status != tt.status || got[0].Release != "" || !errors.Is(got[0].Err, tt.err) {
				t.Errorf("observed %+v, want one result with status %d, no release and %v", got, tt.status, tt.err)
			}
		})
	}
}

func TestMalformedBodiesAreRefused(t *testing.T) {
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			return // the proxy broke the body off: what the backend does then is no matter
		}
		fmt.Fprint(w, "ok")
	})
	tests := []struct {
		name string
		body string
		err  error
	}{
		{"chunk size not hex", "zz\r\nhello\r\n0\r\n\r\n", errChunkSize},
		{"chunk size empty", "\r\nhello\r\n0\r\n\r\n", errChunkSize},
		{"chunk size negative", "-5\r\nhello\r\n0\r\n\r\n", errChunkSize},
		{"chunk size too large", "10000000000000000\r\n", errChunkSize},
		{"chunk size line with a bare LF", "5\nhello\r\n0\r\n\r\n", errBareLF},
		{"chunk longer than its size", "3\r\nhello\r\n0\r\n\r\n", errChunkEnd},
		{"bad trailer", "0\r\nX A: 1\r\n\r\n", errTrailer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen refusals
			p, url := startProxy(t, Options{Observe: seen.observe})
			p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
			c, br := dialRaw(t, url)
			io.WriteString(c, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"+tt.body)
			res, body := readResponse(t, br, http.MethodPost)
			if res.StatusCode != http.StatusBadRequest || !res.Close {
				t.Errorf("got status %d, close %v (%s); want 400 and the connection closed", res.StatusCode, res.Close, body)
			}
			expectClosed(t, c, br)
			got := seen.wait(t, 1)
			if len(got) != 1 || got[0].Status != 400 || got[0].Release != "v1" || !errors.Is(got[0].Err, tt.err) {
				t.Errorf("observed %+v, want one result of v1 with status 400 and %v", got, tt.err)
			}
		})
	}
}

func TestKeepAliveAndPipelining(t *testing.T) {
	var conns atomic.Int64
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		readRequests(br, c, func(r *http.Request) string {
			return fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(r.URL.Path), r.URL.Path)
		})
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))
	c, br := dialRaw(t, url)
	// Three requests in one write, the middle one with a body; then one more after the answers.
	io.WriteString(c, "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"+
		"POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"+
		"\r\nGET /three HTTP/1.1\r\nHost: a\r\n\r\n") // an empty line between requests is allowed
	for _, want := range []string{"/one", "/two", "/three"} {
		if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != 200 || body != want || res.Close {
			t.Fatalf("got %d %q, close %v; want 200 %q on a connection kept open", res.StatusCode, body, res.Close, want)
		}
	}
	io.WriteString(c, "GET /four HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
	if res, body := readResponse(t, br, http.MethodGet); body != "/four" || !res.Close {
		t.Fatalf("got %d %q, close %v; want /four and the connection closed, as the client asked", res.StatusCode, body, res.Close)
	}
	expectClosed(t, c, br)
	if n := conns.Load(); n != 1 {
		t.Errorf("backend got %d connections for 4 requests in sequence, want 1", n)
	}
}

func TestSlowClientHeadIsCutAtReadHeaderTimeout(t *testing.T) {
	p, url := startProxy(t, Options{ReadHeaderTimeout: 50 * time.Millisecond})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c, br := dialRaw(t, url)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n") // and nothing more
	expectClosed(t, c, br)
	// Others are still served.
	if e := getEcho(t, newClient(t), url+"/"); e.Backend != "web.1" {
		t.Errorf("got backend %q, want web.1", e.Backend)
	}
}

func TestIdleClientIsClosedAtIdleTimeout(t *testing.T) {
	p, url := startProxy(t, Options{IdleTimeout: 50 * time.Millisecond})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c, br := dialRaw(t, url)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	if res, _ := readResponse(t, br, http.MethodGet); res.StatusCode != 200 {
		t.Fatalf("got status %d, want 200", res.StatusCode)
	}
	expectClosed(t, c, br)
}

func TestPipelinedRequestDuringASlowResponse(t *testing.T) {
	g := newGated()
	echo := echoHandler("web.1")
	backend := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			g.ServeHTTP(w, r)
			return
		}
		echo.ServeHTTP(w, r)
	})
	p := New(Options{Logger: slog.New(slog.DiscardHandler)})
	p.watchDelay = time.Nanosecond // watch the client at once: the next request's first byte is read by the watch
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", backend)}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		p.Shutdown(ctx)
	})
	c, br := dialRaw(t, "http://"+ln.Addr().String())
	io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
	<-g.entered
	io.WriteString(c, "GET /fast HTTP/1.1\r\nHost: a\r\n\r\n")
	close(g.release)
	if res, body := readResponse(t, br, http.MethodGet); body != "done" {
		t.Fatalf("first: got %d %q, want done", res.StatusCode, body)
	}
	if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != 200 || !strings.Contains(body, `"Backend":"web.1"`) {
		t.Errorf("second: got %d %q, want the echo", res.StatusCode, body)
	}
}

// TestHeadsWithinLimitsPass: a request line, a field and a whole head just under their bounds reach
// the app, so the bounds refuse only what nginx would.
func TestHeadsWithinLimitsPass(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	field := "X-A: " + strings.Repeat("a", MaxFieldBytes-10) + "\r\n"
	for name, req := range map[string]string{
		"long request line": "GET /" + strings.Repeat("a", MaxRequestLineBytes-20) + " HTTP/1.1\r\nHost: a\r\n\r\n",
		"long field":        "GET / HTTP/1.1\r\nHost: a\r\n" + field + "\r\n",
		"large head":        "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat(field, 3) + "\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, br := dialRaw(t, url)
			go io.WriteString(c, req)
			if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != http.StatusOK {
				t.Errorf("got %d (%s), want 200", res.StatusCode, body)
			}
		})
	}
}
