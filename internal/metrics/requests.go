package metrics

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/report"
)

// classes are the values of the class label, by status/100; index 0 is any status outside
// 100-599 (none is sent today; it is there so that no request goes uncounted).
var classes = [6]string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"}

// failureOutcomes are the values of the outcome label of cutover_proxy_failures_total, by the
// report.Outcome of a request the proxy failed ("" for those it cannot have).
var failureOutcomes = [...]string{
	report.ProxyError: "proxy_error",
	report.Timeout:    "timeout",
	report.ClientGone: "client_gone",
	report.Refused:    "refused",
	report.OK:         "",
	report.AppError:   "",
}

// App counts the requests and deploys of one app. A nil *App counts nothing. It is safe for
// concurrent use.
type App struct {
	name string
	r    *Registry
	seq  uint64 // the how-manieth call of Registry.App made or gave out this handle (guarded by Registry.mu): see appsMade

	// last is the series of the release a request was last counted for that made them, or that
	// serves (see Registry.retire): almost every request's.
	last atomic.Pointer[series]
	// byRelease holds every release's series (string → *series); read without a lock.
	byRelease sync.Map
	mu        sync.Mutex // serializes making series; guards gone
	gone      bool       // the registry forgot the app: its late requests are counted nowhere
}

// series is the counters of one release of an app, made once so that a request looks nothing up.
type series struct {
	release  string
	classes  [len(classes)]prometheus.Counter
	failures [len(failureOutcomes)]prometheus.Counter // nil where the outcome is not a failure
	latency  prometheus.Observer
	bytes    prometheus.Counter

	// stoppedAt is when the release was first seen not serving at a retirement, zero while it
	// serves; guarded by Registry.mu.
	stoppedAt time.Time
}

// Observe counts one request the proxy finished: its status class, how the proxy failed it, if it
// did, its latency and its response body's bytes. It is called on the request's goroutine and takes no lock; with metrics off
// (a nil App) it is inlined to one nil check.
func (a *App) Observe(res proxy.Result) {
	if a != nil {
		a.observe(res)
	}
}

func (a *App) observe(res proxy.Result) {
	s := a.last.Load()
	if s == nil || s.release != res.Release {
		s = a.series(res.Release)
	}
	class := res.Status / 100
	if class < 1 || class >= len(classes) {
		class = 0
	}
	s.classes[class].Inc()
	if res.Err != nil {
		if c := s.failures[res.Outcome()]; c != nil {
			c.Inc()
		}
	}
	s.latency.Observe(res.Duration.Seconds())
	if res.Bytes > 0 {
		s.bytes.Add(float64(res.Bytes))
	}
}

// series returns the series of release, made the first time.
func (a *App) series(release string) *series {
	if s, ok := a.byRelease.Load(release); ok {
		return s.(*series)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if s, ok := a.byRelease.Load(release); ok {
		return s.(*series)
	}
	if a.gone {
		return discard
	}
	r := a.r
	s := &series{release: release, latency: r.latency.WithLabelValues(a.name, release),
		bytes: r.bytes.WithLabelValues(a.name, release)}
	for i, class := range classes {
		s.classes[i] = r.requests.WithLabelValues(a.name, release, class)
	}
	for o, name := range failureOutcomes {
		if name != "" {
			s.failures[o] = r.failures.WithLabelValues(a.name, release, name)
		}
	}
	a.byRelease.Store(release, s)
	// A release newly seen is, but for a late request of one retired already, the one that now
	// serves: the next retirement puts the serving one back here if not.
	a.last.Store(s)
	return s
}

// discard is the series of the apps the registry forgot: registered nowhere.
var discard = func() *series {
	s := &series{latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "discarded"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{Name: "discarded"})}
	for i := range s.classes {
		s.classes[i] = prometheus.NewCounter(prometheus.CounterOpts{Name: "discarded"})
	}
	return s
}()

// drop removes the series of release from the registry and from the app's cache; r.mu is held.
func (a *App) drop(s *series) {
	r := a.r
	a.mu.Lock() // a late request of the release makes its series again only once these are gone
	defer a.mu.Unlock()
	a.byRelease.Delete(s.release)
	a.last.CompareAndSwap(s, nil)
	r.latency.DeleteLabelValues(a.name, s.release)
	r.bytes.DeleteLabelValues(a.name, s.release)
	for _, class := range classes {
		r.requests.DeleteLabelValues(a.name, s.release, class)
	}
	for _, name := range failureOutcomes {
		if name != "" {
			r.failures.DeleteLabelValues(a.name, s.release, name)
		}
	}
}

// retire drops the series of each release that has not served for RetireAfter, given the release
// each app serves now (absent: the app is gone), and the apps' own series once they are gone and
// have no release left. Called at each scrape, with serving from its snapshot and made from
// appsMade before it: an app made after is absent from the snapshot but not gone.
func (r *Registry) retire(now time.Time, serving map[string]string, made uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name, a := range r.apps {
		live, exists := serving[name]
		if a.seq > made {
			continue
		}
		if left := r.retireReleases(a, now, live, exists); !exists && left == 0 {
			r.dropApp(a)
		}
	}
}

// retireReleases notes which of the app's releases stopped serving, drops the series of those
// that stopped RetireAfter ago, and returns how many releases keep theirs; live is the one that
// serves, if exists; r.mu is held.
func (r *Registry) retireReleases(a *App, now time.Time, live string, exists bool) (left int) {
	a.byRelease.Range(func(_, v any) bool {
		s := v.(*series)
		switch {
		case exists && s.release == live:
			s.stoppedAt = time.Time{}
			a.last.Store(s)
			left++
		case s.stoppedAt.IsZero():
			s.stoppedAt = now
			left++
		case now.Sub(s.stoppedAt) >= r.opts.RetireAfter:
			a.drop(s)
		default:
			left++
		}
		return true
	})
	return left
}

// dropApp forgets an app that is gone, with its deploy series; r.mu is held. Its handle counts on
// into series no one reads, should a request still reach it.
func (r *Registry) dropApp(a *App) {
	delete(r.apps, a.name)
	a.mu.Lock()
	a.gone = true
	a.mu.Unlock()
	match := prometheus.Labels{"app": a.name}
	r.deploys.DeletePartialMatch(match)
	r.deployTime.DeletePartialMatch(match)
	r.stepTime.DeletePartialMatch(match)
}
