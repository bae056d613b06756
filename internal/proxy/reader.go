package proxy

import (
	"errors"
	"io"
)

// Buffer sizes of the fast path.
const (
	// readBufferSize is what each connection, client or backend, reads into. Heads longer than it
	// grow the buffer, up to maxHeadBytes, for that head only.
	readBufferSize = 4 << 10
	// writeBufferSize is what each connection's writes are gathered in before a write syscall.
	writeBufferSize = 4 << 10
	// maxHeadBytes bounds a response's head, as net/http's DefaultMaxHeaderBytes: the app is trusted
	// more than its clients.
	maxHeadBytes = 1 << 20
	// MaxRequestHeadBytes bounds a request's whole head, as nginx's large_client_header_buffers
	// (4 × 8k) does: a larger one gets 431. Partly read heads of many clients stay small.
	MaxRequestHeadBytes = 32 << 10
	// MaxRequestLineBytes bounds a request line: a longer one gets 414 URI Too Long, as nginx's.
	MaxRequestLineBytes = 8 << 10
	// MaxFieldBytes bounds one header field line of a request: a longer one gets 431, as nginx's.
	MaxFieldBytes = 8 << 10
	// maxFields bounds the header fields of a head, as HAProxy's tune.http.maxhdr, so a head of
	// tiny fields cannot make the proxy keep a large index of them.
	maxFields = 256
	// maxLineBytes bounds a chunk-size line, and a trailer section, as net/http does.
	maxLineBytes = 4 << 10
)

// errBufferFull is returned by [reader.fill] when the buffer holds limit unread bytes already.
var errBufferFull = errors.New("buffer full")

// reader buffers reads from a connection, like bufio.Reader, but lets the head parsers look at the
// buffered bytes in place, without copying, and grows for a long head.
type reader struct {
	src    io.Reader
	buf    []byte
	r, w   int // unread bytes are buf[r:w]
	pooled *[]byte
}

func newReader(src io.Reader) reader {
	return reader{src: src, buf: make([]byte, readBufferSize)}
}

// buffered returns the unread bytes. They stay valid until the next fill.
func (b *reader) buffered() []byte { return b.buf[b.r:b.w] }

// len returns how many bytes are unread.
func (b *reader) len() int { return b.w - b.r }

// discard consumes n unread bytes.
func (b *reader) discard(n int) {
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// fill reads from the source once, after making room: unread bytes move to the front, and a full
// buffer grows up to limit bytes. It returns errBufferFull when limit bytes are unread already,
// and a read error only when no byte came with it.
func (b *reader) fill(limit int) error {
	if err := b.room(limit); err != nil {
		return err
	}
	for range 100 {
		n, err := b.src.Read(b.buf[b.w:])
		b.w += n
		switch {
		case n > 0:
			return nil // an error comes again on the next read
		case err != nil:
			return err
		}
	}
	return io.ErrNoProgress
}

// room makes space at the end of the buffer, as fill does before it reads.
func (b *reader) room(limit int) error {
	if b.r > 0 {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
	}
	if b.w == len(b.buf) {
		if b.w >= limit {
			return errBufferFull
		}
		grown := make([]byte, min(2*len(b.buf), limit))
		copy(grown, b.buf[:b.w])
		b.buf = grown
	}
	return nil
}

// release gives the buffer back, when it holds nothing: to the pool, or, one grown for a long
// head, to the garbage collector. use takes one again.
func (b *reader) release() {
	if b.buf != nil && b.len() == 0 {
		putBuffer(b.pooled, b.buf)
		b.buf, b.pooled, b.r, b.w = nil, nil, 0, 0
	}
}

// pooledReader is a source that can wait for data without a buffer: a [sysConn].
type pooledReader interface {
	readPooled(waiting func()) (*[]byte, []byte, int, error)
}

// fillPooled is fill for a reader with nothing unread and no buffer: from a pooledReader, it takes
// a buffer from the pool only once the source has data, so a connection waiting for its next
// request holds none; waiting, if not nil, is called before the source is waited for. Other
// sources are read as fill reads them.
func (b *reader) fillPooled(waiting func()) error {
	pr, ok := b.src.(pooledReader)
	if !ok || b.buf != nil {
		b.use()
		return b.fill(readBufferSize)
	}
	for range 100 {
		p, buf, n, err := pr.readPooled(waiting)
		b.pooled, b.buf, b.r, b.w = p, buf, 0, n
		switch {
		case n > 0:
			return nil
		case err != nil:
			return err
		}
		b.release()
	}
	return io.ErrNoProgress
}

// use makes sure the reader has a buffer.
func (b *reader) use() {
	if b.buf == nil {
		b.pooled, b.buf = getBuffer()
	}
}

// unread appends p after the unread bytes, as if it had been read from the source next.
func (b *reader) unread(p []byte) {
	if b.w+len(p) > len(b.buf) {
		b.w = copy(b.buf, b.buf[b.r:b.w])
		b.r = 0
		if b.w+len(p) > len(b.buf) {
			grown := make([]byte, b.w+len(p)+readBufferSize)
			copy(grown, b.buf[:b.w])
			b.buf = grown
		}
	}
	b.w += copy(b.buf[b.w:], p)
}
