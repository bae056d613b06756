package metrics

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cutover-dev/cutover/internal/proxy"
)

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }

func TestSnapshotCollector(t *testing.T) {
	deployed := time.Unix(1_700_000_000, 0)
	notAfter := time.Unix(1_810_000_000, 0)
	snap := Snapshot{
		Apps: []AppState{
			{Name: "blog", Release: "v3", InFlight: 4, LastDeploy: deployed,
				Processes: []Process{{Name: "web.1", Restarts: 0}, {Name: "worker.1", Restarts: 2}}},
			{Name: "shop"}, // no release yet
		},
		Conns:             17,
		HandshakeFailures: 3,
		Certs:             []Cert{{Host: "blog.example.com", NotAfter: notAfter}, {Host: "new.example.com"}},
	}
	r := New(Options{Source: func() Snapshot { return snap }})
	const want = `
# HELP cutover_certificate_expiry_timestamp_seconds When the certificate each host is served with expires (its NotAfter), in Unix seconds.
# TYPE cutover_certificate_expiry_timestamp_seconds gauge
cutover_certificate_expiry_timestamp_seconds{host="blog.example.com"} 1.81e+09
# HELP cutover_in_flight_requests Requests the live release of each app is serving now.
# TYPE cutover_in_flight_requests gauge
cutover_in_flight_requests{app="blog",release="v3"} 4
# HELP cutover_last_deploy_timestamp_seconds When the deploy that made each app's live release ended, in Unix seconds.
# TYPE cutover_last_deploy_timestamp_seconds gauge
cutover_last_deploy_timestamp_seconds{app="blog"} 1.7e+09
# HELP cutover_live_release_info The release each app serves: 1, with the release as a label.
# TYPE cutover_live_release_info gauge
cutover_live_release_info{app="blog",release="v3"} 1
# HELP cutover_process_restarts_total Times the daemon started a process of a live release again after it exited.
# TYPE cutover_process_restarts_total counter
cutover_process_restarts_total{app="blog",process="web.1",release="v3"} 0
cutover_process_restarts_total{app="blog",process="worker.1",release="v3"} 2
# HELP cutover_proxy_connections Client connections the proxy has open, plain and TLS.
# TYPE cutover_proxy_connections gauge
cutover_proxy_connections 17
# HELP cutover_tls_handshake_failures_total TLS handshakes with clients that failed.
# TYPE cutover_tls_handshake_failures_total counter
cutover_tls_handshake_failures_total 3
`
	names := []string{"cutover_certificate_expiry_timestamp_seconds", "cutover_in_flight_requests",
		"cutover_last_deploy_timestamp_seconds", "cutover_live_release_info", "cutover_process_restarts_total",
		"cutover_proxy_connections", "cutover_tls_handshake_failures_total"}
	if err := testutil.GatherAndCompare(r.Gatherer(), stringsReader(want), names...); err != nil {
		t.Error(err)
	}
	mfs, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "cutover_since_last_deploy_seconds" {
			continue
		}
		got := mf.GetMetric()[0].GetGauge().GetValue()
		if want := time.Since(deployed).Seconds(); got <= 0 || got > want {
			t.Errorf("since last deploy: got %v, want within (0, %v]", got, want)
		}
		return
	}
	t.Error("no cutover_since_last_deploy_seconds")
}

// TestScrapeRetires drops the series of a release that stopped serving at a scrape, once
// RetireAfter has passed.
func TestScrapeRetires(t *testing.T) {
	live := "v1"
	r := New(Options{RetireAfter: time.Nanosecond, Source: func() Snapshot {
		return Snapshot{Apps: []AppState{{Name: "blog", Release: live}}}
	}})
	a := r.App("blog")
	a.Observe(proxy.Result{Release: "v1", Status: 200})
	live = "v2"
	a.Observe(proxy.Result{Release: "v2", Status: 200})
	for range 2 { // the first sees v1 stop serving, the second drops it
		if _, err := r.Gatherer().Gather(); err != nil {
			t.Fatal(err)
		}
	}
	if got := testutil.CollectAndCount(r.requests); got != len(classes) {
		t.Errorf("request series: got %d, want %d (v2's only)", got, len(classes))
	}
}
