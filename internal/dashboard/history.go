package dashboard

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/cutover-dev/cutover/internal/report"
)

// DefaultSampleInterval is how often the dashboard reads the metrics into its history.
const DefaultSampleInterval = 5 * time.Second

// DefaultHistory is how far back an app's page charts its requests.
const DefaultHistory = time.Hour

// history keeps, per app, one point per sample of the metrics: requests per second, failed (5xx)
// per second, and p50 and p99 latency over the sample. It is read from the Prometheus registry, so
// the request path pays nothing for it.
type history struct {
	gatherer prometheus.Gatherer
	keep     int

	mu     sync.Mutex
	points map[string][]report.Point
	last   map[string]totals
}

// totals are an app's counters summed over its releases at one sample.
type totals struct {
	at       time.Time
	requests float64
	failed   float64
	buckets  []float64 // cumulative counts at bounds
	bounds   []float64 // upper bounds, in seconds
}

func newHistory(g prometheus.Gatherer, interval time.Duration) *history {
	return &history{gatherer: g, keep: int(DefaultHistory / interval), points: map[string][]report.Point{}, last: map[string]totals{}}
}

// run samples every interval until ctx ends.
func (h *history) run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	h.sample(time.Now())
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			h.sample(now)
		}
	}
}

// sample reads the metrics and appends each app's point since the last sample.
func (h *history) sample(now time.Time) {
	fams, err := h.gatherer.Gather()
	if err != nil && len(fams) == 0 {
		return
	}
	cur := map[string]totals{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			app := label(m, "app")
			t := cur[app]
			t.at = now
			switch f.GetName() {
			case "cutover_requests_total":
				t.requests += m.GetCounter().GetValue()
				if label(m, "class") == "5xx" {
					t.failed += m.GetCounter().GetValue()
				}
			case "cutover_request_duration_seconds":
				bs := m.GetHistogram().GetBucket()
				if t.buckets == nil {
					t.buckets, t.bounds = make([]float64, len(bs)), make([]float64, len(bs))
				}
				for i, b := range bs {
					if i < len(t.buckets) {
						t.buckets[i] += float64(b.GetCumulativeCount())
						t.bounds[i] = b.GetUpperBound()
					}
				}
			default:
				continue
			}
			cur[app] = t
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for app, t := range cur {
		if prev, ok := h.last[app]; ok {
			h.points[app] = append(h.points[app], point(prev, t))
			if n := len(h.points[app]); n > h.keep {
				h.points[app] = h.points[app][n-h.keep:]
			}
		}
		h.last[app] = t
	}
}

// point is the figures between two samples. A release's series dropped by the registry makes a
// counter go down: that sample counts from zero.
func point(prev, cur totals) report.Point {
	secs := max(cur.at.Sub(prev.at).Seconds(), 1e-3)
	p := report.Point{Time: cur.at}
	p.Requests = int64(math.Round(max(0, cur.requests-prev.requests) / secs))
	p.Failed = int64(math.Round(max(0, cur.failed-prev.failed) / secs))
	if len(cur.buckets) == len(prev.buckets) && len(cur.buckets) > 0 {
		delta := make([]float64, len(cur.buckets))
		for i := range delta {
			delta[i] = max(0, cur.buckets[i]-prev.buckets[i])
		}
		p.P50, p.P99 = quantile(delta, cur.bounds, 0.5), quantile(delta, cur.bounds, 0.99)
	}
	return p
}

// quantile is the upper bound of the bucket where the cumulative counts reach q of the total.
func quantile(cum, bounds []float64, q float64) time.Duration {
	total := cum[len(cum)-1]
	if total <= 0 {
		return 0
	}
	for i, c := range cum {
		if c >= q*total {
			return time.Duration(bounds[i] * float64(time.Second))
		}
	}
	return time.Duration(bounds[len(bounds)-1] * float64(time.Second))
}

// series returns a copy of the app's points, oldest first.
func (h *history) series(app string) []report.Point {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]report.Point(nil), h.points[app]...)
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
