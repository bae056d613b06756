package daemon_test

import (
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/daemon"
	"github.com/cutover-dev/cutover/internal/freeport"
)

// TestDashboardTokenNotLogged: bound beyond loopback, the dashboard asks for its token, and the
// daemon's log names the token's file, not the token.
func TestDashboardTokenNotLogged(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	_, port, _ := net.SplitHostPort(freeport.ForTest(t))
	d := startDaemon(t, state, "", "--dashboard", "0.0.0.0:"+port)
	b, err := os.ReadFile(filepath.Join(state, daemon.DashboardTokenFile))
	if err != nil {
		t.Fatalf("read the dashboard token: %v", err)
	}
	token := strings.TrimSpace(string(b))
	waitFor(t, "the daemon to log the dashboard", func() bool { return strings.Contains(d.out.String(), "serving the dashboard") })
	if log := d.out.String(); strings.Contains(log, token) || !strings.Contains(log, daemon.DashboardTokenFile) {
		t.Errorf("got daemon log\n%s\nwant the token file's path and not the token", log)
	}
	url := "http://127.0.0.1:" + port + "/"
	if code, _ := getPage(t, url); code != http.StatusUnauthorized {
		t.Errorf("GET without the token: got %d, want 401", code)
	}
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with the token: got %d, want 200", resp.StatusCode)
	}
}
