package deploy

import (
	"bytes"
	"sync"
	"time"
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

// lineWriter turns written bytes into one Output event per line.
type lineWriter struct {
	mu   sync.Mutex
	buf  []byte
	emit func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		w.emit(string(bytes.TrimRight(w.buf[:i], "\r")))
		w.buf = w.buf[i+1:]
	}
	return len(p), nil
}

// Close flushes a last line that had no newline.
func (w *lineWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.emit(string(w.buf))
		w.buf = nil
	}
	return nil
}
