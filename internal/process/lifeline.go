package process

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// StartLifeline starts cmd as the lifeline watcher of processes started with KeepOnExit, and
// returns the write end of its lifeline: a pipe whose read end cmd gets as fd 3. The daemon keeps
// the write end open, without ever writing to it, for as long as it runs, and hands a copy to its
// successor at an upgrade. cmd is meant to run WatchLifeline; it runs in a session of its own, so
// that a signal to the daemon's process group (Ctrl-C) does not end it first.
func StartLifeline(cmd *exec.Cmd) (*os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("lifeline: %w", err)
	}
	defer r.Close()
	cmd.ExtraFiles = []*os.File{r}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return nil, fmt.Errorf("start the lifeline watcher: %w", err)
	}
	go cmd.Wait() // it exits once the lifeline ends, which is after this process has exited, unless killed
	return w, nil
}

// WatchLifeline waits until the lifeline r ends, which happens when the last process holding its
// write end has exited, however it exited: stopped, crashed or killed. Then it kills the processes
// marked with each of the markers it then gets (apps made while it waited count), as KillOrphans
// does, and returns how many there were: none after a daemon that stopped its apps before
// exiting, all of them after one that died.
func WatchLifeline(r io.Reader, markers func() []string) (int, error) {
	_, _ = io.Copy(io.Discard, r)
	var total int
	var errs []error
	for _, m := range markers() {
		n, err := KillOrphans(m)
		total += n
		errs = append(errs, err)
	}
	return total, errors.Join(errs...)
}
