package proxy

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// TestMaintenance: on both paths, a site in maintenance answers 503 with its page and
// Retry-After to every client but the allowed ones, which the app serves as usual; with a
// trusted proxy in front, the address it forwarded for is the client's.
func TestMaintenance(t *testing.T) {
	allowed := netip.MustParsePrefix("127.0.0.2/32")
	forwarded := netip.MustParsePrefix("10.1.2.0/24")
	tests := []struct {
		name    string
		trusted bool // 127.0.0.1 is a trusted proxy
		m       Maintenance
		from    string // the client's local address
		xff     string
		want    string // status, then part of the body
		retry   string
	}{
		{"other client", false, Maintenance{Message: "back at five", Allow: []netip.Prefix{allowed}}, "127.0.0.1", "", "503 back at five", "60"},
		{"allowed client", false, Maintenance{Allow: []netip.Prefix{allowed}}, "127.0.0.2", "", "200 ok", ""},
		{"default message", false, Maintenance{}, "127.0.0.2", "", "503 down for maintenance", "60"},
		{"page of the app", false, Maintenance{Page: []byte("<h1>Be right back</h1>"), RetryAfter: 1500e6}, "127.0.0.1", "", "503 <h1>Be right back</h1>", "2"},
		{"X-Forwarded-For untrusted", false, Maintenance{Allow: []netip.Prefix{forwarded}}, "127.0.0.1", "10.1.2.3", "503 down for maintenance", "60"},
		{"X-Forwarded-For trusted, allowed", true, Maintenance{Allow: []netip.Prefix{forwarded}}, "127.0.0.1", "10.1.2.3", "200 ok", ""},
		{"X-Forwarded-For trusted, other", true, Maintenance{Allow: []netip.Prefix{forwarded}}, "127.0.0.1", "10.1.2.3, 10.9.9.9", "503 down for maintenance", "60"},
		{"trusted peer itself allowed, forwarding another", true, Maintenance{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, "127.0.0.1", "10.9.9.9", "503 down for maintenance", "60"},
	}
	for _, tt := range tests {
		var opts Options
		if tt.trusted {
			opts.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
		}
		for path, start := range pathsWith(t, opts) {
			t.Run(tt.name+"/"+path, func(t *testing.T) {
				p, base := start()
				p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.WriteString(w, "ok")
				}))}))
				p.Site().SetMaintenance(&tt.m)
				if !p.Site().InMaintenance() {
					t.Fatal("InMaintenance: got false after SetMaintenance")
				}
				status, retry, body := getFrom(t, tt.from, base, tt.xff)
				wantStatus, wantBody := tt.want[:3], tt.want[4:]
				if status != wantStatus || !strings.Contains(body, wantBody) || retry != tt.retry {
					t.Errorf("got %s with Retry-After %q (%q), want %s with %q and Retry-After %q", status, retry, body, wantStatus, wantBody, tt.retry)
				}
				p.Site().SetMaintenance(nil)
				if status, _, body := getFrom(t, tt.from, base, tt.xff); status != "200" {
					t.Errorf("after maintenance: got %s %q, want 200", status, body)
				}
			})
		}
	}
}

// getFrom gets base/ from the local address from, with an X-Forwarded-For of xff unless it is
// empty, and returns the status, Retry-After and body ("no answer" and the error if none came).
func getFrom(t *testing.T, from, base, xff string) (status, retry, body string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return d.DialContext(ctx, network, addr)
	}}
	t.Cleanup(tr.CloseIdleConnections)
	req, err := http.NewRequest(http.MethodGet, base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	res, err := (&http.Client{Transport: tr, Timeout: waitLimit}).Do(req)
	if err != nil {
		return "no answer", "", err.Error() // not t.Fatal: it may run on another goroutine
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.Status[:3], res.Header.Get("Retry-After"), string(b)
}

// TestClientAddr: the client of a request is its TCP peer, or, behind trusted proxies, the last
// address they forwarded for that is not one of theirs.
func TestClientAddr(t *testing.T) {
	p := New(Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tests := []struct {
		peer string
		xff  []string
		want string
	}{
		{"192.0.2.1", []string{"198.51.100.7"}, "192.0.2.1"},
		{"10.0.0.1", nil, "10.0.0.1"},
		{"10.0.0.1", []string{"198.51.100.7"}, "198.51.100.7"},
		{"10.0.0.1", []string{"203.0.113.9, 198.51.100.7"}, "198.51.100.7"},
		{"10.0.0.1", []string{"198.51.100.7, 10.0.0.2"}, "198.51.100.7"},
		{"10.0.0.1", []string{"198.51.100.7", "10.0.0.2,10.0.0.3"}, "198.51.100.7"},
		{"10.0.0.1", []string{"10.0.0.2"}, "10.0.0.2"},
		{"10.0.0.1", []string{"198.51.100.7, unknown"}, "invalid IP"},
		{"10.0.0.1", []string{"::ffff:198.51.100.7"}, "::ffff:198.51.100.7"},
	}
	for _, tt := range tests {
		t.Run(tt.peer+"/"+strings.Join(tt.xff, "|"), func(t *testing.T) {
			got := p.clientAddr(tt.peer, p.trusts(tt.peer), tt.xff)
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
	m := (&Maintenance{Allow: []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")}}).ready()
	if !m.allows(netip.MustParseAddr("::ffff:198.51.100.7")) || m.allows(netip.Addr{}) {
		t.Errorf("allows: an IPv4-mapped address must count as its IPv4 one, no address as none allowed")
	}
}
