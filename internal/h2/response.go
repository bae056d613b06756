package h2

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
)

// maxHeld is how much response body a handler's writes gather before it goes out as DATA: a small
// response leaves with its HEADERS in one write when the handler returns (or flushes).
const maxHeld = 16 << 10

// responseWriter is a stream's [http.ResponseWriter]. Only the handler's goroutine uses it.
type responseWriter struct {
	s         *stream
	head      bool // the request is HEAD: the fields go out, the body does not
	header    http.Header
	fields    http.Header // what the HEADERS frame carries: header, or its copy when trailers follow
	status    int         // the final status, once WriteHeader decided it
	sent      bool
	noBody    bool
	declared  int64 // Content-Length, -1 if not given
	written   int64
	trailers  []string // names announced in Trailer
	held      []byte
	pooled    *[]byte // held's buffer, from heldBuffers
	raw       []byte  // fields given by AddField: name (lower case), then value, each after its length
	rawLength int64   // a Content-Length among them, -1 if none
	done      bool
}

// SendsRest reports whether w is a response of this server: one that sends what it holds when
// its handler returns, each wait for the client bounded by WriteTimeout, with no flush needed.
func SendsRest(w http.ResponseWriter) bool {
	_, ok := w.(*responseWriter)
	return ok
}

// FieldAdder is implemented by this server's response writers: a handler that has a response's
// fields as bytes (the proxy, from the app's response) adds them without the header map, which
// saves a map entry and three allocations a field. Fields added go out with the header map's, in
// the HEADERS frame of the final response; a Content-Length among them counts as the map's would.
type FieldAdder interface {
	AddField(name, value []byte)
}

// AddField implements [FieldAdder]. A name or value that may not go out in HTTP/2 (not a token, a
// connection-specific field, a value with a line break) is left out, as from the map.
func (rw *responseWriter) AddField(name, value []byte) {
	if len(name) > 255 || len(value) >= 1<<16 || !validName(name) || !validValue(value) {
		return
	}
	start := len(rw.raw)
	rw.raw = append(rw.raw, byte(len(name)))
	for _, b := range name {
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		rw.raw = append(rw.raw, b)
	}
	if connectionSpecific[string(rw.raw[start+1:])] {
		rw.raw = rw.raw[:start]
		return
	}
	rw.raw = append(rw.raw, byte(len(value)>>8), byte(len(value)))
	rw.raw = append(rw.raw, value...)
	if string(rw.raw[start+1:start+1+len(name)]) == "content-length" {
		if n, err := strconv.ParseInt(string(value), 10, 64); err == nil && n >= 0 {
			rw.rawLength = n
		}
	}
}

// Header implements [http.ResponseWriter].
func (rw *responseWriter) Header() http.Header { return rw.header }

// WriteHeader implements [http.ResponseWriter]. A 1xx status goes out at once, with the fields set
// so far; the final one goes out with the first DATA, at a flush, or when the handler returns.
func (rw *responseWriter) WriteHeader(code int) {
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if rw.status != 0 || rw.done {
		return
	}
	if code < 200 {
		if code != http.StatusSwitchingProtocols { // no such thing in HTTP/2
			mf := rw.s.c.maxFrame()
			rw.s.write(func(fr *http2.Framer) error {
				return rw.s.c.w.writeHeaders(rw.s.id, code, rw.header, "", nil, false, mf)
			}, false)
		}
		return
	}
	rw.status = code
	rw.noBody = rw.head || code == http.StatusNoContent || code == http.StatusNotModified
	rw.declared = rw.rawLength
	if cl := rw.header.Get("Content-Length"); cl != "" {
		if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n >= 0 {
			rw.declared = n
		}
	}
	for _, v := range rw.header["Trailer"] {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				rw.trailers = append(rw.trailers, http.CanonicalHeaderKey(name))
			}
		}
	}
	rw.fields = rw.header
	if len(rw.trailers) > 0 {
		rw.fields = rw.header.Clone() // the trailers' values, set later in header, stay out of it
	}
	if strings.EqualFold(rw.header.Get("Connection"), "close") {
		go rw.s.c.goAway() // this stream finishes; the client takes its next ones elsewhere
	}
}

// Write implements [http.ResponseWriter].
func (rw *responseWriter) Write(p []byte) (int, error) {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.done {
		return 0, http.ErrHandlerTimeout
	}
	if rw.noBody {
		if rw.head {
			return len(p), nil
		}
		return 0, http.ErrBodyNotAllowed
	}
	if rw.declared >= 0 && rw.written+int64(len(p)) > rw.declared {
		return 0, http.ErrContentLength
	}
	n := 0
	for len(p) > 0 {
		if len(rw.held) == maxHeld {
			if err := rw.send(false); err != nil {
				return n, err
			}
		}
		if rw.held == nil {
			rw.pooled = heldBuffers.Get().(*[]byte)
			rw.held = (*rw.pooled)[:0]
		}
		k := min(len(p), maxHeld-len(rw.held))
		rw.held = append(rw.held, p[:k]...)
		p, n = p[k:], n+k
		rw.written += int64(k)
	}
	return n, nil
}

// Flush implements [http.Flusher].
func (rw *responseWriter) Flush() { rw.FlushError() }

