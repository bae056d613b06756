package process

import (
	"errors"
	"os"
	"testing"
	"time"
)

// TestReleaseAndAdopt hands a running process from one group to another, as daemons do at an
// upgrade: it runs on, its output goes on to the new group, which stops it, or restarts it when it
// exits.
func TestReleaseAndAdopt(t *testing.T) {
	spec := Spec{Name: "web.1", KeepOnExit: true,
		Command: script(t, `trap 'echo bye; exit 0' TERM; i=0; while :; do echo "tick $i"; i=$((i+1)); sleep 0.02; done`)}
	old, _ := newTestGroup(t)
	p, err := old.Start(spec)
	if err != nil {
		t.Fatal(err)
	}
	old.Supervise()
	waitLine(t, p, "tick ")
	stdout, stderr := handOver(t, p)
	old.Disown()
	if !alive(p.Pid()) {
		t.Fatalf("the process died when its group let go of it")
	}
	if err := old.Stop(time.Second); err != nil || !alive(p.Pid()) {
		t.Fatalf("Stop after Disown: got %v, alive %v; want nil and the process untouched", err, alive(p.Pid()))
	}

	next, rec := newTestGroup(t)
	q, err := next.Adopt(spec, p.Pid(), p.Started(), stdout, stderr)
	if err != nil {
		t.Fatal(err)
	}
	if q.Pid() != p.Pid() || !q.Started().Equal(p.Started()) {
		t.Errorf("adopted: got pid %d started %v, want %d %v", q.Pid(), q.Started(), p.Pid(), p.Started())
	}
	waitLine(t, q, "tick ") // output read on by the new group
	next.Supervise()
	if err := q.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitDone(t, q)
	if !errors.Is(q.Err(), ErrAdoptedExit) {
		t.Errorf("Err: got %v, want ErrAdoptedExit", q.Err())
	}
	waitFor(t, "a restart of the adopted process", func() bool { return next.Processes()[0] != q })
	restarted := next.Processes()[0]
	if rs := rec.restarts(); len(rs) != 1 || rs[0].process != "web.1" {
		t.Errorf("restarts: got %+v, want one of web.1", rs)
	}
	waitLine(t, restarted, "tick ") // its trap is set
	if err := next.Stop(failAfter); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if got := waitLine(t, restarted, "bye"); got != "" {
		t.Errorf("got %q after bye", got)
	}
}

func TestAdoptGonePid(t *testing.T) {
	p := start(t, Spec{Name: "job", Command: "true"})
	waitDone(t, p)
	q, err := Adopt(Spec{Name: "job"}, p.Pid(), p.Started(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, q)
	if !errors.Is(q.Err(), ErrAdoptedExit) {
		t.Errorf("got %v, want ErrAdoptedExit", q.Err())
	}
}

// handOver duplicates p's output pipes, as a daemon passes them to its successor.
func handOver(t *testing.T, p *Process) (*os.File, *os.File) {
	t.Helper()
	out, errf := p.Output()
	a, err := dupFile(out)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dupFile(errf)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}
