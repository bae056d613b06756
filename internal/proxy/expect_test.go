package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// TestExpectContinueAnsweredByTheProxy: a client that waits for 100 Continue before it sends its
// body gets it from the proxy, and the app, which never sends 100 (as most servers behind a proxy
// do not), gets the body without the Expect field, so nothing waits for a 100 that never comes.
func TestExpectContinueAnsweredByTheProxy(t *testing.T) {
	sawExpect := make(chan string, 1)
	backend := rawBackend(t, "web.1", func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		sawExpect <- req.Header.Get("Expect")
		b, _ := io.ReadAll(req.Body)
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(b), b)
	})
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{backend}))

	c, br := dialRaw(t, url)
	fmt.Fprint(c, "POST /upload HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
	interim, err := http.ReadResponse(br, nil)
	if err != nil || interim.StatusCode != http.StatusContinue {
		t.Fatalf("before the body: got %v, %v; want 100 Continue", interim, err)
	}
	fmt.Fprint(c, "hello")
	res, body := readResponse(t, br, http.MethodPost)
	if res.StatusCode != http.StatusOK || body != "hello" {
		t.Errorf("got %d %q, want 200 \"hello\"", res.StatusCode, body)
	}
	if got := <-sawExpect; got != "" {
		t.Errorf("the app got Expect: %q, want none (the proxy answered it)", got)
	}
}
