package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Source reports what exists now, at each scrape. It is called on the scrape's goroutine and
// should not wait on anything slow.
type Source func() Snapshot

// Snapshot is the daemon at one moment.
type Snapshot struct {
	Apps []AppState
	// Conns is how many client connections the proxy has open (see proxy.Proxy.Open).
	Conns int
	// HandshakeFailures counts the TLS handshakes that failed since the daemon started.
	HandshakeFailures int64
	// Certs are the hosts' certificates, when the daemon serves HTTPS.
	Certs []Cert
}

// AppState is one app at one moment.
type AppState struct {
	Name    string
	Release string // the live release, "" when none serves
	// InFlight is how many requests the live release is serving.
	InFlight int64
	// LastDeploy is when the deploy that made the live release ended; zero when none serves.
	LastDeploy time.Time
	Processes  []Process // the live release's
}

// Process is one process of a live release.
type Process struct {
	Name     string // such as web.1
	Restarts int    // how many times it was started again since its release booted
}

// Cert is one host's certificate.
type Cert struct {
	Host     string
	NotAfter time.Time // zero when the host has none
}

// snapshotCollector turns the Source's snapshot into metrics at each scrape, and retires the
// series of releases that stopped serving.
type snapshotCollector struct {
	r *Registry
}

var (
	descInFlight = prometheus.NewDesc("cutover_in_flight_requests",
		"Requests the live release of each app is serving now.", []string{"app", "release"}, nil)
	descLive = prometheus.NewDesc("cutover_live_release_info",
		"The release each app serves: 1, with the release as a label.", []string{"app", "release"}, nil)
	descLastDeploy = prometheus.NewDesc("cutover_last_deploy_timestamp_seconds",
		"When the deploy that made each app's live release ended, in Unix seconds.", []string{"app"}, nil)
	descSinceDeploy = prometheus.NewDesc("cutover_since_last_deploy_seconds",
		"Time since the deploy that made each app's live release ended.", []string{"app"}, nil)
	descRestarts = prometheus.NewDesc("cutover_process_restarts_total",
		"Times the daemon started a process of a live release again after it exited.", []string{"app", "release", "process"}, nil)
	descCertExpiry = prometheus.NewDesc("cutover_certificate_expiry_timestamp_seconds",
		"When the certificate each host is served with expires (its NotAfter), in Unix seconds.", []string{"host"}, nil)
	descConns = prometheus.NewDesc("cutover_proxy_connections",
		"Client connections the proxy has open, plain and TLS.", nil, nil)
	descHandshakeFailures = prometheus.NewDesc("cutover_tls_handshake_failures_total",
		"TLS handshakes with clients that failed.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInFlight, descLive, descLastDeploy, descSinceDeploy, descRestarts,
		descCertExpiry, descConns, descHandshakeFailures} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	if c.r.opts.Source == nil {
		return
	}
	made := c.r.appsMade()
	snap := c.r.opts.Source()
	now := time.Now()
	c.r.retire(now, serving(snap), made)
	gauge, counter := prometheus.GaugeValue, prometheus.CounterValue
	for _, a := range snap.Apps {
		if a.Release == "" {
			continue
		}
		ch <- prometheus.MustNewConstMetric(descInFlight, gauge, float64(a.InFlight), a.Name, a.Release)
		ch <- prometheus.MustNewConstMetric(descLive, gauge, 1, a.Name, a.Release)
		if !a.LastDeploy.IsZero() {
			ch <- prometheus.MustNewConstMetric(descLastDeploy, gauge, seconds(a.LastDeploy), a.Name)
			ch <- prometheus.MustNewConstMetric(descSinceDeploy, gauge, now.Sub(a.LastDeploy).Seconds(), a.Name)
		}
		for _, p := range a.Processes {
			ch <- prometheus.MustNewConstMetric(descRestarts, counter, float64(p.Restarts), a.Name, a.Release, p.Name)
		}
	}
	for _, cert := range snap.Certs {
		if !cert.NotAfter.IsZero() {
			ch <- prometheus.MustNewConstMetric(descCertExpiry, gauge, seconds(cert.NotAfter), cert.Host)
		}
	}
	ch <- prometheus.MustNewConstMetric(descConns, gauge, float64(snap.Conns))
	ch <- prometheus.MustNewConstMetric(descHandshakeFailures, counter, float64(snap.HandshakeFailures))
}

// serving maps each app of snap to the release it serves.
func serving(snap Snapshot) map[string]string {
	m := make(map[string]string, len(snap.Apps))
	for _, a := range snap.Apps {
		m[a.Name] = a.Release
	}
	return m
}

func seconds(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
