package dashboard

import (
	"context"
	"math"
	"strings"
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
// the request path pays nothing for it. Each series (an app's release, class, ...) is differenced
// on its own and the differences summed per app, so a retired release's series, gone from the
// registry, takes nothing away from its app's figures.
type history struct {
	gatherer prometheus.Gatherer
	keep     int

	mu     sync.Mutex
	points map[string][]report.Point
	lastAt map[string]time.Time // when each app was last sampled
	prev   map[string]counts    // each series' values at the last sample, by seriesKey
}

// counts are one series' values at one sample: a counter's value, or a histogram's cumulative
// bucket counts.
type counts struct {
	value   float64
	buckets []float64
}

// delta is what an app's series counted between two samples, summed.
type delta struct {
	requests float64
	failed   float64
	buckets  []float64 // cumulative counts at bounds
	bounds   []float64 // upper bounds, in seconds
}

func newHistory(g prometheus.Gatherer, interval time.Duration) *history {
	return &history{gatherer: g, keep: int(DefaultHistory / interval), points: map[string][]report.Point{},
		lastAt: map[string]time.Time{}, prev: map[string]counts{}}
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

// sample reads the metrics and appends each app's point since the last sample. Apps gone from the
// metrics (deleted) are forgotten.
func (h *history) sample(now time.Time) {
	fams, err := h.gatherer.Gather()
	if err != nil && len(fams) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur := map[string]counts{}
	deltas := map[string]*delta{}
	seen := map[string]bool{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			app := label(m, "app")
			seen[app] = true
			name := f.GetName()
			if name != "cutover_requests_total" && name != "cutover_request_duration_seconds" {
				continue
			}
			key := seriesKey(name, m)
			prev, had := h.prev[key]
			d := deltas[app]
			if d == nil {
				d = &delta{}
				deltas[app] = d
			}
			if name == "cutover_requests_total" {
				v := m.GetCounter().GetValue()
				cur[key] = counts{value: v}
				inc := increase(prev.value, v, had)
				d.requests += inc
				if label(m, "class") == "5xx" {
					d.failed += inc
				}
				continue
			}
			bs := m.GetHistogram().GetBucket()
			if d.buckets == nil {
				d.buckets, d.bounds = make([]float64, len(bs)), make([]float64, len(bs))
			}
			c := counts{buckets: make([]float64, len(bs))}
			for i, b := range bs {
				c.buckets[i] = float64(b.GetCumulativeCount())
				if i < len(d.buckets) {
					had := had && i < len(prev.buckets)
					var p float64
					if had {
						p = prev.buckets[i]
					}
					d.buckets[i] += increase(p, c.buckets[i], had)
					d.bounds[i] = b.GetUpperBound()
				}
			}
			cur[key] = c
		}
	}
	h.prev = cur // the series retired since are forgotten with it
	for app, d := range deltas {
		if at, ok := h.lastAt[app]; ok {
			h.points[app] = append(h.points[app], point(*d, at, now))
			if n := len(h.points[app]); n > h.keep {
				h.points[app] = h.points[app][n-h.keep:]
			}
		}
		h.lastAt[app] = now
	}
	for app := range h.lastAt {
		if !seen[app] {
			delete(h.lastAt, app)
			delete(h.points, app)
		}
	}
}

// increase is what a counter counted from prev to cur: all of cur when the series is new (had is
// false) or was reset.
func increase(prev, cur float64, had bool) float64 {
	if !had || cur < prev {
		return cur
	}
	return cur - prev
}

// seriesKey names one series: its metric's name and all its labels.
func seriesKey(name string, m *dto.Metric) string {
	var b strings.Builder
	b.WriteString(name)
	for _, l := range m.GetLabel() {
		b.WriteString("\x00" + l.GetName() + "=" + l.GetValue())
	}
	return b.String()
}

// point is the figures of d, counted from from to to.
func point(d delta, from, to time.Time) report.Point {
	secs := max(to.Sub(from).Seconds(), 1e-3)
	p := report.Point{Time: to}
	p.Requests = int64(math.Round(d.requests / secs))
	p.Failed = int64(math.Round(d.failed / secs))
	if len(d.buckets) > 0 {
		p.P50, p.P99 = quantile(d.buckets, d.bounds, 0.5), quantile(d.buckets, d.bounds, 0.99)
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
