package metrics

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Defaults of the metrics.
const (
	// DefaultPath is where the daemon serves the metrics on its metrics address.
	DefaultPath = "/metrics"
	// DefaultRetireAfter is how long the series of a release that no longer serves (or of an app
	// that is gone) are kept before they are dropped: past any drain, and past the windows a
	// dashboard takes rates over.
	DefaultRetireAfter = 15 * time.Minute
	// DefaultScrapeTimeout bounds one scrape: gathering and writing the metrics.
	DefaultScrapeTimeout = 10 * time.Second
	// DefaultMaxScrapes is how many scrapes may run at once; more get 503.
	DefaultMaxScrapes = 4
)

// LatencyBuckets are the upper bounds, in seconds, of the request latency histogram: from a
// millisecond, what a proxied request to a local app takes, to the proxy's timeouts.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

// DeployBuckets are the upper bounds, in seconds, of the histograms of deploy and step durations.
var DeployBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800}

// Options configure a Registry.
type Options struct {
	// Source reports what exists at each scrape (see Snapshot); nil reports nothing, and series
	// are then never retired.
	Source Source
	// RetireAfter is how long the series of a release that stopped serving are kept; zero means
	// DefaultRetireAfter.
	RetireAfter time.Duration
	// Logger receives errors of scrapes; nil means slog.Default().
	Logger *slog.Logger
}

// Registry holds every metric of one daemon. It is safe for concurrent use.
type Registry struct {
	opts Options
	reg  *prometheus.Registry

	requests    *prometheus.CounterVec   // app, release, class
	failures    *prometheus.CounterVec   // app, release, outcome
	latency     *prometheus.HistogramVec // app, release
	bytes       *prometheus.CounterVec   // app, release
	deploys     *prometheus.CounterVec   // app, kind, outcome
	deployTime  *prometheus.HistogramVec // app, outcome
	stepTime    *prometheus.HistogramVec // app, step
	snapshotCol *snapshotCollector

	mu   sync.Mutex // guards apps, made, and the retirement of series
	apps map[string]*App
	made uint64 // how many App handles were ever made: App.seq of the last
}

// New returns a registry with every metric of the daemon, and Go's and the process's own.
func New(opts Options) *Registry {
	if opts.RetireAfter == 0 {
		opts.RetireAfter = DefaultRetireAfter
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	r := &Registry{opts: opts, reg: prometheus.NewRegistry(), apps: map[string]*App{}}
	r.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cutover_requests_total",
		Help: "Requests the proxy finished, by app, release and status class sent to the client (1xx-5xx, other).",
	}, []string{"app", "release", "class"})
	r.failures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cutover_proxy_failures_total",
		Help: "Requests the proxy failed itself, by outcome: proxy_error (502/503, cut off), timeout (504), client_gone, refused (malformed).",
	}, []string{"app", "release", "outcome"})
	r.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cutover_request_duration_seconds",
		Help:    "Time from a request's start until its response was finished, by app and release.",
		Buckets: LatencyBuckets,
	}, []string{"app", "release"})
	r.bytes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cutover_response_bytes_total",
		Help: "Bytes of response bodies the proxy passed on from the app to clients, by app and release (chunked framing, the proxy's own pages and upgraded connections not counted).",
	}, []string{"app", "release"})
	r.deploys = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cutover_deploys_total",
		Help: "Deploys that ended, by app, kind (deploy, rollback) and outcome (live, live_with_errors, failed, aborted, interrupted, rolled_back).",
	}, []string{"app", "kind", "outcome"})
	r.deployTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cutover_deploy_duration_seconds",
		Help:    "Duration of deploys that ended, from their start to the end of their last step, by app and outcome.",
		Buckets: DeployBuckets,
	}, []string{"app", "outcome"})
	r.stepTime = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "cutover_deploy_step_duration_seconds",
		Help:    "Duration of each step of the deploys that ended, by app and step.",
		Buckets: DeployBuckets,
	}, []string{"app", "step"})
	r.snapshotCol = &snapshotCollector{r: r}
	r.reg.MustRegister(r.requests, r.failures, r.latency, r.bytes, r.deploys, r.deployTime, r.stepTime, r.snapshotCol,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Handler serves the metrics in Prometheus's formats, at most DefaultMaxScrapes at once.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{
		ErrorLog:            slog.NewLogLogger(r.opts.Logger.Handler(), slog.LevelError),
		Registry:            r.reg,
		MaxRequestsInFlight: DefaultMaxScrapes,
		Timeout:             DefaultScrapeTimeout,
	})
}

// Gatherer is the registry's gatherer, for tests and for serving it elsewhere.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// App returns the handle of the app name, made the first time: what its requests and deploys are
// counted through. A nil *Registry (metrics off) returns nil, whose methods do nothing.
func (r *Registry) App(name string) *App {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.apps[name]
	if a == nil {
		a = &App{name: name, r: r}
		r.apps[name] = a
	}
	// Renumbered at each call: an app destroyed and made again under the same name during a
	// scrape is as new to it as a new one.
	r.made++
	a.seq = r.made
	return a
}

// appsMade is how many App handles were made so far: a scrape notes it before it takes its
// snapshot, and forgets no app made after (see retire).
func (r *Registry) appsMade() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.made
}
