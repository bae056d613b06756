package apps

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/cutover-dev/cutover/internal/metrics"
)

// TestMetrics: an app made, and one opened again by a new daemon, count the requests the proxy
// routes to them into the registry of the runtime, and describe themselves for a scrape.
func TestMetrics(t *testing.T) {
	state := t.TempDir()
	reg := metrics.New(metrics.Options{})
	withMetrics := func(rt *Runtime) { rt.Metrics = reg }
	s, url := testSet(t, state, withMetrics)
	if _, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}}); err != nil {
		t.Fatal(err)
	}
	if got := statusFor(t, url, "blog.test"); got != 503 {
		t.Fatalf("blog before its first release: got %d, want 503", got)
	}
	_, url2 := testSet(t, state, withMetrics) // a new daemon opens blog from its dir
	if got := statusFor(t, url2, "blog.test"); got != 503 {
		t.Fatalf("blog opened again: got %d, want 503", got)
	}
	const want = `
# HELP cutover_requests_total Requests the proxy finished, by app, release and status class sent to the client (1xx-5xx, other).
# TYPE cutover_requests_total counter
cutover_requests_total{app="blog",class="1xx",release=""} 0
cutover_requests_total{app="blog",class="2xx",release=""} 0
cutover_requests_total{app="blog",class="3xx",release=""} 0
cutover_requests_total{app="blog",class="4xx",release=""} 0
cutover_requests_total{app="blog",class="5xx",release=""} 2
cutover_requests_total{app="blog",class="other",release=""} 0
`
	// A request is counted once its response is written, so the client may read the second
	// answer a moment before it counts: wait for it, up to a bound.
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		err = testutil.GatherAndCompare(reg.Gatherer(), strings.NewReader(want), "cutover_requests_total")
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Error(err)
	}
	if got := s.MetricsState(); len(got) != 1 || got[0].Name != "blog" || got[0].Release != "" {
		t.Errorf("state for a scrape: got %+v, want blog with no release", got)
	}
}
