package apps

import "github.com/cutover-dev/cutover/internal/metrics"

// MetricsState describes every app as it is now, for a scrape of the daemon's metrics.
func (s *Set) MetricsState() []metrics.AppState {
	all := s.All()
	out := make([]metrics.AppState, 0, len(all))
	for _, a := range all {
		out = append(out, a.metricsState())
	}
	return out
}

// metricsState is the app's live release, what it serves now and how its processes fared.
func (a *App) metricsState() metrics.AppState {
	st := metrics.AppState{Name: a.Name}
	a.mu.Lock()
	live := a.live
	if serving, _ := a.current.baked(); serving != nil {
		live = serving // during a bake, the release baking serves
	}
	a.mu.Unlock()
	if live == nil {
		return st
	}
	st.Release, st.LastDeploy = live.Release.ID, metrics.DeployEnd(live.Release)
	if pool := a.site.Current(); pool != nil && pool.Release() == live.Release.ID {
		// The site's pool, not live.Pool, which a scale may replace meanwhile.
		st.InFlight = pool.InFlight()
	}
	for _, p := range live.Processes() {
		st.Processes = append(st.Processes, metrics.Process{Name: p.Name, Restarts: p.Restarts})
	}
	return st
}
