package proxy

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// An HTTP/2 request without a body goes to the app over the fast path's pooled keep-alive
// connections (Pool.up), its head written and the response's head parsed by the fast path's own
// code, instead of through httputil.ReverseProxy and http.Transport. The profile of HTTP/2 load
// put a third of the proxy's time in the Transport: two goroutines per backend connection that
// hand every request and response across channels, plus the clones and maps ReverseProxy makes.
// Requests with a body, and sites that buffer responses, keep the general path: they are rare
// and their rules (spooling, 100-continue, retrying a body) live there.

// stream is one HTTP/2 request on its way over a pooled backend connection. It lives for one
// request and is recycled.
type stream struct {
	f     *flight
	w     http.ResponseWriter // f.sent: bounded by SendTimeout
	up    *upConn
	res   response
	dirty bool // something was written to w since the last flush
	head  bool // the request is HEAD

	interimSent bool // a 1xx response was passed on
}

// readBySlack is how much earlier than a request's ResponseHeaderTimeout a backend connection's
// read deadline, kept from its last request, may be before it is set again: setting a deadline
// costs a timer update, and readHead sets it again if it passes too soon.
const readBySlack = time.Second

var streams = sync.Pool{New: func() any { return new(stream) }}

// pooledH2 reports whether r is served by [flight.forwardPooled]: an HTTP/2 request without a body
// or an upgrade, to a site that does not buffer responses.
func pooledH2(r *http.Request, site *Site) bool {
	if r.ProtoMajor != 2 || r.ContentLength != 0 || r.Method == http.MethodConnect {
		return false
	}
	if _, ok := r.Header[":protocol"]; ok { // an extended CONNECT (RFC 8441)
		return false
	}
	if b := site.buffer.Load(); b != nil && b.Responses {
		return false
	}
	return writable(r)
}

// writable reports whether r's method, authority and fields can be written into an HTTP/1.1 head as
// they are: tokens, host characters and field values only, as the fast path requires of a request
// it reads. Go's HTTP/2 server lets through a method or path with spaces (and a handler may be
// mounted behind other servers); such a request takes the general path, whose Transport refuses it.
func writable(r *http.Request) bool {
	if !every(r.Method, &isTchar) || r.Method == "" || !every(r.Host, &isHostByte) {
		return false
	}
	for name, values := range r.Header {
		if name == "" || !every(name, &isTchar) {
			return false
		}
		for _, v := range values {
			if !every(v, &isValueByte) {
				return false
			}
		}
	}
	return true
}

// every reports whether each byte of s is in class.
func every(s string, class *[256]bool) bool {
	for i := 0; i < len(s); i++ {
		if !class[s[i]] {
			return false
		}
	}
	return true
}

// forwardPooled serves r, an HTTP/2 request pooledH2 accepts, over a pooled connection to the
// flight's backend, writing the response to w (the send-bounded writer of watchClient). Failures
// before the response starts get the error page; after, the stream is aborted, as ReverseProxy
// aborts it.
func (f *flight) forwardPooled(w http.ResponseWriter, r *http.Request, secure bool) {
	s := streams.Get().(*stream)
	*s = stream{f: f, w: w, head: r.Method == http.MethodHead, res: response{fields: s.res.fields[:0], tokens: s.res.tokens[:0]}}
	defer func() {
		if s.up != nil {
			s.drop() // a panic (http.ErrAbortHandler) between taking a connection and giving it back
		}
		clear(s.res.fields) // they point into a backend connection's buffer
		clear(s.res.tokens)
		*s = stream{res: response{fields: s.res.fields[:0], tokens: s.res.tokens[:0]}}
		streams.Put(s)
	}()
	f.requestID = requestID(r.Header)
	err := s.roundTrip(r, secure, false)
	if err != nil && s.replay(r, err) {
		f.proxy.log.Debug("backend closed a keep-alive connection, sending the request again",
			"release", f.pool.release, "backend", f.pool.backends[f.backend].Name, "err", err)
		s.drop()
		err = s.roundTrip(r, secure, true)
	}
	if err != nil {
		s.drop()
		f.fail(err)
		return
	}
	s.respond()
}

