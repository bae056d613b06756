package process

import (
	"syscall"
	"testing"
)

func TestExitErrorMessage(t *testing.T) {
	tests := []struct {
		err  ExitError
		want string
	}{
		{ExitError{Name: "web.1", Status: 3}, "web.1 exited with status 3"},
		{ExitError{Name: "web.1", Status: -1, Signal: syscall.SIGKILL}, "web.1 killed by signal SIGKILL"},
		{ExitError{Status: -1, Signal: syscall.SIGSEGV}, "killed by signal SIGSEGV"},
		{ExitError{Name: "x", Status: -1, Signal: syscall.Signal(200)}, "x killed by signal signal 200"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
