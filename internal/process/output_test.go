package process

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"
)

// TestReleaseReturnsFromAReadItCannotCut: a pipe whose reads the poller cannot cut (a blocking
// descriptor) holds the copying in its read; release still returns, so a handover goes on.
func TestReleaseReturnsFromAReadItCannotCut(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	fd, err := syscall.Dup(int(r.Fd())) // blocking now
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	stuck := os.NewFile(uintptr(fd), "stdout") // not pollable: a deadline cannot cut its read
	defer stuck.Close()
	o := adoptOutput(stuck, nil)
	copied := make(chan struct{}, 1)
	o.copy(signalWriter(copied), io.Discard)
	// A line copied: the copy is back in a read, which only the app's next write would end.
	if _, err := w.Write([]byte("line\n")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-copied:
	case <-time.After(time.Minute):
		t.Fatal("the line written was not copied")
	}
	returned := make(chan struct{})
	go func() {
		o.release()
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(releaseWait + time.Minute):
		t.Fatal("release did not return while the read could not be cut")
	}
}

// signalWriter is a writer that signals on c after each write.
type signalWriter chan struct{}

func (c signalWriter) Write(b []byte) (int, error) {
	select {
	case c <- struct{}{}:
	default:
	}
	return len(b), nil
}
