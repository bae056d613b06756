package proxy

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
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
		{"an untrusted client's X-Forwarded-For replaced", map[string]string{"X-Forwarded-For": "203.0.113.7"}, "",
			func(t *testing.T, e echo) {
				if got, want := e.Header.Get("X-Forwarded-For"), "127.0.0.1"; got != want {
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
	setForwarded(h, in, false, false)
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

// TestForwardingHeadersTrustAndSpoofing: on both paths, the headers an app may trust that only a
// proxy should set never reach it from a client, and a client's X-Forwarded-For is kept only when
// the client is a trusted proxy.
func TestForwardingHeadersTrustAndSpoofing(t *testing.T) {
	spoofed := map[string]string{
		"X-Real-IP": "6.6.6.6", "True-Client-IP": "6.6.6.6", "X-Client-IP": "6.6.6.6",
		"X-Forwarded-Ssl": "on", "X-Forwarded-Port": "443", "X-Forwarded-Scheme": "https",
		"X_Forwarded_Proto": "https", "X_Forwarded_For": "6.6.6.6",
		"X-Forwarded-For": "203.0.113.7",
	}
	for _, tt := range []struct {
		name    string
		trusted []netip.Prefix
		xff     string
	}{
		{"untrusted", nil, "127.0.0.1"},
		{"trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "203.0.113.7, 127.0.0.1"},
	} {
		p, fast := startProxy(t, Options{TrustedProxies: tt.trusted})
		p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
		general := httptest.NewServer(p)
		t.Cleanup(general.Close)
		for path, url := range map[string]string{"fast path": fast, "net/http path": general.URL} {
			t.Run(tt.name+", "+path, func(t *testing.T) {
				req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
				for k, v := range spoofed {
					req.Header[k] = []string{v} // as sent, not canonicalized
				}
				e := doEcho(t, newClient(t), req)
				for k := range e.Header {
					if kk := strings.ToLower(k); strings.Contains(kk, "_") || kk == "x-real-ip" || kk == "true-client-ip" ||
						kk == "x-client-ip" || kk == "x-forwarded-ssl" || kk == "x-forwarded-port" || kk == "x-forwarded-scheme" {
						t.Errorf("the app got %s: %q, want it dropped", k, e.Header[k])
					}
				}
				if got := e.Header.Get("X-Forwarded-For"); got != tt.xff {
					t.Errorf("got X-Forwarded-For %q, want %q", got, tt.xff)
				}
				if got := e.Header.Get("X-Forwarded-Proto"); got != "http" {
					t.Errorf("got X-Forwarded-Proto %q, want http", got)
				}
			})
		}
	}
}
