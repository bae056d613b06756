package metrics

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/cutover-dev/cutover/internal/proxy"
)

func TestObserve(t *testing.T) {
	tests := []struct {
		name    string
		res     proxy.Result
		class   string
		failure string // outcome counted in cutover_proxy_failures_total, "" for none
	}{
		{"answered", proxy.Result{Release: "v1", Status: 200}, "2xx", ""},
		{"redirect", proxy.Result{Release: "v1", Status: 308}, "3xx", ""},
		{"not found from the app", proxy.Result{Release: "v1", Status: 404}, "4xx", ""},
		{"app error", proxy.Result{Release: "v1", Status: 500}, "5xx", ""},
		{"switching protocols", proxy.Result{Release: "v1", Status: 101}, "1xx", ""},
		{"no status", proxy.Result{Release: "v1", Status: 0, Err: errors.New("cut")}, "other", "proxy_error"},
		{"backend refused", proxy.Result{Release: "v1", Status: http.StatusBadGateway, Err: errors.New("refused")}, "5xx", "proxy_error"},
		{"backend too slow", proxy.Result{Release: "v1", Status: http.StatusGatewayTimeout, Err: errors.New("slow")}, "5xx", "timeout"},
		{"client left", proxy.Result{Release: "v1", Status: proxy.StatusClientClosedRequest, Err: proxy.ErrClientGone}, "4xx", "client_gone"},
		{"smuggling refused", proxy.Result{Release: "v1", Status: http.StatusBadRequest, Err: proxy.ErrMalformedRequest}, "4xx", "refused"},
		{"no release yet", proxy.Result{Release: "", Status: http.StatusServiceUnavailable, Err: proxy.ErrNoRelease}, "5xx", "proxy_error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New(Options{})
			a := r.App("blog")
			a.Observe(tt.res)
			rel := tt.res.Release
			if got := testutil.ToFloat64(r.requests.WithLabelValues("blog", rel, tt.class)); got != 1 {
				t.Errorf("requests{class=%q}: got %v, want 1", tt.class, got)
			}
			if got := total(r.requests); got != 1 {
				t.Errorf("requests of every class: got %v, want 1", got)
			}
			var failures float64
			for _, name := range failureOutcomes {
				if name != "" {
					failures += testutil.ToFloat64(r.failures.WithLabelValues("blog", rel, name))
				}
			}
			want := 0.0
			if tt.failure != "" {
				want = 1
				if got := testutil.ToFloat64(r.failures.WithLabelValues("blog", rel, tt.failure)); got != 1 {
					t.Errorf("failures{outcome=%q}: got %v, want 1", tt.failure, got)
				}
			}
			if failures != want {
				t.Errorf("failures of every outcome: got %v, want %v", failures, want)
			}
		})
	}
}

// total sums the values of the counters c collects.
func total(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric)
	go func() {
		c.Collect(ch)
		close(ch)
	}()
	var sum float64
	for m := range ch {
		var pb dto.Metric
		m.Write(&pb)
		sum += pb.GetCounter().GetValue()
	}
	return sum
}

func TestObserveLatency(t *testing.T) {
	r := New(Options{})
	a := r.App("blog")
	for _, d := range []time.Duration{2 * time.Millisecond, 20 * time.Millisecond, 3 * time.Second} {
		a.Observe(proxy.Result{Release: "v1", Status: 200, Duration: d})
	}
	const want = `
# HELP cutover_request_duration_seconds Time from a request's start until its response was finished, by app and release.
# TYPE cutover_request_duration_seconds histogram
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.001"} 0
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.0025"} 1
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.005"} 1
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.01"} 1
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.025"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.05"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.1"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.25"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="0.5"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="1"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="2.5"} 2
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="5"} 3
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="10"} 3
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="30"} 3
cutover_request_duration_seconds_bucket{app="blog",release="v1",le="+Inf"} 3
cutover_request_duration_seconds_sum{app="blog",release="v1"} 3.022
cutover_request_duration_seconds_count{app="blog",release="v1"} 3
`
	if err := testutil.CollectAndCompare(r.latency, stringsReader(want)); err != nil {
		t.Error(err)
	}
}

