package bench

import (
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

func TestSetDeploy(t *testing.T) {
	events := []deploy.Event{
		{Time: at(100), Step: "prepare", Kind: deploy.StepStart},
		{Time: at(101), Step: "prepare", Kind: deploy.StepDone, Duration: time.Millisecond},
		{Time: at(150), Step: deploy.StepHealthy, Kind: deploy.StepStart},
		{Time: at(300), Step: deploy.StepHealthy, Kind: deploy.StepDone, Duration: 150 * time.Millisecond},
		{Time: at(310), Step: "switch", Kind: deploy.StepDone},
		{Time: at(900), Step: "stop old", Kind: deploy.StepFail, Message: "slow"},
	}
	var r DeployRun
	r.setDeploy(events)
	if !r.DeployStart.Equal(at(100)) || !r.DeployEnd.Equal(at(900)) {
		t.Errorf("got window %v to %v, want %v to %v", r.DeployStart, r.DeployEnd, at(100), at(900))
	}
	if got, want := r.DeployDuration(), 800*time.Millisecond; got != want {
		t.Errorf("got deploy duration %v, want %v", got, want)
	}
	if !r.HealthyAt.Equal(at(300)) {
		t.Errorf("got healthy at %v, want %v", r.HealthyAt, at(300))
	}
	want := []Step{{"prepare", time.Millisecond, false}, {deploy.StepHealthy, 150 * time.Millisecond, false}, {"switch", 0, false}, {"stop old", 0, true}}
	if len(r.Steps) != len(want) {
		t.Fatalf("got steps %+v, want %+v", r.Steps, want)
	}
	for i := range want {
		if r.Steps[i] != want[i] {
			t.Errorf("step %d: got %+v, want %+v", i, r.Steps[i], want[i])
		}
	}
}

func TestSetFirstServed(t *testing.T) {
	const delay = 100 * time.Millisecond
	tests := []struct {
		name    string
		samples []loadgen.Sample
		want    time.Duration // from healthy; -1 when nothing was served
	}{
		{"earliest answer less the delay", []loadgen.Sample{
			{Start: at(200), End: at(300), Version: "v1"},
			{Start: at(290), End: at(420), Version: "v2"}, // sent late, answered late
			{Start: at(300), End: at(405), Version: "v2"},
			{Start: at(310), End: at(400), Version: "v2", Class: loadgen.ClassServerError},
		}, 5 * time.Millisecond},
		{"never served", []loadgen.Sample{{Start: at(200), End: at(300), Version: "v1"}}, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := DeployRun{Version: "v2", HealthyAt: at(300)}
			r.setFirstServed(tt.samples, delay)
			if tt.want < 0 {
				if !r.FirstServedAt.IsZero() || r.HealthyToFirst != 0 {
					t.Errorf("got first served at %v (%v after healthy), want none", r.FirstServedAt, r.HealthyToFirst)
				}
				return
			}
			if r.HealthyToFirst != tt.want {
				t.Errorf("got %v from healthy to first served, want %v", r.HealthyToFirst, tt.want)
			}
		})
	}
}

func TestTally(t *testing.T) {
	res := &loadgen.Result{
		Sent: 5, OK: 3, Failed: 2, Retries: 1, Unsent: 4,
		ByClass: map[loadgen.Class]int64{loadgen.ClassRefused: 1, loadgen.ClassTimeout: 1},
		Samples: []loadgen.Sample{
			{Start: at(0), End: at(10)},
			{Start: at(100), End: at(150)},                              // first in the window
			{Start: at(150), End: at(160), Class: loadgen.ClassRefused}, // in it
			{Start: at(200), End: at(220), Class: loadgen.ClassTimeout}, // its end is outside
			{Start: at(300), End: at(310)},
		},
	}
	one := newTally(res, at(100), at(200))
	l := one.load()
	if l.Sent != 5 || l.Failed != 2 || l.Refused != 1 || l.Timeout != 1 || l.Retries != 1 || l.Unsent != 4 {
		t.Errorf("got %+v, want the result's counts", l)
	}
	if l.Deploy.Requests != 2 || l.Deploy.Failed != 1 || l.Steady.Requests != 3 || l.Steady.Failed != 1 {
		t.Errorf("got deploy window %+v and steady %+v, want 2 (1 failed) and 3 (1 failed)", l.Deploy, l.Steady)
	}
	if l.Deploy.Max != 50*time.Millisecond || l.Steady.Max != 20*time.Millisecond {
		t.Errorf("got max %v in the window and %v steady, want 50ms and 20ms", l.Deploy.Max, l.Steady.Max)
	}

	var total tally
	total.merge(one)
	total.merge(one)
	lt := total.load()
	if lt.Sent != 10 || lt.Failed != 4 || lt.Refused != 2 || lt.Deploy.Requests != 4 || lt.Steady.Requests != 6 {
		t.Errorf("got %+v after adding the run twice, want every count doubled", lt)
	}
	if lt.Deploy.P99 != l.Deploy.P99 {
		t.Errorf("got p99 %v after adding the run twice, want the same %v", lt.Deploy.P99, l.Deploy.P99)
	}
}
