package proxy

import (
	"encoding/json"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestHandedOverOverTLS: a daemon that handed over passes a request that came to it over TLS to
// the new daemon's plain-HTTP socket, as an upgrade does; the new daemon sees it as the HTTPS
// request it is (no redirect, HSTS, X-Forwarded-Proto: https) from the client the old one names,
// on every path of the old proxy, and the app never sees the secret.
func TestHandedOverOverTLS(t *testing.T) {
	const secret = "s3cret-of-the-upgrade"
	next, nextURL := startProxy(t, Options{})
	next.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	next.site.SetHTTPS(true, "max-age=60")
	next.AcceptHandover(secret, time.Minute)

	old, oldAddr, roots := startTLSProxy(t, Options{})
	// A request bound to the app's pool before the handover never carries the secret.
	app := NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))})
	old.Switch(app)
	if e := doEcho(t, tlsClient(t, roots, false), mustRequest(t, http.MethodGet, "https://"+oldAddr+"/", "example.com")); e.Header.Get(handoverField) != "" {
		t.Fatalf("a request to the app's pool carried %s", handoverField)
	}
	old.Switch(NewHandoverPool(strings.TrimPrefix(nextURL, "http://"), secret))

	for _, tc := range []struct {
		name   string
		h2     bool
		method string
		expect bool
	}{
		{"HTTP/1.1", false, http.MethodGet, false},
		{"HTTP/1.1 general path", false, http.MethodPost, true},
		{"HTTP/2", true, http.MethodGet, false},
		{"HTTP/2 with a body", true, http.MethodPost, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tlsClient(t, roots, tc.h2)
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			var body io.Reader
			if tc.method == http.MethodPost {
				body = strings.NewReader("payload")
			}
			req, err := http.NewRequest(tc.method, "https://"+oldAddr+"/a?b=c", body)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "example.com"
			if tc.expect {
				req.Header.Set("Expect", "100-continue")
			}
			req.Header.Set(handoverField, "forged by the client")
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK || res.Header.Get("Strict-Transport-Security") != "max-age=60" {
				t.Fatalf("got %s, Location %q, HSTS %q; want 200 with the new daemon's HSTS", res.Status,
					res.Header.Get("Location"), res.Header.Get("Strict-Transport-Security"))
			}
			req2, _ := http.NewRequest(tc.method, "https://"+oldAddr+"/a?b=c", body)
			if tc.method == http.MethodPost {
				req2.Body = io.NopCloser(strings.NewReader("payload"))
			}
			req2.Host = "example.com"
			e := doEcho(t, c, req2)
			if got := e.Header.Get("X-Forwarded-Proto"); got != "https" {
				t.Errorf("X-Forwarded-Proto %q, want https", got)
			}
			if got := e.Header.Values("X-Forwarded-For"); len(got) != 1 || got[0] != "127.0.0.1" {
				t.Errorf("X-Forwarded-For %q, want the client's address alone", got)
			}
			if got := e.Header.Values(handoverField); len(got) != 0 {
				t.Errorf("the app got %s: %q", handoverField, got)
			}
		})
	}
}

