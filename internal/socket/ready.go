package socket

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/health"
)

// ErrExited reports a process that exited before it was ready.
var ErrExited = errors.New("exited before it was ready")

// Booting is one new process that inherited a shared socket and has yet to prove itself.
type Booting struct {
	Name      string          // e.g. "web.1"
	Group     int             // its process group: the pid of the process cutover started
	HealthURL string          // its health path on its private $PORT
	Exited    <-chan struct{} // closed when it exits
}

// Readiness decides when processes that share a socket with older ones are ready for traffic.
//
// A process is ready once (1) it says so, with READY=1 on its NOTIFY_SOCKET, or its health path
// answers 2xx, on its private $PORT or through the shared socket; and (2) it has accepted a
// connection on the shared socket. (1) is the app's own word that it booted; (2) proves it took the
// socket. Without (2), an app whose command forks its server (`cd app && puma`: bash stays in between)
// would get a LISTEN_PID that is not its own, listen elsewhere, and pass its health check, and the
// old processes would be stopped with no one left accepting.
//
// The shared socket is probed with connections of cutover's own; since old processes accept on it
// too, a probe counts only for the process whose group accepted it (see Shared.Probe).
type Readiness struct {
	Shared     *Shared
	Notifier   *Notifier     // nil: READY=1 is not listened for
	HealthPath string        // e.g. "/up"
	Interval   time.Duration // between health checks; zero means health.DefaultInterval
	// OnReady, if not nil, is told how each process proved ready, as it does: `cutover status`
	// shows it, since in socket mode cutover is not on the request path to see more.
	OnReady func(name, how string)
}

// NotReadyError says what a process that never became ready did and did not do.
type NotReadyError struct {
	Name     string
	Said     bool   // it sent READY=1
	Healthy  bool   // its health check passed
	Accepted bool   // it accepted a connection on the shared socket
	Last     string // the last health answer, through $PORT or the shared socket
	Err      error  // ErrExited, or the context's error
}

func (e *NotReadyError) Error() string {
	if errors.Is(e.Err, ErrExited) {
		return e.Name + " " + ErrExited.Error()
	}
	var msg string
	switch {
	case e.Accepted:
		msg = e.Name + " accepted connections on the shared socket, but never said READY=1 on $NOTIFY_SOCKET nor answered its health path with 2xx"
	case e.Said || e.Healthy:
		how := "answered its health path on $PORT"
		if e.Said {
			how = "said READY=1"
		}
		msg = e.Name + " " + how + ", but never accepted a connection on the shared socket"
	default:
		msg = e.Name + " never said READY=1 on $NOTIFY_SOCKET, nor answered its health path with 2xx, nor accepted a connection on the shared socket"
	}
	if e.Last != "" {
		msg += " (last health answer: " + e.Last + ")"
	}
	if !e.Accepted {
		msg += ". A server takes the socket from fd 3 when LISTEN_PID is its own pid: make it the last command of the Procfile line, or start it with exec, and tell it to use the socket (gunicorn does by itself; Puma needs --bind-to-activated-sockets only)"
	}
	return msg
}

// Unwrap returns ErrExited or the context's error.
func (e *NotReadyError) Unwrap() error { return e.Err }

// progress is what one booting process has shown so far.
type progress struct {
	said, healthy, accepted bool
	sharedStreak            int
	last                    string
}

func (p *progress) ready() bool { return (p.said || p.healthy) && p.accepted }

// how says what made a ready process ready.
func (p *progress) how() string {
	word := "its health path answered 2xx"
	if p.said {
		word = "it said READY=1"
	}
	return word + " and it accepted a connection on the shared socket"
}

// news is one thing a watcher learned about a process.
type news struct {
	group  int
	apply  func(*progress)
	exited bool
}

// Wait returns once every process in procs is ready, or with a *NotReadyError for the first that
// exits or is not ready when ctx is done.
func (r Readiness) Wait(ctx context.Context, procs []Booting) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	state := map[int]*progress{}
	groups := map[int]bool{}
	byGroup := map[int]Booting{}
	newsc := make(chan news, 4*len(procs)+1)
	for _, p := range procs {
		state[p.Group], groups[p.Group], byGroup[p.Group] = &progress{}, true, p
		go r.watchNotify(ctx, p, newsc)
		go r.watchPort(ctx, p, newsc)
	}
	go r.watchShared(ctx, groups, newsc)
	waiting := len(procs)
	for waiting > 0 {
		select {
		case n := <-newsc:
			pr := state[n.group]
			if pr == nil {
				continue
			}
			was := pr.ready()
			if n.exited {
				return r.notReady(byGroup[n.group], pr, ErrExited)
			}
			n.apply(pr)
			if !was && pr.ready() {
				waiting--
				if r.OnReady != nil {
					r.OnReady(byGroup[n.group].Name, pr.how())
				}
			}
		case <-ctx.Done():
			for _, p := range procs {
				if pr := state[p.Group]; !pr.ready() {
					return r.notReady(p, pr, ctx.Err())
				}
			}
			return nil
		}
	}
	return nil
}

func (r Readiness) notReady(p Booting, pr *progress, err error) error {
	return &NotReadyError{Name: p.Name, Said: pr.said, Healthy: pr.healthy, Accepted: pr.accepted, Last: pr.last, Err: err}
}

// watchNotify reports READY=1 from p, and p's exit.
func (r Readiness) watchNotify(ctx context.Context, p Booting, out chan<- news) {
	var ready <-chan struct{}
	if r.Notifier != nil {
		ready = r.Notifier.Ready(p.Group)
	}
	for {
		select {
		case <-ready:
			ready = nil
			out <- news{group: p.Group, apply: func(pr *progress) { pr.said = true }}
		case <-p.Exited:
			out <- news{group: p.Group, exited: true}
			return
		case <-ctx.Done():
			return
		}
	}
}

// watchPort reports when p's health check on its private port passes.
func (r Readiness) watchPort(ctx context.Context, p Booting, out chan<- news) {
	if p.HealthURL == "" {
		return
	}
	check := health.Check{URL: p.HealthURL, Interval: r.Interval}
	// The exit is reported by watchNotify; here it only ends the wait.
	if err := check.Wait(ctx, p.Exited); err == nil {
		out <- news{group: p.Group, apply: func(pr *progress) { pr.healthy = true }}
	}
}

// watchShared probes the shared socket until ctx is done, reporting each probe a booting process
// accepted, with its health answer through it.
func (r Readiness) watchShared(ctx context.Context, groups map[int]bool, out chan<- news) {
	interval := r.Interval
	if interval <= 0 {
		interval = health.DefaultInterval
	}
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, DefaultProbeTimeout)
		probe, err := r.Shared.Probe(pctx, groups)
		if err == nil && probe.Group == 0 {
			probe.Close() // an older process took it
		} else if err == nil {
			status, gerr := probe.Get(pctx, r.HealthPath)
			last := fmt.Sprintf("%d through the shared socket", status)
			if gerr != nil {
				last = gerr.Error()
			}
			pass := gerr == nil && status >= 200 && status <= 299
			select {
			case out <- news{group: probe.Group, apply: func(pr *progress) {
				pr.accepted, pr.last = true, last
				if !pass {
					pr.sharedStreak = 0
					return
				}
				if pr.sharedStreak++; pr.sharedStreak >= health.DefaultThreshold {
					pr.healthy = true
				}
			}}:
			case <-ctx.Done():
			}
		}
		cancel()
		t := time.NewTimer(interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
		}
	}
}
