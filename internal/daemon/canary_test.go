package daemon_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
)

// canaried deploys app with a canary of share for window (no bake after it) under bakeLoad,
// started a second before the deploy, and returns the deploy's release, error and load. The load's
// clients keep no cookie: each request is a new client, drawn by the share.
func canaried(t *testing.T, d *daemonProc, app, share, window string) (*release.Release, *loadgen.Result, error) {
	t.Helper()
	opts := bakeLoad
	opts.URL = d.url("/")
	stop := startLoad(t, opts)
	time.Sleep(time.Second)
	var over config.Config
	if err := over.CanaryFor.UnmarshalText([]byte(window)); err != nil {
		t.Fatal(err)
	}
	over.Canary, over.Bake = share, "off"
	rel, events, err := d.deploy(deploy.Request{Source: app, Overrides: over})
	time.Sleep(200 * time.Millisecond)
	res := stop()[0]
	if rel == nil {
		t.Fatalf("deploy %s: no release: %v\n%s", app, err, output(events))
	}
	t.Logf("deploy %s: %v\n%s", rel.ID, err, output(events))
	return rel, res, err
}

// TestCanaryPromoted: a healthy v2 at 10% gets 10% ± 2% of the new clients beside v1 (the draw is
// even, not random), is judged and promoted at the end of its canary, and no request fails. The
// window is long enough for 10% of bakeLoad to reach the judgement's minimum of requests.
func TestCanaryPromoted(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	rel, res, err := canaried(t, d, sampleApp(t, "v2", "", ""), "10%", "8s")
	if err != nil || rel.Status != release.Live || rel.Bake == nil || rel.Bake.Outcome != bake.Passed || rel.Bake.Canary != 0.1 || rel.Bake.Reason != "" {
		t.Fatalf("deploy v2: %v, status %s, canary %+v; want it live after a judged and passed canary at 10%%", err, rel.Status, rel.Bake)
	}
	if res.Failed != 0 || res.Retries != 0 || res.Sent == 0 {
		t.Errorf("load: %s; want requests, none failed or re-sent", res)
	}
	n, o := float64(rel.Bake.New.Requests), float64(rel.Bake.Old.Requests)
	share := n / (n + o)
	if math.Abs(share-0.1) > 0.02 {
		t.Errorf("share of the canary's clients %.3f (%v beside %v), want 0.10 ± 0.02", share, rel.Bake.New, rel.Bake.Old)
	}
	if got := d.body("/"); !strings.Contains(got, "v2") {
		t.Errorf("after the promotion GET / = %q, want v2", got)
	}
	if procs := appProcesses(t, d.state); len(procs) != 1 {
		t.Errorf("after the promotion, app processes %v: want v2's web.1 alone", procs)
	}
	t.Logf("v2 canary at 10%%: %.1f%% of %d requests during it; %s beside %s; load %s", share*100, int(n+o), rel.Bake.New, rel.Bake.Old, res)
}

// TestCanaryRollsBackOnErrors: a v2 that answers 500 to one request in five is sent back during
// its canary; v1 serves on throughout, and the users saw v2's failures only until the judgement.
func TestCanaryRollsBackOnErrors(t *testing.T) {
	d := startDaemon(t, t.TempDir(), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	rel, res, err := canaried(t, d, sampleApp(t, "v2", "--fail-every 5", ""), "20%", "30s")
	failed := rolledBack(t, d, rel, err, res, "v1", "failed", false)
	if failed == 0 || rel.Bake.New.Failed == 0 {
		t.Errorf("no request failed on v2 (%d seen by the load, %+v by the judge): was it judged on its answers?", failed, rel.Bake.New)
	}
	t.Logf("v2 (20%% 5xx) at a 20%% canary rolled back after %s: %d failed requests seen by users of %d; first failure to switch back %s; judged %s beside %s",
		rel.Bake.Took, failed, res.Sent, rel.Bake.FailureToSwitch, rel.Bake.New, rel.Bake.Old)
}
