package bench_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bench"
)

// smokeProxy is a proxy bench short enough for CI: the figures mean nothing, only that every
// target was driven without errors.
func smokeProxy(t *testing.T) bench.ProxyOptions {
	return bench.ProxyOptions{
		Exe: cutoverExe(t), Duration: 600 * time.Millisecond, Rounds: 2, Connections: 4, Warmup: 100 * time.Millisecond,
	}
}

// TestRunProxyMissingComparators checks that comparators that cannot be found are reported as
// missing, not fatal, and that the backend and cutover's proxy are measured without errors.
func TestRunProxyMissingComparators(t *testing.T) {
	o := smokeProxy(t)
	o.Compare = []string{bench.Nginx, bench.HAProxy, "gone=http://127.0.0.1:" + closedPort(t) + "/"}
	o.LookPath = func(name string) (string, error) { return "", errors.New("not on this machine") }
	rep, err := bench.RunProxy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkTargets(t, rep, bench.TargetBackend, bench.TargetCutover)
	var missing []string
	for _, m := range rep.Missing {
		missing = append(missing, m.Name)
		if m.Reason == "" {
			t.Errorf("got no reason for missing %s, want one", m.Name)
		}
	}
	if got, want := strings.Join(missing, ","), "nginx,haproxy,gone"; got != want {
		t.Errorf("got missing %s, want %s", got, want)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"targets"`, `"missing"`, `"requests_per_sec"`, `"p50_ns"`, `"p99_ns"`, `"ratio_requests_per_sec"`, `"ratio_p99"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("got JSON without %s: %s", field, b)
		}
	}
}

// TestRunProxyComparators measures nginx and HAProxy where they are installed: a comparator whose
// binary the bench finds (or that this run requires, as scripts/test does) must be measured, so a
// broken generated config fails here instead of leaving a comparison that measured nothing. One
// that is not installed may only be reported missing.
func TestRunProxyComparators(t *testing.T) {
	o := smokeProxy(t)
	o.Compare = []string{bench.Nginx, bench.HAProxy}
	rep, err := bench.RunProxy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkTargets(t, rep, bench.TargetBackend, bench.TargetCutover)
	for _, name := range o.Compare {
		found := rep.Target(name) != nil
		for _, m := range rep.Missing {
			if m.Name != name {
				continue
			}
			found = true
			if _, err := bench.LookTool(name); err == nil || requireComparators() {
				t.Errorf("%s is installed or required but was not measured: %s", name, m.Reason)
			} else {
				t.Logf("%s not measured: %s", name, m.Reason)
			}
		}
		if !found {
			t.Errorf("got %s neither measured nor missing, want one of the two", name)
		}
	}
	checkTargets(t, rep, bench.Nginx, bench.HAProxy)
}

// TestRunProxyTLS is the CI smoke test of "bench proxy --tls" and "--http2": every TLS target
// (cutover, and nginx and HAProxy where installed or required) is driven over TLS without a failed
// request, with handshakes per second beside its requests per second; the backend stays plain.
func TestRunProxyTLS(t *testing.T) {
	for _, tc := range []struct {
		name  string
		http2 bool
	}{{"tls", false}, {"http2", true}} {
		t.Run(tc.name, func(t *testing.T) {
			o := smokeProxy(t)
			o.TLS, o.HTTP2 = true, tc.http2
			o.Compare = []string{bench.Nginx, bench.HAProxy}
			rep, err := bench.RunProxy(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			want := "HTTP/1.1 over TLS 1.3"
			if tc.http2 {
				want = "HTTP/2 over TLS 1.3"
			}
			if !strings.Contains(rep.TLS, want) {
				t.Errorf("got report TLS %q, want it to say %q", rep.TLS, want)
			}
			checkTargets(t, rep, bench.TargetBackend, bench.TargetCutover, bench.Nginx, bench.HAProxy)
			for _, m := range rep.Missing {
				if _, err := bench.LookTool(m.Name); err == nil || requireComparators() {
					t.Errorf("%s is installed or required but was not measured: %s", m.Name, m.Reason)
				}
			}
			for _, r := range rep.Targets {
				switch {
				case r.Name == bench.TargetBackend && (r.TLS || r.HandshakesPerSec != 0):
					t.Errorf("backend: got TLS %v and %.0f handshakes/s, want plain HTTP", r.TLS, r.HandshakesPerSec)
				case r.Name != bench.TargetBackend && (!r.TLS || r.HandshakesPerSec <= 0 || r.HandshakeErrors != 0):
					t.Errorf("%s: got TLS %v, %.0f handshakes/s, %d handshake errors (%s); want TLS, handshakes and no errors",
						r.Name, r.TLS, r.HandshakesPerSec, r.HandshakeErrors, r.FirstError)
				}
			}
			var b strings.Builder
			if err := rep.Format(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), "HS/S") {
				t.Errorf("got a table without the HS/S column:\n%s", b.String())
			}
		})
	}
}

