package proxy

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestForwardingHeaders(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c := newClient(t)
	tests := []struct {
		name   string
		header map[string]string
		host   string
		check  func(t *testing.T, e echo)
	}{
		{"client address appended to X-Forwarded-For", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "",
			func(t *testing.T, e echo) {
				if got, want := e.Header.Get("X-Forwarded-For"), "203.0.113.7, 127.0.0.1"; got != want {
					t.Errorf("got X-Forwarded-For %q, want %q", got, want)
				}
			}},
		{"X-Forwarded-For set when absent", nil, "",
			func(t *testing.T, e echo) {
				if got, want := e.Header.Get("X-Forwarded-For"), "127.0.0.1"; got != want {
					t.Errorf("got X-Forwarded-For %q, want %q", got, want)
				}
			}},
		{"proto and host", map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil"}, "app.example",
			func(t *testing.T, e echo) {
				if got := e.Header.Get("X-Forwarded-Proto"); got != "http" {
					t.Errorf("got X-Forwarded-Proto %q, want http", got)
				}
				if got := e.Header.Get("X-Forwarded-Host"); got != "app.example" {
					t.Errorf("got X-Forwarded-Host %q, want app.example", got)
				}
				if e.Host != "app.example" {
					t.Errorf("got Host %q, want app.example kept", e.Host)
				}
			}},
		{"valid request id kept", map[string]string{"X-Request-Id": "4b7c1e2a-0d3f-4c57-9a8e-5f1d2c3b4a59"}, "",
			func(t *testing.T, e echo) {
				if got := e.Header.Get("X-Request-Id"); got != "4b7c1e2a-0d3f-4c57-9a8e-5f1d2c3b4a59" {
					t.Errorf("got X-Request-Id %q, want the client's", got)
				}
			}},
		{"invalid request id replaced", map[string]string{"X-Request-Id": "bad id <script>"}, "",
			func(t *testing.T, e echo) {
				if got := e.Header.Get("X-Request-Id"); !validRequestID(got) || got == "bad id <script>" {
					t.Errorf("got X-Request-Id %q, want a fresh valid id", got)
				}
			}},
		{"hop-by-hop headers removed", map[string]string{"Connection": "X-Secret", "X-Secret": "1", "Proxy-Authorization": "x"}, "",
			func(t *testing.T, e echo) {
				for _, h := range []string{"X-Secret", "Proxy-Authorization", "Connection"} {
					if got := e.Header.Get(h); got != "" {
						t.Errorf("got %s %q, want it removed", h, got)
					}
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			tt.check(t, doEcho(t, c, req))
		})
	}
}

func TestSetForwardedProtoTLS(t *testing.T) {
	in, _ := http.NewRequest(http.MethodGet, "https://app.example/", nil)
	in.RemoteAddr = "[2001:db8::1]:443"
	in.TLS = &tls.ConnectionState{}
	h := http.Header{}
	setForwarded(h, in)
	if got := h.Get("X-Forwarded-Proto"); got != "https" {
		t.Errorf("got X-Forwarded-Proto %q, want https", got)
	}
	if got := h.Get("X-Forwarded-For"); got != "2001:db8::1" {
		t.Errorf("got X-Forwarded-For %q, want 2001:db8::1", got)
	}
}

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"", false},
		{"abc-123", true},
		{"4b7c1e2a-0d3f-4c57-9a8e-5f1d2c3b4a59", true},
		{"dGVzdA==", true},
		{"a b", false},
		{"a\nX-Evil: 1", false},
		{strings.Repeat("a", maxRequestIDLen), true},
		{strings.Repeat("a", maxRequestIDLen+1), false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := validRequestID(tt.id); got != tt.want {
				t.Errorf("validRequestID(%q): got %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestNewRequestIDIsUniqueAndValid(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		if !validRequestID(id) {
			t.Fatalf("got invalid id %q", id)
		}
		if seen[id] {
			t.Fatalf("got id %q twice", id)
		}
		seen[id] = true
	}
}

func TestForwardedProtoOverTLS(t *testing.T) {
	certs := httptest.NewTLSServer(http.NotFoundHandler()) // only for its certificate and a client that trusts it
	t.Cleanup(certs.Close)
	p := New(Options{Logger: slog.New(slog.DiscardHandler)})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(tls.NewListener(ln, certs.TLS))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		p.Shutdown(ctx)
	})
	req, _ := http.NewRequest(http.MethodGet, "https://"+ln.Addr().String()+"/", nil)
	e := doEcho(t, certs.Client(), req)
	if got := e.Header.Get("X-Forwarded-Proto"); got != "https" {
		t.Errorf("got X-Forwarded-Proto %q, want https", got)
	}
}
