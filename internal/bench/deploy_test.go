package bench_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bench"
)

// TestRunDeploy runs a short deploy bench against a real `cutover serve` and checks only
// correctness: no request failed, every run deployed the version it should, and the figures are
// all there.
func TestRunDeploy(t *testing.T) {
	rep, err := bench.RunDeploy(context.Background(), bench.DeployOptions{
		Exe: cutoverExe(t), Rate: 100, Delay: 20 * time.Millisecond, Runs: 2,
		Duration: 2 * time.Second, Settle: 500 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 2 {
		t.Fatalf("got %d runs, want 2", len(rep.Runs))
	}
	for i, want := range []string{"v2", "v1"} {
		r := rep.Runs[i]
		if r.Version != want || r.Release == "" || r.Error != "" {
			t.Errorf("run %d: got version %q, release %q, error %q; want %s deployed", r.Run, r.Version, r.Release, r.Error, want)
		}
		if r.Failed != 0 || r.Sent == 0 {
			t.Errorf("run %d: got %d of %d requests failed, want some sent and none failed", r.Run, r.Failed, r.Sent)
		}
		if r.Steady.Requests+r.Deploy.Requests != r.Sent {
			t.Errorf("run %d: got %d steady and %d during the deploy, want them to add up to %d", r.Run, r.Steady.Requests, r.Deploy.Requests, r.Sent)
		}
		if r.DeployStart.IsZero() || r.HealthyAt.Before(r.DeployStart) || r.DeployEnd.Before(r.HealthyAt) {
			t.Errorf("run %d: got deploy %v to %v, healthy at %v; want healthy within the deploy", r.Run, r.DeployStart, r.DeployEnd, r.HealthyAt)
		}
		if r.FirstServedAt.IsZero() {
			t.Errorf("run %d: got no request served by %s, want some", r.Run, want)
		}
		// The record's window is whole seconds, so it may hold a few requests from around the deploy.
		if rec := r.Recorded; rec == nil || rec.Requests == 0 || rec.Failed != 0 || rec.PeakRSS <= 0 {
			t.Errorf("run %d: got the daemon's record %+v, want the requests it proxied, none failed, and its peak memory", r.Run, rec)
		}
		if r.PeakRSS <= 0 || len(r.Steps) == 0 {
			t.Errorf("run %d: got peak RSS %d and steps %v, want both", r.Run, r.PeakRSS, r.Steps)
		}
	}
	if rep.Total.Sent != rep.Runs[0].Sent+rep.Runs[1].Sent || rep.Total.Failed != 0 {
		t.Errorf("got total %+v, want the runs added up and no failures", rep.Total)
	}
	if rep.IdleRSS <= 0 || rep.PeakRSS < rep.IdleRSS {
		t.Errorf("got idle RSS %d and peak %d, want a positive idle no larger than the peak", rep.IdleRSS, rep.PeakRSS)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"runs"`, `"total"`, `"sent"`, `"failed"`, `"refused"`, `"reset"`, `"5xx"`, `"timeout"`,
		`"steady"`, `"deploy"`, `"p99_ns"`, `"healthy_to_first_request_ns"`, `"peak_rss_bytes"`, `"idle_rss_bytes"`, `"recorded"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("got JSON without %s: %s", field, b)
		}
	}
}

func TestRunDeployRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name string
		o    bench.DeployOptions
	}{
		{"no binary", bench.DeployOptions{}},
		{"negative rate", bench.DeployOptions{Exe: "cutover", Rate: -1}},
		{"negative delay", bench.DeployOptions{Exe: "cutover", Delay: -time.Second}},
		{"too many runs", bench.DeployOptions{Exe: "cutover", Runs: bench.MaxRuns + 1}},
		{"settle past the load", bench.DeployOptions{Exe: "cutover", Duration: time.Second, Settle: 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if rep, err := bench.RunDeploy(context.Background(), tt.o); err == nil {
				t.Errorf("got %+v, want an error", rep)
			}
		})
	}
}
