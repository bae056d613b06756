package proxy

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/router"
)

// routed is a proxy with two sites, blog and api, each on a backend of its own, routed by Host.
func routed(t *testing.T) (p *Proxy, url string, blog, api *Site) {
	t.Helper()
	return routedWith(t, Options{})
}

// routedWith is routed with a proxy of opts.
func routedWith(t *testing.T, opts Options) (p *Proxy, url string, blog, api *Site) {
	t.Helper()
	p, url = startProxy(t, opts)
	blog, api = p.NewSite("blog"), p.NewSite("api")
	blog.Switch(NewPool("v1", []Backend{startBackend(t, "blog.1", echoHandler("blog.1"))}))
	api.Switch(NewPool("v1", []Backend{startBackend(t, "api.1", echoHandler("api.1"))}))
	table, err := router.Build([]router.Route[*Site]{
		{Host: "blog.example.com", Target: blog, Owner: "blog"},
		{Host: "example.com", Prefix: "/api", Target: api, Owner: "api"},
		{Host: "example.com", Target: blog, Owner: "blog"},
		{Host: "*.api.example.com", Target: api, Owner: "api"},
	})
	if err != nil {
		t.Fatal(err)
	}
	p.SetRoutes(table)
	return p, url, blog, api
}

// status sends a request for host and path, on both paths (Expect: 100-continue goes the general
// path), and returns the status and body.
func status(t *testing.T, c *http.Client, url, host, path string, general bool) (int, string) {
	t.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if general {
		method, body = http.MethodPost, strings.NewReader("x")
	}
	req, err := http.NewRequest(method, url+path, body)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if general {
		req.Header.Set("Expect", "100-continue")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s%s: %v", method, host, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestRoutesByHost: with a routing table, each request goes to the site its Host and path name, on
// the fast path and the general path alike, on one keep-alive connection; an unknown host gets 404.
func TestRoutesByHost(t *testing.T) {
	_, url, _, _ := routed(t)
	c := newClient(t)
	for _, general := range []bool{false, true} {
		for _, tt := range []struct {
			host, path, want string
		}{
			{"blog.example.com", "/", "blog.1"},
			{"Blog.Example.com:8080", "/post/1", "blog.1"},
			{"example.com", "/", "blog.1"},
			{"example.com", "/api/users?page=2", "api.1"},
			{"example.com", "/apix", "blog.1"},
			{"eu.api.example.com", "/", "api.1"},
		} {
			code, body := status(t, c, url, tt.host, tt.path, general)
			if code != http.StatusOK || !strings.Contains(body, `"Backend":"`+tt.want+`"`) {
				t.Errorf("general=%v %s%s: got %d %s, want %s", general, tt.host, tt.path, code, body, tt.want)
			}
		}
		code, body := status(t, c, url, "other.example.org", "/", general)
		if code != http.StatusNotFound || !strings.Contains(body, "no app on this server answers for this host") {
			t.Errorf("general=%v unknown host: got %d %q, want 404 with the page", general, code, body)
		}
	}
}

// TestSitesSwitchAlone: a site's switch, its starting page and its lack of a release are its own;
// SetRoutes(nil) goes back to the proxy's own site taking every request.
func TestSitesSwitchAlone(t *testing.T) {
	p, url, blog, api := routed(t)
	c := newClient(t)
	blog.Switch(NewPool("v2", []Backend{startBackend(t, "blog.2", echoHandler("blog.2"))}))
	if _, body := status(t, c, url, "blog.example.com", "/", false); !strings.Contains(body, "blog.2") {
		t.Errorf("blog after its switch: got %s, want blog.2", body)
	}
	if _, body := status(t, c, url, "example.com", "/api", false); !strings.Contains(body, "api.1") {
		t.Errorf("api after blog's switch: got %s, want api.1", body)
	}
	api.Switch(nil)
	if code, _ := status(t, c, url, "example.com", "/api", false); code != http.StatusBadGateway {
		t.Errorf("api with no release: got %d, want 502", code)
	}
	api.SetStarting("the app is starting: v1 is booting, attempt 2", 3*time.Second)
	if code, body := status(t, c, url, "example.com", "/api", true); code != http.StatusServiceUnavailable || !strings.Contains(body, "attempt 2") {
		t.Errorf("api starting: got %d %q, want 503 with its page", code, body)
	}
	if code, _ := status(t, c, url, "blog.example.com", "/", false); code != http.StatusOK {
		t.Errorf("blog while api starts: got %d, want 200", code)
	}
	p.Switch(NewPool("own", []Backend{startBackend(t, "own.1", echoHandler("own.1"))}))
	p.SetRoutes(nil)
	for _, host := range []string{"blog.example.com", "anything.net"} {
		if _, body := status(t, c, url, host, "/", false); !strings.Contains(body, "own.1") {
			t.Errorf("%s without routes: got %s, want the proxy's own site", host, body)
		}
	}
}

// Shutdown drains every site's pool: a websocket on a routed site gets until ctx ends, then is
// cut, and Shutdown says so.
func TestShutdownDrainsEverySite(t *testing.T) {
	p := New(Options{Logger: slog.New(slog.DiscardHandler)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	ws := p.NewSite("ws")
	ws.Switch(NewPool("v1", []Backend{startBackend(t, "ws.1", http.HandlerFunc(upgradeEcho))}))
	table, err := router.Build([]router.Route[*Site]{{Host: "ws.example.com", Target: ws}})
	if err != nil {
		t.Fatal(err)
	}
	p.SetRoutes(table)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	io.WriteString(c, "GET /ws HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(c)
	if res, err := http.ReadResponse(br, nil); err != nil || res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: got %v, %v; want 101", res, err)
	}
	echoOnce(t, c, br, "ping")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := p.Shutdown(ctx); err == nil {
		t.Error("Shutdown with a websocket open past its deadline: got nil, want the cut reported")
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("the websocket is still open after Shutdown")
	}
}

// TestSiteObserve: a site with its own observer sees exactly the requests routed to it, on both
// paths; the others, and requests no route matches, go to Options.Observe.
func TestSiteObserve(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	count := func(name string) func(Result) {
		return func(Result) { mu.Lock(); seen[name]++; mu.Unlock() }
	}
	_, url, blog, _ := routedWith(t, Options{Observe: count("proxy")})
	blog.SetObserve(count("blog"))
	c := newClient(t)
	for _, general := range []bool{false, true} {
		status(t, c, url, "blog.example.com", "/", general)
		status(t, c, url, "example.com", "/api/x", general)
		status(t, c, url, "unknown.example.com", "/", general)
	}
	want := map[string]int{"blog": 2, "proxy": 4}
	// Observe runs once the response is finished, which may be just after the client has it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		done := seen["blog"]+seen["proxy"] >= 6
		mu.Unlock()
		if done {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) || seen["blog"] != want["blog"] || seen["proxy"] != want["proxy"] {
		t.Fatalf("observed %v, want %v", seen, want)
	}
	blog.SetObserve(nil)
	if blog.observer(nil) != nil {
		t.Fatal("SetObserve(nil) kept the site's observer")
	}
}

// TestRoutesByCleanPath: two apps on one host split by a path prefix. A request is routed by its
// path as apps read it (escapes of letters decoded, // merged, dot segments resolved), so no
// spelling of a path crosses the prefix, on the fast path, the general path (Expect) and HTTP/2
// alike; the app gets the target exactly as the client sent it.
func TestRoutesByCleanPath(t *testing.T) {
	targetEcho := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			_, _ = io.WriteString(w, name+" "+r.RequestURI)
		})
	}
	routeSplit := func(p *Proxy) {
		blog, api := p.NewSite("blog"), p.NewSite("api")
		blog.Switch(NewPool("v1", []Backend{startBackend(t, "blog.1", targetEcho("blog"))}))
		api.Switch(NewPool("v1", []Backend{startBackend(t, "api.1", targetEcho("api"))}))
		table, err := router.Build([]router.Route[*Site]{
			{Host: "blog.test", Prefix: "/api", Target: api, Owner: "api"},
			{Host: "blog.test", Target: blog, Owner: "blog"},
		})
		if err != nil {
			t.Fatal(err)
		}
		p.SetRoutes(table)
	}
	plain, plainURL := startProxy(t, Options{})
	routeSplit(plain)
	secure, addr, roots := startTLSProxy(t, Options{})
	routeSplit(secure)
	h2 := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, ServerName: "example.com"}, ForceAttemptHTTP2: true,
	}}
	t.Cleanup(h2.CloseIdleConnections)

	tests := []struct {
		target, want string // want: the app that answers, or a status
	}{
		{"/api/users?page=2", "api"},
		{"/api-other", "blog"},
		{"/x/../api/", "api"},
		{"/api/../admin", "blog"},
		{"/%61pi/", "api"},
		{"//api", "api"},
		{"/api/./x", "api"},
		{"/api/../../etc", "blog"},
		{"/%2e%2e/api?q=/../x", "api"},
		{"/a%2Fb", "blog"},
		{"/api%2F..%2Fadmin", "404"}, // apps read %2F differently: it leads nowhere
		{"/x/../api/%zz", "400"},
	}
	for _, tt := range tests {
		for _, how := range []string{"fast", "expect", "h2"} {
			t.Run(how+tt.target, func(t *testing.T) {
				var code int
				var body string
				if how == "h2" {
					code, body = h2Target(t, h2, addr, tt.target)
				} else {
					code, body = rawTarget(t, strings.TrimPrefix(plainURL, "http://"), tt.target, how == "expect")
				}
				want := tt.want + " " + tt.target
				switch tt.want {
				case "404", "400":
					if strconv.Itoa(code) != tt.want {
						t.Errorf("got %d %q, want %s", code, body, tt.want)
					}
				default:
					if code != http.StatusOK || body != want {
						t.Errorf("got %d %q, want 200 %q", code, body, want)
					}
				}
			})
		}
	}
}

// rawTarget sends a request for target to blog.test on a connection of its own, byte for byte as
// given; with expect, it is a POST with Expect: 100-continue, which takes the general path.
func rawTarget(t *testing.T, addr, target string, expect bool) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(waitLimit))
	head := "GET " + target + " HTTP/1.1\r\nHost: blog.test\r\n\r\n"
	if expect {
		head = "POST " + target + " HTTP/1.1\r\nHost: blog.test\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"
	}
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for {
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 200 {
			return res.StatusCode, string(b)
		}
	}
}

// h2Target sends a GET for target to blog.test over HTTP/2.
func h2Target(t *testing.T, c *http.Client, addr, target string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+addr+target, nil)
	if err != nil {
		t.Skipf("the HTTP/2 client cannot send %q: %v", target, err)
	}
	if got := req.URL.RequestURI(); got != target {
		t.Skipf("the HTTP/2 client would send %q for %q", got, target)
	}
	req.Host = "blog.test"
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	defer res.Body.Close()
	if res.ProtoMajor != 2 {
		t.Fatalf("got %s, want HTTP/2", res.Proto)
	}
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