// TestRunProxyObserved is the smoke test of "bench proxy --observed": cutover's proxy is measured
// a second time with the metrics and the dashboard on, every tab connected to its status stream,
// and the table compares the two.
func TestRunProxyObserved(t *testing.T) {
	const tabs = 3
	o := smokeProxy(t)
	o.Observed, o.Tabs = true, tabs
	rep, err := bench.RunProxy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkTargets(t, rep, bench.TargetBackend, bench.TargetCutover, bench.TargetObserved)
	if rep.Target(bench.TargetObserved) == nil {
		t.Fatalf("got targets %+v, want %s among them", rep.Targets, bench.TargetObserved)
	}
	obs := rep.Observed
	if obs == nil || obs.Tabs != tabs || obs.Connected != tabs || obs.Events < tabs {
		t.Fatalf("got tabs %+v, want %d tabs connected, each with an event read", obs, tabs)
	}
	var b strings.Builder
	if err := rep.Format(&b); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{bench.TargetObserved + " ", "cutover with metrics and the dashboard vs without:", "3 of 3 dashboard tabs connected"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("got a table without %q:\n%s", want, b.String())
		}
	}
}

// TestRunProxyApps is the smoke test of "bench proxy --apps": cutover is measured as one app and
// routing among the apps, both answering every request (a request its routing table had no app
// for would be a 404, an error), with the table comparing the two.
func TestRunProxyApps(t *testing.T) {
	o := smokeProxy(t)
	o.Apps = 3
	rep, err := bench.RunProxy(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	apps := bench.CutoverApps(3)
	checkTargets(t, rep, bench.TargetBackend, bench.TargetCutover, apps)
	if r := rep.Target(apps); r == nil || r.Apps != 3 {
		t.Errorf("got %+v for %s, want its figures with 3 apps", r, apps)
	}
	if rep.Apps != 3 {
		t.Errorf("got report apps %d, want 3", rep.Apps)
	}
	var b strings.Builder
	if err := rep.Format(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "cutover routing among 3 apps vs 1 app") {
		t.Errorf("got a table without the apps comparison:\n%s", b.String())
	}
}

func TestRunProxyRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    bench.ProxyOptions
	}{
		{"no binary", bench.ProxyOptions{}},
		{"negative duration", bench.ProxyOptions{Exe: "cutover", Duration: -time.Second}},
		{"too many connections", bench.ProxyOptions{Exe: "cutover", Connections: bench.MaxConnections + 1}},
		{"too many rounds", bench.ProxyOptions{Exe: "cutover", Rounds: bench.MaxRounds + 1}},
		{"bad port", bench.ProxyOptions{Exe: "cutover", BackendPort: 70000}},
		{"too many tabs", bench.ProxyOptions{Exe: "cutover", Observed: true, Tabs: bench.MaxTabs + 1}},
		{"remote comparator", bench.ProxyOptions{Exe: "cutover", Compare: []string{"http://192.0.2.1/"}}},
		{"https comparator without TLS", bench.ProxyOptions{Exe: "cutover", Compare: []string{"https://127.0.0.1:8443/"}}},
		{"too many apps", bench.ProxyOptions{Exe: "cutover", Apps: bench.MaxApps + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rep, err := bench.RunProxy(context.Background(), tt.o); err == nil {
				t.Errorf("got %+v, want an error", rep)
			}
		})
	}
}

// requireComparators says whether this run must measure every comparator: CI=true, or
// CUTOVER_REQUIRE_COMPARATORS=1, which scripts/test sets after installing nginx and HAProxy.
func requireComparators() bool {
	return os.Getenv("CI") == "true" || os.Getenv("CUTOVER_REQUIRE_COMPARATORS") == "1"
}

// checkTargets checks that each named target that was measured answered requests without errors.
func checkTargets(t *testing.T, rep *bench.ProxyReport, names ...string) {
	t.Helper()
	for _, name := range names {
		r := rep.Target(name)
		switch {
		case r == nil && (name == bench.TargetBackend || name == bench.TargetCutover):
			t.Errorf("got no figures for %s, want them", name)
		case r == nil:
		case r.Requests == 0 || r.Errors != 0:
			t.Errorf("%s: got %d requests and %d errors (%s), want requests and no errors", name, r.Requests, r.Errors, r.FirstError)
		case len(r.RoundsPerSec) != rep.Rounds:
			t.Errorf("%s: got %d rounds, want %d", name, len(r.RoundsPerSec), rep.Rounds)
		}
	}
}

// closedPort returns a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