// TestObserveBytes adds up the response bytes of each release, a body-less answer adding none.
func TestObserveBytes(t *testing.T) {
	r := New(Options{})
	a := r.App("blog")
	for _, res := range []proxy.Result{
		{Release: "v1", Status: 200, Bytes: 5000},
		{Release: "v1", Status: 304},
		{Release: "v2", Status: 200, Bytes: 3},
		{Release: "v1", Status: 200, Bytes: 1 << 40},
		{Release: "v2", Status: 502, Err: errors.New("refused")},
	} {
		a.Observe(res)
	}
	for rel, want := range map[string]float64{"v1": 5000 + 1<<40, "v2": 3} {
		if got := testutil.ToFloat64(r.bytes.WithLabelValues("blog", rel)); got != want {
			t.Errorf("bytes of %s: got %v, want %v", rel, got, want)
		}
	}
	if got := testutil.CollectAndCount(r.bytes, "cutover_response_bytes_total"); got != 2 {
		t.Errorf("series of cutover_response_bytes_total: got %d, want 2", got)
	}
}

// TestObserveReleases counts requests of two releases at once, as during a drain, each into its own
// series, and keeps the newest release's series at hand.
func TestObserveReleases(t *testing.T) {
	r := New(Options{})
	a := r.App("blog")
	for _, rel := range []string{"v1", "v2", "v1", "v2", "v2"} {
		a.Observe(proxy.Result{Release: rel, Status: 200})
	}
	for rel, want := range map[string]float64{"v1": 2, "v2": 3} {
		if got := testutil.ToFloat64(r.requests.WithLabelValues("blog", rel, "2xx")); got != want {
			t.Errorf("requests of %s: got %v, want %v", rel, got, want)
		}
	}
	if got := a.last.Load().release; got != "v2" {
		t.Errorf("series at hand: got %s's, want v2's", got)
	}
}

func TestNilApp(t *testing.T) {
	var r *Registry
	a := r.App("blog")
	if a != nil {
		t.Fatalf("got %v from a nil registry, want nil", a)
	}
	a.Observe(proxy.Result{Status: 200})
	a.Deployed(nil, errors.New("failed"))
}

// TestRetire drops the series of a release once it has not served for RetireAfter, and an app's
// once it is gone, and keeps the rest.
func TestRetire(t *testing.T) {
	const after = time.Minute
	r := New(Options{RetireAfter: after})
	blog, shop := r.App("blog"), r.App("shop")
	blog.Observe(proxy.Result{Release: "v1", Status: 200})
	blog.Observe(proxy.Result{Release: "v2", Status: 200})
	shop.Observe(proxy.Result{Release: "v7", Status: 200})
	shop.Deployed(nil, errors.New("failed"))
	series := func() int {
		n := testutil.CollectAndCount(r.requests) / len(classes)
		if b := testutil.CollectAndCount(r.bytes); b != n {
			t.Errorf("series of cutover_response_bytes_total: got %d, want one per release (%d)", b, n)
		}
		return n
	}

	t0 := time.Now()
	steps := []struct {
		name    string
		at      time.Duration
		serving map[string]string
		want    int
	}{
		{"v1 stops serving", 0, map[string]string{"blog": "v2", "shop": "v7"}, 3},
		{"within RetireAfter", after - time.Second, map[string]string{"blog": "v2", "shop": "v7"}, 3},
		{"past RetireAfter", after, map[string]string{"blog": "v2", "shop": "v7"}, 2},
		{"shop is destroyed", after, map[string]string{"blog": "v2"}, 2},
		{"shop's series are dropped", 2 * after, map[string]string{"blog": "v2"}, 1},
	}
	for _, st := range steps {
		r.retire(t0.Add(st.at), st.serving, r.appsMade())
		if got := series(); got != st.want {
			t.Fatalf("%s: got %d releases' series, want %d", st.name, got, st.want)
		}
	}
	if got := testutil.CollectAndCount(r.deploys); got != 0 {
		t.Errorf("deploy series of the gone app: got %d, want 0", got)
	}
	if _, ok := r.apps["shop"]; ok {
		t.Error("the gone app is still known")
	}
	shop.Observe(proxy.Result{Release: "v7", Status: 200}) // a late request of the gone app
	if got := series(); got != 1 {
		t.Errorf("after a late request of the gone app: got %d releases' series, want 1", got)
	}
	blog.Observe(proxy.Result{Release: "v2", Status: 200})
	if got := testutil.ToFloat64(r.requests.WithLabelValues("blog", "v2", "2xx")); got != 2 {
		t.Errorf("requests of the serving release: got %v, want 2", got)
	}
}

