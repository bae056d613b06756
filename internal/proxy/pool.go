package proxy

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"
)

// DefaultUnwindTimeout bounds how long [Pool.Drain], after cutting the requests still in flight, waits
// for them to unwind. Cut requests normally finish at once, since their connections are closed; the
// bound only keeps a wedged one from holding a deploy forever.
const DefaultUnwindTimeout = 5 * time.Second

// ErrCut is the cause given to requests that [Pool.Drain] cut off because its deadline passed.
var ErrCut = errors.New("request cut off: its release was drained and the drain deadline passed")

// Backend is one upstream app process.
type Backend struct {
	Addr string // host:port it listens on, e.g. "127.0.0.1:41234"
	Name string // process name, e.g. "web.1"
}

// Pool is the backends of one release. Requests are counted in flight from the moment they are bound
// to the pool until the response (or upgraded connection) is finished. A Pool is safe for concurrent
// use; it must not be copied.
type Pool struct {
	release  string
	backends []Backend
	up       []upstream    // idle connections to each backend, for the fast path
	next     atomic.Uint64 // round-robin cursor
	inflight atomic.Int64
	first    atomic.Int64 // when the first request was bound, in Unix nanoseconds; 0 before
	draining atomic.Bool
	idle     chan struct{} // one token: in-flight reached zero while draining
	handover []byte        // the upgrade's secret its requests carry: the new daemon's pool (see handover.go)

	// cut is the pool's own lifetime, not a caller's context: Drain cancels it when its deadline
	// passes, and every request bound to the pool hangs its cancellation on it with
	// context.AfterFunc, which costs no goroutine per request.
	cut       context.Context
	cancelCut context.CancelCauseFunc
}

// NewPool returns the pool of release's backends. The slice is copied.
func NewPool(release string, backends []Backend) *Pool {
	cut, cancel := context.WithCancelCause(context.Background())
	return &Pool{
		release:   release,
		backends:  append([]Backend(nil), backends...),
		up:        make([]upstream, len(backends)),
		idle:      make(chan struct{}, 1),
		cut:       cut,
		cancelCut: cancel,
	}
}

// Release returns the release the pool serves.
func (p *Pool) Release() string { return p.release }

// Backends returns a copy of the pool's backends.
func (p *Pool) Backends() []Backend { return append([]Backend(nil), p.backends...) }

// InFlight returns how many requests are bound to the pool and not yet finished.
func (p *Pool) InFlight() int64 { return p.inflight.Load() }

// DrainError is returned by [Pool.Drain] when its context ended before the pool's requests finished.
type DrainError struct {
	Release string
	Cut     int64 // requests still in flight at the deadline, cut off
	Err     error // the context's error
}

// Error says how many requests of which release were cut.
func (e *DrainError) Error() string {
	return fmt.Sprintf("drain release %s: cut %d request(s) still in flight: %v", e.Release, e.Cut, e.Err)
}

// Unwrap returns the context's error.
func (e *DrainError) Unwrap() error { return e.Err }

// Drain waits until no request is in flight and returns nil. Call it after switching away from the
// pool. When ctx is done first, it cancels what is still in flight (long-lived responses like SSE and
// upgraded websocket connections are closed at this point, not before), waits up to
// [DefaultUnwindTimeout] for those to unwind, and returns a [*DrainError] wrapping ctx.Err() that says
// how many were cut.
func (p *Pool) Drain(ctx context.Context) error {
	p.draining.Store(true)
	defer p.closeIdle()
	for {
		// Store-then-load here and decrement-then-load in unbind: with Go's sequentially consistent
		// atomics at least one side sees the other, so a token is never missed.
		if p.inflight.Load() == 0 {
			return nil
		}
		select {
		case <-p.idle:
		case <-ctx.Done():
			return p.cutOff(ctx.Err())
		}
	}
}

func (p *Pool) cutOff(cause error) error {
	n := p.inflight.Load()
	if n == 0 {
		return nil
	}
	p.cancelCut(ErrCut)
	timer := time.NewTimer(DefaultUnwindTimeout)
	defer timer.Stop()
	for p.inflight.Load() > 0 {
		select {
		case <-p.idle:
		case <-timer.C:
			return &DrainError{Release: p.release, Cut: n, Err: cause}
		}
	}
	return &DrainError{Release: p.release, Cut: n, Err: cause}
}

// closeIdle closes the pool's idle backend connections: a drained pool gets no more requests.
func (p *Pool) closeIdle() {
	for i := range p.up {
		p.up[i].close()
	}
}

// pick returns the index of the next backend in round-robin order, or -1 if the pool has none.
func (p *Pool) pick() int {
	n := uint64(len(p.backends))
	if n == 0 {
		return -1
	}
	return int((p.next.Add(1) - 1) % n)
}

// bind counts a request in flight.
func (p *Pool) bind() { p.inflight.Add(1) }

// noteFirst records now as the pool's first request, if it has none yet: one atomic load per
// request after that.
func (p *Pool) noteFirst() {
	if p.first.Load() == 0 {
		p.first.CompareAndSwap(0, time.Now().UnixNano())
	}
}

// FirstRequest returns when the first request was bound to the pool, zero if none was yet.
func (p *Pool) FirstRequest() time.Time {
	if ns := p.first.Load(); ns != 0 {
		return time.Unix(0, ns)
	}
	return time.Time{}
}

// unbind counts a request finished and wakes a waiting Drain when it was the last.
func (p *Pool) unbind() {
	if p.inflight.Add(-1) == 0 && p.draining.Load() {
		select {
		case p.idle <- struct{}{}:
		default:
		}
	}
}
