package process

import (
	"syscall"
	"testing"
	"time"
)

func TestStatesCrashLoop(t *testing.T) {
	g, _ := newTestGroup(t)
	g.restartMin, g.restartMax, g.restartReset = 10*time.Millisecond, 40*time.Millisecond, time.Hour
	crashing, err := g.Start(Spec{Name: "web.1", Command: "exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.Start(Spec{Name: "worker.1", Command: "exec sleep 1000"}); err != nil {
		t.Fatal(err)
	}
	g.Supervise()
	var st []State
	waitFor(t, "three restarts of web.1", func() bool {
		st = g.States()
		return st[0].Restarts >= 3
	})
	web, worker := st[0], st[1]
	if web.LastExit == nil || web.LastExit.Code != 3 || web.LastExit.Signal != "" || web.LastExit.Message != "exited with status 3" {
		t.Errorf("web.1 last exit: got %+v, want status 3", web.LastExit)
	}
	if web.LastExit != nil && web.LastExit.Time.Before(crashing.Started()) {
		t.Errorf("web.1 last exit at %v, before its first start %v", web.LastExit.Time, crashing.Started())
	}
	if web.Loop == nil || web.Loop.Restarts < 2 || web.Loop.Since.Before(crashing.Started()) {
		t.Errorf("web.1 loop: got %+v, want crash-looping since after its first start", web.Loop)
	}
	if worker.Restarts != 0 || worker.LastExit != nil || worker.Loop != nil {
		t.Errorf("worker.1: got %d restarts, last exit %+v, loop %+v; want none", worker.Restarts, worker.LastExit, worker.Loop)
	}
}

func TestStatesKilledAndRecovered(t *testing.T) {
	// One restart after a kill is not a loop; a run longer than the reset ends one.
	g, _ := newTestGroup(t)
	g.restartMin, g.restartReset = 10*time.Millisecond, 50*time.Millisecond
	p, err := g.Start(Spec{Name: "web.1", Command: "exec sleep 1000"})
	if err != nil {
		t.Fatal(err)
	}
	g.Supervise()
	if err := p.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var st []State
	waitFor(t, "web.1 to be restarted", func() bool { st = g.States(); return st[0].Restarts == 1 })
	if e := st[0].LastExit; e == nil || e.Signal != "SIGKILL" || e.Code != -1 {
		t.Errorf("last exit: got %+v, want killed by SIGKILL", e)
	}
	if st[0].Loop != nil {
		t.Errorf("loop after one restart: got %+v, want none", st[0].Loop)
	}
}
