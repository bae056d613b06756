package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseCompare(t *testing.T) {
	tests := []struct {
		name      string
		list      []string
		wantNames []string
		wantHosts []string // "" for the comparators the bench starts
		wantErr   string
	}{
		{"defaults", strings.Split(DefaultCompare, ","), []string{Nginx, HAProxy}, []string{"", ""}, ""},
		{"empty items", []string{"", " "}, nil, nil, ""},
		{"url", []string{"http://127.0.0.1:9000/up?x=1"}, []string{"http://127.0.0.1:9000/up?x=1"}, []string{"127.0.0.1:9000"}, ""},
		{"named url", []string{"kamal=http://localhost:9000/"}, []string{"kamal"}, []string{"localhost:9000"}, ""},
		{"default port", []string{"http://[::1]/"}, []string{"http://[::1]/"}, []string{"[::1]:80"}, ""},
		{"not loopback", []string{"http://10.0.0.1:80/"}, nil, nil, "only sends load to this machine"},
		{"https", []string{"kamal=https://127.0.0.1:8443/"}, []string{"kamal"}, []string{"127.0.0.1:8443"}, ""},
		{"https default port", []string{"https://localhost/"}, []string{"https://localhost/"}, []string{"localhost:443"}, ""},
		{"other scheme", []string{"ftp://127.0.0.1:21/"}, nil, nil, "only http:// and https://"},
		{"kamal-proxy by name", []string{"kamal-proxy"}, []string{KamalProxy}, []string{""}, ""},
		{"unknown name", []string{"traefik"}, nil, nil, "give nginx, haproxy, kamal-proxy, or an http:// or https:// URL"},
		{"twice", []string{"nginx", "nginx"}, nil, nil, "twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCompare(tt.list)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.wantNames) {
				t.Fatalf("got %d comparators, want %d", len(got), len(tt.wantNames))
			}
			for i, c := range got {
				host := ""
				if c.url != nil {
					host = c.url.Host
				}
				if c.name != tt.wantNames[i] || host != tt.wantHosts[i] {
					t.Errorf("comparator %d: got %q on %q, want %q on %q", i, c.name, host, tt.wantNames[i], tt.wantHosts[i])
				}
			}
		})
	}
}

func TestConfigs(t *testing.T) {
	tests := []struct {
		name string
		conf string
		want []string
	}{
		{Nginx, nginxConfig("/tmp/b", "127.0.0.1:8001", "127.0.0.1:9001", nil), []string{
			"daemon off;", "listen 127.0.0.1:8001;", "server 127.0.0.1:9001;",
			fmt.Sprintf("keepalive %d;", DefaultUpstreamKeepalive), "proxy_http_version 1.1;",
			`proxy_set_header Connection "";`, "access_log off;", "pid /tmp/b/nginx.pid;",
			"X-Forwarded-For $proxy_add_x_forwarded_for;", "X-Forwarded-Proto $scheme;", "X-Forwarded-Host $http_host;",
			"X-Request-Id $cutover_request_id;",
		}},
		{HAProxy, haproxyConfig("127.0.0.1:8001", "127.0.0.1:9001", nil), []string{
			"mode http", "bind 127.0.0.1:8001", "server app 127.0.0.1:9001", "http-reuse always",
			"option forwardfor", "set-header X-Forwarded-Proto http", "set-header X-Forwarded-Host %[req.hdr(host)]",
			"set-header X-Request-Id %[unique-id] unless { req.hdr(x-request-id) -m found }",
		}},
	}
	sec := &benchTLS{certFile: "/tmp/b/bench.crt", keyFile: "/tmp/b/bench.key", pemFile: "/tmp/b/bench.pem", http2: true}
	tests = append(tests, []struct {
		name string
		conf string
		want []string
	}{
		{Nginx + " tls", nginxConfig("/tmp/b", "127.0.0.1:8001", "127.0.0.1:9001", sec), []string{
			"listen 127.0.0.1:8001 ssl http2;", "ssl_certificate /tmp/b/bench.crt;", "ssl_certificate_key /tmp/b/bench.key;",
			"ssl_protocols TLSv1.3;", "ssl_ecdh_curve X25519;", "ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;",
			"ssl_session_tickets off;", "X-Forwarded-Proto $scheme;",
		}},
		{HAProxy + " tls", haproxyConfig("127.0.0.1:8001", "127.0.0.1:9001", sec), []string{
			"bind 127.0.0.1:8001 ssl crt /tmp/b/bench.pem alpn h2,http/1.1 ssl-min-ver TLSv1.3 curves X25519 ciphersuites TLS_AES_128_GCM_SHA256 no-tls-tickets",
			"set-header X-Forwarded-Proto https",
		}},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.conf, w) {
					t.Errorf("got config without %q:\n%s", w, tt.conf)
				}
			}
		})
	}
}

