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
	o.copy(io.Discard, io.Discard)
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
