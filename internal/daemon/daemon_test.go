package daemon_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestDeployUnderLoad is the point of cutover: a deploy under concurrent load, with slow requests in
// flight at the switch, fails no request; requests in flight at the switch finish on the old release,
// and every request that starts after the switch is answered by the new one.
func TestDeployUnderLoad(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))

	// Held requests are in flight on v1 for certain when the switch happens: the app answers them
	// only once the latch file exists, and the test creates it when the deploy reports the switch.
	const held = 4
	latch := filepath.Join(t.TempDir(), "latch")
	heldVersions := make(chan string, held)
	for range held {
		go func() {
			resp, err := http.Get(d.url("/?hold=" + latch))
			if err != nil {
				heldVersions <- err.Error()
				return
			}
			resp.Body.Close()
			heldVersions <- resp.Status + " " + resp.Header.Get("X-App-Version")
		}()
	}
	waitFor(t, "the held requests to be in flight", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && st.InFlight >= held
	})

	stopLoad := startLoad(t,
		loadgen.Options{URL: d.url("/?delay=300ms"), Concurrency: 8},
		loadgen.Options{URL: d.url("/"), Concurrency: 4, Rate: 200},
		loadgen.Options{URL: d.url("/echo"), Method: "POST", Body: []byte("payload"), Concurrency: 2, Rate: 100})
	time.Sleep(time.Second) // load before the deploy, so slow requests are in flight when it switches
	rel, events, err := d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", "")}, func(e deploy.Event) {
		if e.Step == "switch" && e.Kind == deploy.StepDone {
			os.WriteFile(latch, nil, 0o644)
		}
	})
	if err != nil {
		t.Fatalf("deploy v2: %v", err)
	}
	time.Sleep(500 * time.Millisecond)
	results := stopLoad()
	for range held {
		if got := <-heldVersions; got != "200 OK v1" {
			t.Errorf("request in flight at the switch: got %q, want 200 OK v1 (it must finish on the old release)", got)
		}
	}
	if t.Failed() {
		return
	}
	switchStart := eventTime(t, events, "switch", deploy.StepStart)
	switchDone := eventTime(t, events, "switch", deploy.StepDone)

	var sent, slowInFlight, afterSwitch int
	for i, r := range results {
		// A request the client re-sent on a new connection after the proxy closed a keep-alive
		// one under it would be a failure for a POST: none may be re-sent.
		if r.Retries != 0 {
			t.Errorf("%s: the client silently re-sent %d request(s), want 0", r, r.Retries)
		}
		for _, s := range r.Samples {
			sent++
			if s.Class != loadgen.ClassOK || s.Status != 200 {
				t.Errorf("request started %s failed: status %d, %s %v", s.Start.Format(time.StampMicro), s.Status, s.Class, s.Err)
				continue
			}
			// Only the closed-loop slow load (results[0]) sends each request at its Start; an
			// open-loop sample's Start is when it was due, which a busy worker may miss.
			if i == 0 && s.Start.Before(switchStart) && s.End.After(switchDone) {
				slowInFlight++
				if s.Version != "v1" {
					t.Errorf("slow request in flight at the switch: got %s, want v1", s.Version)
				}
			}
			if s.Start.After(switchDone) {
				afterSwitch++
				if s.Version != "v2" {
					t.Errorf("request started after the switch: got %s, want v2", s.Version)
				}
			}
		}
	}
	t.Logf("sent %d requests: %d held and %d slow ones in flight at the switch, %d after it", sent, held, slowInFlight, afterSwitch)
	if afterSwitch == 0 {
		t.Errorf("no request started after the switch: the load did not cover the deploy")
	}
	if rel.Status != release.Live || rel.Report == nil || rel.Report.Requests == 0 {
		t.Errorf("release record: got status %s, report %+v; want live with figures", rel.Status, rel.Report)
	}
	if rel.Report != nil && rel.Report.Failures.Total() != rel.Report.Failed {
		t.Errorf("release record: got failures %+v, want them to add up to %d failed", rel.Report.Failures, rel.Report.Failed)
	}
	if rel.Report != nil {
		// The points of 100 ms start at the deploy's start; the per-second ones at its second.
		if f := rel.Report.Fine; f == nil || sum(f.Requests) == 0 || sum(f.Requests) > rel.Report.Requests {
			t.Errorf("release record: got points of 100 ms %+v, want the deploy's requests (%d in its seconds)", f, rel.Report.Requests)
		}
	}
	if rel.Steady == nil || rel.Steady.Requests == 0 {
		t.Errorf("release record: got steady figures %+v, want the load before the deploy", rel.Steady)
	}
	// The step's done event comes a moment after the end the record keeps, so allow for it.
	if healthy := eventTime(t, events, deploy.StepHealthy, deploy.StepDone); rel.HealthyToFirst <= 0 || healthy.Add(rel.HealthyToFirst).Before(switchStart.Add(-time.Millisecond)) {
		t.Errorf("release record: got healthy → first request %v, want the first request after the health check and the switch (%v after it)", rel.HealthyToFirst, switchStart.Sub(healthy))
	}
	if rel.PeakRSS <= 0 {
		t.Errorf("release record: got peak RSS %d, want the daemon's", rel.PeakRSS)
	}
	for pid, r := range appProcesses(t, state) {
		if r != "v2" {
			t.Errorf("pid %d of %s still runs after the deploy", pid, r)
		}
	}
}

