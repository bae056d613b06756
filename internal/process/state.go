package process

import (
	"errors"
	"time"
)

// Exit is how one run of a process ended.
type Exit struct {
	Time time.Time `json:"time"`
	// Code is the exit status; -1 when a signal killed the process, when its status is unknown
	// (adopted at an upgrade) or when it could not be started again.
	Code int `json:"code"`
	// Signal names the signal that killed it, e.g. "SIGKILL"; "" for none.
	Signal string `json:"signal,omitempty"`
	// Message says it in words: "exited with status 3", "killed by signal SIGSEGV".
	Message string `json:"message"`
}

// Loop describes a process the supervisor keeps starting again because each run ends before
// DefaultRestartReset: its backoff is engaged.
type Loop struct {
	Restarts int       `json:"restarts"` // restarts in a row
	Since    time.Time `json:"since"`    // when the first of them happened
}

// State is one tracked process of a Group, with its history under the group's supervision.
type State struct {
	Process  *Process // the current run, or the last one while a restart waits
	Restarts int      // how many times the group started it again
	LastExit *Exit    // how the last run ended; nil until one has
	Loop     *Loop    // non-nil while it is crash-looping
}

// States returns the tracked processes, as Processes does, with how often each was restarted and
// how it last ended. A process is crash-looping once it was restarted twice in a row after runs
// shorter than DefaultRestartReset (the backoff has doubled), until a run lasts that long.
func (g *Group) States() []State {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]State, len(g.slots))
	for i, s := range g.slots {
		out[i] = State{Process: s.proc, Restarts: s.restarts, LastExit: s.lastExit}
		running := time.Since(s.proc.Started())
		select {
		case <-s.proc.Done():
			running = 0 // waiting for its restart
		default:
		}
		if s.streak >= 2 && running < g.restartReset {
			out[i].Loop = &Loop{Restarts: s.streak, Since: s.loopSince}
		}
	}
	return out
}

// exitOf describes how p's run ended; p must be done.
func exitOf(p *Process) *Exit {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := &Exit{Time: p.ended, Code: 0, Message: errString(p.err)}
	var ee *ExitError
	switch {
	case errors.As(p.err, &ee):
		e.Code = ee.Status
		if ee.Signal != 0 {
			e.Signal = signalName(ee.Signal)
		}
		e.Message = (&ExitError{Status: ee.Status, Signal: ee.Signal}).Error()
	case p.err != nil:
		e.Code = -1
	}
	return e
}
