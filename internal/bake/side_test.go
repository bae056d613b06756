package bake

import (
	"strings"
	"testing"
	"time"
)

// TestSideBySide: a side-by-side Judge compares the new release with the old one's requests over
// the same time, not with a fixed baseline; a third release's requests count for neither.
func TestSideBySide(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name                   string
		newN, newFailed        int
		oldN, oldFailed        int
		newLatency, oldLatency time.Duration
		regressed              string // a word of the reason, "" for none
	}{
		{name: "both healthy", newN: 300, oldN: 1200, newLatency: 10 * ms, oldLatency: 10 * ms},
		{name: "20% 5xx", newN: 300, newFailed: 60, oldN: 1200, newLatency: 10 * ms, oldLatency: 10 * ms, regressed: "20.0% of 300"},
		{name: "old fails as much", newN: 300, newFailed: 30, oldN: 1200, oldFailed: 120, newLatency: 10 * ms, oldLatency: 10 * ms},
		{name: "p99 5x the old one's now", newN: 300, oldN: 1200, newLatency: 50 * ms, oldLatency: 10 * ms, regressed: "p99 latency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := NewSideBySide("v2", "v1", Thresholds{})
			feed(j, "v2", tt.newN, tt.newFailed, 5, tt.newLatency)
			feed(j, "v1", tt.oldN, tt.oldFailed, 5, tt.oldLatency)
			feed(j, "v0", 1000, 1000, 5, time.Hour)
			v := j.Verdict()
			if v.Old.Requests != int64(tt.oldN) || v.Old.Failed != int64(tt.oldFailed) {
				t.Fatalf("old figures %v, want %d requests, %d failed", v.Old, tt.oldN, tt.oldFailed)
			}
			if !v.Judged || v.Regressed != (tt.regressed != "") {
				t.Fatalf("judged %v regressed %v (%q), want judged, regressed %v", v.Judged, v.Regressed, v.Reason, tt.regressed != "")
			}
			if !strings.Contains(v.Reason, tt.regressed) {
				t.Errorf("reason %q, want it to say %q", v.Reason, tt.regressed)
			}
		})
	}
}