// TestFailedDeploysKeepTheOldRelease: each way a deploy can fail stops before the switch, says why,
// and leaves the old release serving.
func TestFailedDeploysKeepTheOldRelease(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	quick := "boot_timeout = \"2s\"\n"
	tests := []struct {
		name      string
		app       string
		want      []string
		noRelease bool
	}{
		{"release command fails",
			writeApp(t, "web: cutover sample-app --version bad\nrelease: echo migrating; echo 'relation missing' >&2; exit 3\n", ""),
			[]string{"release phase", "release command failed", "status 3", "relation missing"}, false},
		{"release command times out",
			writeApp(t, "web: cutover sample-app --version bad\nrelease: echo waiting for a lock; sleep 30\n", "release_timeout = \"1s\"\n"),
			[]string{"release phase", "timed out after 1s", "waiting for a lock"}, false},
		{"app crashes at boot", sampleApp(t, "bad", "--crash-at-boot", quick),
			[]string{"wait healthy", "web.1 crashed while booting", "status 1", "last output of web.1"}, false},
		{"never healthy", sampleApp(t, "bad", "--never-healthy", quick),
			[]string{"not healthy within the boot timeout (2s)", "never passed (last: 503"}, false},
		{"health flaps", sampleApp(t, "bad", "--flap-health", quick),
			[]string{"is flapping"}, false},
		{"malformed Procfile", writeApp(t, "web cutover sample-app\n", ""),
			[]string{"Procfile line 1", "expected `name: command`"}, true},
		{"no web process", writeApp(t, "worker: sleep 100\n", ""),
			[]string{"no web process"}, true},
		{"bad cutover.toml", sampleApp(t, "bad", "", "boot_timeout = \"soon\"\n"),
			[]string{"cutover.toml", "not a duration"}, true},
		{"missing app dir", filepath.Join(t.TempDir(), "nope"),
			[]string{"no Procfile"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := d.client.Releases(context.Background())
			if err != nil {
				t.Fatalf("releases before the deploy: %v", err)
			}
			rel, _, err := d.deploy(deploy.Request{Source: tt.app})
			if err == nil {
				t.Fatalf("deploy succeeded, want it to fail")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q: want it to contain %q", err, w)
				}
			}
			if got := d.version(); got != "v1" {
				t.Errorf("after the failed deploy: got %s serving, want v1", got)
			}
			after, err := d.client.Releases(context.Background())
			if err != nil {
				t.Fatalf("releases after the deploy: %v", err)
			}
			switch {
			case tt.noRelease && len(after) != len(before):
				t.Errorf("got %d releases, want %d: a refused app must leave no release", len(after), len(before))
			case !tt.noRelease && (rel == nil || rel.Status != release.Failed):
				t.Errorf("release record: got %+v, want status failed", rel)
			}
			for pid, r := range appProcesses(t, state) {
				if r != "v1" {
					t.Errorf("pid %d of %s still runs after the failed deploy", pid, r)
				}
			}
		})
	}
}

// TestOldReleaseIgnoringSIGTERMIsKilled: an old app that ignores SIGTERM is killed after the stop
// timeout, and the deploy says so.
func TestOldReleaseIgnoringSIGTERMIsKilled(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "--ignore-sigterm", "stop_timeout = \"1s\"\n"))
	rel, events, err := d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", "")})
	if err != nil {
		t.Fatalf("deploy v2: %v", err)
	}
	var warned bool
	for _, e := range events {
		if e.Kind == deploy.Warn && strings.Contains(e.Message, "killed") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning that v1 was killed in %+v", events)
	}
	if rel.Status != release.Live || d.version() != "v2" {
		t.Errorf("got %s, want v2 live", rel.Status)
	}
	for pid, r := range appProcesses(t, state) {
		if r == "v1" {
			t.Errorf("v1 (pid %d) survived SIGKILL", pid)
		}
	}
}