// TestRetireComesBack keeps the series of a release that serves again (a rollback to it) before
// RetireAfter passed.
func TestRetireComesBack(t *testing.T) {
	r := New(Options{RetireAfter: time.Minute})
	a := r.App("blog")
	a.Observe(proxy.Result{Release: "v1", Status: 200})
	t0 := time.Now()
	r.retire(t0, map[string]string{"blog": "v2"}, r.appsMade())
	r.retire(t0.Add(30*time.Second), map[string]string{"blog": "v1"}, r.appsMade())
	r.retire(t0.Add(2*time.Minute), map[string]string{"blog": "v1"}, r.appsMade())
	if got := testutil.ToFloat64(r.requests.WithLabelValues("blog", "v1", "2xx")); got != 1 {
		t.Errorf("requests of v1: got %v, want 1", got)
	}
}

func BenchmarkObserve(b *testing.B) {
	r := New(Options{})
	a := r.App("blog")
	res := proxy.Result{Release: "v12", Status: 200, Duration: 3 * time.Millisecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			a.Observe(res)
		}
	})
}

// TestRetireSparesAnAppMadeAfterTheSnapshot: an app made between a scrape's snapshot and its
// retirement is absent from the snapshot but not gone; forgetting it would count its requests
// nowhere from then on.
func TestRetireSparesAnAppMadeAfterTheSnapshot(t *testing.T) {
	r := New(Options{RetireAfter: time.Minute})
	made := r.appsMade() // the scrape notes it, then takes its snapshot, without blog
	blog := r.App("blog")
	t0 := time.Now()
	r.retire(t0, map[string]string{}, made)
	blog.Observe(proxy.Result{Release: "v1", Status: 200})
	if got := testutil.ToFloat64(r.requests.WithLabelValues("blog", "v1", "2xx")); got != 1 {
		t.Errorf("requests of the app made during the scrape: got %v, want 1", got)
	}
	for _, at := range []time.Duration{0, 2 * time.Minute} { // later scrapes: now it is gone
		r.retire(t0.Add(at), map[string]string{}, r.appsMade())
	}
	if _, ok := r.apps["blog"]; ok {
		t.Error("an app absent from a snapshot taken after it was made is still known")
	}
}

// TestRetireSparesAnAppMadeAgain: an app destroyed (absent from the snapshot) and made again under
// the same name while a scrape runs gets the same handle back, and is as new to that scrape.
func TestRetireSparesAnAppMadeAgain(t *testing.T) {
	r := New(Options{})
	r.App("shop") // made, never served: no series that would keep it
	made := r.appsMade()
	again := r.App("shop") // destroyed and made again after the snapshot
	r.retire(time.Now(), map[string]string{}, made)
	again.Observe(proxy.Result{Release: "v1", Status: 200})
	if got := testutil.ToFloat64(r.requests.WithLabelValues("shop", "v1", "2xx")); got != 1 {
		t.Errorf("requests of the app made again during a scrape: got %v, want 1", got)
	}
}