// FlushError sends the fields and what the body holds, as [http.ResponseController] asks.
func (rw *responseWriter) FlushError() error {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	if rw.done {
		return http.ErrHandlerTimeout
	}
	return rw.send(false)
}

// SetReadDeadline bounds the handler's reads of the request body, as [http.ResponseController]
// asks.
func (rw *responseWriter) SetReadDeadline(t time.Time) error {
	rw.s.setReadDeadline(t)
	return nil
}

// SetWriteDeadline cuts the stream at t if the response has not ended by then, as
// [http.ResponseController] asks.
func (rw *responseWriter) SetWriteDeadline(t time.Time) error {
	rw.s.setWriteDeadline(t)
	return nil
}

// finish ends the response when the handler returns: what it did not send goes out now, the last
// frame ending the stream. A body shorter than its Content-Length cuts the stream instead, so the
// client cannot take it for whole.
func (rw *responseWriter) finish() {
	if rw.status == 0 {
		rw.WriteHeader(http.StatusOK)
	}
	defer rw.release()
	rw.done = true
	if !rw.noBody && rw.declared >= 0 && rw.written < rw.declared {
		rw.s.c.cut(rw.s, http.ErrContentLength, true)
		return
	}
	if err := rw.send(true); err != nil {
		rw.s.c.cut(rw.s, err, true)
	}
}

// heldBuffers are responses' held bodies, maxHeld each, between responses.
var heldBuffers = sync.Pool{New: func() any { b := make([]byte, 0, maxHeld); return &b }}

// release gives the held body's buffer back once the response is over (or the stream cut).
func (rw *responseWriter) release() {
	if rw.pooled != nil {
		heldBuffers.Put(rw.pooled)
		rw.pooled, rw.held = nil, nil
	}
}

// send writes the fields if not sent yet and the body held, as DATA frames within the flow-control
// windows; with end, the last frame ends the stream (or trailers follow and end it).
func (rw *responseWriter) send(end bool) error {
	s, c := rw.s, rw.s.c
	trailers := rw.trailerFields(end)
	endData := end && trailers == nil
	data := rw.held
	defer func() { rw.held = rw.held[:0] }()
	ended := false
	for !rw.sent || len(data) > 0 {
		k := 0
		if len(data) > 0 {
			// HEADERS are not flow-controlled: with no window open they go out alone first.
			var err error
			if k, err = s.reserve(len(data), !rw.sent); err != nil {
				return err
			}
		}
		chunk, last := data[:k], k == len(data)
		data = data[k:]
		var extra []header
		if !rw.sent && endData && last && rw.declared < 0 && !rw.noBody && rw.fields["Content-Length"] == nil {
			extra = []header{{"content-length", strconv.Itoa(len(chunk))}}
		}
		mf, alone := c.sendParams()
		if !rw.sent {
			s.finalSent.Store(true)
		}
		err := s.write(func(fr *http2.Framer) error {
			if !rw.sent {
				if err := c.w.writeHeaders(s.id, rw.status, rw.fields, rw.rawFields(), extra, endData && last && len(chunk) == 0, mf); err != nil {
					return err
				}
			}
			if len(chunk) > 0 {
				return fr.WriteData(s.id, endData && last, chunk)
			}
			return nil
		}, endData && last && alone)
		if err != nil {
			s.unreserve(k) // never sent: the client will not give it back
			return err
		}
		rw.sent, ended = true, endData && last
	}
	switch {
	case !end:
		return nil
	case trailers != nil:
		mf := c.maxFrame()
		err := s.write(func(fr *http2.Framer) error { return c.w.writeHeaders(s.id, 0, trailers, "", nil, true, mf) }, false)
		if err != nil {
			return err
		}
	case !ended: // everything went out before: an empty DATA frame ends the stream
		if err := s.write(func(fr *http2.Framer) error { return fr.WriteData(s.id, true, nil) }, false); err != nil {
			return err
		}
	}
	s.endLocal()
	return nil
}

// rawFields returns the fields AddField gave, as writeHeaders takes them. Their strings share one
// allocation, apart from rw.raw: the encoder's table may keep a field.
func (rw *responseWriter) rawFields() string { return string(rw.raw) }

// validName reports whether b is a field name: a token.
func validName(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !httpguts.IsTokenRune(rune(c)) {
			return false
		}
	}
	return true
}

// validValue reports whether b may be a field value: no control characters but tab.
func validValue(b []byte) bool {
	for _, c := range b {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// trailerFields returns the trailers to send when the response ends (end), nil if there are none:
// the fields named in Trailer and those set under [http.TrailerPrefix].
func (rw *responseWriter) trailerFields(end bool) map[string][]string {
	if !end {
		return nil
	}
	var fields map[string][]string
	add := func(name string, values []string) {
		if len(values) == 0 {
			return
		}
		if fields == nil {
			fields = map[string][]string{}
		}
		fields[name] = append(fields[name], values...)
	}
	for _, name := range rw.trailers {
		add(name, rw.header[name])
	}
	for k, vs := range rw.header {
		if name, ok := strings.CutPrefix(k, http.TrailerPrefix); ok {
			add(name, vs)
		}
	}
	return fields
}