// TestSecondDeployIsRefused: only one deploy runs at a time.
func TestSecondDeployIsRefused(t *testing.T) {
	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	slow := sampleApp(t, "v2", "--boot-delay 2s", "")
	done := make(chan error, 1)
	go func() {
		_, _, err := d.deploy(deploy.Request{Source: slow})
		done <- err
	}()
	waitFor(t, "the first deploy to start", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && st.Deploying != ""
	})
	_, _, err := d.deploy(deploy.Request{Source: sampleApp(t, "v3", "", "")})
	if err == nil || !strings.Contains(err.Error(), "another deploy is running") || !strings.Contains(err.Error(), "wait for it") {
		t.Errorf("second deploy: got %v, want a refusal that says another deploy is running", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("first deploy: %v", err)
	}
	if got := d.version(); got != "v2" {
		t.Errorf("got %s, want v2", got)
	}
}

// TestDaemonKilledMidDeploy: SIGKILL to the daemon during a deploy leaves no app process behind, and
// a restarted daemon serves the release that last completed a switch.
func TestDaemonKilledMidDeploy(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	go d.deploy(deploy.Request{Source: sampleApp(t, "v2", "--boot-delay 30s", "")})
	waitFor(t, "v2 to boot", func() bool {
		for _, r := range appProcesses(t, state) {
			if r == "v2" {
				return true
			}
		}
		return false
	})
	d.cmd.Process.Signal(syscall.SIGKILL)
	d.cmd.Wait()
	waitFor(t, "no app process to be left", func() bool { return len(appProcesses(t, state)) == 0 })

	d2 := startDaemon(t, state, d.addr)
	if got := d2.version(); got != "v1" {
		t.Errorf("after the restart: got %s, want v1 (the last release that completed a switch)", got)
	}
	procs := appProcesses(t, state)
	if len(procs) != 1 {
		t.Errorf("got app processes %v, want exactly one web process of v1", procs)
	}
	v2, err := d2.client.Release(context.Background(), "v2")
	if err != nil || v2.Status != release.Interrupted {
		t.Errorf("v2: got %+v, %v; want status interrupted", v2, err)
	}
}

// TestRollback boots an earlier release again with the same preboot, without its release phase.
func TestRollback(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	marker := filepath.Join(t.TempDir(), "released")
	v1 := writeApp(t, "web: cutover sample-app --version v1\nrelease: echo x >> "+marker+"\n", "")
	d.mustDeploy(v1)
	d.mustDeploy(sampleApp(t, "v2", "", ""))
	rel, _, err := d.deploy(deploy.Request{Rollback: "previous"})
	if err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if rel.ID != "v3" || rel.RollbackOf != "v1" || d.version() != "v1" {
		t.Errorf("got %s (rollback of %s) serving %s, want v3 rolling back to v1", rel.ID, rel.RollbackOf, d.version())
	}
	if b, _ := os.ReadFile(marker); string(b) != "x\n" {
		t.Errorf("release phase ran %q, want once (not on rollback)", b)
	}
	for _, bad := range []struct{ id, want string }{{"v3", "already live"}, {"v9", "no such release"}} {
		if _, _, err := d.deploy(deploy.Request{Rollback: bad.id}); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("rollback %s: got %v, want %q", bad.id, err, bad.want)
		}
	}
}

// TestCrashedProcessIsRestarted: a web process of the live release that dies is started again (with
// backoff) on its port, and serves again.
func TestCrashedProcessIsRestarted(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	st, err := d.client.Status(context.Background())
	if err != nil || len(st.Processes) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	old := st.Processes[0].Pid
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "web.1 to be restarted and healthy", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && len(st.Processes) == 1 && st.Processes[0].Pid != old && st.Processes[0].Health == "healthy"
	})
	if got := d.version(); got != "v1" {
		t.Errorf("after the restart: got %s, want v1", got)
	}
	var lines []string
	d.client.Logs(context.Background(), 100, "web", false, func(l applog.Line) { lines = append(lines, l.Text) })
	if len(lines) < 2 {
		t.Errorf("logs of web: got %q, want the output of both runs", lines)
	}
}

func sum(ns []int64) (total int64) {
	for _, n := range ns {
		total += n
	}
	return total
}
