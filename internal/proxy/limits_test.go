package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestConnLimit(t *testing.T) {
	for _, tc := range []struct {
		name   string
		max    int
		nofile uint64
		want   int
	}{
		{"default, limit unknown", 0, 0, DefaultMaxConns},
		{"default under a high limit", 0, 1 << 20, DefaultMaxConns},
		{"default under 1024 files", 0, 1024, (1024 - DefaultFDReserve) / 2},
		{"configured, fits", 100, 1 << 20, 100},
		{"configured, over the limit", 100_000, 65536, (65536 - DefaultFDReserve) / 2},
		{"limit below the reserve", 0, 100, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := connLimit(tc.max, tc.nofile); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

// TestConnectionCap checks that past MaxConns a new connection is closed at once, the open ones
// keep being served, and a connection is accepted again once one closes.
func TestConnectionCap(t *testing.T) {
	p, url := startProxy(t, Options{MaxConns: 2})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))}))
	get := func(c net.Conn, br *bufio.Reader) {
		t.Helper()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		if res, body := readResponse(t, br, http.MethodGet); res.StatusCode != 200 {
			t.Fatalf("got status %d (%s), want 200", res.StatusCode, body)
		}
	}
	a, abr := dialRaw(t, url)
	get(a, abr)
	b, bbr := dialRaw(t, url)
	get(b, bbr)

	c, cbr := dialRaw(t, url)
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
	expectClosed(t, c, cbr)
	get(b, bbr) // still served

	a.Close()
	deadline := time.Now().Add(waitLimit)
	for {
		d, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(d, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(d), nil)
		d.Close()
		if err == nil && res.StatusCode == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection accepted after one of two closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
