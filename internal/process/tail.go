package process

import (
	"bytes"
	"io"
	"sync"
)

// DefaultTailLines is how many of the last lines of a process's combined
// output are kept for error messages.
const DefaultTailLines = 20

// tailLineBytes bounds each kept line; the rest of a longer line is dropped
// from the tail (not from Stdout or Stderr).
const tailLineBytes = 4096

// tail keeps the last lines of a process's stdout and stderr together.
type tail struct {
	mu      sync.Mutex
	max     int
	lines   []string
	streams []*tailStream
}

// tailStream is one stream of a process: it passes everything on to w and
// keeps complete lines in its tail.
type tailStream struct {
	t       *tail
	w       io.Writer
	partial []byte
}

func newTail(max int) *tail {
	return &tail{max: max}
}

// stream returns a writer for one output stream that also writes to w, if w
// is not nil. Writes to all streams of a tail are serialized, so the same w
// may be given for stdout and stderr even if it is not safe for concurrent
// use.
func (t *tail) stream(w io.Writer) io.Writer {
	s := &tailStream{t: t, w: w}
	t.streams = append(t.streams, s)
	return s
}

func (t *tail) push(line string) {
	t.lines = append(t.lines, line)
	if len(t.lines) > t.max {
		t.lines = t.lines[len(t.lines)-t.max:]
	}
}

// flush keeps the partial last line of every stream.
func (t *tail) flush() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, s := range t.streams {
		if len(s.partial) > 0 {
			t.push(string(s.partial))
			s.partial = nil
		}
	}
}

func (t *tail) get() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.lines...)
}

// Write never fails: an error from w is ignored, so a broken log can never
// stop the flow of a child's output (and so block the child).
func (s *tailStream) Write(p []byte) (int, error) {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	if s.w != nil {
		_, _ = s.w.Write(p)
	}
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if room := tailLineBytes - len(s.partial); room > 0 {
			s.partial = append(s.partial, chunk[:min(room, len(chunk))]...)
		}
		if i < 0 {
			break
		}
		s.t.push(string(bytes.TrimSuffix(s.partial, []byte{'\r'})))
		s.partial = s.partial[:0]
		p = p[i+1:]
	}
	return n, nil
}
