package proxy

import (
	"errors"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPauseTimeout is how long a request may be held while its site is paused before it is
// answered 503: long enough for a database restart, short enough that no client gives up first.
const DefaultPauseTimeout = 30 * time.Second

// DefaultPausedRetryAfter is the Retry-After of the 503 a held request gets when its wait ends
// before the site is resumed.
const DefaultPausedRetryAfter = 5 * time.Second

// ErrPaused is observed for a request that was held while its site was paused and not let through
// before its timeout (or before the proxy shut down).
var ErrPaused = errors.New("the app is paused and was not resumed in time")

var pagePaused = func() *page {
	pg := newPage(http.StatusServiceUnavailable, "the app is paused for a moment; try again shortly")
	pg.retryAfter = strconv.Itoa(int(DefaultPausedRetryAfter / time.Second))
	return pg
}()

// hold is one pause of a site: the requests it holds, in arrival order. Resume lets them go one
// at a time, each only once the one before has gone on, so that they reach the pool in the order
// they came; requests that arrive while it does queue behind them.
type hold struct {
	timeout atomic.Int64 // how long a request waits, in nanoseconds

	mu    sync.Mutex // guards the fields below
	queue []*waiter
	gone  int  // waiters in queue that stopped waiting
	done  bool // released: requests go through
}

// waiter is one held request.
type waiter struct {
	ready chan struct{} // closed when it may go on
	ack   chan struct{} // closed by the request once it goes on
	state int           // waiterQueued etc., guarded by hold.mu
}

const (
	waiterQueued = iota
	waiterReleased
	waiterGone // it timed out, its client left, or the proxy stopped
)

// heldOutcome is how a request's wait in a hold ended.
type heldOutcome int

const (
	heldReleased heldOutcome = iota // resumed: go on to the site's pool
	heldTimeout                     // answer 503
	heldGone                        // the client left
	heldStopped                     // the proxy shuts down: answer 503, the client retries elsewhere
	heldDetour                      // the daemon handed over: go on to the proxy's own site
)

func newHold(timeout time.Duration) *hold {
	h := &hold{}
	h.setTimeout(timeout)
	return h
}

func (h *hold) setTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultPauseTimeout
	}
	h.timeout.Store(int64(d))
}

// wait holds the request until the hold is released, its timeout passes, gone is closed (the
// client left; nil for never), or the proxy stops or hands over. A released request calls bind
// before the next one is let go: the proxy binds it to its pool there, in arrival order.
func (h *hold) wait(p *Proxy, gone <-chan struct{}, bind func()) heldOutcome {
	h.mu.Lock()
	if h.done {
		h.mu.Unlock()
		bind()
		return heldReleased
	}
	w := &waiter{ready: make(chan struct{}), ack: make(chan struct{})}
	h.compactLocked()
	h.queue = append(h.queue, w)
	h.mu.Unlock()
	timer := time.NewTimer(time.Duration(h.timeout.Load()))
	defer timer.Stop()
	var out heldOutcome
	select {
	case <-w.ready:
		bind()
		close(w.ack)
		return heldReleased
	case <-timer.C:
		out = heldTimeout
	case <-gone:
		out = heldGone
	case <-p.stop:
		out = heldStopped
	case <-p.detour:
		out = heldDetour
	}
	h.mu.Lock()
	if w.state == waiterQueued {
		w.state = waiterGone
		h.gone++
		h.mu.Unlock()
		return out
	}
	h.mu.Unlock()
	// The release took it at the same moment: it goes on, as the ones behind it wait for.
	<-w.ready
	bind()
	close(w.ack)
	return heldReleased
}

// compactLocked drops the waiters that stopped waiting once they are most of the queue, so that
// a long pause with many timeouts does not keep them all.
func (h *hold) compactLocked() {
	if h.gone < 64 || h.gone < len(h.queue)/2 {
		return
	}
	kept := h.queue[:0]
	for _, w := range h.queue {
		if w.state == waiterQueued {
			kept = append(kept, w)
		}
	}
	clear(h.queue[len(kept):])
	h.queue, h.gone = kept, 0
}

// release lets the held requests go, in arrival order, each once the one before has gone on, and
// then every request after them; it returns how many it let go.
func (h *hold) release() int {
	n := 0
	for {
		h.mu.Lock()
		var next *waiter
		for next == nil && len(h.queue) > 0 {
			w := h.queue[0]
			h.queue[0] = nil
			h.queue = h.queue[1:]
			if w.state != waiterQueued {
				h.gone--
				continue
			}
			w.state = waiterReleased
			next = w
		}
		if next == nil {
			h.done = true
			h.queue, h.gone = nil, 0
			h.mu.Unlock()
			return n
		}
		h.mu.Unlock()
		close(next.ready)
		<-next.ack
		n++
	}
}

// held returns how many requests the hold holds now.
func (h *hold) held() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.queue) - h.gone
}

// Pause makes the site hold every new request, in arrival order, until [Site.Resume], for up to
// timeout each (zero means DefaultPauseTimeout); one still held then is answered 503 with a
// Retry-After of DefaultPausedRetryAfter. Requests in flight go on and finish. Pausing a paused
// site only sets the timeout of requests that arrive from then on. A proxy that shuts down
// answers the held requests 503 at once, with Connection: close, so that their clients retry on
// the daemon that follows; see [Proxy.DetourHeld] for a handover.
func (s *Site) Pause(timeout time.Duration) {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	g := s.gateCopy()
	if g.hold != nil {
		g.hold.setTimeout(timeout)
		return
	}
	g.hold = newHold(timeout)
	s.setGate(g)
}

// Resume lets the requests held by [Site.Pause] go on, in the order they arrived, and returns how
// many it let go; new requests are no longer held. Resuming a site that is not paused does
// nothing.
func (s *Site) Resume() int {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	g := s.gateCopy()
	if g.hold == nil {
		return 0
	}
	n := g.hold.release()
	g.hold = nil
	s.setGate(g)
	return n
}

// Paused reports whether the site is paused, and how many requests it holds.
func (s *Site) Paused() (paused bool, held int) {
	g := s.gate.Load()
	if g == nil || g.hold == nil {
		return false, 0
	}
	return true, g.hold.held()
}

// DetourHeld sends the requests held by paused sites, and any that a paused site takes from now
// on, to the proxy's own site instead: a daemon that handed over to a new one points that site at
// the new daemon, which holds them in turn if it is paused too.
func (p *Proxy) DetourHeld() { p.detourOnce.Do(func() { close(p.detour) }) }