// roundTrip takes a connection (a new one when fresh), sends r's head on it and reads the
// response's head, passing 1xx responses on.
func (s *stream) roundTrip(r *http.Request, secure, fresh bool) error {
	f := s.f
	if err := s.connect(fresh); err != nil {
		return err
	}
	f.writeStreamHead(s.up.bw, r, secure)
	headBy := f.start.Add(f.proxy.opts.ResponseHeaderTimeout)
	// A deadline up to readBySlack early is kept rather than reset per request: readHead sets it
	// again when it passes before headBy.
	if rb := s.up.readBy; rb.IsZero() || rb.After(headBy) || rb.Before(headBy.Add(-readBySlack)) {
		s.setReadBy(headBy)
	}
	unsent := true
	for {
		n, err := s.readHead(headBy, &unsent)
		if err != nil {
			return err
		}
		if err := s.res.parse(s.up.br.buffered()[:n]); err != nil {
			return err
		}
		s.up.br.discard(n)
		switch {
		case s.res.status == http.StatusSwitchingProtocols:
			return errSwitching
		case s.res.status >= 200:
			return nil
		}
		s.interim()
	}
}

// connect takes an idle connection to the flight's backend, or dials one (fresh forces a dial),
// and ties it to the flight: a cut or the client leaving unblocks its reads and writes. A backend
// that refuses the connection never saw the request, so the next one is tried, once.
func (s *stream) connect(fresh bool) error {
	f := s.f
	if !fresh {
		s.up = f.pool.up[f.backend].get(f.start)
	}
	if s.up == nil {
		up, err := f.proxy.dial(f.Context, f.pool.backends[f.backend].Addr)
		if err != nil && isDialError(err) && !f.retried && f.Err() == nil {
			f.retried = true
			f.proxy.log.Warn("backend refused connection, retrying on the next one",
				"release", f.pool.release, "backend", f.pool.backends[f.backend].Name, "err", err)
			f.backend = (f.backend + 1) % len(f.pool.backends)
			up, err = f.proxy.dial(f.Context, f.pool.backends[f.backend].Addr)
		}
		if err != nil {
			return err
		}
		s.up = up
	}
	up := s.up
	f.stopUp = context.AfterFunc(f.Context, func() { up.nc.SetDeadline(aLongTimeAgo) })
	return nil
}

// readHead returns the length of the response head at the start of the connection's buffer,
// sending the request gathered in its writer first (unsent) and reading until the head is in.
func (s *stream) readHead(headBy time.Time, unsent *bool) (int, error) {
	up, from := s.up, 0
	for {
		if n, _ := scanHead(up.br.buffered(), &from, false); n > 0 {
			return n, nil
		}
		if up.br.len() >= maxHeadBytes {
			return 0, errResTooLarge
		}
		var err error
		if *unsent {
			*unsent = false
			err = up.sendFill()
		} else {
			err = up.br.fill(maxHeadBytes)
		}
		switch {
		case err == errBufferFull:
			return 0, errResTooLarge
		case err == nil:
		case errors.Is(err, os.ErrDeadlineExceeded) && s.f.Err() == nil && time.Now().Before(headBy):
			s.setReadBy(headBy) // the deadline kept from an earlier request came early
		default:
			return 0, err
		}
	}
}

// replay reports whether a request that failed on a reused keep-alive connection, before any of
// the response came, may be sent again on a new one: the backend had most likely closed the
// connection while it was idle. Only requests without a body come here; the method must be safe.
func (s *stream) replay(r *http.Request, err error) bool {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
	default:
		return false
	}
	return s.up != nil && s.up.reused && !s.interimSent && s.up.br.len() == 0 && s.f.Err() == nil &&
		!errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, errBadResponse)
}

