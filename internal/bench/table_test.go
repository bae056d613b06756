package bench

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProxyReportFormat(t *testing.T) {
	r := &ProxyReport{
		Connections: 50, Rounds: 2, RoundDuration: 5 * time.Second, Backend: "127.0.0.1:9000",
		Targets: results([]*target{
			fakeTarget(TargetBackend, 1000, 2*time.Millisecond, 20000, 19000),
			fakeTarget(TargetCutover, 500, 4*time.Millisecond, 10000, 9000),
			fakeTarget(HAProxy, 800, 3*time.Millisecond, 16000, 15000),
		}),
		Missing: []Missing{{Name: Nginx, Reason: "not installed (apt-get install nginx-light)"}},
	}
	var b bytes.Buffer
	if err := r.Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"50 keep-alive connections, 2 rounds of 5s per target, backend on 127.0.0.1:9000",
		"TARGET", "REQ/S", "×BACKEND", "P50", "P99", "ERRORS", "REQ/S BY ROUND",
		"backend", "1.00", "20000 19000",
		"cutover", "0.50", "10000 9000",
		"cutover vs haproxy: 0.62× the requests/s",
		"not measured: nginx: not installed (apt-get install nginx-light)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got output without %q:\n%s", want, out)
		}
	}
}

// TestProxyReportFormatApps: with many apps the table says how requests were spread and compares
// cutover routing among them with cutover as one app, and each comparator with the one app.
func TestProxyReportFormatApps(t *testing.T) {
	apps := fakeTarget(CutoverApps(100), 450, 4*time.Millisecond, 450)
	apps.apps = 100
	r := &ProxyReport{
		Connections: 50, Rounds: 1, RoundDuration: time.Second, Backend: "127.0.0.1:9000", Apps: 100,
		Targets: results([]*target{
			fakeTarget(TargetBackend, 1000, 2*time.Millisecond, 1000),
			fakeTarget(TargetCutover, 500, 4*time.Millisecond, 500),
			apps,
			fakeTarget(Nginx, 400, 4*time.Millisecond, 400),
		}),
	}
	var b bytes.Buffer
	if err := r.Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"Host headers go through app1.test … app100.test", "cutover (100 apps)",
		"cutover routing among 100 apps vs 1 app: 0.90× the requests/s",
		"cutover vs nginx: 1.25× the requests/s",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got output without %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "cutover vs cutover") {
		t.Errorf("got cutover compared with its own apps row as a comparator:\n%s", out)
	}
}

func TestProxyReportFormatTLS(t *testing.T) {
	cut := fakeTarget(TargetCutover, 500, 4*time.Millisecond, 500)
	hap := fakeTarget(HAProxy, 400, 4*time.Millisecond, 400)
	for i, tg := range []*target{cut, hap} {
		tg.sec = &benchTLS{}
		tg.handshakes.Requests, tg.handshakes.Elapsed = int64(1200-400*i), time.Second
		// CPU: cutover 50 ms for its 500 requests, HAProxy 80 ms for 400; 600 ms for 1,200
		// handshakes and 400 ms for 800.
		tg.cpu = cpuMeter{pgid: 1, spent: time.Duration(50+30*i) * time.Millisecond}
		tg.hsCPU = cpuMeter{pgid: 1, spent: time.Duration(600-200*i) * time.Millisecond}
	}
	r := &ProxyReport{
		Connections: 50, Rounds: 1, RoundDuration: time.Second, Backend: "127.0.0.1:9000", TLS: "HTTP/1.1 over TLS 1.3 (…)",
		Targets: results([]*target{fakeTarget(TargetBackend, 1000, 2*time.Millisecond, 1000), cut, hap}),
	}
	var b bytes.Buffer
	if err := r.Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"proxies driven over HTTP/1.1 over TLS 1.3 (…); the backend alone over plain HTTP/1.1", "HS/S",
		"cutover vs haproxy: 1.25× the requests/s, 1.00× the p50, 1.00× the p99, 0.50× the CPU per request, " +
			"1.50× the handshakes/s (1.00× the CPU per handshake)",
		"CPU/REQ", "CPU/HS", "100µs", "200µs", "500µs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got output without %q:\n%s", want, out)
		}
	}
	if got := r.Targets[1].HandshakesPerSec; got != 1200 {
		t.Errorf("cutover's handshakes/s: got %.0f, want 1200", got)
	}
}

// fakeTarget is a target that answered n requests in one second, each taking lat.
func fakeTarget(name string, n int, lat time.Duration, rounds ...float64) *target {
	t := &target{name: name, addr: "127.0.0.1:1", rounds: rounds}
	t.total.Elapsed = time.Second
	for range n {
		t.total.Requests++
		t.total.hist.Record(lat)
	}
	return t
}

func TestDeployReportFormat(t *testing.T) {
	run := DeployRun{
		Run: 1, Release: "v2", Version: "v2", DeployStart: at(0), DeployEnd: at(500),
		HealthyAt: at(200), FirstServedAt: at(201), HealthyToFirst: time.Millisecond, PeakRSS: 30 << 20,
		Load: Load{Sent: 1000, Failed: 3, Refused: 1, Reset: 2,
			Steady: Window{Requests: 800, P50: 300 * time.Millisecond, P99: 310 * time.Millisecond},
			Deploy: Window{Requests: 200, Failed: 3, P50: 301 * time.Millisecond, P99: 400 * time.Millisecond}},
		Warning:  "the deploy outlasted the load: raise --duration to measure all of it",
		Recorded: &Recorded{Requests: 190, Failed: 3, P99: 401 * time.Millisecond, SteadyP99: 311 * time.Millisecond, HealthyToFirst: 2 * time.Millisecond, PeakRSS: 29 << 20},
	}
	failed := DeployRun{Run: 2, Release: "v3", Version: "v1", Error: "boom"}
	r := &DeployReport{Rate: 2500, Delay: 300 * time.Millisecond, Duration: 8 * time.Second, Settle: 1500 * time.Millisecond,
		DaemonPid: 42, IdleRSS: 20 << 20, PeakRSS: 30 << 20, Runs: []DeployRun{run, failed}, Total: run.Load, MaxHealthyToFirst: time.Millisecond}
	var b bytes.Buffer
	if err := r.Format(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"2500 req/s of 300ms requests, 8s of load per run with the deploy after 1.5s, 2 runs",
		"pid 42", "RSS 20.0 MB idle", "30.0 MB at its peak",
		"SENT", "FAILED", "REFUSED", "RESET", "5XX", "TIMEOUT",
		"v2 (app v2)", "500ms", "1000", "v3 (app v1)",
		"STEADY P99", "DEPLOY P99", "1.29×", "HEALTHY→FIRST", "1ms", "max 1ms",
		"run 1: the deploy outlasted the load", "run 2: the deploy failed: boom",
		"the daemon's own record", "P99 BEFORE", "401ms", "311ms", "2ms", "29.0 MB",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("got output without %q:\n%s", want, out)
		}
	}
}
