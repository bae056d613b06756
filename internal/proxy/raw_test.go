package proxy

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// dialRaw opens a plain TCP connection to the proxy at url, for requests no HTTP client would send.
func dialRaw(t testing.TB, url string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(waitLimit))
	return c, bufio.NewReader(c)
}

// rawBackend serves every connection it accepts with serve, on 127.0.0.1:0, for answers no
// net/http server would give.
func rawBackend(t testing.TB, name string, serve func(c net.Conn, br *bufio.Reader)) Backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(waitLimit))
				serve(c, bufio.NewReader(c))
			}()
		}
	}()
	return Backend{Addr: ln.Addr().String(), Name: name}
}

// readRequests reads requests from br and answers each with answer, until the connection ends.
func readRequests(br *bufio.Reader, w io.Writer, answer func(r *http.Request) string) {
	for {
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, r.Body)
		if _, err := io.WriteString(w, answer(r)); err != nil {
			return
		}
	}
}

// readResponse reads one response for a request with method from br, body included.
func readResponse(t testing.TB, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	return res, string(body)
}

// expectClosed fails the test unless the proxy closed c (after what br buffered).
func expectClosed(t testing.TB, c net.Conn, br *bufio.Reader) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(waitLimit))
	n, err := br.Read(make([]byte, 1))
	if n > 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("after the response: read %d bytes, %v; want the connection closed", n, err)
	}
}
