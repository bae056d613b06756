package proxy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Buffering defaults, for an app that turns buffering on without saying more.
const (
	// DefaultBodyMemory is how much of a request body is held in memory while it is buffered;
	// past it the body goes on to a temporary file, as nginx's client_body_buffer_size.
	DefaultBodyMemory = 64 << 10
	// DefaultMaxBody is the largest request body a buffering site takes, as nginx's
	// client_max_body_size; a larger one gets 413.
	DefaultMaxBody = 100 << 20
	// DefaultResponseBuffer is the largest response body (by its Content-Length) read from the app
	// in full before it is sent to the client, so that a client that reads slowly does not hold
	// the app's worker; a larger one streams through as it comes.
	DefaultResponseBuffer = 1 << 20
	// DefaultResponseBudget bounds the memory all buffered responses of the proxy hold at once:
	// past it a response streams through as it comes, as when buffering is off, so that many
	// clients that read slowly cannot make the daemon hold a megabyte each without end.
	DefaultResponseBudget = 256 << 20
)

// holdResponse reserves n bytes of DefaultResponseBudget for a buffered response; false: the
// budget is spent, and the response streams.
func (p *Proxy) holdResponse(n int64) bool {
	if p.responseBytes.Add(n) > DefaultResponseBudget {
		p.responseBytes.Add(-n)
		return false
	}
	return true
}

// releaseResponse gives back what holdResponse reserved.
func (p *Proxy) releaseResponse(n int64) { p.responseBytes.Add(-n) }

// bodyFilePrefix begins the name of every temporary file of a buffered request body, so that
// [SweepBodyFiles] finds those a crash left behind.
const bodyFilePrefix = "cutover-body-"

// ErrBodyTooLarge is the failure of a request whose body is larger than its site's
// [Buffering.MaxBody]; the client gets 413.
var ErrBodyTooLarge = errors.New("request body is larger than the app's max_body: send less, or raise max_body in cutover.toml")

var pageBodyTooLarge = newPage(413, "the request's body is too large")

// errSpool is the failure to hold a request body past its memory part (a full or unwritable disk
// where bodies are buffered): cutover's own fault, not the app's, so the client gets 503 with
// Retry-After ([DefaultSpoolRetryAfter]), never 502.
var errSpool = errors.New("could not buffer the request body on disk")

// DefaultSpoolRetryAfter is the Retry-After of the 503 a client gets when its body could not be
// buffered on disk.
const DefaultSpoolRetryAfter = 5 * time.Second

var pageSpool = func() *page {
	pg := newPage(http.StatusServiceUnavailable, "the server could not hold the request's body; try again shortly")
	pg.retryAfter = strconv.Itoa(int(DefaultSpoolRetryAfter / time.Second))
	return pg
}()

// Buffering says what the proxy holds for a site between a client and the app, so that a slow
// client does not hold one of the app's few workers (Unicorn, Puma). The zero value buffers
// nothing: requests and responses stream through as they come.
type Buffering struct {
	// Requests makes the proxy read each request body in full before the request goes to the
	// app: in memory up to BodyMemory, the rest in a temporary file.
	Requests bool
	// Responses makes the proxy read a response body of known length up to ResponseLimit in full
	// from the app before sending it on. Event streams, bodies of unknown length and upgraded
	// connections are never buffered.
	Responses bool
	// MaxBody bounds a buffered request body (413 past it); 0 means DefaultMaxBody.
	MaxBody int64
	// BodyMemory is how much of a request body is kept in memory; 0 means DefaultBodyMemory.
	BodyMemory int
	// ResponseLimit is the largest response body buffered; 0 means DefaultResponseBuffer.
	ResponseLimit int64
}

// SetBuffering sets what the proxy buffers for the site's requests (see [Buffering]). It takes
// effect for requests that start after it returns.
func (s *Site) SetBuffering(b Buffering) {
	if !b.Requests && !b.Responses {
		s.buffer.Store(nil) // the fast path then costs one load
		return
	}
	if b.MaxBody <= 0 {
		b.MaxBody = DefaultMaxBody
	}
	if b.BodyMemory <= 0 {
		b.BodyMemory = DefaultBodyMemory
	}
	if b.ResponseLimit <= 0 {
		b.ResponseLimit = DefaultResponseBuffer
	}
	s.buffer.Store(&b)
}

