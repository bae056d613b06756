package proxy

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/router"
)

func TestHostname(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"example.com", "example.com"},
		{"example.com:8080", "example.com"},
		{"[::1]:8080", "[::1]"},
		{"[::1]", "[::1]"},
		{"127.0.0.1:80", "127.0.0.1"},
		{"", ""},
	} {
		if got := hostname(tc.in); got != tc.want {
			t.Errorf("hostname(%q): got %q, want %q", tc.in, got, tc.want)
		}
		if got := string(hostname([]byte(tc.in))); got != tc.want {
			t.Errorf("hostname([]byte(%q)): got %q, want %q", tc.in, got, tc.want)
		}
	}
}

// noFollow returns a plain-HTTP client that does not follow redirects.
func noFollow(t *testing.T) *http.Client {
	c := newClient(t)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// TestRedirectToHTTPS: a site with redirect answers plain-HTTP requests 301 (GET, HEAD) or 308
// (others) with the https URL, without the plain port, on both paths; ACME challenges go through.
func TestRedirectToHTTPS(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.site.SetHTTPS(true, "max-age=60")
	if r, h := p.site.HTTPS(); !r || h != "max-age=60" {
		t.Fatalf("HTTPS() = %v, %q", r, h)
	}
	c := noFollow(t)
	for _, tc := range []struct {
		name, method, host, path string
		expect                   bool // Expect: 100-continue, so the general path serves it
		status                   int
		location                 string
	}{
		{"get", "GET", "example.com:8080", "/a?b=c", false, 301, "https://example.com/a?b=c"},
		{"head", "HEAD", "example.com", "/", false, 301, "https://example.com/"},
		{"post", "POST", "example.com", "/form", false, 308, "https://example.com/form"},
		{"ipv6", "GET", "[::1]:8080", "/", false, 301, "https://[::1]/"},
		{"post general", "POST", "example.com:8080", "/form?x", true, 308, "https://example.com/form?x"},
		{"challenge", "GET", "example.com", acmeChallengePrefix + "tok", false, 200, ""},
		{"challenge general", "POST", "example.com", acmeChallengePrefix + "tok", true, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.method == "POST" {
				body = strings.NewReader("payload")
			}
			req, err := http.NewRequest(tc.method, url+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			if tc.expect {
				req.Header.Set("Expect", "100-continue")
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Errorf("status: got %d, want %d", res.StatusCode, tc.status)
			}
			if got := res.Header.Get("Location"); got != tc.location {
				t.Errorf("Location: got %q, want %q", got, tc.location)
			}
			if got := res.Header.Get("Strict-Transport-Security"); got != "" {
				t.Errorf("Strict-Transport-Security over plain HTTP: got %q, want none", got)
			}
		})
	}
	// The connection stays usable after a redirect on it, even one with a body.
	if e := getEcho(t, c, url+acmeChallengePrefix+"x"); e.Backend != "web.1" {
		t.Errorf("after redirects: got backend %q, want web.1", e.Backend)
	}
}

// TestRedirectNamesHTTPSPort: a proxy whose HTTPS is not on 443 names its port in redirects, on
// both paths.
func TestRedirectNamesHTTPSPort(t *testing.T) {
	p, url := startProxy(t, Options{HTTPSPort: 8443})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.site.SetHTTPS(true, "")
	c := noFollow(t)
	for _, general := range []bool{false, true} {
		req, _ := http.NewRequest(http.MethodGet, url+"/a?b", nil)
		req.Host = "example.com:8080"
		if general {
			req.Method, req.Body = http.MethodPost, io.NopCloser(strings.NewReader("x"))
			req.ContentLength = 1
			req.Header.Set("Expect", "100-continue")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Location"); got != "https://example.com:8443/a?b" {
			t.Errorf("general=%v: Location %q, want https://example.com:8443/a?b", general, got)
		}
	}
	if (Options{HTTPSPort: 443}).httpsPort() != "" {
		t.Error("443 named in redirects")
	}
}

// TestHSTS: on TLS, a site's HSTS value is added to its responses unless the app sent its own, on
// the fast path, the general path and HTTP/2; a redirect setting does not touch TLS requests.
func TestHSTS(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/own", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=1")
	})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", mux)}))
	p.site.SetHTTPS(true, "max-age=60")
	for _, tc := range []struct {
		name   string
		h2     bool
		expect bool
		path   string
		want   string
	}{
		{"http1", false, false, "/", "max-age=60"},
		{"http1 general", false, true, "/", "max-age=60"},
		{"h2", true, false, "/", "max-age=60"},
		{"http1 app's own", false, false, "/own", "max-age=1"},
		{"http1 general app's own", false, true, "/own", "max-age=1"},
		{"h2 app's own", true, false, "/own", "max-age=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tlsClient(t, roots, tc.h2)
			method, body := http.MethodGet, io.Reader(nil)
			if tc.expect {
				method, body = http.MethodPost, strings.NewReader("x")
			}
			req, err := http.NewRequest(method, "https://"+addr+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tc.expect {
				req.Header.Set("Expect", "100-continue")
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Errorf("status: got %d, want 200 (no redirect over TLS)", res.StatusCode)
			}
			if got := res.Header.Values("Strict-Transport-Security"); len(got) != 1 || got[0] != tc.want {
				t.Errorf("Strict-Transport-Security: got %q, want [%q]", got, tc.want)
			}
		})
	}
}

