package control

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
)

// TestClientDialProblem checks that the CLI says what stopped the dial when the daemon may well be
// running: no permission on its socket, or no descriptor left, instead of "no daemon is running".
func TestClientDialProblem(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"permission", syscall.EACCES, "permission denied"},
		{"process descriptors", syscall.EMFILE, "too many open files"},
		{"system descriptors", syscall.ENFILE, "too many open files"},
		{"refused", syscall.ECONNREFUSED, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", tc.err)}
			got := dialProblem(err, "/s/control.sock")
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("got %v, want nil", got)
			case tc.want != "" && (got == nil || !strings.Contains(got.Error(), tc.want)):
				t.Fatalf("got %v, want it to say %q", got, tc.want)
			case got != nil && errors.Is(got, ErrNoDaemon):
				t.Fatalf("got %v, want it not to claim no daemon runs", got)
			}
		})
	}
}

// TestClientPermissionDenied dials a real socket the user may not open.
func TestClientPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root opens any socket: permission cannot be denied")
	}
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	if err := os.Chmod(filepath.Join(dir, SocketName), 0); err != nil {
		t.Fatal(err)
	}
	_, err = NewClient(dir).do(context.Background(), "GET", "/v1/status", nil)
	if err == nil || !strings.Contains(err.Error(), "permission denied") || errors.Is(err, ErrNoDaemon) {
		t.Fatalf("got %v, want an error saying permission denied", err)
	}
}

// TestClientStoppedWhileWaiting: a command stopped (a signal, a timeout) while the daemon has not
// answered yet says so, not that no daemon runs.
func TestClientStoppedWhileWaiting(t *testing.T) {
	dir := t.TempDir()
	ln, err := net.Listen("unix", filepath.Join(dir, SocketName))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var held []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	go func() { // a daemon that accepts and never answers
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("terminated signal received")
	go cancel(stop)
	_, err = NewClient(dir).do(ctx, "GET", "/v1/status", nil)
	if err == nil || errors.Is(err, ErrNoDaemon) || !errors.Is(err, stop) || !strings.Contains(err.Error(), "stopped while waiting for the daemon") {
		t.Fatalf("got %v, want an error saying it was stopped while waiting, with the cause", err)
	}
}
