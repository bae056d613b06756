package bench

import (
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, tt := range []struct {
		line        string
		pgrp        int
		ticks       int64
		ok          bool
		description string
	}{
		{"42 (nginx) S 1 40 40 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 1 1 1", 40, 10, true, "plain"},
		{"42 (a (b) c) R 1 41 41 0 -1 0 0 0 0 0 12 0 0 0", 41, 12, true, "comm with spaces and parentheses"},
		{"42 (x) S 1 40", 0, 0, false, "cut short"},
		{"no parenthesis", 0, 0, false, "not a stat line"},
	} {
		pgrp, ticks, ok := parseStat([]byte(tt.line))
		if pgrp != tt.pgrp || ticks != tt.ticks || ok != tt.ok {
			t.Errorf("%s: got %d, %d, %v; want %d, %d, %v", tt.description, pgrp, ticks, ok, tt.pgrp, tt.ticks, tt.ok)
		}
	}
}

// TestGroupCPU: the CPU time a child's process group spends, its children's included, is seen,
// and a meter over it counts it per request.
func TestGroupCPU(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	// A shell in a group of its own whose child spins: the group's time is the child's.
	cmd := exec.Command("sh", "-c", "sh -c 'while :; do :; done' & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	})
	m := cpuMeter{pgid: cmd.Process.Pid}
	m.start()
	deadline := time.Now().Add(DefaultStartTimeout)
	for m.spent < 50*time.Millisecond && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		m.stop()
		m.start()
	}
	if m.spent < 50*time.Millisecond || m.failed {
		t.Fatalf("got %v of CPU time (failed %v), want the spinning child's 50ms or more", m.spent, m.failed)
	}
	if got, want := m.per(2), m.spent/2; got != want {
		t.Errorf("per 2 requests: got %v, want %v", got, want)
	}
	if got := (&cpuMeter{}).per(10); got != 0 {
		t.Errorf("a target with no group: got %v per request, want 0 (not known)", got)
	}
}