func TestLookTool(t *testing.T) {
	if _, err := lookTool("sh"); err != nil {
		t.Errorf("lookTool(sh): got %v, want it found", err)
	}
	if p, err := lookTool("cutover-no-such-tool"); err == nil {
		t.Errorf("got %q, want an error for a tool that does not exist", p)
	}
}

func TestStartComparatorNotInstalled(t *testing.T) {
	notFound := func(string) (string, error) { return "", errors.New("not here") }
	for _, name := range []string{Nginx, HAProxy, KamalProxy} {
		t.Run(name, func(t *testing.T) {
			_, err := startComparator(context.Background(), comparator{name: name}, notFound, t.TempDir(), "127.0.0.1:1", "127.0.0.1:2", nil)
			if !errors.Is(err, errNotInstalled) {
				t.Errorf("got %v, want errNotInstalled", err)
			}
			if err != nil && !strings.Contains(err.Error(), installHints[name]) {
				t.Errorf("got %q, want it to say how to install %s", err, name)
			}
		})
	}
}

// TestStartComparator starts each comparator that is installed in front of a real backend and
// checks that it proxies: a request through it returns the backend's body. Those not installed are
// skipped, except where they must run (CI=true, or CUTOVER_REQUIRE_COMPARATORS=1, which scripts/test
// sets after installing nginx and HAProxy): there a missing one fails the test. kamal-proxy, which
// is not in Debian, runs only where someone built it.
func TestStartComparator(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(backend.Close)
	for _, name := range []string{Nginx, HAProxy, KamalProxy} {
		t.Run(name, func(t *testing.T) {
			if _, err := lookTool(name); err != nil {
				if name != KamalProxy && (os.Getenv("CI") == "true" || os.Getenv("CUTOVER_REQUIRE_COMPARATORS") == "1") {
					t.Fatalf("%s is not installed, and this run requires it: scripts/test installs it", name)
				}
				t.Skipf("%s is not installed", name)
			}
			listen, err := freeAddr()
			if err != nil {
				t.Fatal(err)
			}
			ch, err := startComparator(context.Background(), comparator{name: name}, lookTool, t.TempDir(), listen, backend.Listener.Addr().String(), nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ch.stop(DefaultStopTimeout) })
			resp, err := http.Get("http://" + listen + "/")
			if err != nil {
				t.Fatalf("request through %s: %v", name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "hello" {
				t.Fatalf("through %s: got %d %q, want 200 \"hello\" from the backend", name, resp.StatusCode, body)
			}
			r, err := drive(context.Background(), listen, "/", 2, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("got %d requests and %d errors (first %v) through %s, want requests and no errors", r.Requests, r.Errors, r.FirstErr, name)
			}
			if err := ch.stop(DefaultStopTimeout); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestURLTargetTLS: an https:// comparator is driven over TLS when it serves the bench's
// certificate, verified for the URL's host name, and refused when it serves another.
func TestURLTargetTLS(t *testing.T) {
	sec, err := newBenchTLS(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	other, err := newBenchTLS(t.TempDir(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		serves  *benchTLS
		host    string
		wantErr string // "" for none
	}{
		{"bench certificate", sec, "127.0.0.1", ""},
		{"bench certificate by name", sec, "localhost", ""},
		{"another certificate", other, "127.0.0.1", "bench's certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := serveBenchTLS(t, tc.serves, nil)
			_, port, _ := strings.Cut(addr, ":")
			comps, err := parseCompare([]string{"tls=https://" + tc.host + ":" + port + "/"})
			if err != nil {
				t.Fatal(err)
			}
			tg, _, err := urlTarget(context.Background(), comps[0], sec)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tg.sec != sec || tg.serverName != tc.host {
				t.Errorf("got TLS %v for %q, want the bench's for %q", tg.sec != nil, tg.serverName, tc.host)
			}
			before := conns.Load()
			r, err := driveLoad(context.Background(), tg.load(true), 2, 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests == 0 || r.Errors != 0 || conns.Load()-before < r.Requests {
				t.Errorf("got %d requests, %d errors (%v), %d connections; want requests, no errors, a connection each",
					r.Requests, r.Errors, r.FirstErr, conns.Load()-before)
			}
		})
	}
}

// TestWaitURL: a URL that answers an error status is asked again until it answers 2xx; one that
// refuses connections fails at once.
func TestWaitURL(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			http.Error(w, "not healthy yet", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(srv.Close)
	if err := waitURL(context.Background(), nil, srv.URL+"/"); err != nil {
		t.Errorf("got %v, want the URL answering at its third probe", err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("got %d probes, want 3", got)
	}
	srv.Close()
	if err := waitURL(context.Background(), nil, srv.URL+"/"); err == nil || errors.Is(err, errNotOK) {
		t.Errorf("got %v from a closed server, want a connection error", err)
	}
}
