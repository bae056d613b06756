package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		wantStatus int
		wantKeep   bool
		wantErr    bool
		wantRest   string // what must be left unread: the next response
	}{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", 200, true, false, "NEXT"},
		{"lower-case header", "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhiNEXT", 200, true, false, "NEXT"},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\na\r\n0123456789\r\n0\r\nX-T: 1\r\n\r\nNEXT", 200, true, false, "NEXT"},
		{"no content", "HTTP/1.1 204 No Content\r\n\r\nNEXT", 204, true, false, "NEXT"},
		{"interim then final", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nNEXT", 200, true, false, "NEXT"},
		{"connection close", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx", 200, false, false, ""},
		{"HTTP/1.0 default close", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, false, false, ""},
		{"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nxNEXT", 200, true, false, "NEXT"},
		{"body to the end", "HTTP/1.1 200 OK\r\n\r\nall of it", 200, false, false, ""},
		{"server error", "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 3\r\n\r\nbadNEXT", 502, true, false, "NEXT"},
		{"malformed status", "HTTP/2 200\r\n\r\n", 0, false, true, ""},
		{"malformed length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", 0, false, true, ""},
		{"truncated body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", 200, false, true, ""},
		{"truncated head", "HTTP/1.1 200 OK\r\nContent-Le", 0, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.raw))
			status, keep, err := readResponse(br)
			if gotErr := err != nil; gotErr != tt.wantErr {
				t.Fatalf("got error %v, want error: %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if status != tt.wantStatus || keep != tt.wantKeep {
				t.Errorf("got status %d keep-alive %v, want %d %v", status, keep, tt.wantStatus, tt.wantKeep)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tt.wantRest {
				t.Errorf("got %q left unread, want %q", rest, tt.wantRest)
			}
		})
	}
}

func TestParseNumbers(t *testing.T) {
	dec := []struct {
		in   string
		want int64
		ok   bool
	}{{"0", 0, true}, {"1234", 1234, true}, {"", 0, false}, {"12a", 0, false}, {"-1", 0, false}, {"1234567890123456", 0, false}}
	for _, tt := range dec {
		t.Run("dec "+tt.in, func(t *testing.T) {
			if got, ok := parseUint([]byte(tt.in)); got != tt.want || ok != tt.ok {
				t.Errorf("parseUint(%q): got %d %v, want %d %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
	hex := []struct {
		in   string
		want int64
		ok   bool
	}{{"0", 0, true}, {"1f", 31, true}, {"A0", 160, true}, {"", 0, false}, {"g", 0, false}}
	for _, tt := range hex {
		t.Run("hex "+tt.in, func(t *testing.T) {
			if got, ok := parseHex([]byte(tt.in)); got != tt.want || ok != tt.ok {
				t.Errorf("parseHex(%q): got %d %v, want %d %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDrive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/fail":
			http.Error(w, "no", http.StatusServiceUnavailable)
		case "/chunked":
			w.Write([]byte("hello"))
			w.(http.Flusher).Flush()
			w.Write([]byte(" world"))
		case "/close":
			w.Header().Set("Connection", "close")
			fmt.Fprint(w, "bye")
		default:
			fmt.Fprint(w, "hello")
		}
	}))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()

	tests := []struct {
		path       string
		wantErrors bool
	}{{"/", false}, {"/chunked", false}, {"/close", false}, {"/fail", true}}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			r, err := drive(context.Background(), addr, tt.path, 3, 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantErrors {
				if r.Errors == 0 || r.Requests != 0 || r.FirstErr == nil {
					t.Errorf("got %d requests, %d errors (first %v), want only errors", r.Requests, r.Errors, r.FirstErr)
				}
				return
			}
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("got %d requests, %d errors (first %v), want requests and no errors", r.Requests, r.Errors, r.FirstErr)
			}
			if got := r.hist.Count(); got != r.Requests {
				t.Errorf("got %d latencies recorded, want one per request (%d)", got, r.Requests)
			}
		})
	}
}

func TestDriveRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r, err := drive(context.Background(), addr, "/", 2, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 2 || r.Requests != 0 {
		t.Errorf("got %d errors and %d requests, want one error per connection and none answered", r.Errors, r.Requests)
	}
}

func TestDriveBounds(t *testing.T) {
	tests := []struct {
		name  string
		conns int
		d     time.Duration
	}{{"no connections", 0, time.Second}, {"too many connections", MaxConnections + 1, time.Second}, {"no duration", 1, 0}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := drive(context.Background(), "127.0.0.1:1", "/", tt.conns, tt.d); err == nil {
				t.Errorf("got no error, want one for %d connections over %v", tt.conns, tt.d)
			}
		})
	}
}

func TestDriveStopsWithContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }))
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := drive(ctx, srv.Listener.Addr().String(), "/", 2, time.Minute)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want context.Canceled", err)
	}
}

// repeat is an endless stream of the same bytes.
type repeat struct {
	b   []byte
	off int
}

func (r *repeat) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], r.b[r.off:])
		n += c
		r.off = (r.off + c) % len(r.b)
	}
	return n, nil
}

func TestReadResponseAllocs(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"content length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-App-Version: v1\r\n\r\nhello"},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReaderSize(&repeat{b: []byte(tt.raw)}, readBufferSize)
			allocs := testing.AllocsPerRun(1000, func() {
				if _, _, err := readResponse(br); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("got %.1f allocations per response, want 0", allocs)
			}
		})
	}
}

// TestDriveHosts: the driver sends the load's Host headers in turn, each connection starting at
// another, so every host is sent even with fewer connections than hosts.
func TestDriveHosts(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Host]++
		mu.Unlock()
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(srv.Close)
	hosts := []string{"a.test", "b.test", "c.test", "d.test", "e.test"}
	r, err := driveLoad(context.Background(), load{addr: srv.Listener.Addr().String(), path: "/", hosts: hosts}, 2, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < int64(len(hosts)) || r.Errors != 0 {
		t.Fatalf("got %d requests, %d errors (%v), want at least %d and no errors", r.Requests, r.Errors, r.FirstErr, len(hosts))
	}
	mu.Lock()
	defer mu.Unlock()
	var total int64
	for _, h := range hosts {
		if seen[h] == 0 {
			t.Errorf("got no request with Host %s (saw %v), want some", h, seen)
		}
		total += int64(seen[h])
	}
	if total != r.Requests {
		t.Errorf("the server saw %d requests with those hosts, want all %d the driver counted", total, r.Requests)
	}
}
