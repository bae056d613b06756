package socket

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestProbeTellsWhoAccepted(t *testing.T) {
	s := listen(t)
	self := syscall.Getpgrp()

	// A child in a process group of its own accepts on the inherited socket and answers one request.
	child := exec.Command("python3", "-c", `
import select, socket
s = socket.socket(fileno=3)
select.select([s], [], [])
c, _ = s.accept()
c.setblocking(True)
c.recv(4096)
c.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
c.close()
`)
	child.ExtraFiles = []*os.File{s.File()}
	child.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	child.Stderr = os.Stderr
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { child.Process.Kill(); child.Wait() })

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := s.Probe(ctx, map[int]bool{child.Process.Pid: true, self: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Group != child.Process.Pid {
		t.Errorf("group: got %d, want the child's %d", p.Group, child.Process.Pid)
	}
	status, err := p.Get(ctx, "/up")
	if err != nil || status != http.StatusNoContent {
		t.Errorf("GET through the probe: got %d, %v; want 204", status, err)
	}

	// This process accepts the next one: it is outside the groups asked about.
	ln, err := s.Listener()
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	t.Cleanup(func() {
		select {
		case c := <-accepted:
			c.Close()
		default:
		}
	})
	p, err = s.Probe(ctx, map[int]bool{child.Process.Pid: true})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	if p.Group != 0 {
		t.Errorf("group: got %d, want 0 (accepted outside the groups)", p.Group)
	}
}

func TestProbeGivesUpWhenNobodyAccepts(t *testing.T) {
	s := listen(t)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if p, err := s.Probe(ctx, nil); err == nil {
		p.Close()
		t.Fatalf("got a probe, want an error: nobody accepts")
	}
}

func listen(t *testing.T) *Shared {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
