package daemon

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/release"
)

// Deploy runs one deploy; a second one while it runs is refused at once.
func (d *Daemon) Deploy(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, error) {
	if !d.deployMu.TryLock() {
		d.mu.Lock()
		what, since := d.deploying, time.Since(d.deployAt).Round(time.Second)
		if id := d.current.releaseID(); id != "" {
			what = id + ", " + what
		}
		d.mu.Unlock()
		return nil, fmt.Errorf("%w (%s, started %s ago): wait for it to finish, then deploy again, or stop it with `cutover deploy --abort`", control.ErrBusy, what, since)
	}
	defer d.deployMu.Unlock()
	select {
	case <-d.upgraded:
		return nil, fmt.Errorf("%w: deploy again, the new daemon takes it", errUpgraded)
	default:
	}
	d.stopRestore() // a deploy takes over from attempts to boot the live release after a start
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ctx, abort := deploy.NewAbort(ctx)
	defer abort.Release()
	req.Abort = abort
	dep := &deployment{abort: abort, done: make(chan struct{})}
	emit = dep.watch(emit)
	go func() {
		select {
		case <-d.stopping:
			cancel()
		case <-ctx.Done():
		}
	}()

	d.mu.Lock()
	live := d.live
	d.deploying, d.deployAt, d.current = describe(req), time.Now(), dep
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.deploying, d.current = "", nil
		d.mu.Unlock()
		close(dep.done)
	}()

	rel, next, err := d.deployer.Run(ctx, req, live, emit)
	if next != nil {
		d.mu.Lock()
		d.live = next
		d.restoring.err = ""
		d.mu.Unlock()
	}
	dep.end(rel, err)
	return rel, err
}

func describe(req deploy.Request) string {
	if req.Rollback != "" {
		return "rollback to " + req.Rollback
	}
	return "deploy of " + req.Source
}

// Status reports the live release and its processes, probing each web process's health path.
func (d *Daemon) Status(ctx context.Context) control.Status {
	d.mu.Lock()
	live, deploying := d.live, d.deploying
	if id := d.current.releaseID(); id != "" {
		deploying = id + ", " + deploying
	}
	restoring, liveErr := d.restoring.state, d.restoring.err
	d.mu.Unlock()
	st := control.Status{
		Daemon: control.DaemonInfo{
			Pid: os.Getpid(), Listen: d.opts.Listen, State: d.store.Dir(), Started: d.started, Version: d.opts.Version,
			Isolation: d.isolation,
		},
		Deploying: deploying,
		Restoring: restoring,
		LiveError: liveErr,
		Processes: []control.ProcessState{},
	}
	if d.shared != nil {
		st.Daemon.Listen = d.shared.Addr().String()
	}
	if live == nil {
		if rel, err := d.store.Live(); err == nil && rel != nil {
			st.Recorded = rel.ID
		}
		return st
	}
	st.Live, st.Source = live.Release.ID, live.Release.Source
	st.Formation = live.Scale()
	if kept, err := d.deployer.KeptScale(); err == nil && len(kept) > 0 {
		st.Kept = kept
	}
	if live.Pool != nil {
		st.InFlight = live.Pool.InFlight()
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
			h := probe(ctx, live.HealthURL(p.Name))
			if h != "healthy" && live.Config.Mode == config.ModeSocket {
				h = socketHealth(h, live.Readiness(p.Name))
			}
			st.Processes[i].Health = h
		}()
	}
	wg.Wait()
	return st
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

// probe asks a health URL once.
func probe(ctx context.Context, url string) string {
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

// Releases lists every release whose record is readable, oldest first, and those whose record is
// damaged.
func (d *Daemon) Releases() ([]*release.Release, []release.Damaged, error) { return d.store.List() }

// Prune removes releases older than the newest keep (zero: the daemon's setting), never the live
// one or its rollback target, and returns the ids removed. While a deploy runs it is refused.
func (d *Daemon) Prune(keep int) ([]string, error) {
	if !d.deployMu.TryLock() {
		return nil, fmt.Errorf("%w: prune once it is done", control.ErrBusy)
	}
	defer d.deployMu.Unlock()
	return d.deployer.Prune(keep)
}

// Release returns one release.
func (d *Daemon) Release(id string) (*release.Release, error) { return d.store.Get(id) }

// Tail returns the last n log lines of the app, of one process type or name when proc is set. It
// reads the log files, so the history is as long as they are and outlives restarts; the memory's
// lines only when the files cannot be read. An unknown process is an error naming the known ones.
func (d *Daemon) Tail(n int, proc string) ([]applog.Line, error) {
	if n <= 0 {
		n = 100
	}
	lines, err := applog.ReadTail(d.logPath(), d.logKeep(), n, keepProcess(proc))
	if err != nil {
		d.logger.Warn("read the app log files; showing the lines held in memory", "err", err)
		lines = d.log.Tail(n, keepProcess(proc))
	}
	if len(lines) == 0 && proc != "" {
		if known := d.processTypes(); !slices.Contains(known, strings.Split(proc, ".")[0]) {
			return nil, fmt.Errorf("no process %q in the live release: its process types are %s (see `cutover status`)", proc, strings.Join(known, ", "))
		}
	}
	return lines, nil
}

// processTypes lists the process types of the live release, and the release command's.
func (d *Daemon) processTypes() []string {
	d.mu.Lock()
	live := d.live
	d.mu.Unlock()
	if live == nil {
		return []string{procfile.Release}
	}
	return live.ProcessTypes()
}

// Follow streams new log lines until ctx is done.
func (d *Daemon) Follow(ctx context.Context, proc string) <-chan applog.Line {
	return d.log.Follow(ctx, keepProcess(proc))
}

// keepProcess matches "web" to web.1, web.2 and "web.2" to itself; "" to everything.
func keepProcess(proc string) func(applog.Line) bool {
	if proc == "" {
		return nil
	}
	return func(l applog.Line) bool {
		return l.Process == proc || strings.HasPrefix(l.Process, proc+".")
	}
}
