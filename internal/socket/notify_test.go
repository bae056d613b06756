package socket

import (
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// TestNotifier: a message counts for the process group of its sender, as the kernel tells it.
func TestNotifier(t *testing.T) {
	n, err := NewNotifier()
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()

	child := exec.Command("python3", "-c", `
import os, socket
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"STATUS=booted\nREADY=1", addr)
input()  # stay alive until the test is done, so the sender's group can be looked up
`)
	child.Env = append(os.Environ(), n.Env())
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := child.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); child.Wait() })

	select {
	case <-n.Ready(child.Process.Pid):
	case <-time.After(30 * time.Second):
		t.Fatal("the child's READY=1 never arrived")
	}
	if got := n.Status(child.Process.Pid); got != "booted" {
		t.Errorf("status: got %q, want booted", got)
	}
	select {
	case <-n.Ready(syscall.Getpgrp()):
		t.Errorf("READY=1 counted for this process's group too")
	default:
	}

	t.Setenv(EnvNotifySocket, n.name)
	if err := Notify("READY=1"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-n.Ready(syscall.Getpgrp()):
	case <-time.After(30 * time.Second):
		t.Fatal("this process's READY=1 never arrived")
	}
}

func TestNotifyWithoutSocket(t *testing.T) {
	t.Setenv(EnvNotifySocket, "")
	if err := Notify("READY=1"); err != nil {
		t.Errorf("got %v, want nil: not run by systemd", err)
	}
	t.Setenv(EnvNotifySocket, "relative/path")
	if err := Notify("READY=1"); err == nil {
		t.Errorf("a relative NOTIFY_SOCKET was accepted")
	}
}
