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
// is served.
func TestClientThatNeverReadsFreesTheWorker(t *testing.T) {
	var seen refusals
	p, url := startProxy(t, Options{SendTimeout: 300 * time.Millisecond, Observe: seen.observe})
	p.Switch(NewPool("v1", []Backend{oneWorker(t)}))

	stuck, _ := dialRaw(t, url)
	io.WriteString(stuck, "GET /big HTTP/1.1\r\nHost: a\r\n\r\n") // and never read

	c := &http.Client{Timeout: 20 * time.Second}
	res, err := c.Get(url + "/small")
	if err != nil {
		t.Fatalf("a second client: %v (the worker stayed pinned by the client that never reads)", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || string(body) != "ok" {
		t.Errorf("got %d %q, want 200 \"ok\"", res.StatusCode, body)
	}
	got := seen.wait(t, 1)
	if len(got) != 1 || got[0].Outcome() != report.ClientGone {
		t.Errorf("failures observed: got %+v, want one, the stuck client's request, as client gone", got)
	}
}
