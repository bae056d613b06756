package process

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"
)

// Restart backoff defaults for a supervised Group.
const (
	// DefaultRestartMin is the delay before the first restart of a process.
	DefaultRestartMin = 100 * time.Millisecond
	// DefaultRestartMax caps the delay, which doubles with each restart.
	DefaultRestartMax = 30 * time.Second
	// DefaultRestartReset is how long a process must run before its next
	// restart counts as the first again.
	DefaultRestartReset = 10 * time.Second
)

// ErrGroupStopped reports a Start on a Group that has been stopped.
var ErrGroupStopped = errors.New("process group is stopped")

// Group is the processes of one release. Once supervised, it restarts a
// process that exits without being stopped. It is safe for concurrent use.
type Group struct {
	logger                               *slog.Logger
	restartMin, restartMax, restartReset time.Duration

	supervised chan struct{} // closed by Supervise
	quit       chan struct{} // closed by Stop
	watchers   sync.WaitGroup

	mu           sync.Mutex
	slots        []*slot
	onRestart    func(old, new *Process)
	isSupervised bool
	stopped      bool
	disowned     bool // the processes belong to another daemon now
}

// slot is one tracked process; a replacement takes its predecessor's slot.
type slot struct {
	spec Spec
	// Guarded by Group.mu:
	proc      *Process
	restarts  int       // replacements started so far
	attempt   int       // restarts in a row, each after a run shorter than restartReset: the backoff
	streak    int       // of those, the ones started so far
	loopSince time.Time // when the first of them was asked for
	lastExit  *Exit     // how the last run ended; nil until one has
	removed   bool      // Remove took it out of the group: never restarted
}

// NewGroup returns an empty Group that logs restarts to logger (nil means
// slog.Default()).
func NewGroup(logger *slog.Logger) *Group {
	if logger == nil {
		logger = slog.Default()
	}
	return &Group{
		logger:       logger,
		restartMin:   DefaultRestartMin,
		restartMax:   DefaultRestartMax,
		restartReset: DefaultRestartReset,
		supervised:   make(chan struct{}),
		quit:         make(chan struct{}),
	}
}

// Start starts the process described by spec and tracks it.
func (g *Group) Start(spec Spec) (*Process, error) {
	return g.track(spec, func() (*Process, error) { return Start(spec) })
}

// Adopt tracks pid, a process an earlier cutover started from spec and handed over at an upgrade
// (see the package function Adopt). A restart starts it again from spec.
func (g *Group) Adopt(spec Spec, pid int, started time.Time, stdout, stderr *os.File) (*Process, error) {
	return g.track(spec, func() (*Process, error) { return Adopt(spec, pid, started, stdout, stderr) })
}

func (g *Group) track(spec Spec, start func() (*Process, error)) (*Process, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopped {
		return nil, fmt.Errorf("start %s: %w", spec.Name, ErrGroupStopped)
	}
	p, err := start()
	if err != nil {
		return nil, err
	}
	s := &slot{spec: spec, proc: p}
	g.slots = append(g.slots, s)
	g.watchers.Add(1)
	go g.watch(s, p)
	return p, nil
}

// Supervise makes the group restart, with the same Spec, every tracked
// process that exits other than through Stop, including one that already
// has. Restarts wait DefaultRestartMin, doubling each time up to
// DefaultRestartMax; a process that ran for DefaultRestartReset starts the
// count again. Each restart is logged.
func (g *Group) Supervise() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.isSupervised && !g.stopped {
		g.isSupervised = true
		close(g.supervised)
	}
}

// OnRestart sets a function to be called after each restart with the
// process that exited and its replacement. It is called from the group's
// own goroutines and should return promptly.
func (g *Group) OnRestart(f func(old, new *Process)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.onRestart = f
}

// Processes returns the current tracked processes in the order they were
// started; a restarted process's replacement is in its place.
func (g *Group) Processes() []*Process {
	g.mu.Lock()
	defer g.mu.Unlock()
	procs := make([]*Process, len(g.slots))
	for i, s := range g.slots {
		procs[i] = s.proc
	}
	return procs
}

