package daemon_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/metrics"
)

// TestPrometheusScrapesDeploy has a real Prometheus server scrape a real daemon every second while
// it serves an app under bounded load across a deploy, then asks Prometheus, as a dashboard would,
// for the rate of requests of each release and the deploys that went live. Prometheus is Debian's
// `prometheus`: without it the test is skipped, but not under CI=true, where scripts/test installs
// it.
func TestPrometheusScrapesDeploy(t *testing.T) {
	bin := prometheusBinary(t)
	metricsAddr := freeport.ForTest(t)
	d := startDaemon(t, t.TempDir(), "", "--metrics", metricsAddr)
	prom := startPrometheus(t, bin, metricsAddr)
	d.mustDeploy(sampleApp(t, "v1", "", ""))

	stopLoad := startLoad(t, loadgen.Options{URL: d.url("/"), Concurrency: 4, Rate: 50})
	prom.waitPositive(`sum(rate(cutover_requests_total{release="v1",class="2xx"}[5s]))`)
	rel, events, err := d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", "")})
	if err != nil {
		t.Fatalf("deploy v2: %v\nevents: %+v", err, events)
	}
	prom.waitPositive(`sum(rate(cutover_requests_total{release="` + rel.ID + `",class="2xx"}[5s]))`)
	prom.waitValue(`sum(cutover_deploys_total{kind="deploy",outcome="live"})`, 2)
	results := stopLoad()
	for _, r := range results {
		if r.Failed != 0 {
			t.Errorf("load across the deploy: %s, want no errors", r)
		}
	}

	// Over the whole run, both releases served, and no request failed (the load's last requests may
	// have been cut off by the load stopping: client_gone).
	for _, release := range []string{"v1", rel.ID} {
		q := `sum(increase(cutover_requests_total{release="` + release + `"}[5m]))`
		prom.waitPositive(q)
		t.Logf("%s = %.0f", q, prom.query(q))
	}
	for _, q := range []string{
		`sum(cutover_requests_total{class=~"5xx|other"}) or vector(0)`,
		`sum(cutover_proxy_failures_total{outcome!="client_gone"}) or vector(0)`,
	} {
		if got := prom.query(q); got != 0 {
			t.Errorf("%s: got %v, want 0", q, got)
		}
	}
	if got := prom.query(`count(cutover_deploy_step_duration_seconds_count{step="switch"})`); got != 1 {
		t.Errorf("series of the switch step's duration: got %v, want 1", got)
	}
	if got := prom.query(`cutover_live_release_info{release="` + rel.ID + `"}`); got != 1 {
		t.Errorf("live release %s: got %v, want 1", rel.ID, got)
	}
	for _, q := range dashboardQueries(t) {
		if n := prom.series(q); n == 0 && !strings.Contains(q, "cutover_certificate") { // no HTTPS here
			t.Errorf("dashboard query %s: got no series, want some", q)
		}
	}
}

// dashboardQueries are the queries of contrib/grafana-dashboard.json, with its variables given
// values, as Grafana would send them.
func dashboardQueries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../contrib/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("contrib/grafana-dashboard.json: %v", err)
	}
	vars := strings.NewReplacer("$app", ".*", "$__rate_interval", "5s")
	var out []string
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			out = append(out, vars.Replace(tg.Expr))
		}
	}
	if len(out) == 0 {
		t.Fatal("contrib/grafana-dashboard.json: no queries")
	}
	return out
}

// TestMetricsAcrossUpgrade: the metrics address is handed to the new daemon at an upgrade, which
// serves the metrics there once the old one has exited.
func TestMetricsAcrossUpgrade(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	metricsAddr := freeport.ForTest(t)
	d := startDaemon(t, state, "", "--metrics", metricsAddr)
	d.mustDeploy(upgradeApp(t, "v1"))
	d.version()
	oneRequest := regexp.MustCompile(`\ncutover_requests_total\{app="[^"]+",class="2xx",release="v1"\} 1\n`)
	if got := scrapeUntil(t, metricsAddr, oneRequest.MatchString); !oneRequest.MatchString(got) {
		t.Fatalf("metrics before the upgrade: got\n%s\nwant one request of v1", got)
	}
	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("cutover upgrade: %v\n%s", err, out)
	}
	d.takeOver(out)
	d.waitExited()
	d.version()
	served := func(got string) bool {
		return oneRequest.MatchString(got) && strings.Contains(got, "\ncutover_live_release_info{")
	}
	if got := scrapeUntil(t, metricsAddr, served); !served(got) {
		t.Errorf("metrics after the upgrade: got\n%s\nwant v1 live, and the one request the new daemon served", got)
	}
}

