package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestHandler serves every metric of the daemon in the text format, each following Prometheus's
// naming rules (promlint).
func TestHandler(t *testing.T) {
	r := New(Options{Source: func() Snapshot {
		return Snapshot{Apps: []AppState{{Name: "blog", Release: "v1", LastDeploy: time.Now(),
			Processes: []Process{{Name: "web.1"}}}}, Certs: []Cert{{Host: "blog.example.com", NotAfter: time.Now()}}}
	}})
	a := r.App("blog")
	a.Observe(proxy.Result{Release: "v1", Status: 200, Duration: time.Millisecond})
	a.Deployed(&release.Release{ID: "v1", Status: release.Live, Steps: []release.Step{{Name: "boot", Duration: time.Second}}}, nil)
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	res, err := http.Get(srv.URL + DefaultPath)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("got %s, want 200 OK", res.Status)
	}
	for _, name := range []string{
		"cutover_requests_total", "cutover_proxy_failures_total", "cutover_request_duration_seconds_bucket",
		"cutover_in_flight_requests", "cutover_deploys_total", "cutover_deploy_duration_seconds_bucket",
		"cutover_deploy_step_duration_seconds_bucket", "cutover_process_restarts_total",
		"cutover_last_deploy_timestamp_seconds", "cutover_since_last_deploy_seconds", "cutover_live_release_info",
		"cutover_certificate_expiry_timestamp_seconds", "cutover_proxy_connections",
		"cutover_tls_handshake_failures_total", "go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(string(body), "\n"+name) {
			t.Errorf("no %s in the metrics served", name)
		}
	}
	problems, err := testutil.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "cutover_") {
			t.Errorf("promlint: %s: %s", p.Metric, p.Text)
		}
	}
}

func TestAppSameHandle(t *testing.T) {
	r := New(Options{})
	if a, b := r.App("blog"), r.App("blog"); a != b {
		t.Error("got two handles for one app, want one")
	}
}
