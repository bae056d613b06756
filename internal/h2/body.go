package h2

import (
	"io"
	"net/http"

	"golang.org/x/net/http2"
)

// body is a request's body as the handler reads it.
type body struct{ s *stream }

// Read implements [io.Reader].
func (b body) Read(p []byte) (int, error) {
	s, c := b.s, b.s.c
	c.mu.Lock()
	if s.expect {
		s.expect = false
		if !s.finalSent.Load() { // a final response went out: the client sends, or not, anyway
			c.mu.Unlock()
			if err := c.answerInterim(s, http.StatusContinue); err != nil {
				return 0, err
			}
			c.mu.Lock()
		}
	}
	for s.off == len(s.buf) && s.bodyErr == nil {
		s.cond.Wait()
	}
	if s.off == len(s.buf) {
		err := s.bodyErr
		if err == io.EOF {
			for name, values := range s.trailerIn {
				s.trailer[name] = values
			}
			s.trailerIn = nil
		}
		c.mu.Unlock()
		return 0, err
	}
	n := copy(p, s.buf[s.off:])
	s.off += n
	s.unacked += int64(n)
	c.unacked += int64(n)
	u := c.windowUpdates(s)
	c.mu.Unlock()
	c.sendUpdates(u)
	return n, nil
}

// Close implements [io.Closer]: what the client still sends is dropped.
func (b body) Close() error {
	c := b.s.c
	c.mu.Lock()
	b.s.closeBody()
	u := c.windowUpdates(b.s)
	c.mu.Unlock()
	c.sendUpdates(u)
	return nil
}

// closeBody drops what the body holds and what the client still sends of it, all given back to
// the windows. c.mu is held.
func (s *stream) closeBody() {
	s.bodyClosed = true
	given := int64(len(s.buf) - s.off)
	s.buf, s.off = nil, 0
	s.unacked += given
	s.c.unacked += given
	if s.bodyErr == nil {
		s.bodyErr = errBodyClosed
	}
}

// answerInterim writes a 1xx response of code with no fields on s.
func (c *conn) answerInterim(s *stream, code int) error {
	mf := c.maxFrame()
	return s.write(func(fr *http2.Framer) error {
		if s.finalSent.Load() { // decided under the writer's lock: no 1xx after the final HEADERS
			return nil
		}
		return c.w.writeHeaders(s.id, code, nil, "", nil, false, mf)
	}, false)
}

// write is the writer's write for a frame of s, which it drops (with errStreamCut) once s was cut:
// no frame of a stream goes out after its RST_STREAM.
func (s *stream) write(fn func(fr *http2.Framer) error, now bool) error {
	return s.c.w.write(func(fr *http2.Framer) error {
		if s.sendClosed.Load() {
			return errStreamCut
		}
		return fn(fr)
	}, now)
}
