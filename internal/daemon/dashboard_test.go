package daemon

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/cutover-dev/cutover/internal/dashboard"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// TestProxyKeepsTheDashboardCookie: the cookie the proxy takes out of every request is the one
// the dashboard signs browsers in with.
func TestProxyKeepsTheDashboardCookie(t *testing.T) {
	if dashboard.CookieName != proxy.PrivateCookie {
		t.Errorf("got dashboard cookie %q and proxy.PrivateCookie %q, want the same name", dashboard.CookieName, proxy.PrivateCookie)
	}
}

func TestDashboardToken(t *testing.T) {
	d := &Daemon{stateDir: t.TempDir()}
	first, err := d.dashboardToken()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(d.stateDir, DashboardTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("got token file mode %o, want 600", got)
	}
	again, err := d.dashboardToken()
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 32 || again != first {
		t.Errorf("got tokens %q then %q, want the same 32 hex digits twice", first, again)
	}
}

func TestLoopback(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:9190", true},
		{"[::1]:9190", true},
		{"0.0.0.0:9190", false},
		{"192.0.2.1:9190", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			a, err := net.ResolveTCPAddr("tcp", tt.addr)
			if err != nil {
				t.Fatal(err)
			}
			if got := loopback(a); got != tt.want {
				t.Errorf("got loopback(%s) = %v, want %v", tt.addr, got, tt.want)
			}
		})
	}
}
