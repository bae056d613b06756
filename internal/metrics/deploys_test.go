package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

func TestDeployOutcome(t *testing.T) {
	failed := errors.New("health check failed")
	tests := []struct {
		name string
		rel  *release.Release
		err  error
		want string
	}{
		{"switched", &release.Release{Status: release.Live}, nil, OutcomeLive},
		{"switched, then the drain cut requests", &release.Release{Status: release.Live}, errors.New("drain: cut 2"), OutcomeLiveWithErrors},
		{"failed before the switch", &release.Release{Status: release.Failed}, failed, OutcomeFailed},
		{"aborted", &release.Release{Status: release.Failed}, fmt.Errorf("boot: %w", deploy.ErrAborted), OutcomeAborted},
		{"the daemon stopped", &release.Release{Status: release.Interrupted}, context.Canceled, OutcomeInterrupted},
		{"its bake sent traffic back", &release.Release{Status: release.RolledBack}, deploy.ErrRolledBack, OutcomeRolledBack},
		{"stopped before it made a release", nil, context.Canceled, OutcomeInterrupted},
		{"refused before it made a release", nil, failed, OutcomeFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DeployOutcome(tt.rel, tt.err); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestDeployed(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	rel := &release.Release{ID: "v3", Created: t0, Status: release.Live, Steps: []release.Step{
		{Name: "prepare", Start: t0, Duration: 500 * time.Millisecond},
		{Name: "boot", Start: t0.Add(time.Second), Duration: 2 * time.Second},
		{Name: "switch", Start: t0.Add(3 * time.Second), Duration: time.Millisecond},
	}}
	rollback := &release.Release{ID: "v4", RollbackOf: "v2", Created: t0, Status: release.Failed}
	r := New(Options{})
	a := r.App("blog")
	a.Deployed(rel, nil)
	a.Deployed(rollback, errors.New("boot failed"))
	a.Deployed(nil, errors.New("no Procfile"))

	for _, c := range []struct {
		kind, outcome string
		want          float64
	}{
		{"deploy", OutcomeLive, 1},
		{"rollback", OutcomeFailed, 1},
		{"deploy", OutcomeFailed, 1},
	} {
		if got := testutil.ToFloat64(r.deploys.WithLabelValues("blog", c.kind, c.outcome)); got != c.want {
			t.Errorf("deploys{kind=%s, outcome=%s}: got %v, want %v", c.kind, c.outcome, got, c.want)
		}
	}
	const want = `
# HELP cutover_deploy_duration_seconds Duration of deploys that ended, from their start to the end of their last step, by app and outcome.
# TYPE cutover_deploy_duration_seconds histogram
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="0.05"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="0.1"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="0.25"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="0.5"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="1"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="2.5"} 0
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="5"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="10"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="30"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="60"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="120"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="300"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="600"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="1800"} 1
cutover_deploy_duration_seconds_bucket{app="blog",outcome="live",le="+Inf"} 1
cutover_deploy_duration_seconds_sum{app="blog",outcome="live"} 3.001
cutover_deploy_duration_seconds_count{app="blog",outcome="live"} 1
`
	if err := testutil.CollectAndCompare(r.deployTime, stringsReader(want)); err != nil {
		t.Error(err)
	}
	if got := testutil.CollectAndCount(r.stepTime); got != 3 {
		t.Errorf("step series: got %d, want 3 (prepare, boot, switch)", got)
	}
}

func TestDeployEnd(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		rel  *release.Release
		want time.Time
	}{
		{"no steps", &release.Release{Created: t0}, t0},
		{"steps", &release.Release{Created: t0, Steps: []release.Step{
			{Start: t0, Duration: time.Second}, {Start: t0.Add(time.Second), Duration: 4 * time.Second},
		}}, t0.Add(5 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DeployEnd(tt.rel); !got.Equal(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDeployedRetires retires the series of the releases a deploy replaced, without a scrape.
func TestDeployedRetires(t *testing.T) {
	r := New(Options{RetireAfter: time.Nanosecond})
	a := r.App("blog")
	a.Observe(proxy.Result{Release: "v1", Status: 200})
	a.Deployed(&release.Release{ID: "v2", Status: release.Live}, nil) // v1 stopped serving
	a.Observe(proxy.Result{Release: "v2", Status: 200})
	// v3 fails: v2 serves on
	a.Deployed(&release.Release{ID: "v3", Status: release.Failed}, errors.New("boot failed"))
	time.Sleep(time.Millisecond) // past RetireAfter, which is a nanosecond
	a.Deployed(&release.Release{ID: "v4", Status: release.Live}, nil)
	if got := testutil.CollectAndCount(r.requests); got != 1*len(classes) {
		t.Errorf("request series: got %d, want %d (v2's only: it stopped serving just now)", got, len(classes))
	}
}