// Stop ends supervision and stops every current process concurrently with
// Process.Stop(timeout). It returns once all of them and the group's own
// goroutines are done, with their errors joined.
func (g *Group) Stop(timeout time.Duration) error {
	g.mu.Lock()
	if g.disowned {
		g.mu.Unlock()
		return nil
	}
	if !g.stopped {
		g.stopped = true
		close(g.quit)
	}
	procs := make([]*Process, len(g.slots))
	for i, s := range g.slots {
		procs[i] = s.proc
	}
	g.mu.Unlock()

	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Go(func() { errs[i] = p.Stop(timeout) })
	}
	wg.Wait()
	g.watchers.Wait()
	return errors.Join(errs...)
}

// Remove stops the process named name with Process.Stop(timeout) and forgets it: it is not
// restarted, and Processes no longer lists it. A scale down.
func (g *Group) Remove(name string, timeout time.Duration) error {
	g.mu.Lock()
	i := slices.IndexFunc(g.slots, func(s *slot) bool { return s.spec.Name == name })
	if i < 0 || g.disowned {
		g.mu.Unlock()
		return fmt.Errorf("remove %s: no such process in the group", name)
	}
	s := g.slots[i]
	s.removed = true
	g.slots = slices.Delete(g.slots, i, i+1)
	p := s.proc
	g.mu.Unlock()
	return p.Stop(timeout)
}

// Disown lets go of the group's processes without stopping them, as bash's disown lets jobs outlive
// the shell, for the daemon they are handed to at an upgrade: supervision ends, their output is no
// longer read, and the group takes no new process. They run on; Stop afterwards does nothing.
func (g *Group) Disown() {
	g.mu.Lock()
	if g.stopped {
		g.mu.Unlock()
		return
	}
	g.stopped, g.disowned = true, true
	close(g.quit)
	procs := make([]*Process, len(g.slots))
	for i, s := range g.slots {
		procs[i] = s.proc
	}
	g.mu.Unlock()
	g.watchers.Wait()
	var released sync.WaitGroup // all at once: a read that cannot be cut costs releaseWait once
	for _, p := range procs {
		released.Go(p.disown)
	}
	released.Wait()
}

// watch is the group's goroutine for one slot: it waits for the slot's
// process to exit and, once supervised, replaces it.
func (g *Group) watch(s *slot, p *Process) {
	defer g.watchers.Done()
	for {
		select {
		case <-p.Done():
		case <-g.quit:
			return
		}
		if p.stopped() {
			return
		}
		g.mu.Lock()
		s.lastExit = exitOf(p)
		if p.ran() >= g.restartReset {
			s.attempt, s.streak = 0, 0
		}
		g.mu.Unlock()
		select {
		case <-g.supervised:
		case <-g.quit:
			return
		}
		if p = g.restart(s, p); p == nil {
			return
		}
	}
}

// restart starts a replacement for old after the backoff, trying again
// after a failed start. It returns nil if the group is stopped meanwhile.
func (g *Group) restart(s *slot, old *Process) *Process {
	cause := old.Err()
	for {
		g.mu.Lock()
		s.attempt++
		if s.attempt == 1 {
			s.loopSince = time.Now()
		}
		attempt := s.attempt
		g.mu.Unlock()
		delay := g.backoff(attempt)
		g.logger.Warn("process exited, restarting", "process", s.spec.Name,
			"err", errString(cause), "attempt", attempt, "delay", delay)
		timer := time.NewTimer(delay)
		select {
		case <-timer.C:
		case <-g.quit:
			timer.Stop()
			return nil
		}

		// Starting under the lock means Stop either sees the replacement or
		// has already marked the group stopped, so none can escape it.
		g.mu.Lock()
		if g.stopped || s.removed {
			g.mu.Unlock()
			return nil
		}
		p, err := Start(s.spec)
		if err == nil {
			s.proc = p
			s.restarts++
			s.streak++
		} else {
			s.lastExit = &Exit{Time: time.Now(), Code: -1, Message: err.Error()}
		}
		hook := g.onRestart
		g.mu.Unlock()

		if err != nil {
			cause = err
			continue
		}
		g.logger.Info("process restarted", "process", s.spec.Name, "pid", p.Pid(), "attempt", attempt)
		if hook != nil {
			hook(old, p)
		}
		return p
	}
}

// backoff returns the delay before restart number attempt (from 1).
func (g *Group) backoff(attempt int) time.Duration {
	d := g.restartMin
	for i := 1; i < attempt && d < g.restartMax; i++ {
		d *= 2
	}
	return min(d, g.restartMax)
}

func errString(err error) string {
	if err == nil {
		return "exited with status 0"
	}
	return err.Error()
}
