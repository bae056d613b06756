package proxy

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// errAborted is the error observed when a response broke off mid-body for a reason other than a
// drain cut or the client leaving, such as the backend dying.
var errAborted = errors.New("response aborted mid-body")

// flight is the state of one request on its way through the proxy. Once bound to a pool it is also
// the context the request is forwarded with, so the rewrite, round trip, response and error hooks
// (all called on the ServeHTTP goroutine) find it without a lookup table.
type flight struct {
	context.Context // the client's request context, also cancelled by the pool's cut

	cancel  context.CancelCauseFunc
	stopCut func() bool
	stopUp  func() bool // unties a pooled HTTP/2 exchange's backend connection (see stream), nil if none

	proxy *Proxy
	w     http.ResponseWriter
	in    *http.Request
	conn  *framingConn // nil when ServeHTTP runs under another server
	start time.Time

	site      *Site // the site the request was routed to, nil if none
	pool      *Pool
	backend   int // index into pool.backends, -1 if none
	retried   bool
	body      retryBody
	send      *stall      // bounds each write to the client (SendTimeout), nil until forwarding
	sent      *sendWriter // the writer forwarded with, under send; &sentBy once forwarding
	sentBy    sendWriter
	bodyRead  *stall // bounds each read of the request body (BodyReadTimeout), nil without a body
	requestID string
	hsts      string // the Strict-Transport-Security value to add, "" for none
	setCookie string // the canary's Set-Cookie value to add, "" for none
	trusted   bool   // the client is one of Options.TrustedProxies
	handed    bool   // the daemon before handed the request over (see handover.go)
	status    int
	err       error

	responding atomic.Bool // response headers are on their way to the client
	mu         sync.Mutex  // orders cutOff against finish
	done       bool
}

type flightKey struct{}

// Value makes the flight findable from the contexts derived from it.
func (f *flight) Value(key any) any {
	if key == (flightKey{}) {
		return f
	}
	return f.Context.Value(key)
}

// flightOf returns the flight ctx belongs to, or nil.
func flightOf(ctx context.Context) *flight {
	if f, ok := ctx.(*flight); ok {
		return f
	}
	f, _ := ctx.Value(flightKey{}).(*flight)
	return f
}

// attach derives the flight's context from the client's and ties it to the pool's cut.
func (f *flight) attach() {
	f.Context, f.cancel = context.WithCancelCause(f.in.Context())
	// AfterFunc instead of a goroutine selecting on both: most requests end long before any
	// cut, and an idle registration costs a few words rather than a goroutine's stack.
	f.stopCut = context.AfterFunc(f.pool.cut, f.cutOff)
}

// cutOff cancels the round trip and unblocks reads from the client, which a cancelled context
// alone does not. Once the response is under way it also unblocks writes: a stream to a client that
// stopped reading, or an upgraded connection, would otherwise outlive the drain. Before that, writes
// are left alone so the client still gets its 502 page.
func (f *flight) cutOff() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.done {
		return // the connection may already serve the client's next request
	}
	f.cancel(ErrCut)
	rc := http.NewResponseController(f.w)
	now := time.Now()
	_ = rc.SetReadDeadline(now)
	if f.responding.Load() {
		_ = rc.SetWriteDeadline(now)
	}
}

// finish runs deferred at the end of ServeHTTP: it settles the result, reports it and releases the
// pool. A panic (http.ErrAbortHandler when a streamed body breaks off) is recorded and re-raised,
// so the server still aborts the client connection.
func (f *flight) finish() {
	v := recover()
	f.unwatchClient()
	switch {
	case f.err != nil:
	case v != nil:
		f.err = f.abortCause()
		if f.status == 0 {
			f.status = http.StatusInternalServerError
		}
	case f.Context != nil && context.Cause(f) == ErrCut:
		f.err = ErrCut // an upgraded connection, closed without an error of its own
	}
	if f.stopCut != nil {
		if !f.stopCut() {
			f.mu.Lock()
			f.done = true
			f.mu.Unlock()
		}
		f.cancel(nil)
	}
	f.report()
	if f.pool != nil {
		f.pool.unbind()
	}
	if v != nil {
		panic(v)
	}
}

func (f *flight) abortCause() error {
	switch {
	case f.Context != nil && context.Cause(f) == ErrCut:
		return ErrCut
	case f.in.Context().Err() != nil:
		return ErrClientGone
	default:
		return errAborted
	}
}

// report passes the result to Options.Observe.
func (f *flight) report() {
	observe := f.site.observer(f.proxy.observe)
	if observe == nil {
		return
	}
	res := Result{Status: f.status, Err: f.err, Duration: time.Since(f.start)}
	if f.sent != nil {
		res.Bytes = f.sent.n
	}
	if f.pool != nil {
		res.Release = f.pool.release
		if f.backend >= 0 {
			res.Backend = f.pool.backends[f.backend].Name
		}
	}
	observe(res)
}

// retryBody is the forwarded request body. Its Close does nothing, so the body survives a round trip
// that failed to connect and can be sent on the retry; the server closes the client's body.
type retryBody struct {
	rc   io.ReadCloser
	read atomic.Bool
}

// Read implements [io.Reader] and notes that the body was read.
func (b *retryBody) Read(p []byte) (int, error) {
	b.read.Store(true)
	return b.rc.Read(p)
}

// Close implements [io.Closer]; it does nothing.
func (b *retryBody) Close() error { return nil }
