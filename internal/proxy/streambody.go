package proxy

import (
	"bytes"
	"io"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/h2"
)

// The response side of a pooled HTTP/2 exchange (see stream): the backend's head becomes the
// response's header fields, and its body, de-chunked, is written to the client as it comes.
// Whatever arrived is flushed before the proxy waits on the backend for more, as on the fast path,
// so an event stream goes out event by event and a small response goes out in one piece, its
// headers and body together, when the handler returns.

// respond passes the parsed response on, then its body, and gives the connection back. A body
// that breaks off aborts the client's stream: its head is gone already.
func (s *stream) respond() {
	f := s.f
	f.status = s.res.status
	f.responding.Store(true)
	h := s.w.Header()
	if fa, ok := f.w.(h2.FieldAdder); ok {
		s.addFields(fa)
	} else {
		s.copyFields(h, "")
	}
	if !s.res.requestID {
		h["X-Request-Id"] = []string{f.requestID}
	}
	if !s.res.hsts && f.hsts != "" {
		h["Strict-Transport-Security"] = []string{f.hsts}
	}
	if f.setCookie != "" {
		h["Set-Cookie"] = append(h["Set-Cookie"], f.setCookie)
	}
	s.w.WriteHeader(s.res.status)
	if err := s.body(); err != nil {
		s.drop()
		// As ReverseProxy does: the client must not take a truncated body for a whole one.
		panic(http.ErrAbortHandler)
	}
	s.release()
}

// interim passes a 1xx response on (such as 103 Early Hints), as ReverseProxy does.
func (s *stream) interim() {
	s.interimSent = true
	h := s.w.Header()
	added := s.copyFields(h, "")
	s.w.WriteHeader(s.res.status)
	for _, name := range added {
		delete(h, name) // net/http sends a 1xx's fields but leaves them in the map
	}
}

// addFields adds the response's end-to-end fields to the HTTP/2 response fa, as bytes.
func (s *stream) addFields(fa h2.FieldAdder) {
	for i := range s.res.fields {
		if fl := &s.res.fields[i]; responseKept.has(fl.kind) {
			fa.AddField(fl.name, fl.value)
		}
	}
}

// copyFields adds the response's end-to-end fields to h, each name with prefix before it, and
// returns the names it added.
func (s *stream) copyFields(h http.Header, prefix string) []string {
	var added []string
	for i := range s.res.fields {
		fl := &s.res.fields[i]
		if !responseKept.has(fl.kind) {
			continue
		}
		name := prefix + http.CanonicalHeaderKey(string(fl.name))
		if _, ok := h[name]; !ok && s.res.status < 200 {
			added = append(added, name)
		}
		h[name] = append(h[name], string(fl.value))
	}
	return added
}

// body passes the response's body on, as its head frames it.
func (s *stream) body() error {
	switch {
	case s.res.bodyless(s.head):
		return nil
	case s.res.chunked:
		return s.chunks()
	case s.res.length >= 0:
		return s.copyN(s.res.length)
	}
	for { // until the backend closes the connection
		if b := s.up.br.buffered(); len(b) > 0 {
			if err := s.write(b); err != nil {
				return err
			}
			s.up.br.discard(len(b))
		}
		if err := s.more(readBufferSize); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// chunks passes a chunked body on, de-chunked: HTTP/2 frames it itself. Trailers go out as the
// stream's trailers.
func (s *stream) chunks() error {
	for {
		line, err := s.line()
		if err != nil {
			return err
		}
		size, ok := chunkSize(line)
		if !ok {
			return errResChunk
		}
		if size == 0 {
			return s.trailers()
		}
		if err := s.copyN(size); err != nil {
			return err
		}
		if line, err = s.line(); err != nil {
			return err
		} else if len(line) > 0 {
			return errResChunk
		}
	}
}

// trailers passes the end-to-end fields of a chunked body's trailer section on.
func (s *stream) trailers() error {
	h, total := s.w.Header(), 0
	for {
		line, err := s.line()
		if err != nil {
			return err
		}
		if len(line) == 0 {
			return nil
		}
		if total += len(line); total > maxLineBytes {
			return errTrailer
		}
		fl, ok := parseField(line)
		if !ok {
			return errTrailer
		}
		if fl.kind == kindOther {
			name := http.TrailerPrefix + http.CanonicalHeaderKey(string(fl.name))
			h[name] = append(h[name], string(fl.value))
		}
	}
}

// copyN passes n bytes of the body on.
func (s *stream) copyN(n int64) error {
	for n > 0 {
		b := s.up.br.buffered()
		if len(b) == 0 {
			if err := s.more(readBufferSize); err != nil {
				return truncated(err)
			}
			continue
		}
		b = b[:min(int64(len(b)), n)]
		if err := s.write(b); err != nil {
			return err
		}
		s.up.br.discard(len(b))
		n -= int64(len(b))
	}
	return nil
}

// line returns the next line of a chunked body, without its line end.
func (s *stream) line() ([]byte, error) {
	from := 0
	for {
		b := s.up.br.buffered()
		if i := bytes.IndexByte(b[from:], '\n'); i >= 0 {
			line := b[:from+i]
			s.up.br.discard(from + i + 1)
			return bytes.TrimSuffix(line, []byte("\r")), nil
		}
		if from = len(b); from >= maxLineBytes {
			return nil, errResChunk
		}
		if err := s.more(maxLineBytes + 1); err != nil {
			return nil, truncated(err)
		}
	}
}

// write passes b on to the client.
func (s *stream) write(b []byte) error {
	s.dirty = true
	_, err := s.w.Write(b)
	return err
}

// more flushes what was written to the client, then reads more of the body from the backend:
// with no deadline, since a body may take as long as it likes once its head came.
func (s *stream) more(limit int) error {
	if s.dirty {
		s.dirty = false
		if err := s.f.sent.FlushError(); err != nil {
			return err
		}
	}
	if !s.up.readBy.IsZero() {
		s.setReadBy(time.Time{})
	}
	return s.up.br.fill(limit)
}
