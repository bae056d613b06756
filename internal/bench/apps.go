package bench

import (
	"fmt"

	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/router"
)

// Bounds of "cutover bench proxy --apps".
const (
	// DefaultApps is how many apps cutover's proxy routes among: 1, its own site taking every
	// request without a routing table, as before --apps existed.
	DefaultApps = 1
	// MaxApps is the most apps RunProxy accepts.
	MaxApps = 10_000
)

// AppHost is the host name of app i (1 to n) of a bench with many apps: app1.test, app2.test, …
// (.test is reserved for testing, RFC 2606, so no real name is ever one of them).
func AppHost(i int) string { return fmt.Sprintf("app%d.test", i) }

// appHosts is the host names of apps 1 to n, which the driver spreads its requests over; nil for
// one app, whose requests keep the target's address as their Host.
func appHosts(n int) []string {
	if n <= 1 {
		return nil
	}
	hosts := make([]string, n)
	for i := range hosts {
		hosts[i] = AppHost(i + 1)
	}
	return hosts
}

// CutoverApps is the name of the target that is cutover's proxy routing by host among n apps.
func CutoverApps(n int) string { return fmt.Sprintf("%s (%d apps)", TargetCutover, n) }

// SharedPoolEnv, set to any value in the environment of "cutover bench proxy --apps N", gives the
// N apps one pool of the backend instead of a pool each, which measures routing alone: with a pool
// each, as the daemon runs apps, the backend also holds each app's idle connections.
const SharedPoolEnv = "CUTOVER_BENCH_SHARED_POOL"

// routeApps gives p n sites, each with its own pool of the one backend at backendAddr (or all
// the same pool, with shared) and a route for its host (AppHost), as the daemon routes among n
// apps, so that every request is looked up in a table of n hosts, and returns the sites. n of 1
// or less leaves p as it is and returns its own site, which takes every request.
func routeApps(p *proxy.Proxy, backendAddr string, n int, shared bool) ([]*proxy.Site, error) {
	if n <= 1 {
		return []*proxy.Site{p.Site()}, nil
	}
	sites := make([]*proxy.Site, 0, n)
	routes := make([]router.Route[*proxy.Site], 0, n)
	var pool *proxy.Pool
	for i := range n {
		name := fmt.Sprintf("app%d", i+1)
		site := p.NewSite(name)
		if pool == nil || !shared {
			pool = proxy.NewPool("bench", []proxy.Backend{{Addr: backendAddr, Name: "web.1"}})
		}
		site.Switch(pool)
		sites = append(sites, site)
		routes = append(routes, router.Route[*proxy.Site]{Host: AppHost(i + 1), Target: site, Owner: name})
	}
	table, err := router.Build(routes)
	if err != nil {
		return nil, fmt.Errorf("build the routing table of %d apps: %w", n, err)
	}
	p.SetRoutes(table)
	return sites, nil
}
