package proxy

import (
	"io"
	"math"
	"net/http"
	"strings"
	"testing"
)

// named answers its name, so a test sees which release served.
func named(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) })
}

// canarySite is a proxy whose site serves v1 with a canary v2 at share.
func canarySite(t *testing.T, share float64) (*Proxy, string) {
	t.Helper()
	p, url := startProxy(t, Options{})
	p.site.Switch(NewPool("v1", []Backend{startBackend(t, "v1.1", named("v1"))}))
	p.site.SetCanary(NewPool("v2", []Backend{startBackend(t, "v2.1", named("v2"))}), share)
	return p, url
}

// canaryGet sends one request with cookie (none if ""), on the fast or the general path, and returns
// which release answered and the Set-Cookie it got.
func canaryGet(t *testing.T, c *http.Client, url, cookie string, general bool) (release, setCookie string) {
	t.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if general {
		method, body = http.MethodPost, strings.NewReader("x")
	}
	req, err := http.NewRequest(method, url+"/", body)
	if err != nil {
		t.Fatal(err)
	}
	if general {
		req.Header.Set("Expect", "100-continue")
	}
	if cookie != "" {
		req.Header.Set("Cookie", "a=b; "+CanaryCookie+"="+cookie+"; c=d")
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), res.Header.Get("Set-Cookie")
}

// TestCanaryShare: of new clients, the share go to the canary, within one client, each told its
// release by the cookie, on both paths.
func TestCanaryShare(t *testing.T) {
	const clients = 2000
	for _, tt := range []struct {
		name    string
		share   float64
		general bool
	}{
		{"fast 10%", 0.1, false},
		{"general 10%", 0.1, true},
		{"fast 20%", 0.2, false},
		{"general 20%", 0.2, true},
		{"fast 0%", 0, false},
		{"fast 100%", 1, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, url := canarySite(t, tt.share)
			c := newClient(t)
			n := clients
			if tt.general {
				n = clients / 4
			}
			canary := 0
			for range n {
				rel, set := canaryGet(t, c, url, "", tt.general)
				if want := CanaryCookie + "=" + rel + ";"; !strings.HasPrefix(set, want) {
					t.Fatalf("Set-Cookie %q, want it to start with %q", set, want)
				}
				if rel == "v2" {
					canary++
				}
			}
			if want := tt.share * float64(n); math.Abs(float64(canary)-want) > 1 {
				t.Errorf("%d of %d new clients to the canary, want %.0f ± 1 (%.0f%%)", canary, n, want, tt.share*100)
			}
		})
	}
}

// TestCanarySticky: a client with the cookie stays on its release and is not sent the cookie again;
// one whose cookie names a release that does not serve is given one anew; with the split ended, the
// cookie is ignored and not set.
func TestCanarySticky(t *testing.T) {
	p, url := canarySite(t, 0.5)
	c := newClient(t)
	for _, general := range []bool{false, true} {
		for _, tt := range []struct {
			cookie, want string
		}{
			{"v1", "v1"},
			{"v2", "v2"},
		} {
			for range 20 {
				rel, set := canaryGet(t, c, url, tt.cookie, general)
				if rel != tt.want || set != "" {
					t.Fatalf("general %v, cookie %s: got %s with Set-Cookie %q, want %s and none", general, tt.cookie, rel, set, tt.want)
				}
			}
		}
		for range 20 {
			rel, set := canaryGet(t, c, url, "v0", general)
			if !strings.HasPrefix(set, CanaryCookie+"="+rel+";") {
				t.Fatalf("general %v, cookie v0: got %s with Set-Cookie %q, want the cookie naming %s", general, rel, set, rel)
			}
		}
	}
	canary, share := p.site.Canary()
	if canary == nil || canary.Release() != "v2" || share != 0.5 {
		t.Fatalf("Canary() = %v, %v; want v2, 0.5", canary, share)
	}
	p.site.SetCanary(nil, 0)
	for _, general := range []bool{false, true} {
		if rel, set := canaryGet(t, c, url, "v2", general); rel != "v1" || set != "" {
			t.Fatalf("after the split: got %s with Set-Cookie %q, want v1 and none", rel, set)
		}
	}
}

// TestCanaryResultRelease: each request's Result names the release that served it, so the two can
// be judged apart.
func TestCanaryResultRelease(t *testing.T) {
	got := make(chan string, 100)
	p, url := startProxy(t, Options{Observe: func(r Result) { got <- r.Release }})
	p.site.Switch(NewPool("v1", []Backend{startBackend(t, "v1.1", named("v1"))}))
	p.site.SetCanary(NewPool("v2", []Backend{startBackend(t, "v2.1", named("v2"))}), 0.5)
	c := newClient(t)
	for range 50 {
		rel, _ := canaryGet(t, c, url, "", false)
		if r := <-got; r != rel {
			t.Fatalf("Result.Release %s, want %s (the release that answered)", r, rel)
		}
	}
}

func TestCookieValue(t *testing.T) {
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{nil, ""},
		{[]string{"a=b"}, ""},
		{[]string{"a=b; cutover_release=v3"}, "v3"},
		{[]string{"x=1", `cutover_release="v4"; y=2`}, "v4"},
		{[]string{"cutover_releasex=v5"}, ""},
	} {
		var fs []field
		for _, v := range tt.fields {
			fs = append(fs, field{name: []byte("Cookie"), value: []byte(v)})
		}
		if got := string(cookieValue(fs, CanaryCookie)); got != tt.want {
			t.Errorf("cookieValue(%q) = %q, want %q", tt.fields, got, tt.want)
		}
	}
}

func TestCanaryCookieName(t *testing.T) {
	for name, want := range map[string]string{"": CanaryCookie, "blog": CanaryCookie + "_blog"} {
		if got := (&Site{Name: name}).CanaryCookie(); got != want {
			t.Errorf("site %q: cookie %q, want %q", name, got, want)
		}
	}
}
