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
		{"Cutover_Dashboard=abc", false}, // cookie names are case-sensitive
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
	} {
		if got := string(appendWithoutPrivateCookie([]byte("pre"), []byte(tt.value))); got != "pre"+tt.want {
			t.Errorf("appendWithoutPrivateCookie(%q): got %q, want %q", tt.value, got, "pre"+tt.want)
		}
	}
}

func TestWithoutPrivateCookie(t *testing.T) {
	plain := []string{"a=1", "b=2"}
	if got := withoutPrivateCookie(plain); &got[0] != &plain[0] {
		t.Errorf("values without the cookie were copied")
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

	for _, tt := range []struct {
		name, cookie, connection string
		want                     []string
	}{
		{"only the dashboard's", "cutover_dashboard=secret", "", nil},
		{"among others", "session=s1; cutover_dashboard=secret; theme=dark", "", []string{"session=s1; theme=dark"}},
		{"none of it", "session=s1; theme=dark", "", []string{"session=s1; theme=dark"}},
		{"listed in Connection", "session=s1; cutover_dashboard=secret", "cookie", nil},
	} {
		for _, how := range []string{"fast", "h2", "h2 with a body"} {
			if how != "fast" && tt.connection != "" {
				continue // HTTP/2 has no Connection field
			}
			t.Run(how+"/"+tt.name, func(t *testing.T) {
				method, url, c := http.MethodGet, plainURL+"/", h1
				var body io.Reader
				switch how {
				case "h2":
					url, c = "https://"+addr+"/", h2
				case "h2 with a body": // the general path: httputil.ReverseProxy
					method, url, c, body = http.MethodPost, "https://"+addr+"/", h2, strings.NewReader("form")
				}
				req, err := http.NewRequest(method, url, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Cookie", tt.cookie)
				if tt.connection != "" {
					req.Header.Set("Connection", tt.connection)
				}
				// HTTP/2 carries cookies as crumbs, one field each; net/http's server joins them.
				if got := doEcho(t, c, req).Header["Cookie"]; !slices.Equal(got, tt.want) {
					t.Errorf("the app got Cookie %q, want %q", got, tt.want)
				}
			})
		}
	}
}
