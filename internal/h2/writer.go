package h2

import (
	"bufio"
	"bytes"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// writer is the one way frames leave a connection. Any goroutine may write: a stream's handler its
// response, the read loop its acknowledgements. Each takes the lock and writes whole frames into
// the buffer; the connection's flusher goroutine, woken by the first write after a flush, flushes
// once the goroutines ready to run have had their turn. So the frames of streams answering at about
// the same time leave in one system call, and no writer waits for the socket.
type writer struct {
	nc      net.Conn
	timeout time.Duration // bounds each write to the socket: a client that stops reading is dropped
	pending atomic.Bool   // a flush is due: the flusher was woken
	kick    chan struct{} // wakes the flusher
	done    chan struct{} // closed when the connection ends: the flusher returns
	broken  func()        // called once, outside the lock, when a write to the socket fails
	once    sync.Once

	mu    sync.Mutex
	bw    *bufio.Writer
	fr    *http2.Framer
	hbuf  bytes.Buffer // a header block being encoded
	henc  *hpack.Encoder
	lower map[string]string // canonical field name → its lower-case form, for response fields
	err   error             // the first write that failed: every later one fails too
}

// writeBufferSize is the size of a connection's write buffer: a response's HEADERS and first DATA
// frame, or the frames of several small responses, go out in one system call.
const writeBufferSize = 32 << 10

// maxLowerCache bounds writer.lower: a handler that invents field names cannot grow it.
const maxLowerCache = 128

func newWriter(nc net.Conn, timeout time.Duration, broken func()) *writer {
	w := &writer{
		nc: nc, timeout: timeout, broken: broken, lower: map[string]string{},
		kick: make(chan struct{}, 1), done: make(chan struct{}),
	}
	w.bw = bufio.NewWriterSize(deadlineWriter{nc, timeout}, writeBufferSize)
	w.fr = http2.NewFramer(w.bw, nil)
	w.henc = hpack.NewEncoder(&w.hbuf)
	go w.flusher()
	return w
}

// do runs fn with the framer under the lock and has what it wrote flushed soon. It returns the
// first error the connection's writes met; the first one also breaks the connection (broken),
// before do returns it.
func (w *writer) do(fn func(fr *http2.Framer) error) error { return w.write(fn, false) }

// write is do, flushing before it returns when now is set: for a response that ends while no other
// stream's handler runs, which nothing would join in the flusher's write.
func (w *writer) write(fn func(fr *http2.Framer) error, now bool) error {
	w.mu.Lock()
	if err := w.err; err != nil {
		w.mu.Unlock()
		return err
	}
	err := fn(w.fr)
	switch {
	case err == errStreamCut:
		w.mu.Unlock()
		return err // the stream's, not the connection's
	case err != nil:
		w.err = err
	case now:
		w.flushLocked()
		err = w.err
	case !w.pending.Swap(true):
		w.kick <- struct{}{} // never blocks: one kick at a time is outstanding
	}
	w.mu.Unlock()
	if err != nil {
		w.once.Do(w.broken)
	}
	return err
}

// flusher flushes the buffer each time a write wakes it, after letting the goroutines ready to run
// (other streams' handlers, likely about to write) go first.
func (w *writer) flusher() {
	for {
		select {
		case <-w.kick:
		case <-w.done:
			return
		}
		runtime.Gosched()
		w.mu.Lock()
		w.pending.Store(false)
		w.flushLocked()
		failed := w.err != nil
		w.mu.Unlock()
		if failed {
			w.once.Do(w.broken)
		}
	}
}

// close flushes what is left and stops the flusher; the connection is closed next.
func (w *writer) close() {
	w.once.Do(func() {}) // the connection is ending already
	w.mu.Lock()
	w.flushLocked()
	if w.err == nil {
		w.err = errConnClosed
	}
	w.mu.Unlock()
	close(w.done)
}

func (w *writer) flushLocked() {
	if w.err == nil && w.bw.Buffered() > 0 {
		w.err = w.bw.Flush()
	}
}

// deadlineWriter is the socket under the buffer: each write to it is bounded by timeout.
type deadlineWriter struct {
	nc      net.Conn
	timeout time.Duration
}

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.nc.SetWriteDeadline(time.Now().Add(d.timeout))
	return d.nc.Write(p)
}

// header is one field of a header block.
type header struct{ name, value string }

// writeHeaders encodes a header block — :status, then fields, then raw (see responseWriter.raw),
// then extra — and writes it as a HEADERS frame and as many CONTINUATION frames as maxFrame
// requires. Fields of the map a server may not send in HTTP/2 (connection-specific ones) and names
// or values that are not valid are left out (AddField checked raw's). The caller holds the lock
// (it runs inside do).
func (w *writer) writeHeaders(id uint32, status int, fields map[string][]string, raw string, extra []header, end bool, maxFrame uint32) error {
	w.hbuf.Reset()
	if status != 0 {
		w.henc.WriteField(hpack.HeaderField{Name: ":status", Value: statusText(status)})
	}
	for name, values := range fields {
		lower, ok := w.lowerName(name)
		if !ok {
			continue
		}
		for _, v := range values {
			if httpguts.ValidHeaderFieldValue(v) {
				w.henc.WriteField(hpack.HeaderField{Name: lower, Value: v})
			}
		}
	}
	for i := 0; i < len(raw); {
		n := int(raw[i])
		name := raw[i+1 : i+1+n]
		i += 1 + n
		m := int(raw[i])<<8 | int(raw[i+1])
		w.henc.WriteField(hpack.HeaderField{Name: name, Value: raw[i+2 : i+2+m]})
		i += 2 + m
	}
	for _, h := range extra {
		w.henc.WriteField(hpack.HeaderField{Name: h.name, Value: h.value})
	}
	block := w.hbuf.Bytes()
	first := true
	for first || len(block) > 0 {
		frag := block[:min(len(block), int(maxFrame))]
		block = block[len(frag):]
		var err error
		if first {
			err = w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: frag, EndStream: end, EndHeaders: len(block) == 0})
		} else {
			err = w.fr.WriteContinuation(id, len(block) == 0, frag)
		}
		if err != nil {
			return err
		}
		first = false
	}
	return nil
}

// lowerName returns the name a response field goes out under, and false for one that may not:
// connection-specific fields (RFC 9113, 8.2.2) and names that are not tokens.
func (w *writer) lowerName(name string) (string, bool) {
	if lower, ok := w.lower[name]; ok {
		return lower, lower != ""
	}
	lower := strings.ToLower(name)
	if !httpguts.ValidHeaderFieldName(name) || connectionSpecific[lower] || strings.HasPrefix(name, ":") {
		lower = ""
	}
	if len(w.lower) < maxLowerCache {
		w.lower[name] = lower
	}
	return lower, lower != ""
}

// connectionSpecific are the fields of HTTP/1.1 that HTTP/2 forbids (RFC 9113, 8.2.2).
var connectionSpecific = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "transfer-encoding": true, "upgrade": true,
}

// statusText is a status code as :status carries it.
func statusText(code int) string {
	switch code {
	case 200:
		return "200"
	case 204:
		return "204"
	case 304:
		return "304"
	case 404:
		return "404"
	}
	return strconv.Itoa(code)
}
