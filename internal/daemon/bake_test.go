package daemon_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
)

// bakeLoad is the load the bake tests judge releases by: enough requests for a baseline in the
// steady window before each deploy, bounded in rate and time.
var bakeLoad = loadgen.Options{Concurrency: 32, Rate: bakeRate()}

// bakeRateEnv sets the rate of bakeLoad, in requests per second (default 300), to measure the
// bake's figures at another rate: docs/bake.md gives them at 1,000 with
// CUTOVER_TEST_BAKE_RATE=1000 go test -run TestBakeRollsBackOnErrors -v ./internal/daemon
const bakeRateEnv = "CUTOVER_TEST_BAKE_RATE"

func bakeRate() int {
	if r, err := strconv.Atoi(os.Getenv(bakeRateEnv)); err == nil && r > 0 {
		return r
	}
	return 300
}

// baked deploys app with a bake of window under bakeLoad, started before the deploy for the old
// release's baseline (1 s: about 300 requests, enough to judge failures; latency needs a few busy
// seconds), and returns the deploy's release, error and load.
func baked(t *testing.T, d *daemonProc, app, window string, before time.Duration) (*release.Release, *loadgen.Result, error) {
	t.Helper()
	opts := bakeLoad
	opts.URL = d.url("/")
	stop := startLoad(t, opts)
	time.Sleep(before)
	rel, events, err := d.deploy(deploy.Request{Source: app, Overrides: config.Config{Bake: window}})
	time.Sleep(200 * time.Millisecond)
	res := stop()[0]
	if rel == nil {
		t.Fatalf("deploy %s: no release: %v\n%s", app, err, output(events))
	}
	t.Logf("deploy %s: %v\n%s", rel.ID, err, output(events))
	return rel, res, err
}

// rolledBack fails the test unless rel's bake sent traffic back to live by the judgement, for a
// reason that says want, and live serves alone again; it returns the failed requests users saw.
// With crashed, the new release's failures may be the proxy's 502 for a process that went away.
func rolledBack(t *testing.T, d *daemonProc, rel *release.Release, err error, res *loadgen.Result, live, want string, crashed bool) int64 {
	t.Helper()
	if !errors.Is(err, deploy.ErrRolledBack) && (err == nil || !strings.Contains(err.Error(), "rolled back")) {
		t.Fatalf("deploy %s: error %v, want it rolled back", rel.ID, err)
	}
	if rel.Status != release.RolledBack || rel.Bake == nil || rel.Bake.Outcome != bake.RolledBack || !strings.Contains(rel.Bake.Reason, want) {
		t.Fatalf("deploy %s: status %s, bake %+v; want %q, rolled back because %q", rel.ID, rel.Status, rel.Bake, release.RolledBack, want)
	}
	st, serr := d.client.Status(context.Background())
	if serr != nil || st.Live != live || st.Bake != nil {
		t.Fatalf("after the rollback: live %q, bake %+v (%v); want %s serving", st.Live, st.Bake, serr, live)
	}
	if got := d.body("/"); !strings.Contains(got, live) {
		t.Fatalf("after the rollback, GET / = %q, want %s", got, live)
	}
	if procs := appProcesses(t, d.state); len(procs) != 1 {
		t.Errorf("after the rollback, app processes %v: want %s's web.1 alone", procs, live)
	}
	// Every failure users saw came from the new release, and the last requests all reached the
	// old one: traffic went back and stayed there.
	var failed int64
	for _, s := range res.Samples {
		if s.Class != loadgen.ClassOK {
			failed++
			if s.Version != rel.ID && !(crashed && s.Version == "" && s.Status == 502) {
				t.Errorf("a request failed on %q (%d, %v): only %s may fail", s.Version, s.Status, s.Err, rel.ID)
			}
		}
	}
	tail := res.Samples[len(res.Samples)-min(len(res.Samples), 20):]
	for _, s := range tail {
		if s.Class != loadgen.ClassOK || s.Version != live {
			t.Errorf("a request after the rollback: %s %d %v, want %s answering", s.Version, s.Status, s.Err, live)
		}
	}
	if res.Retries != 0 {
		t.Errorf("%d requests silently re-sent", res.Retries)
	}
	return failed
}

// TestBakeRollsBackOnErrors: a release that answers 500 to one request in five is sent back from
// within its bake, to the old release that stayed booted: the users saw the new release's
// failures only until the judgement, and none after.
func TestBakeRollsBackOnErrors(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	rel, res, err := baked(t, d, sampleApp(t, "v2", "--fail-every 5", ""), "30s", time.Second)
	failed := rolledBack(t, d, rel, err, res, "v1", "failed", false)
	if failed == 0 || rel.Bake.New.Failed == 0 {
		t.Errorf("no request failed on v2 (%d seen by the load, %+v by the judge): was it judged on its answers?", failed, rel.Bake.New)
	}
	t.Logf("v2 (20%% 5xx) rolled back after %s of bake: %d failed requests seen by users of %d; first failure to switch back %s; judged %s",
		rel.Bake.Took, failed, res.Sent, rel.Bake.FailureToSwitch, rel.Bake.New)
}

