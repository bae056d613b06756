package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// oneWorker is a backend that serves one connection at a time, as a single Unicorn or Puma worker
// does: while it writes a response, the next client waits in its accept queue.
func oneWorker(t *testing.T) Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	big := strings.Repeat("x", 64<<20) // more than loopback's socket buffers hold
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			req, err := http.ReadRequest(bufio.NewReader(c))
			if err == nil {
				body := "ok"
				if req.URL.Path == "/big" {
					body = big
				}
				fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
			}
			c.Close()
		}
	}()
	return Backend{Name: "web.1", Addr: ln.Addr().String()}
}

// TestClientThatNeverReadsFreesTheWorker: a client that asks for a large body and reads none of it
// holds the app's only worker until the send timeout, then the proxy lets go, and the next client
// is served: on the fast path, on the general path after a hand-off, and over HTTP/2.
func TestClientThatNeverReadsFreesTheWorker(t *testing.T) {
	for _, tt := range []struct {
		name string
		// start serves a proxy with opts and returns it with a client that asks for path and
		// never reads the body, and a client that reads the whole answer.
		start func(t *testing.T, opts Options) (p *Proxy, stuck func(path string), get func(path string) (int, string, error))
	}{
		{"fast path", plainClients(false)},
		{"general path after a hand-off", plainClients(true)},
		{"HTTP/2 over TLS", h2Clients},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var seen refusals
			p, stuck, get := tt.start(t, Options{SendTimeout: 300 * time.Millisecond, Observe: seen.observe})
			p.Switch(NewPool("v1", []Backend{oneWorker(t)}))

			stuck("/big")
			status, body, err := get("/small")
			if err != nil {
				t.Fatalf("a second request: %v (the worker stayed pinned by the client that never reads)", err)
			}
			if status != http.StatusOK || body != "ok" {
				t.Errorf("got %d %q, want 200 \"ok\"", status, body)
			}
			got := seen.wait(t, 1)
			if len(got) != 1 || got[0].Outcome() != report.ClientGone {
				t.Errorf("failures observed: got %+v, want one, the stuck client's request, as client gone", got)
			}
		})
	}
}

// plainClients serves the proxy on plain HTTP; with handOff, the stuck client's connection first
// sends a request that hands it to the general path.
func plainClients(handOff bool) func(t *testing.T, opts Options) (*Proxy, func(string), func(string) (int, string, error)) {
	return func(t *testing.T, opts Options) (*Proxy, func(string), func(string) (int, string, error)) {
		p, url := startProxy(t, opts)
		stuck := func(path string) {
			c, br := dialRaw(t, url)
			if handOff {
				io.WriteString(c, "GET http://a/first HTTP/1.1\r\nHost: a\r\n\r\n")
				if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != http.StatusOK {
					t.Fatalf("the request that hands over: got %d (%s), want 200", res.StatusCode, body)
				}
			}
			fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", path) // and never read
		}
		c := &http.Client{Timeout: 20 * time.Second}
		return p, stuck, func(path string) (int, string, error) { return readAll(c.Get(url + path)) }
	}
}

// h2Clients serves the proxy with ServeTLS and returns HTTP/2 clients on one connection: the
// stuck one takes the response headers and reads nothing of the body.
func h2Clients(t *testing.T, opts Options) (*Proxy, func(string), func(string) (int, string, error)) {
	p, addr, roots := startTLSProxy(t, opts)
	c := tlsClient(t, roots, true)
	c.Timeout = 20 * time.Second
	stuck := func(path string) {
		// No client timeout: it would end the request by itself.
		res, err := (&http.Client{Transport: c.Transport}).Get("https://" + addr + path)
		if err != nil {
			t.Fatalf("the stuck client's request: %v", err)
		}
		if res.ProtoMajor != 2 {
			t.Fatalf("the stuck client's protocol: got %s, want HTTP/2", res.Proto)
		}
		t.Cleanup(func() { res.Body.Close() })
	}
	return p, stuck, func(path string) (int, string, error) { return readAll(c.Get("https://" + addr + path)) }
}

// readAll reads a response's body and closes it.
func readAll(res *http.Response, err error) (int, string, error) {
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, string(b), err
}
