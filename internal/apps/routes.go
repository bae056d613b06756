package apps

import (
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/router"
)

// routeLocked builds the routing table from every app's hosts and gives it to the proxy; s.mu is
// held. Apps whose routes conflict (settings edited by hand, or an app left out at start that came
// back) are routed in name order, and the later app's conflicting routes are left out and logged:
// a table is always published, so the others serve.
func (s *Set) routeLocked() {
	var routes []router.Route[*proxy.Site]
	for _, a := range s.allLocked() {
		mine := appRoutes(a.Name, a.site, a.Settings().Hosts)
		if _, err := router.Build(append(routes, mine...)); err == nil {
			routes = append(routes, mine...)
			continue
		}
		for _, r := range mine {
			if _, err := router.Build(append(routes, r)); err != nil {
				s.rt.Logger.Error("route left out: it conflicts with another app's; change one with `cutover apps hosts`", "app", a.Name, "err", err)
				continue
			}
			routes = append(routes, r)
		}
	}
	table, err := router.Build(routes)
	if err != nil { // every route was checked on its own above
		s.rt.Logger.Error("build the routing table", "err", err)
		return
	}
	s.rt.Proxy.SetRoutes(table)
}

// tableLocked builds the routing table of every app, with app name's hosts replaced by hosts: the
// error names the app a route conflicts with.
func (s *Set) tableLocked(name string, hosts []string) (*router.Table[*proxy.Site], error) {
	var routes []router.Route[*proxy.Site]
	for n, a := range s.apps {
		if n != name {
			routes = append(routes, appRoutes(n, a.site, a.Settings().Hosts)...)
		}
	}
	return router.Build(append(routes, appRoutes(name, nil, hosts)...))
}

// tableWithLocked builds the routing table of the apps with the hosts of those in next replaced
// by theirs, to check a change before it is made.
func (s *Set) tableWithLocked(next map[*App][]string) (*router.Table[*proxy.Site], error) {
	var routes []router.Route[*proxy.Site]
	for n, a := range s.apps {
		hosts, ok := next[a]
		if !ok {
			hosts = a.Settings().Hosts
		}
		routes = append(routes, appRoutes(n, a.site, hosts)...)
	}
	return router.Build(routes)
}

// appRoutes are the routes of one app's hosts, as checked by CheckHosts.
func appRoutes(owner string, site *proxy.Site, hosts []string) []router.Route[*proxy.Site] {
	var routes []router.Route[*proxy.Site]
	for _, h := range hosts {
		r := router.Route[*proxy.Site]{Host: h, Target: site, Owner: owner}
		if h != router.AnyHost {
			r.Host, r.Prefix, _ = router.Parse(h)
		}
		routes = append(routes, r)
	}
	return routes
}
