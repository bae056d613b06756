package proxy

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestHoldsPrivateCookie(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  bool
	}{
		{"a=1; b=2", false},
		{"cutover_dashboard=abc", true},
		{"a=1; cutover_dashboard=abc; b=2", true},
		{"a=1;cutover_dashboard=abc", true},
		{" \tcutover_dashboard =abc", true},
		{"xcutover_dashboard=abc", false},
		{"cutover_dashboard_x=abc", false},
		{"a=cutover_dashboard", false},
		{"Cutover_Dashboard=abc", false},     // cookie names are case-sensitive
		{"a=1, cutover_dashboard=abc", true}, // old Rack and Tomcat split on commas too
		{"\xa0cutover_dashboard=abc", true},  // Django trims a no-break space
		{"a=1,cutover_dashboard", true},
	} {
		if got := holdsPrivateCookie([]byte(tt.value)); got != tt.want {
			t.Errorf("holdsPrivateCookie(%q): got %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestAppendWithoutPrivateCookie(t *testing.T) {
	for _, tt := range []struct{ value, want string }{
		{"cutover_dashboard=abc", ""},
		{"a=1; cutover_dashboard=abc; b=2", "a=1; b=2"},
		{"cutover_dashboard=abc;a=1", "a=1"},
		{"a=1 ;  cutover_dashboard=abc ; ;b=2", "a=1; b=2"},
		{"a=1; cutover_dashboard=x; cutover_dashboard=y", "a=1"},
		{"xcutover_dashboard=1; b", "xcutover_dashboard=1; b"},
		{"a=1, cutover_dashboard=x; b=2", "b=2"}, // the pair that holds it goes whole
	} {
		if got := string(appendWithoutPrivateCookie([]byte("pre"), []byte(tt.value))); got != "pre"+tt.want {
			t.Errorf("appendWithoutPrivateCookie(%q): got %q, want %q", tt.value, got, "pre"+tt.want)
		}
	}
}

func TestWithoutPrivateCookie(t *testing.T) {
	plain := []string{"a=1", "b=2"}
	if got := withoutPrivateCookie(plain); &got[0] != &plain[0] {
		t.Errorf("values without the cookie: got a copy, want them as they are")
	}
	for _, tt := range []struct{ values, want []string }{
		{[]string{"cutover_dashboard=x"}, nil},
		{[]string{"a=1", "cutover_dashboard=x"}, []string{"a=1"}},
		{[]string{"a=1; cutover_dashboard=x; b=2"}, []string{"a=1; b=2"}},
	} {
		if got := withoutPrivateCookie(tt.values); !slices.Equal(got, tt.want) {
			t.Errorf("withoutPrivateCookie(%q): got %q, want %q", tt.values, got, tt.want)
		}
	}
}

// TestWriteFieldsWithoutPrivateCookie: the fields go out in the order they came, the Cookie field
// that held the dashboard's cookie in its place, and a browser's cookies cost no allocation.
func TestWriteFieldsWithoutPrivateCookie(t *testing.T) {
	var h request
	head := "GET / HTTP/1.1\r\nHost: a\r\nCookie: cutover_dashboard=x; b=2\r\nCookie: b=1\r\nAccept: */*\r\n\r\n"
	if err := h.parse([]byte(head)); err != nil || !h.privateCookies {
		t.Fatalf("parse: got %v, privateCookies %v; want nil, true", err, h.privateCookies)
	}
	var b strings.Builder
	w := newWriter(&b)
	writeFieldsWithoutPrivateCookie(w, h.head, h.fields, requestKept)
	w.Flush()
	if want := "Host: a\r\nCookie: b=2\r\nCookie: b=1\r\nAccept: */*\r\n"; b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
	discard := newWriter(io.Discard)
	allocs := testing.AllocsPerRun(100, func() {
		writeFieldsWithoutPrivateCookie(discard, h.head, h.fields, requestKept)
		discard.Flush()
	})
	if allocs != 0 {
		t.Errorf("got %v allocations per head, want 0", allocs)
	}
}

// TestPrivateCookieNeverReachesTheApp: the dashboard's cookie, which a browser sends along to every
// port of the host it was set for, is taken out of requests on every path a request can take to
// the app, and the app's own cookies go on. Connection: cookie still drops the field whole.
func TestPrivateCookieNeverReachesTheApp(t *testing.T) {
	backend := startBackend(t, "web.1", echoHandler("web.1"))
	plain, plainURL := startProxy(t, Options{})
	plain.Switch(NewPool("v1", []Backend{backend}))
	secure, addr, roots := startTLSProxy(t, Options{})
	secure.Switch(NewPool("v1", []Backend{backend}))
	h1, h2 := newClient(t), tlsClient(t, roots, true)

	h1TLS := tlsClient(t, roots, false)
	for _, tt := range []struct {
		name       string
		cookies    []string // the Cookie fields sent
		connection string
		want       []string // what the app gets over HTTP/1.1; over HTTP/2, joined by "; "
	}{
		{"only the dashboard's", []string{"cutover_dashboard=secret"}, "", nil},
		{"among others", []string{"session=s1; cutover_dashboard=secret; theme=dark"}, "", []string{"session=s1; theme=dark"}},
		{"none of it", []string{"session=s1; theme=dark"}, "", []string{"session=s1; theme=dark"}},
		{"listed in Connection", []string{"session=s1; cutover_dashboard=secret"}, "cookie", nil},
		{"several fields, in order", []string{"cutover_dashboard=x; b=2", "b=1"}, "", []string{"b=2", "b=1"}},
	} {
		for _, how := range []string{"fast", "fast over TLS", "h2", "h2 with a body"} {
			if strings.HasPrefix(how, "h2") && tt.connection != "" {
				continue // HTTP/2 has no Connection field
			}
			t.Run(how+"/"+tt.name, func(t *testing.T) {
				method, url, c, want := http.MethodGet, plainURL+"/", h1, tt.want
				var body io.Reader
				switch how {
				case "fast over TLS":
					url, c = "https://"+addr+"/", h1TLS
				case "h2":
					url, c = "https://"+addr+"/", h2
				case "h2 with a body": // the general path: httputil.ReverseProxy
					method, url, c, body = http.MethodPost, "https://"+addr+"/", h2, strings.NewReader("form")
				}
				if strings.HasPrefix(how, "h2") && want != nil {
					// HTTP/2 carries cookies as crumbs, one field each; net/http's server joins them.
					want = []string{strings.Join(want, "; ")}
				}
				req, err := http.NewRequest(method, url, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header["Cookie"] = tt.cookies
				if tt.connection != "" {
					req.Header.Set("Connection", tt.connection)
				}
				if got := doEcho(t, c, req).Header["Cookie"]; !slices.Equal(got, want) {
					t.Errorf("the app got Cookie %q, want %q", got, want)
				}
			})
		}
	}
}
