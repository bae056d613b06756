package apps

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// TestSocketHealth: in socket mode, what the boot check saw is said beside what $PORT answers now.
func TestSocketHealth(t *testing.T) {
	for _, tc := range []struct{ probed, ready, want string }{
		{noAnswer, "", "socket mode: cutover is not on the request path; it may serve the shared socket only"},
		{noAnswer, "ready: said READY=1", "ready: said READY=1; no answer on $PORT now"},
		{"unhealthy: 503 Service Unavailable", "ready", "ready; $PORT now: 503 Service Unavailable"},
	} {
		if got := socketHealth(tc.probed, tc.ready); !strings.Contains(got, tc.want) {
			t.Errorf("socketHealth(%q, %q) = %q, want it to contain %q", tc.probed, tc.ready, got, tc.want)
		}
	}
}

// TestStatusOfNewApp: a new app says its name and that nothing is live.
func TestStatusOfNewApp(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	st := a.Status(context.Background())
	if st.App != "blog" || st.Live != "" || len(st.Processes) != 0 || st.Daemon.Isolation == "" {
		t.Fatalf("status: %+v", st)
	}
}

// TestDeployFigures: the figures of a deploy under way count from the start of its first step.
func TestDeployFigures(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rec := report.NewRecorder(time.Hour)
	rec.Observe(start.Add(-2*time.Second), time.Millisecond, report.OK) // before the deploy: not counted
	for i := range 3 {
		rec.Observe(start.Add(time.Duration(i)*time.Second), 2*time.Millisecond, report.OK)
	}
	rec.Observe(start.Add(2*time.Second), 3*time.Millisecond, report.AppError)
	steps := []release.Step{{Name: "prepare", Start: start, Duration: time.Second}, {Name: "boot", Start: start.Add(time.Second)}}
	now := start.Add(3 * time.Second)
	tests := []struct {
		name         string
		steps        []release.Step
		want, failed int64
	}{
		{"no deploy", nil, -1, 0},
		{"under way", steps, 4, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := deployFigures(rec, tt.steps, now)
			if tt.want < 0 {
				if f != nil {
					t.Fatalf("got %+v, want none", f)
				}
				return
			}
			if f == nil || f.Requests != tt.want || f.Failed != tt.failed || f.P50 <= 0 || !f.Since.Equal(start) {
				t.Fatalf("got %+v, want %d requests, %d failed, since %v", f, tt.want, tt.failed, start)
			}
		})
	}
}
