package process

import (
	"errors"
	"io"
	"os"
	"sync"
	"time"
)

// output carries a process's stdout and stderr through pipes of cutover's own rather than the ones
// os/exec makes, so that the read ends can be handed to another daemon at an upgrade and read on
// there, while the process writes on as if nothing happened.
type output struct {
	files [2]*os.File   // read ends: stdout, stderr; nil for a stream not handed over
	done  chan struct{} // closed when the copying has ended
}

// newOutput makes the pipes and returns the write ends, for the child.
func newOutput() (*output, [2]*os.File, error) {
	o := &output{done: make(chan struct{})}
	var w [2]*os.File
	for i := range w {
		r, wr, err := os.Pipe()
		if err != nil {
			o.close()
			for _, f := range w {
				if f != nil {
					f.Close()
				}
			}
			return nil, w, err
		}
		o.files[i], w[i] = r, wr
	}
	return o, w, nil
}

// adoptOutput reads on from the read ends of an adopted process's pipes.
func adoptOutput(stdout, stderr *os.File) *output {
	return &output{files: [2]*os.File{stdout, stderr}, done: make(chan struct{})}
}

// copy copies each stream into its writer, until the stream ends or is cut.
func (o *output) copy(stdout, stderr io.Writer) {
	var wg sync.WaitGroup
	for i, w := range []io.Writer{stdout, stderr} {
		if f := o.files[i]; f != nil {
			wg.Go(func() { _, _ = io.Copy(w, f) })
		}
	}
	go func() {
		wg.Wait()
		close(o.done)
	}()
}

// finish waits up to delay for the streams to end, which they do once every process holding the
// write ends has exited, then cuts them off, and closes the read ends.
func (o *output) finish(delay time.Duration) {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-o.done:
	case <-t.C:
		o.cut()
		<-o.done
	}
	o.close()
}

// releaseWait bounds how long release waits for the copying to stop. A read that cannot be cut
// (a pipe that is not pollable) is left behind rather than hold up a handover for ever: it ends
// with the daemon, which is on its way out.
const releaseWait = 2 * time.Second

// release stops the copying at once, leaving the pipes open for whoever holds them too.
func (o *output) release() {
	o.cut()
	t := time.NewTimer(releaseWait)
	defer t.Stop()
	select {
	case <-o.done:
	case <-t.C:
	}
}

// cut makes the reads return at once.
func (o *output) cut() {
	for _, f := range o.files {
		if f != nil {
			if err := f.SetReadDeadline(time.Unix(1, 0)); err != nil && !errors.Is(err, os.ErrClosed) {
				f.Close() // not pollable: closing is the only way to end the read
			}
		}
	}
}

func (o *output) close() {
	for _, f := range o.files {
		if f != nil {
			f.Close()
		}
	}
}
