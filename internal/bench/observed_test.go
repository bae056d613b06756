package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// observedBound is the longest the test waits for the metrics to count what was sent.
const observedBound = 10 * time.Second

func containsAll(s string, subs []string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

// TestServeProxyObserved: with a dashboard listener, every request through the proxy is counted
// into the metrics the dashboard serves, and the app page and its status stream answer.
func TestServeProxyObserved(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(backend.Close)
	ln, dash := listen(t), listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeProxy(ctx, ln, backend.Listener.Addr().String(), 1, nil, dash, nil) }()
	t.Cleanup(cancel)
	proxied, dashURL := "http://"+ln.Addr().String()+"/", "http://"+dash.Addr().String()

	const requests = 3
	for range requests {
		if got := get(t, proxied); got != "hello" {
			t.Fatalf("through the proxy: got %q, want \"hello\"", got)
		}
	}
	wants := []string{
		fmt.Sprintf(`cutover_requests_total{app="%s",class="2xx",release="%s"} %d`, BenchApp, BenchApp, requests),
		fmt.Sprintf(`cutover_response_bytes_total{app="%s",release="%s"} %d`, BenchApp, BenchApp, requests*len("hello")),
		fmt.Sprintf(`cutover_live_release_info{app="%s",release="%s"} 1`, BenchApp, BenchApp),
	}
	// The proxy counts a request once its response is finished, a moment after the client has read
	// it: the metrics may lag the last one briefly.
	var metrics string
	for deadline := time.Now().Add(observedBound); ; time.Sleep(10 * time.Millisecond) {
		metrics = get(t, dashURL+"/metrics")
		if containsAll(metrics, wants) || time.Now().After(deadline) {
			break
		}
	}
	for _, want := range wants {
		if !strings.Contains(metrics, want) {
			t.Errorf("got metrics without %s:\n%.2000s", want, metrics)
		}
	}
	if page := get(t, dashURL+"/apps/"+BenchApp); !strings.Contains(page, "web.1") {
		t.Errorf("got the app page without its web process:\n%.2000s", page)
	}
	if ev := firstEvent(t, dashURL+"/apps/"+BenchApp+"/events"); !strings.Contains(ev, `"live":"`+BenchApp+`"`) || !strings.Contains(ev, `"health":"healthy"`) {
		t.Errorf("got the first status event %s, want the live release and a healthy web.1", ev)
	}

	stopServing(t, cancel, done)
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// get fetches url and wants 200.
func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: got %s, %v; want 200", url, resp.Status, err)
	}
	return string(b)
}

// firstEvent reads the event stream at url up to its first status event, and returns its data.
func firstEvent(t *testing.T, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	status := false
	for sc.Scan() {
		line := sc.Text()
		if line == "event: status" {
			status = true
		} else if data, ok := strings.CutPrefix(line, "data: "); ok && status {
			return data
		}
	}
	t.Fatalf("the status stream ended without a status event: %v", sc.Err())
	return ""
}

// TestScrapeBeforeThePool: a scrape before the bench's pool is switched in must not forget the
// app, or its requests would be counted nowhere from then on (CI saw a run count none of three).
func TestScrapeBeforeThePool(t *testing.T) {
	p := proxy.New(proxy.Options{})
	reg := metrics.New(metrics.Options{Source: func() metrics.Snapshot { return snapshotOf(p) }})
	app := reg.App(BenchApp)
	if _, err := reg.Gatherer().Gather(); err != nil {
		t.Fatal(err)
	}
	p.Switch(proxy.NewPool(BenchApp, []proxy.Backend{{Addr: "127.0.0.1:1", Name: "web.1"}}))
	app.Observe(proxy.Result{Release: BenchApp, Status: http.StatusOK, Bytes: 5})
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	want := fmt.Sprintf(`cutover_requests_total{app="%s",class="2xx",release="%s"} 1`, BenchApp, BenchApp)
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("got metrics without %s:\n%.2000s", want, rec.Body.String())
	}
}
