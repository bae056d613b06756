package proxy

import (
	"io"
	"sync"
)

// buffers recycles the read and write buffers of client connections while they are idle, so that
// thousands of open keep-alive connections cost little more than their goroutines.
var buffers = sync.Pool{New: func() any {
	b := make([]byte, readBufferSize)
	return &b
}}

// getBuffer returns a pooled buffer and the pointer to give back to putBuffer with it.
func getBuffer() (*[]byte, []byte) {
	p := buffers.Get().(*[]byte)
	return p, *p
}

// putBuffer gives b, taken with p, back to the pool; a buffer that grew beyond the pool's size is
// left to the garbage collector.
func putBuffer(p *[]byte, b []byte) {
	if p != nil && cap(b) == readBufferSize {
		*p = b[:readBufferSize]
		buffers.Put(p)
	}
}

// writer gathers writes to a connection, like bufio.Writer, and also lets the fast path hand what it
// gathered to a sysConn to send along with the read that follows.
type writer struct {
	dst    io.Writer
	buf    []byte // len: the bytes gathered; cap: the buffer's size
	err    error  // sticky, as in bufio.Writer
	pooled *[]byte
	// before, if not nil, is called before each write to dst: the client's sets its send deadline.
	before func()
}

func newWriter(dst io.Writer) *writer {
	return &writer{dst: dst, buf: make([]byte, 0, writeBufferSize)}
}

// release gives the empty buffer back to the pool; use takes one again before writing.
func (w *writer) release() {
	if w.buf != nil && len(w.buf) == 0 {
		putBuffer(w.pooled, w.buf)
		w.buf, w.pooled = nil, nil
	}
}

// use makes sure the writer has a buffer.
func (w *writer) use() *writer {
	if w.buf == nil {
		var b []byte
		w.pooled, b = getBuffer()
		w.buf = b[:0]
	}
	return w
}

// Buffered returns how many bytes are gathered and not written yet.
func (w *writer) Buffered() int { return len(w.buf) }

// Flush writes what is gathered.
func (w *writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	if w.before != nil {
		w.before()
	}
	n, err := w.dst.Write(w.buf)
	if err == nil && n < len(w.buf) {
		err = io.ErrShortWrite
	}
	w.buf = w.buf[:0]
	w.err = err
	return err
}

// Write gathers p, writing what is gathered first when p does not fit, and p itself at once when
// it is as large as the buffer.
func (w *writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if len(p) > cap(w.buf)-len(w.buf) {
		if err := w.Flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(w.buf) {
			if w.before != nil {
				w.before()
			}
			n, err := w.dst.Write(p)
			w.err = err
			return n, err
		}
	}
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// WriteString is Write for a string.
func (w *writer) WriteString(s string) (int, error) {
	if len(s) > cap(w.buf)-len(w.buf) {
		return w.Write([]byte(s)) // rare: a long value
	}
	if w.err != nil {
		return 0, w.err
	}
	w.buf = append(w.buf, s...)
	return len(s), nil
}

// WriteByte gathers c.
func (w *writer) WriteByte(c byte) error {
	if len(w.buf) == cap(w.buf) {
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if w.err != nil {
		return w.err
	}
	w.buf = append(w.buf, c)
	return nil
}

// AvailableBuffer returns an empty slice with the buffer's free space as its capacity, to append
// to and pass to Write, as bufio.Writer's.
func (w *writer) AvailableBuffer() []byte { return w.buf[len(w.buf):len(w.buf)] }

// take returns the gathered bytes and forgets them: the caller sends them.
func (w *writer) take() []byte {
	b := w.buf
	w.buf = w.buf[:0]
	return b
}
