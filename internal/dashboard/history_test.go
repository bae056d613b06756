package dashboard

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TestHistorySample: requests are counted per series, so retiring a release's series (as the
// registry does after a deploy) takes nothing away from its app, and a deleted app is forgotten.
func TestHistorySample(t *testing.T) {
	reg := prometheus.NewRegistry()
	reqs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "cutover_requests_total"}, []string{"app", "release", "class"})
	dur := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "cutover_request_duration_seconds", Buckets: []float64{0.001, 0.01, 0.1}}, []string{"app", "release"})
	reg.MustRegister(reqs, dur)
	h := newHistory(reg, time.Second)
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	serve := func(app, rel, class string, n int, secs float64) {
		for range n {
			reqs.WithLabelValues(app, rel, class).Inc()
			dur.WithLabelValues(app, rel).Observe(secs)
		}
	}
	serve("shop", "v1", "2xx", 100, 0.005)
	serve("blog", "v1", "2xx", 1, 0.005)
	h.sample(t0)

	tests := []struct {
		name              string
		step              func()
		wantReq, wantFail int64
		wantP50           time.Duration
	}{
		{"steady", func() { serve("shop", "v1", "2xx", 90, 0.005); serve("shop", "v1", "5xx", 10, 0.05) }, 10, 1, 10 * time.Millisecond},
		{"v1 retired while v2 serves", func() {
			serve("shop", "v2", "2xx", 50, 0.0005)
			reqs.DeleteLabelValues("shop", "v1", "2xx")
			reqs.DeleteLabelValues("shop", "v1", "5xx")
			dur.DeleteLabelValues("shop", "v1")
		}, 5, 0, time.Millisecond},
		{"v2 goes on", func() { serve("shop", "v2", "2xx", 30, 0.05) }, 3, 0, 100 * time.Millisecond},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.step()
			h.sample(t0.Add(time.Duration(i+1) * 10 * time.Second))
			pts := h.series("shop")
			if len(pts) != i+1 {
				t.Fatalf("got %d points, want %d", len(pts), i+1)
			}
			p := pts[len(pts)-1]
			if p.Requests != tt.wantReq || p.Failed != tt.wantFail || p.P50 != tt.wantP50 {
				t.Errorf("got %d req/s, %d failed/s, p50 %s; want %d, %d, %s", p.Requests, p.Failed, p.P50, tt.wantReq, tt.wantFail, tt.wantP50)
			}
		})
	}

	if len(h.series("blog")) == 0 {
		t.Fatal("got no points for blog, want its quiet ones")
	}
	reqs.DeleteLabelValues("blog", "v1", "2xx")
	dur.DeleteLabelValues("blog", "v1")
	h.sample(t0.Add(time.Hour))
	if got := h.series("blog"); len(got) != 0 {
		t.Errorf("got %d points for the deleted app blog, want none", len(got))
	}
}