// TestHandoverBelievedOnlyWithTheSecret: the new daemon believes X-Forwarded-Proto and
// X-Forwarded-For only from a request with the upgrade's secret, on both of its paths.
func TestHandoverBelievedOnlyWithTheSecret(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.AcceptHandover("right", time.Minute)
	c := noFollow(t)
	for _, general := range []bool{false, true} {
		for _, tc := range []struct {
			secret    string // "" for none
			believed  bool
			redirects bool // once the site redirects to HTTPS
		}{
			{"right", true, false},
			{"wrong", false, true},
			{"", false, true},
			{"righ", false, true},
		} {
			send := func() *http.Response {
				req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
				req.Host = "example.com"
				req.Header.Set("X-Forwarded-Proto", "https")
				req.Header.Set("X-Forwarded-For", "203.0.113.7")
				if tc.secret != "" {
					req.Header.Set(handoverField, tc.secret)
				}
				if general {
					req.Header.Set("Expect", "100-continue")
				}
				res, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			p.site.SetHTTPS(false, "")
			res := send()
			var e echo
			decodeEcho(t, res, &e)
			wantProto, wantXFF := "http", "127.0.0.1"
			if tc.believed {
				wantProto, wantXFF = "https", "203.0.113.7"
			}
			if e.Header.Get("X-Forwarded-Proto") != wantProto || e.Header.Get("X-Forwarded-For") != wantXFF || e.Header.Get(handoverField) != "" {
				t.Errorf("general %v, secret %q: the app got X-Forwarded-Proto %q, X-Forwarded-For %q, %s %q; want %s, %s, none",
					general, tc.secret, e.Header.Get("X-Forwarded-Proto"), e.Header.Get("X-Forwarded-For"), handoverField,
					e.Header.Get(handoverField), wantProto, wantXFF)
			}
			p.site.SetHTTPS(true, "")
			res = send()
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if redirected := res.StatusCode == http.StatusMovedPermanently; redirected != tc.redirects {
				t.Errorf("general %v, secret %q: got %s, want a redirect %v", general, tc.secret, res.Status, tc.redirects)
			}
		}
	}
}

// decodeEcho reads an echo from a 200 response.
func decodeEcho(t *testing.T, res *http.Response, e *echo) {
	t.Helper()
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got %s %s, want 200", res.Status, b)
	}
	if err := json.Unmarshal(b, e); err != nil {
		t.Fatal(err)
	}
}

// TestTrustedProxyProto: behind a proxy of the user's own that ends TLS (a load balancer, named in
// TrustedProxies), a request it says came over HTTPS is not redirected to HTTPS again, and the app
// is told https, on both paths; what it says of plain HTTP is redirected.
func TestTrustedProxyProto(t *testing.T) {
	p, url := startProxy(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.site.SetHTTPS(true, "max-age=60")
	c := noFollow(t)
	for _, general := range []bool{false, true} {
		for _, proto := range []string{"https", "http", "https, https"} { // the last: two fields, not believed
			req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
			req.Host = "example.com"
			for _, v := range strings.Split(proto, ", ") {
				req.Header.Add("X-Forwarded-Proto", v)
			}
			req.Header.Set("X-Forwarded-For", "203.0.113.7")
			if general {
				req.Header.Set("Expect", "100-continue")
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			if proto == "http" || proto == "https, https" {
				res.Body.Close()
				if res.StatusCode != http.StatusMovedPermanently {
					t.Errorf("general %v: X-Forwarded-Proto %s by the trusted proxy: got %s, want a redirect", general, proto, res.Status)
				}
				continue
			}
			var e echo
			decodeEcho(t, res, &e)
			if got := e.Header.Get("X-Forwarded-Proto"); got != "https" || res.Header.Get("Strict-Transport-Security") != "max-age=60" {
				t.Errorf("general %v: the app got X-Forwarded-Proto %q, the client HSTS %q; want https, max-age=60", general, got, res.Header.Get("Strict-Transport-Security"))
			}
			if got := e.Header.Get("X-Forwarded-For"); got != "203.0.113.7, 127.0.0.1" {
				t.Errorf("general %v: X-Forwarded-For %q, want the trusted proxy's list and its address", general, got)
			}
		}
	}
}

// mustRequest is a request for url with Host host.
func mustRequest(t *testing.T, method, url, host string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	return req
}

// TestHandoverExpires: the new daemon stops believing the secret once its window has passed.
func TestHandoverExpires(t *testing.T) {
	p := New(Options{})
	p.AcceptHandover("right", time.Millisecond)
	if !p.handedFrom([]byte("right"), "127.0.0.1") {
		t.Fatal("the secret was not believed within its window")
	}
	if p.handedFrom([]byte("right"), "192.0.2.1") {
		t.Error("the secret was believed from a client not on loopback")
	}
	deadline := time.Now().Add(waitLimit)
	for p.handedFrom([]byte("right"), "127.0.0.1") {
		if time.Now().After(deadline) {
			t.Fatal("the secret is still believed past its window")
		}
		time.Sleep(time.Millisecond)
	}
}
