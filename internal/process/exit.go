package process

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// ExitError reports a process that exited with a non-zero status or was
// killed by a signal.
type ExitError struct {
	Name   string         // the Spec's Name
	Status int            // the exit status, or -1 if a signal killed it
	Signal syscall.Signal // the signal that killed it, or 0
}

// Error says how the process ended, for example "web.1 exited with status 3"
// or "web.1 killed by signal SIGKILL".
func (e *ExitError) Error() string {
	var msg string
	if e.Signal != 0 {
		msg = "killed by signal " + signalName(e.Signal)
	} else {
		msg = fmt.Sprintf("exited with status %d", e.Status)
	}
	if e.Name == "" {
		return msg
	}
	return e.Name + " " + msg
}

// exitError turns how a process ended into nil or an *ExitError.
func exitError(name string, state *os.ProcessState) error {
	ws, ok := state.Sys().(syscall.WaitStatus)
	switch {
	case state.Success():
		return nil
	case ok && ws.Signaled():
		return &ExitError{Name: name, Status: -1, Signal: ws.Signal()}
	default:
		return &ExitError{Name: name, Status: state.ExitCode()}
	}
}

func signalName(sig syscall.Signal) string {
	if name := unix.SignalName(sig); name != "" {
		return name
	}
	return fmt.Sprintf("signal %d", int(sig))
}
