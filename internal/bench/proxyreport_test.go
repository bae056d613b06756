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
