package proxy

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/h2"
)

// stall bounds how long one call (a write toward the client, a read of its request body) may wait
// on the general path, as the fast path's connection deadlines do (see conn.extendSend): begin
// before the call, end after it. One timer per request looks at the call under way now and then and
// cuts it once it has waited past the timeout.
//
// The fast path sets a deadline on its connection before a write; here an HTTP/2 stream's deadline
// is a timer that fires whether or not a write waits, which would reset an event stream whose app
// is only quiet. So the deadline is set, in the past, only on a call that has waited too long.
type stall struct {
	timeout time.Duration
	cut     func() // unblocks the call under way: sets its deadline in the past

	mu      sync.Mutex
	since   time.Time // when the call under way began; zero between calls
	timer   *time.Timer
	armed   bool // the timer will fire
	stopped bool
	fired   bool // a call was cut
}

// begin notes that a call starts now.
func (s *stall) begin() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.since = time.Now()
	if s.armed || s.stopped {
		return // the timer will look at this call when it fires
	}
	s.armed = true
	if s.timer == nil {
		s.timer = time.AfterFunc(s.timeout, s.check)
	} else {
		s.timer.Reset(s.timeout)
	}
}

// end notes that the call under way returned.
func (s *stall) end() {
	s.mu.Lock()
	s.since = time.Time{}
	s.mu.Unlock()
}

// stop ends the watch, at the end of the request.
func (s *stall) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped, s.armed = true, false
	if s.timer != nil {
		s.timer.Stop()
	}
}

// check runs when the timer fires: it cuts a call that has waited for the timeout, looks again when
// the call under way could reach it, and lets the timer rest between calls.
func (s *stall) check() {
	s.mu.Lock()
	if s.since.IsZero() || s.stopped {
		s.armed = false
		s.mu.Unlock()
		return
	}
	if left := s.timeout - time.Since(s.since); left > 0 {
		s.timer.Reset(left)
		s.mu.Unlock()
		return
	}
	s.armed, s.fired = false, true
	s.mu.Unlock()
	s.cut()
}

// cutOff reports whether a call was cut.
func (s *stall) cutOff() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.fired
}

// sendWriter is the response writer the general path forwards with: each write and flush toward
// the client is bounded by Options.SendTimeout.
type sendWriter struct {
	http.ResponseWriter
	watch *stall
	wrote bool  // some of the body was written
	n     int64 // the body's bytes written (Result.Bytes)
}

// Write implements [http.ResponseWriter].
func (w *sendWriter) Write(b []byte) (int, error) {
	w.watch.begin()
	defer w.watch.end()
	w.wrote = w.wrote || len(b) > 0
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// FlushError is what [http.ResponseController.Flush] calls, as httputil.ReverseProxy does for
// streams.
func (w *sendWriter) FlushError() error {
	w.watch.begin()
	defer w.watch.end()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets [http.ResponseController] reach the server's writer, for Hijack and the deadlines.
func (w *sendWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bodyReader is the request body the general path forwards: each read from the client is bounded
// by Options.BodyReadTimeout.
type bodyReader struct {
	io.ReadCloser
	watch *stall
}

// Read implements [io.Reader].
func (b *bodyReader) Read(p []byte) (int, error) {
	b.watch.begin()
	defer b.watch.end()
	return b.ReadCloser.Read(p)
}

// watchClient bounds the flight's writes to the client by SendTimeout and its reads of the request
// body by BodyReadTimeout, and returns the writer and request to forward with. A write or read cut
// off fails as one to a client that left.
func (f *flight) watchClient(w http.ResponseWriter, out *http.Request) (http.ResponseWriter, *http.Request) {
	sent := f.watchSend(w)
	if out.Body != nil && out.Body != http.NoBody {
		rc := http.NewResponseController(w)
		f.bodyRead = &stall{timeout: f.proxy.opts.BodyReadTimeout, cut: func() { _ = rc.SetReadDeadline(aLongTimeAgo) }}
		out.Body = &bodyReader{ReadCloser: out.Body, watch: f.bodyRead}
	}
	return sent, out
}

// watchSend bounds the flight's writes to the client by SendTimeout and returns the writer to
// forward with, f.sent. Package h2's server bounds each wait for a client's window by the same
// timeout, but not a write as a whole: a client that opens its window a byte at a time, each
// within the timeout, would hold the handler and the app's connection without end.
func (f *flight) watchSend(w http.ResponseWriter) http.ResponseWriter {
	rc := http.NewResponseController(w)
	f.send = &stall{timeout: f.proxy.opts.SendTimeout, cut: func() { _ = rc.SetWriteDeadline(aLongTimeAgo) }}
	f.sentBy = sendWriter{ResponseWriter: w, watch: f.send}
	f.sent = &f.sentBy
	return f.sent
}

// sendRest sends, under the send timeout, what net/http still holds of an HTTP/2 response once it
// was forwarded: it would flush that after the handler returns, waiting for the client's flow
// control with no bound. (HTTP/1.1's rest gets a deadline in unwatchClient instead.)
func (f *flight) sendRest() {
	if f.in.ProtoMajor == 2 && f.sent.wrote && !f.send.cutOff() && !h2.SendsRest(f.w) {
		_ = f.sent.FlushError()
	}
}

// unwatchClient ends the watches at the end of the request. On HTTP/1.1, what net/http still has
// to write of the response after the handler returns gets SendTimeout from now (net/http clears
// the deadline once it has written it).
func (f *flight) unwatchClient() {
	if f.bodyRead != nil {
		f.bodyRead.stop()
	}
	if f.send == nil {
		return
	}
	f.send.stop()
	if f.in.ProtoMajor < 2 && !f.send.cutOff() {
		_ = http.NewResponseController(f.w).SetWriteDeadline(time.Now().Add(f.proxy.opts.SendTimeout))
	}
}
