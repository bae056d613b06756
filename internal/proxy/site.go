package proxy

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cutover-dev/cutover/internal/router"
)

// ErrNoSite is observed for a request whose Host no route of the proxy matches.
var ErrNoSite = errors.New("no app on this server answers for this host")

var pageNoSite = newPage(http.StatusNotFound, "no app on this server answers for this host")

// Site is one app's part of the proxy: the pool that serves it now, and the page shown while none
// does. A proxy starts with one site that takes every request; [Proxy.SetRoutes] shares requests
// among sites by Host and path.
type Site struct {
	// Name names the app, in logs.
	Name string

	p        *Proxy
	current  atomic.Pointer[Pool]
	canary   atomic.Pointer[canary] // nil unless a canary shares the site's clients
	starting atomic.Pointer[page]   // the 503 page while a release is starting; nil means 502
	observe  atomic.Pointer[func(Result)]
	https    atomic.Pointer[httpsPolicy]
	buffer   atomic.Pointer[Buffering] // nil buffers nothing; see SetBuffering
	// gate is nil unless the site is paused or in maintenance: a request then costs one load.
	gate   atomic.Pointer[gate]
	gateMu sync.Mutex // serializes Pause, Resume and SetMaintenance
}

// SetObserve makes fn, instead of [Options.Observe], see the result of every request routed to
// the site (an app's own figures); nil goes back to Options.Observe.
func (s *Site) SetObserve(fn func(Result)) {
	if fn == nil {
		s.observe.Store(nil)
		return
	}
	s.observe.Store(&fn)
}

// observer is the function that sees the results of the site's requests: its own, else def. A nil
// site (a request no route matched) has def.
func (s *Site) observer(def func(Result)) func(Result) {
	if s == nil {
		return def
	}
	if fn := s.observe.Load(); fn != nil {
		return *fn
	}
	return def
}

// NewSite returns a site of p with no pool: it answers 502 until its first [Site.Switch]. It
// serves requests once a routing table given to [Proxy.SetRoutes] leads to it. [Proxy.Shutdown]
// drains its current pool with the others'.
func (p *Proxy) NewSite(name string) *Site {
	s := &Site{Name: name, p: p}
	p.mu.Lock()
	p.sites = append(p.sites, s)
	p.mu.Unlock()
	return s
}

// Switch makes next the site's current pool and returns the previous one (nil the first time). It
// is atomic: every request that starts after Switch returns goes to next. Requests already bound
// to prev stay there; drain prev to wait for them.
func (s *Site) Switch(next *Pool) (prev *Pool) {
	if next != nil {
		// The general path ties each request to the pool's cut; the fast path, whose requests
		// carry no context, has the cut look for the connections serving them.
		p := s.p
		context.AfterFunc(next.cut, func() { p.cutConns(next) })
	}
	return s.current.Swap(next)
}

// Current returns the site's current pool, nil before the first switch.
func (s *Site) Current() *Pool { return s.current.Load() }

// bind returns the current pool with the request counted in flight, or nil if there is none.
func (s *Site) bind() *Pool {
	for {
		pool := s.current.Load()
		if pool == nil {
			return nil
		}
		pool.bind()
		// A Switch and a Drain that saw zero in flight may have happened between the load and the
		// count; the request must then not reach the drained pool, so it moves on to the new one.
		if s.current.Load() == pool {
			pool.noteFirst()
			return pool
		}
		pool.unbind()
	}
}

// SetStarting makes the site answer 503 with msg and a Retry-After of retryAfter (at least 1 s) to
// requests that find no release serving, as while the daemon retries booting the live release;
// msg "" goes back to the 502 "no release is serving yet" page. Requests a release serves are not
// affected.
func (s *Site) SetStarting(msg string, retryAfter time.Duration) {
	if msg == "" {
		s.starting.Store(nil)
		return
	}
	pg := newPage(http.StatusServiceUnavailable, msg)
	pg.retryAfter = strconv.Itoa(max(1, int(math.Ceil(retryAfter.Seconds()))))
	s.starting.Store(pg)
}

// noRelease is the error for a request that finds no pool.
func (s *Site) noRelease() error {
	if pg := s.starting.Load(); pg != nil {
		return &startingError{pg}
	}
	return ErrNoRelease
}

// SetRoutes makes table share requests among sites by Host and path (see package router); a
// request no route matches gets 404, so an empty table answers 404 to everything. nil goes back
// to the proxy's own site taking every request.
// The swap is atomic: a request reads one table, and open connections are kept.
func (p *Proxy) SetRoutes(table *router.Table[*Site]) { p.routes.Store(table) }

// routeRequest is route for the general path's request.
func (p *Proxy) routeRequest(r *http.Request) *Site {
	if p.routes.Load() == nil {
		return p.site
	}
	target := r.RequestURI
	if target == "" || target[0] != '/' {
		target = r.URL.RequestURI()
	}
	return p.route([]byte(r.Host), []byte(target))
}

// route returns the site for a request's Host and target, nil when no route matches.
func (p *Proxy) route(host, target []byte) *Site {
	table := p.routes.Load()
	if table == nil {
		return p.site
	}
	site, _ := table.Lookup(host, target)
	return site
}
