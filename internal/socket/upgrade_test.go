package socket

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const successorEnv = "SOCKET_TEST_SUCCESSOR"

type testState struct{ Greeting string }

// TestSuccessorHelper is the successor when the test binary is re-executed by startSuccessor; it
// acts as successorEnv says, and is skipped otherwise.
func TestSuccessorHelper(t *testing.T) {
	mode := os.Getenv(successorEnv)
	if mode == "" {
		t.Skip("only run as a successor")
	}
	if mode == "exit" {
		os.Exit(3)
	}
	if mode == "silent" {
		time.Sleep(time.Minute)
	}
	p, err := TakeOver()
	if err != nil || p == nil {
		t.Fatalf("TakeOver: got %v, %v", p, err)
	}
	var st testState
	if err := p.State(&st); err != nil {
		t.Fatal(err)
	}
	if mode == "fail" {
		p.Fail(errors.New("broken on purpose"))
		return
	}
	shared, err := FromFile(p.File("public"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.Ready(ctx); err != nil {
		os.Stderr.WriteString("successor: " + err.Error() + "\n")
		os.Exit(4)
	}
	ln, err := shared.Listener()
	if err != nil {
		t.Fatal(err)
	}
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, st.Greeting+" from pid "+itoa(os.Getpid()))
	c.Close()
}

func startSuccessor(t *testing.T, mode string, s *Shared) *Successor {
	t.Helper()
	t.Setenv(successorEnv, mode)
	succ, err := StartSuccessor(os.Args[0], []string{os.Args[0], "-test.run=^TestSuccessorHelper$"},
		[]NamedFile{{"public", s.File()}}, testState{Greeting: "hello"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { succ.cmd.Process.Kill(); <-succ.exited })
	return succ
}

func TestUpgradeHandsOver(t *testing.T) {
	s := listen(t)
	succ := startSuccessor(t, "ready", s)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := succ.Ready(ctx); err != nil {
		t.Fatalf("Ready: %v", err)
	}
	if err := succ.Go(); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", s.DialAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, _ := io.ReadAll(c)
	if want := "hello from pid " + itoa(succ.Pid()); string(b) != want {
		t.Errorf("through the handed-over socket: got %q, want %q", b, want)
	}
}

func TestUpgradeFailures(t *testing.T) {
	tests := []struct {
		mode string
		want string
	}{
		{"fail", "could not take over: broken on purpose"},
		{"exit", "exited before it was ready (exit status 3)"},
		{"silent", "did not say it was ready"},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			succ := startSuccessor(t, tt.mode, listen(t))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err := succ.Ready(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
			succ.Abort("test")
			select {
			case <-succ.exited:
			default:
				t.Errorf("the successor is still running after Abort")
			}
		})
	}
}

// TestUpgradeAbortAfterReady: a successor told to give up after it said it was ready exits.
func TestUpgradeAbortAfterReady(t *testing.T) {
	succ := startSuccessor(t, "ready", listen(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := succ.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	succ.Abort("changed my mind")
	if succ.waitErr == nil || !strings.Contains(succ.waitErr.Error(), "exit status 4") {
		t.Errorf("got %v, want the successor to exit with status 4 after the abort", succ.waitErr)
	}
}

func TestTakeOverWithoutUpgrade(t *testing.T) {
	if p, err := TakeOver(); p != nil || err != nil {
		t.Errorf("got %v, %v; want nil, nil when not started for an upgrade", p, err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestInheritIsPollable: a pipe handed over through os/exec arrives in blocking mode; inherited,
// its reads can be cut by a deadline, as a daemon letting go of an app's output must.
func TestInheritIsPollable(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	defer r.Close()
	fd, err := syscall.Dup(int(r.Fd())) // Fd puts it in blocking mode, as os/exec does
	if err != nil {
		t.Fatal(err)
	}
	f := inherit(fd, "stdout")
	defer f.Close()
	if err := f.SetReadDeadline(time.Now().Add(10 * time.Millisecond)); err != nil {
		t.Fatalf("SetReadDeadline on the inherited pipe: got %v, want nil (a pollable file)", err)
	}
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read of a quiet pipe past its deadline: got %v, want os.ErrDeadlineExceeded", err)
	}
}

// TestHandedOverDupLeavesOurReadsCuttable: handing a pipe's read end to a new process (os/exec
// takes its Fd) leaves this process's own read of it non-blocking, so a deadline still ends it.
func TestHandedOverDupLeavesOurReadsCuttable(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	d, err := Dup(r, "stdout") // as StartSuccessor hands it over
	if err != nil {
		t.Fatal(err)
	}
	d.Fd() // what os/exec does to each file it hands over
	d.Close()
	done := make(chan error, 1)
	go func() {
		_, err := r.Read(make([]byte, 1))
		done <- err
	}()
	r.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("our read after the handover: got %v, want os.ErrDeadlineExceeded", err)
		}
	case <-time.After(10 * time.Second):
		w.Write([]byte("x")) // end the read that the deadline did not
		t.Fatal("our read of the pipe was not cut by its deadline: the handover made it blocking")
	}
}
