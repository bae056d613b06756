package dashboard

import (
	"testing"
	"time"
)

func TestPoint(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	bounds := []float64{0.001, 0.01, 0.1}
	tests := []struct {
		name      string
		prev, cur totals
		wantReq   int64
		wantFail  int64
		wantP50   time.Duration
		wantP99   time.Duration
	}{
		{"steady", totals{at: t0, requests: 100, failed: 1, buckets: []float64{10, 90, 100}, bounds: bounds},
			totals{at: t0.Add(10 * time.Second), requests: 200, failed: 11, buckets: []float64{20, 190, 200}, bounds: bounds},
			10, 1, 10 * time.Millisecond, 10 * time.Millisecond},
		{"series dropped", totals{at: t0, requests: 100}, totals{at: t0.Add(time.Second), requests: 50}, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := point(tt.prev, tt.cur)
			if p.Requests != tt.wantReq || p.Failed != tt.wantFail || p.P50 != tt.wantP50 || p.P99 != tt.wantP99 {
				t.Errorf("got %d req/s, %d failed/s, p50 %s, p99 %s; want %d, %d, %s, %s",
					p.Requests, p.Failed, p.P50, p.P99, tt.wantReq, tt.wantFail, tt.wantP50, tt.wantP99)
			}
		})
	}
}
