package sampleapp

import (
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// inheritableSocket returns a listening socket's address and a file for
// it that a child can inherit; the test's own copies are closed once the
// child has started.
func inheritableSocket(t *testing.T) (string, *os.File) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatalf("listener file: %v", err)
	}
	return ln.Addr().String(), f
}

func TestMainInheritedSocket(t *testing.T) {
	addr, f := inheritableSocket(t)
	// LISTEN_PID must name the app's own pid, known only once it runs; the
	// shell sets it to its own pid and then execs the app in its place.
	c := startChild(t, []string{"LISTEN_FDS=1"}, []*os.File{f},
		"/bin/sh", "-c", `LISTEN_PID=$$ exec "$0" "$@"`, self(t))
	f.Close()

	c.waitLine(t, `^using inherited socket fd=3$`)
	c.waitLine(t, `^listening on `+regexp.QuoteMeta(addr)+` version=v1$`)
	if got, want := readBody(t, "http://"+addr+"/pid"), strconv.Itoa(c.cmd.Process.Pid)+"\n"; got != want {
		t.Errorf("/pid on the inherited socket: got %q, want %q", got, want)
	}
	c.signal(t, syscall.SIGTERM)
	if code := c.exitCode(t); code != 0 {
		t.Errorf("exit code: got %d, want 0", code)
	}
}

func TestMainListenFDsForAnotherProcess(t *testing.T) {
	addr, f := inheritableSocket(t)
	c := startChild(t, []string{"LISTEN_FDS=1", "LISTEN_PID=1", "PORT=0"}, []*os.File{f}, self(t))
	f.Close()
	got := c.waitLine(t, `^listening on (\S+) version=v1$`)[1]
	if got == addr {
		t.Errorf("listening on %s: got the inherited socket, want a new one on $PORT since LISTEN_PID is not the app's", got)
	}
}

func TestInheritedListenerRejectsBadCount(t *testing.T) {
	t.Setenv("LISTEN_PID", strconv.Itoa(os.Getpid()))
	t.Setenv("LISTEN_FDS", "many")
	ln, err := inheritedListener()
	if ln != nil || err == nil || !strings.Contains(err.Error(), `LISTEN_FDS="many"`) {
		t.Errorf("got %v, %v; want an error quoting LISTEN_FDS", ln, err)
	}
	if v, ok := os.LookupEnv("LISTEN_FDS"); ok {
		t.Errorf("LISTEN_FDS: got %q, want it unset", v)
	}
}