// setReadBy sets the backend connection's read deadline, unless the flight ended meanwhile: the
// watch of connect set it in the past then, and must not be undone.
func (s *stream) setReadBy(t time.Time) {
	s.up.setReadBy(t)
	if s.f.Err() != nil {
		s.up.nc.SetDeadline(aLongTimeAgo)
	}
}

// drop closes the stream's backend connection and unties it from the flight.
func (s *stream) drop() {
	if s.up == nil {
		return
	}
	s.untie()
	s.up.nc.Close()
	s.up = nil
}

// untie stops the flight's watch of the connection and reports whether the connection was left
// alone: when the watch fired, its deadline is in the past.
func (s *stream) untie() bool {
	stop := s.f.stopUp
	s.f.stopUp = nil
	return stop == nil || stop()
}

// release gives the connection back to its backend's idle connections after a complete
// response, unless either side means to close it.
func (s *stream) release() {
	f, up := s.f, s.up
	s.up = nil
	// Bytes past the response (an app that sent a body with a 204 or a HEAD answer, or more than
	// its Content-Length) would be read as the next request's response: such a connection closes.
	if !s.untie() || s.res.close || s.res.untilClose() && !s.res.bodyless(s.head) || up.br.len() != 0 {
		up.nc.Close()
		return
	}
	f.pool.up[f.backend].put(up, f.proxy.opts.MaxIdleConnsPerBackend, time.Now())
}

// writeStreamHead writes r's head to the flight's backend as HTTP/1.1: its fields less hop-by-hop
// ones, those the proxy sets itself and those only a proxy may set, then the forwarding headers
// (see handover.go too) and the request id. The Host is r's authority, so the app sees its own name.
func (f *flight) writeStreamHead(w *writer, r *http.Request, secure bool) {
	addr := f.pool.backends[f.backend].Addr
	w.WriteString(r.Method)
	w.WriteByte(' ')
	// The path as parsed and escaped again, in origin form: an absolute-form :path must not name
	// another host to the app than the one the request was routed by.
	w.WriteString(r.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	host := r.Host
	if host == "" {
		host = addr
	}
	w.WriteString(host)
	w.WriteString("\r\n")
	for name, values := range r.Header {
		switch kind := kindOf([]byte(name)); {
		case kind == kindTE:
			// HTTP/2 allows only "TE: trailers"; passed on, as on the fast path, it tells the
			// app that trailers will reach the client.
			if len(values) == 1 && hasToken([]byte(values[0]), "trailers") {
				w.WriteString("Te: trailers\r\n")
			}
		case kind != kindOther || len(name) == 0 || name[0] == ':':
		case name == "Cookie":
			for _, v := range withoutPrivateCookie(values) {
				writeField(w, name, v)
			}
		default:
			for _, v := range values {
				writeField(w, name, v)
			}
		}
	}
	if ip := clientIP(r.RemoteAddr); ip != "" {
		w.WriteString("X-Forwarded-For: ")
		if prior := r.Header["X-Forwarded-For"]; f.trusted && len(prior) > 0 {
			w.WriteString(strings.Join(prior, ", "))
			w.WriteString(", ")
		}
		w.WriteString(ip)
		w.WriteString("\r\n")
	}
	if secure {
		w.WriteString("X-Forwarded-Proto: https\r\n")
	} else {
		w.WriteString("X-Forwarded-Proto: http\r\n")
	}
	if r.Host != "" {
		writeField(w, "X-Forwarded-Host", r.Host)
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodPatch {
		w.WriteString("Content-Length: 0\r\n") // an empty body, said as http.Transport says it
	}
	writeHandover(w, f.pool)
	w.WriteString("X-Request-Id: ")
	w.WriteString(f.requestID)
	w.WriteString("\r\n\r\n")
}