// Buffering returns what the site buffers, with defaults filled in.
func (s *Site) Buffering() Buffering {
	if b := s.buffer.Load(); b != nil {
		return *b
	}
	return Buffering{}
}

// SweepBodyFiles removes the temporary body files a crashed proxy may have left in dir. A body
// file is unlinked as soon as it is made, so only a crash in between leaves one.
func SweepBodyFiles(dir string) error {
	matches, err := filepath.Glob(filepath.Join(dir, bodyFilePrefix+"*"))
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range matches {
		if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// spool holds one buffered request body: its first bytes in memory, the rest in a file that has
// no name any more, so that it is gone when the spool is closed or the process dies.
type spool struct {
	mem      []byte
	file     *os.File
	size     int64
	max      int64
	memLimit int
	dir      string
}

func newSpool(b *Buffering, dir string) *spool {
	return &spool{max: b.MaxBody, memLimit: b.BodyMemory, dir: dir}
}

// Write adds p to the body; past max it fails with ErrBodyTooLarge.
func (s *spool) Write(p []byte) (int, error) {
	if s.size+int64(len(p)) > s.max {
		return 0, ErrBodyTooLarge
	}
	if s.file == nil && len(s.mem)+len(p) <= s.memLimit {
		s.mem = append(s.mem, p...)
		s.size += int64(len(p))
		return len(p), nil
	}
	if s.file == nil {
		f, err := os.CreateTemp(s.dir, bodyFilePrefix+"*")
		if err != nil {
			return 0, fmt.Errorf("%w in %s: %w (free space there, or turn buffer_requests off)", errSpool, s.dir, err)
		}
		os.Remove(f.Name()) // the open file keeps its data until closed, a crash included
		s.file = f
	}
	n, err := s.file.Write(p)
	s.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("%w in %s: %w (free space there, or turn buffer_requests off)", errSpool, s.dir, err)
	}
	return n, nil
}

// reader returns the body from its start.
func (s *spool) reader() io.Reader {
	if s.file == nil {
		return bytes.NewReader(s.mem)
	}
	return io.MultiReader(bytes.NewReader(s.mem), io.NewSectionReader(s.file, 0, s.size-int64(len(s.mem))))
}

// close lets the body go, and its file with it.
func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		s.file = nil
	}
	s.mem = nil
}

// buffersResponse reports whether the response coming from up is read in full before it goes to
// the client: the site buffers responses, its length is known and within the limit, it is not an
// event stream, and it has not all arrived already (then there is nothing to wait for).
func (c *conn) buffersResponse(up *upConn) bool {
	b, h := c.x.buffer, &c.res
	return b != nil && b.Responses && h.length > int64(up.br.len()) && h.length <= b.ResponseLimit &&
		!h.eventStream()
}

// bufferResponse reads the response body from up in full, freeing the app's worker, then
// writes it to the client, whose send timeout bounds each piece as when it streams.
func (c *conn) bufferResponse(up *upConn) error {
	n := c.res.length
	body := make([]byte, 0, n)
	for int64(len(body)) < n {
		if up.br.len() == 0 {
			if err := c.fillUp(); err != nil {
				return truncated(err)
			}
		}
		b := up.br.buffered()
		if rest := n - int64(len(body)); int64(len(b)) > rest {
			b = b[:rest]
		}
		body = append(body, b...)
		up.br.discard(len(b))
	}
	for len(body) > 0 {
		piece := body[:min(len(body), responsePiece)]
		if _, err := c.bw.Write(piece); err != nil {
			return fmt.Errorf("%w: %w", ErrClientGone, err)
		}
		body = body[len(piece):]
		c.pipe.n += int64(len(piece))
	}
	return nil
}

// responsePiece is how much of a buffered response goes to the client in one write, so that the
// send timeout bounds a write to a slow client as it does when the response streams.
const responsePiece = 64 << 10

// eventStream reports whether the response is a text/event-stream, which is never buffered.
func (h *response) eventStream() bool {
	for _, f := range h.fields {
		if len(f.value) >= len("text/event-stream") && bytes.EqualFold(f.name, []byte("Content-Type")) &&
			bytes.EqualFold(f.value[:len("text/event-stream")], []byte("text/event-stream")) {
			return true
		}
	}
	return false
}