// scrapeWait bounds how long scrapeUntil scrapes again.
const scrapeWait = 10 * time.Second

// scrapeUntil scrapes addr until ok says the metrics are as wanted, or scrapeWait passed, and
// returns the last scrape: a request's client has its response a moment before the proxy has
// counted it.
func scrapeUntil(t *testing.T, addr string, ok func(string) bool) string {
	t.Helper()
	deadline := time.Now().Add(scrapeWait)
	for {
		got := scrape(t, addr)
		if ok(got) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scrape fetches the metrics served at addr, in the text format.
func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + metrics.DefaultPath)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: got %s, %v; want 200 OK", resp.Status, err)
	}
	return string(b)
}

// prometheusBinary finds Debian's prometheus, or skips the test (fails it under CI=true).
func prometheusBinary(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prometheus is not installed, and CI requires it: scripts/test installs it (apt-get install prometheus)")
		}
		t.Skip("prometheus is not installed (apt-get install --no-install-recommends prometheus): skipping the real-Prometheus test")
	}
	return bin
}

// prometheusServer is a Prometheus server the test started, and its HTTP API.
type prometheusServer struct {
	t   *testing.T
	url string
}

// startPrometheus starts Prometheus scraping target every second, with its data in a temporary
// directory and its API on a free loopback port, and ends it, by its pid, when the test ends.
func startPrometheus(t *testing.T, bin, target string) *prometheusServer {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: cutover
    metrics_path: %s
    static_configs:
      - targets: [%q]
`, metrics.DefaultPath, target)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	listen := freeport.ForTest(t)
	startProcess(t, "prometheus", exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+listen, "--log.level=warn"))
	p := &prometheusServer{t: t, url: "http://" + listen}
	waitFor(t, "prometheus to be ready", func() bool {
		resp, err := http.Get(p.url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p
}

// answer is the part of Prometheus's answer to an instant query that the test reads.
type answer struct {
	Status string `json:"status"`
	Error  string `json:"error"`
	Data   struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// value runs an instant query, and returns its one value; ok is false when it has none.
func (p *prometheusServer) value(q string) (v float64, ok bool) {
	p.t.Helper()
	a := p.ask(q)
	switch len(a.Data.Result) {
	case 0:
		return 0, false
	case 1:
	default:
		p.t.Fatalf("query %s: got %d series, want one", q, len(a.Data.Result))
	}
	s, _ := a.Data.Result[0].Value[1].(string)
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		p.t.Fatalf("query %s: value %q: %v", q, s, err)
	}
	return v, true
}

// series runs an instant query, which Prometheus must accept, and returns how many series it has.
func (p *prometheusServer) series(q string) int {
	p.t.Helper()
	return len(p.ask(q).Data.Result)
}

// ask runs an instant query, which Prometheus must accept.
func (p *prometheusServer) ask(q string) *answer {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/api/v1/query?query="+url.QueryEscape(q), nil)
	if err != nil {
		p.t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("query %s: %v", q, err)
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		p.t.Fatalf("query %s: decode the answer: %v", q, err)
	}
	if a.Status != "success" || a.Data.ResultType != "vector" {
		p.t.Fatalf("query %s: got status %s (%s), result type %s; want success, vector", q, a.Status, a.Error, a.Data.ResultType)
	}
	return &a
}

// query runs an instant query that must have one value.
func (p *prometheusServer) query(q string) float64 {
	p.t.Helper()
	v, ok := p.value(q)
	if !ok {
		p.t.Fatalf("query %s: got no series, want one", q)
	}
	return v
}

// waitPositive waits until the query's value is above zero.
func (p *prometheusServer) waitPositive(q string) {
	p.t.Helper()
	waitFor(p.t, q+" > 0 in prometheus", func() bool {
		v, ok := p.value(q)
		return ok && v > 0
	})
}

// waitValue waits until the query's value is want.
func (p *prometheusServer) waitValue(q string, want float64) {
	p.t.Helper()
	waitFor(p.t, fmt.Sprintf("%s == %v in prometheus", q, want), func() bool {
		v, ok := p.value(q)
		return ok && v == want
	})
}
