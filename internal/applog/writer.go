package applog

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
	"unicode/utf8"
)

// MaxLineBytes is the longest line a Writer records. Longer lines are cut
// into pieces of at most this many bytes, each recorded as a line of its own,
// so one runaway line cannot hold unbounded memory.
const MaxLineBytes = 64 * 1024

// Writer returns a writer for one stream ("stdout" or "stderr") of one
// process of one release. It splits what it is given on '\n' (dropping a
// '\r' before it) and records each line in l. A partial last line is
// recorded on Close; writes after Close fail with an error wrapping
// os.ErrClosed. The writer is safe for concurrent use.
func (l *Log) Writer(release, process, stream string) io.WriteCloser {
	return &writer{log: l, release: release, process: process, stream: stream}
}

type writer struct {
	log                      *Log
	release, process, stream string

	mu     sync.Mutex
	buf    []byte // the partial line, at most MaxLineBytes plus a '\r'
	closed bool
}

func (w *writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, fmt.Errorf("write %s %s: %w", w.process, w.stream, os.ErrClosed)
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			w.buf = w.emitLong(w.buf)
			break
		}
		line := append(w.buf, p[:i]...)
		line = bytes.TrimSuffix(line, []byte{'\r'})
		w.emit(w.emitLong(line))
		w.buf = w.buf[:0]
		p = p[i+1:]
	}
	return n, nil
}

// Close records a partial last line, if any, and makes later writes fail.
func (w *writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if len(w.buf) > 0 {
		w.emit(w.buf)
		w.buf = nil
	}
	return nil
}

func (w *writer) emit(b []byte) {
	w.log.add(w.release, w.process, w.stream, string(b))
}

// emitLong records MaxLineBytes pieces from the front of b while b is longer
// than that, and returns the rest, moved to the front of b's storage. A
// trailing '\r' does not count, as it may be the first half of "\r\n".
func (w *writer) emitLong(b []byte) []byte {
	rest := b
	for len(bytes.TrimSuffix(rest, []byte{'\r'})) > MaxLineBytes {
		cut := cutPoint(rest)
		w.emit(rest[:cut])
		rest = rest[cut:]
	}
	return append(b[:0], rest...)
}

// cutPoint returns where to cut b, which is longer than MaxLineBytes: at
// MaxLineBytes, moved back to the start of a UTF-8 sequence if it would
// split one.
func cutPoint(b []byte) int {
	for i := MaxLineBytes; i > MaxLineBytes-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return MaxLineBytes
}
