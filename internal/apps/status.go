package apps

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// DefaultProbeTimeout bounds `cutover status` asking each web process's health path.
const DefaultProbeTimeout = 500 * time.Millisecond

// Status reports the live release and its processes (the daemon fills in its own part), probing each web process's health path.
func (a *App) Status(ctx context.Context) control.Status {
	a.mu.Lock()
	live, deploying := a.live, a.deploying
	steps := a.current.stepsSoFar()
	if id := a.current.releaseID(); id != "" {
		deploying = id + ", " + deploying
	}
	restoring, liveErr := a.restoring.state, a.restoring.err
	var baking *control.Bake
	if serving, until := a.current.baked(); serving != nil && live != nil {
		// The new release serves; the live one of the record is kept booted to go back to.
		baking = &control.Bake{Release: serving.Release.ID, Old: live.Release.ID, Until: until}
		live = serving
	} else if id, share, until := a.current.canary(); id != "" && live != nil {
		baking = &control.Bake{Release: id, Old: live.Release.ID, Until: until, Share: share}
	}
	a.mu.Unlock()
	st := control.Status{
		App:       a.Name,
		Daemon:    control.DaemonInfo{Isolation: a.isolation},
		Deploying: deploying,
		Steps:     steps,
		Bake:      baking,
		Restoring: restoring,
		LiveError: liveErr,
		Processes: []control.ProcessState{},
	}
	st.Figures = deployFigures(a.recorder, steps, time.Now())
	if t := a.Traffic(); t.Paused || t.Maintenance {
		st.Traffic = &t
	}
	if live == nil {
		if rel, err := a.store.Live(); err == nil && rel != nil {
			st.Recorded = rel.ID
		}
		return st
	}
	st.Live, st.Source = live.Release.ID, live.Release.Origin()
	st.Formation = live.Scale()
	if kept, err := a.deployer.KeptScale(); err == nil && len(kept) > 0 {
		st.Kept = kept
	}
	if pool := a.site.Current(); pool != nil && pool.Release() == live.Release.ID {
		// The site's pool, not live.Pool, which a scale may replace meanwhile.
		st.InFlight = pool.InFlight()
	}
	procs := live.Processes()
	st.Processes = make([]control.ProcessState, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		st.Processes[i] = control.ProcessState{Release: live.Release.ID, Name: p.Name, Pid: p.Pid, Port: p.Port, Started: p.Started,
			Restarts: p.Restarts, LastExit: p.LastExit, Loop: p.Loop}
		if p.Port == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := Probe(ctx, live.HealthURL(p.Name))
			if h != "healthy" && live.Config.Mode == config.ModeSocket {
				h = socketHealth(h, live.Readiness(p.Name))
			}
			st.Processes[i].Health = h
		}()
	}
	wg.Wait()
	return st
}

// deployFigures are rec's figures from the start of a deploy's first step to now; nil before its
// first step (or when no deploy runs).
func deployFigures(rec *report.Recorder, steps []release.Step, now time.Time) *control.Figures {
	if len(steps) == 0 {
		return nil
	}
	return control.FiguresOf(rec.Summary(steps[0].Start, now))
}

const noAnswer = "unhealthy: no answer"

// socketHealth is the health of a socket-mode web process whose $PORT did not answer 2xx: cutover
// is not on its request path, so what its boot check saw is what cutover knows.
func socketHealth(probed, ready string) string {
	now := "no answer on $PORT now"
	if probed != noAnswer {
		now = "$PORT now: " + strings.TrimPrefix(probed, "unhealthy: ")
	}
	if ready == "" {
		return probed + " (socket mode: cutover is not on the request path; it may serve the shared socket only)"
	}
	return ready + "; " + now + " (socket mode: cutover is not on the request path)"
}

// Probe asks a health URL once, as `cutover status` does: "healthy", or "unhealthy: " and why.
func Probe(ctx context.Context, url string) string {
	ctx, cancel := context.WithTimeout(ctx, DefaultProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "unhealthy: " + err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return noAnswer
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return "unhealthy: " + resp.Status
	}
	return "healthy"
}
