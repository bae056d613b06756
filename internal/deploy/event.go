package deploy

import (
	"bytes"
	"sync"
	"time"
	"unicode/utf8"
)

// Kind says what an Event reports.
type Kind string

// The kinds of Event.
const (
	StepStart Kind = "start"  // a step began
	StepDone  Kind = "done"   // a step ended well
	StepFail  Kind = "fail"   // a step failed: the deploy stops (before the switch) or warns (after)
	Output    Kind = "output" // a line printed by the release phase or a migration
	Info      Kind = "info"   // a detail worth showing
	Warn      Kind = "warn"   // something went wrong that did not stop the deploy
)

// Event is one line of a deploy's progress, streamed to `cutover deploy` as it happens.
type Event struct {
	Time     time.Time     `json:"time"`
	Release  string        `json:"release"`
	Step     string        `json:"step,omitempty"`
	Kind     Kind          `json:"kind"`
	Message  string        `json:"message,omitempty"`
	Duration time.Duration `json:"duration,omitempty"`
}

// output returns a writer that tells the client each line written to it as an Output event of
// step; close it to flush a last line without a newline.
func (r *run) output(step string) *lineWriter {
	return &lineWriter{emit: func(line string) { r.event(Event{Step: step, Kind: Output, Message: line}) }}
}

// MaxOutputLine is the longest line of release-phase or migration output a deploy passes on. The
// rest of a longer line is dropped, and the line says so: one runaway line (a binary dump, a
// progress bar with no newline) cannot hold the daemon's memory.
const MaxOutputLine = 64 * 1024

// cutNote ends a line cut at MaxOutputLine.
const cutNote = " … (cut: the line is longer than 64 KiB)"

// lineWriter turns written bytes into one Output event per line, of at most MaxOutputLine bytes.
type lineWriter struct {
	mu       sync.Mutex
	buf      []byte
	skipping bool // the line under way passed MaxOutputLine: its rest is dropped until its newline
	emit     func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		if !w.skipping {
			w.add(part)
		}
		if i < 0 {
			break
		}
		if !w.skipping {
			w.emit(string(bytes.TrimRight(w.buf, "\r")))
		}
		w.buf, w.skipping = w.buf[:0], false
		p = p[i+1:]
	}
	return n, nil
}

// add appends part of the line under way, or, past MaxOutputLine, emits what fits (cut at a
// character's start) and drops the rest of the line.
func (w *lineWriter) add(part []byte) {
	room := MaxOutputLine - len(w.buf)
	if len(part) <= room {
		w.buf = append(w.buf, part...)
		return
	}
	for room > 0 && !utf8.RuneStart(part[room]) {
		room--
	}
	w.emit(string(append(w.buf, part[:room]...)) + cutNote)
	w.buf, w.skipping = w.buf[:0], true
}

// Close flushes a last line that had no newline.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 && !w.skipping {
		w.emit(string(w.buf))
	}
	w.buf, w.skipping = nil, false
	return nil
}
