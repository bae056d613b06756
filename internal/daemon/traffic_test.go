package daemon_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// TestPauseUnderLoad: under a steady load, `cutover pause` holds the requests that come, the
// ones in flight finishing, and `cutover resume` lets them all through: no request fails.
func TestPauseUnderLoad(t *testing.T) {
	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	stopLoad := startLoad(t, loadgen.Options{URL: d.url("/?delay=20ms"), Concurrency: 8, Rate: 100})

	d.mustCutover([]string{"pause", "--timeout", "50s"})
	const held = 6
	var traffic *control.Traffic
	waitFor(t, "requests to be held", func() bool {
		st, err := d.client.Status(context.Background())
		traffic = st.Traffic
		return err == nil && traffic != nil && traffic.Held >= held
	})
	if !traffic.Paused || time.Duration(traffic.PauseTimeout) != 50*time.Second {
		t.Errorf("status while paused: got %+v, want paused with a timeout of 50s", traffic)
	}
	out, err := d.cutover("resume")
	if err != nil || !strings.Contains(out, "held requests let through, in the order they came") {
		t.Fatalf("resume: %v\n%s", err, out)
	}
	waitFor(t, "requests to flow again", func() bool { return d.version() == "v1" })
	r := stopLoad()[0]
	t.Logf("pause under load: %s; %s", r, strings.TrimSpace(out))
	if r.Failed != 0 || r.OK <= held {
		t.Errorf("%d failed of %d sent, %d OK; want 0 failed and more than the %d held answered", r.Failed, r.Sent, r.OK, held)
	}
	if st, err := d.client.Status(context.Background()); err != nil || st.Traffic != nil {
		t.Errorf("status after resume: got traffic %+v (%v), want none", st.Traffic, err)
	}
}

// TestMaintenanceAllowsOnly: in maintenance, every client gets 503 with Retry-After but the one
// whose address is allowed, which the app serves; a restarted daemon keeps it, and off ends it.
func TestMaintenanceAllowsOnly(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	d.mustCutover([]string{"maintenance", "on", "--message", "back at five", "--allow", "127.0.0.2"})

	other, allowed := clientFrom(t, "127.0.0.1"), clientFrom(t, "127.0.0.2")
	check := func(when string, inMaintenance bool) {
		t.Helper()
		for range 10 {
			status, retry, body := fetch(t, other, d.url("/"))
			if inMaintenance && (status != http.StatusServiceUnavailable || retry != "60" || !strings.Contains(body, "back at five")) {
				t.Fatalf("%s, another client: got %d, Retry-After %q, %q; want 503, 60 and the message", when, status, retry, body)
			}
			if !inMaintenance && status != http.StatusOK {
				t.Fatalf("%s, another client: got %d %q, want 200", when, status, body)
			}
			if status, _, body := fetch(t, allowed, d.url("/")); status != http.StatusOK || !strings.Contains(body, "v1") {
				t.Fatalf("%s, the allowed client: got %d %q, want the app's answer", when, status, body)
			}
		}
	}
	check("in maintenance", true)

	d.stop()
	d = startDaemon(t, state, d.addr)
	check("after a restart", true)

	d.mustCutover([]string{"maintenance", "off"})
	check("after maintenance off", false)
}

// clientFrom is an HTTP client whose connections come from the local address ip.
func clientFrom(t *testing.T, ip string) *http.Client {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: bound}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: bound}
}

// fetch gets url with c and returns the status, Retry-After and body.
func fetch(t *testing.T, c *http.Client, url string) (int, string, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}