// TestBakeRollsBackOnLatency: a release five times slower is sent back too.
func TestBakeRollsBackOnLatency(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "--slow 20ms", ""))
	rel, res, err := baked(t, d, sampleApp(t, "v2", "--slow 100ms", ""), "30s", 4*time.Second)
	if failed := rolledBack(t, d, rel, err, res, "v1", "p99 latency", false); failed != 0 {
		t.Errorf("%d requests failed: a slow release fails none", failed)
	}
	t.Logf("v2 (5× slower) rolled back after %s: judged %s against %s", rel.Bake.Took, rel.Bake.New, rel.Bake.Old)
}

// TestBakeRollsBackOnCrash: a release whose process exits during the bake is sent back, although
// it is restarted.
func TestBakeRollsBackOnCrash(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	rel, res, err := baked(t, d, sampleApp(t, "v2", "--crash-after 1s", ""), "30s", time.Second)
	failed := rolledBack(t, d, rel, err, res, "v1", "web.1 exited with status 1", true)
	t.Logf("v2 crashed during its bake: rolled back, %d failed requests seen by users", failed)
}

// TestBakePasses: a healthy release passes its bake with the old one booted beside it all along,
// and only then are the old release stopped and the postdeploy command run; no request fails.
func TestBakePasses(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	v2 := writeApp(t, "web: cutover sample-app --version v2\npostdeploy: echo contract ran\n", "")
	both := make(chan map[int]string, 1)
	go func() {
		waitFor(t, "the bake", func() bool {
			st, err := d.client.Status(context.Background())
			return err == nil && st.Bake != nil
		})
		both <- appProcesses(t, d.state)
	}()
	rel, res, err := baked(t, d, v2, "2s", time.Second)
	if err != nil || rel.Status != release.Live || rel.Bake == nil || rel.Bake.Outcome != bake.Passed || rel.Bake.Reason != "" {
		t.Fatalf("deploy v2: %v, status %s, bake %+v; want it live after a passed bake that judged it", err, rel.Status, rel.Bake)
	}
	if res.Failed != 0 || res.Retries != 0 || res.Sent == 0 {
		t.Errorf("load: %s; want requests, none failed or re-sent", res)
	}
	if procs := <-both; len(procs) != 2 {
		t.Errorf("during the bake, app processes %v: want v1's and v2's", procs)
	}
	var order []string
	for _, s := range rel.Steps {
		order = append(order, s.Name)
	}
	want := "switch, start workers, bake, drain, stop old, post-deploy migrations, postdeploy command"
	if got := strings.Join(order, ", "); !strings.HasSuffix(got, want) {
		t.Errorf("timeline %s, want it to end %s", got, want)
	}
}

// TestPromoteAndRollbackDuringBake: `cutover promote` ends a bake as passed; `cutover rollback`
// during a bake goes back to the release kept booted at once.
func TestPromoteAndRollbackDuringBake(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	during := func(v, cmd string) (*release.Release, string, error) {
		type result struct {
			rel *release.Release
			err error
		}
		done := make(chan result, 1)
		go func() {
			rel, _, err := d.deploy(deploy.Request{Source: sampleApp(t, v, "", ""), Overrides: config.Config{Bake: "5m"}})
			done <- result{rel, err}
		}()
		waitFor(t, v+"'s bake", func() bool {
			st, err := d.client.Status(context.Background())
			return err == nil && st.Bake != nil && st.Bake.Release == v && st.Live == v
		})
		out, err := d.cutover(cmd)
		if err != nil {
			t.Fatalf("cutover %s: %v\n%s", cmd, err, out)
		}
		select {
		case r := <-done:
			return r.rel, out, r.err
		case <-time.After(bound):
			t.Fatalf("the deploy of %s did not end after cutover %s", v, cmd)
		}
		return nil, "", nil
	}

	rel, out, err := during("v2", "promote")
	if err != nil || rel.Bake == nil || rel.Bake.Outcome != bake.Promoted || !strings.Contains(out, "v2 promoted") {
		t.Fatalf("promote: %v, bake %+v, output %q; want v2 promoted", err, rel.Bake, out)
	}
	rel, out, err = during("v3", "rollback")
	if err == nil || rel.Status != release.RolledBack || rel.Bake.Outcome != bake.RolledByHand || !strings.Contains(out, "v2 is live") {
		t.Fatalf("rollback during the bake: %v, status %s, bake %+v, output %q; want v2 live again", err, rel.Status, rel.Bake, out)
	}
	if got := d.body("/"); !strings.Contains(got, "v2") {
		t.Fatalf("after the rollback, GET / = %q, want v2", got)
	}
	if out, err := d.cutover("promote"); err == nil || !strings.Contains(out, "no release is baking") {
		t.Fatalf("promote with nothing baking: %v %q", err, out)
	}
}
