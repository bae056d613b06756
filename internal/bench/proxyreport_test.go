package bench

import (
	"testing"
	"time"
)

func TestResultsRatios(t *testing.T) {
	got := results([]*target{
		fakeTarget(TargetBackend, 1000, 2*time.Millisecond),
		fakeTarget(TargetCutover, 250, 8*time.Millisecond),
	})
	c := got[1]
	if c.RequestsPerSec != 250 || c.RatioPerSec != 0.25 {
		t.Errorf("got %.0f req/s at %.2f× the backend, want 250 at 0.25×", c.RequestsPerSec, c.RatioPerSec)
	}
	if c.RatioP50 < 3.9 || c.RatioP50 > 4.1 || c.RatioP99 < 3.9 || c.RatioP99 > 4.1 {
		t.Errorf("got latency ratios %.2f and %.2f, want about 4", c.RatioP50, c.RatioP99)
	}
}

// TestResults: each target's figures are given as ratios to the first target's, the backend's.
func TestResults(t *testing.T) {
	mk := func(name string, requests int64, latency time.Duration) *target {
		tg := &target{name: name}
		tg.total.Requests, tg.total.Elapsed = requests, time.Second
		for range requests {
			tg.total.hist.Record(latency)
		}
		return tg
	}
	got := results([]*target{mk(TargetBackend, 200, time.Millisecond), mk(TargetCutover, 100, 2*time.Millisecond), mk(TargetObserved, 50, 4*time.Millisecond)})
	tests := []struct {
		name      string
		perSec    float64
		ratioRate float64
		ratioP99  float64
	}{
		{TargetBackend, 200, 1, 1},
		{TargetCutover, 100, 0.5, 2},
		{TargetObserved, 50, 0.25, 4},
	}
	for i, tt := range tests {
		r := got[i]
		if r.Name != tt.name || r.RequestsPerSec != tt.perSec || r.RatioPerSec != tt.ratioRate {
			t.Errorf("%s: got %s at %v req/s (%v× the backend), want %v req/s (%v×)", tt.name, r.Name, r.RequestsPerSec, r.RatioPerSec, tt.perSec, tt.ratioRate)
		}
		// The histogram's buckets round a latency; the ratio of two is near, not exact.
		if r.RatioP99 < tt.ratioP99*0.9 || r.RatioP99 > tt.ratioP99*1.1 {
			t.Errorf("%s: got p99 %v× the backend's, want about %v×", tt.name, r.RatioP99, tt.ratioP99)
		}
	}
}