// TestChallenge: plain-HTTP ACME challenges reach Options.Challenge first, also on a site that
// redirects; what it declines is routed as usual.
func TestChallenge(t *testing.T) {
	p, url := startProxy(t, Options{Challenge: func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != acmeChallengePrefix+"good" {
			return false
		}
		io.WriteString(w, "key-authorization")
		return true
	}})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.site.SetHTTPS(true, "")
	c := noFollow(t)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{acmeChallengePrefix + "good", "key-authorization", 200},
		{acmeChallengePrefix + "other", `"Backend":"web.1"`, 200},
		{"/page", "", 301},
	} {
		res, err := c.Get(url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
			t.Errorf("GET %s: got %d %q, want %d with %q", tc.path, res.StatusCode, b, tc.status, tc.want)
		}
	}
}

// TestRoutedRequestAllocs: a routed request allocates nothing on the fast path, redirects and HSTS
// included; client and backend are raw loops that allocate nothing themselves. Over TLS,
// crypto/tls allocates once per record it reads (an atLeastReader in Conn.readFromUntil, Go 1.26),
// once on each side per request; the proxy adds nothing to that.
func TestRoutedRequestAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	backend := rawAnswerer(t)
	plain, plainURL := startProxy(t, Options{})
	secure, addr, roots := startTLSProxy(t, Options{})
	for _, p := range []*Proxy{plain, secure} {
		var routes []router.Route[*Site]
		for i, redirect := range []bool{false, true} {
			site := p.NewSite(fmt.Sprintf("app-%d", i))
			site.Switch(NewPool("v1", []Backend{backend}))
			site.SetHTTPS(redirect, "max-age=60")
			routes = append(routes, router.Route[*Site]{Host: fmt.Sprintf("app-%d.example.com", i), Target: site})
		}
		// A path prefix makes the router look at, and when need be clean, the path.
		routes = append(routes, router.Route[*Site]{Host: "app-0.example.com", Prefix: "/api", Target: routes[0].Target})
		table, err := router.Build(routes)
		if err != nil {
			t.Fatal(err)
		}
		p.SetRoutes(table)
	}
	hsts := strings.Replace(rawAnswer, "\r\n\r\n", "\r\nStrict-Transport-Security: max-age=60\r\n\r\n", 1)
	for _, tc := range []struct {
		name, host, path, want string
		tls                    bool
		budget                 float64
	}{
		{"plain", "app-0.example.com", "/", rawAnswer, false, 0},
		{"plain prefix", "app-0.example.com", "/api/users", rawAnswer, false, 0},
		{"plain path to clean", "app-0.example.com", "/x/..//%61pi/users", rawAnswer, false, 0},
		{"plain redirect", "app-1.example.com:8080", "/", "HTTP/1.1 301 Moved Permanently\r\nLocation: https://app-1.example.com/\r\nContent-Length: 0\r\nX-Request-Id: id-1\r\n\r\n", false, 0},
		{"tls hsts", "app-1.example.com", "/", hsts, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var c net.Conn
			if tc.tls {
				tconn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{alpnHTTP1}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { tconn.Close() })
				c = tconn
			} else {
				c, _ = dialRaw(t, plainURL)
			}
			c.SetDeadline(timeZero)
			br := bufio.NewReader(c)
			req := []byte("GET " + tc.path + " HTTP/1.1\r\nHost: " + tc.host + "\r\nX-Request-Id: id-1\r\n\r\n")
			buf := make([]byte, len(tc.want))
			exchange := func() {
				if _, err := c.Write(req); err != nil {
					t.Fatal(err)
				}
				if _, err := io.ReadFull(br, buf); err != nil {
					t.Fatal(err)
				}
			}
			exchange()
			if string(buf) != tc.want {
				t.Fatalf("got %q, want %q", buf, tc.want)
			}
			if n := testing.AllocsPerRun(200, exchange); n > tc.budget {
				t.Errorf("allocations per request: got %v, want at most %v", n, tc.budget)
			}
		})
	}
}

// TestNoRedirectForOptionsStar: "OPTIONS *" asks about the server, so it is not redirected (a
// probe got "Location: https://host*").
func TestNoRedirectForOptionsStar(t *testing.T) {
	p, url := startProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	p.site.SetHTTPS(true, "")
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprint(conn, "OPTIONS * HTTP/1.1\r\nHost: example.com\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusPermanentRedirect || res.StatusCode == http.StatusMovedPermanently {
		t.Errorf("OPTIONS *: got %s to %q, want no redirect", res.Status, res.Header.Get("Location"))
	}
}
