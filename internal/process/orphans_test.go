package process

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// startOrphan starts `sleep 60` as the child of a shell that exits at once,
// in a session of its own, with env added to the environment, and returns
// the sleep's pid: a process that, like one left by a crashed daemon, has
// no parent of ours.
func startOrphan(t *testing.T, env ...string) int {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "sleep 60 >/dev/null 2>&1 </dev/null & echo $!")
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("start orphan: %v", err)
	}
	pid := atoi(t, string(out))
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
	if !alive(pid) {
		t.Fatalf("orphan %d is not running", pid)
	}
	return pid
}

func TestKillOrphans(t *testing.T) {
	marker := t.TempDir()
	marked := startOrphan(t, StateEnv+"="+marker)
	others := map[string]int{
		"other marker":         startOrphan(t, StateEnv+"="+filepath.Join(marker, "other")),
		"marker as prefix":     startOrphan(t, StateEnv+"="+marker+"x"),
		"marker in other name": startOrphan(t, "NOT_"+StateEnv+"="+marker),
		"no marker":            startOrphan(t),
	}

	killed, err := KillOrphans(marker)
	if err != nil {
		t.Fatalf("KillOrphans: %v", err)
	}
	if killed != 1 {
		t.Errorf("killed: got %d, want 1", killed)
	}
	waitFor(t, "the marked orphan to die", func() bool { return !alive(marked) })
	for name, pid := range others {
		if !alive(pid) {
			t.Errorf("%s: orphan %d was killed, want it spared", name, pid)
		}
	}
}

func TestKillOrphansSparesSelfAndAncestors(t *testing.T) {
	// A marked shell runs a marked helper (this test binary) that calls
	// KillOrphans; both must survive, the shell to print "shell alive".
	marker := t.TempDir()
	cmd := exec.Command("/bin/sh", "-c", `"$0"; echo shell alive`, os.Args[0])
	cmd.Env = append(os.Environ(), StateEnv+"="+marker, helperEnv+"=killorphans")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v: %s", err, out)
	}
	if got, want := string(out), "killed 0\nshell alive\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// killOrphansHelper runs in a re-executed test binary whose environment
// holds the marker.
func killOrphansHelper() int {
	killed, err := KillOrphans(os.Getenv(StateEnv))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Println("killed", killed)
	return 0
}

func TestKillOrphansEmptyMarker(t *testing.T) {
	if _, err := KillOrphans(""); err == nil {
		t.Error("got nil, want an error for an empty marker")
	}
}

func TestHasEntry(t *testing.T) {
	env := []byte("A=1\x00CUTOVER_STATE=/srv/app\x00B=2\x00")
	tests := []struct {
		want string
		has  bool
	}{
		{"CUTOVER_STATE=/srv/app", true},
		{"A=1", true},
		{"CUTOVER_STATE=/srv", false},
		{"CUTOVER_STATE=/srv/app/x", false},
		{"STATE=/srv/app", false},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := hasEntry(env, []byte(tt.want)); got != tt.has {
				t.Errorf("got %v, want %v", got, tt.has)
			}
		})
	}
}

func TestReadStat(t *testing.T) {
	st, err := readStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	ppid, pgid := st.ppid, st.pgid
	if st.startTime == 0 {
		t.Errorf("start time: got 0, want the ticks since boot")
	}
	if ppid != os.Getppid() || pgid != syscall.Getpgrp() {
		t.Errorf("got ppid %d pgid %d, want %d %d", ppid, pgid, os.Getppid(), syscall.Getpgrp())
	}
}

func TestKillOrphansWithoutMarker(t *testing.T) {
	// Both processes rewrote their environment (Puma, setproctitle): no CUTOVER_STATE is left to
	// find them by. One is in the app's cgroup with a setsid grandchild; the other, in process
	// groups only, is found by its pid record.
	c, state := testCgroups(t)
	inCgroup, err := Start(Spec{Name: "web.1", Command: setsidGrandchild, KeepOnExit: true, Cgroup: c.Path("v1", "web.1")})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := atoi(t, waitLine(t, inCgroup, "child "))
	t.Cleanup(func() { _ = syscall.Kill(grandchild, syscall.SIGKILL) })
	recorded, err := Start(Spec{Name: "worker.1", Command: "exec sleep 1000", KeepOnExit: true, PidDir: filepath.Join(state, PidDirName)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = recorded.Stop(time.Second) })
	// A record whose pid is now another process's (this one's) must not kill it.
	self, err := writeRecord(filepath.Join(state, PidDirName), os.Getpid(), "web.9")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(self, []byte("1 web.9\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	killed, err := KillOrphans(state)
	if err != nil {
		t.Fatalf("KillOrphans: %v", err)
	}
	if killed != 3 {
		t.Errorf("killed: got %d, want 3 (web.1, its grandchild, worker.1)", killed)
	}
	waitDone(t, inCgroup)
	waitDone(t, recorded)
	waitFor(t, "the grandchild to die", func() bool { return !alive(grandchild) })
	if entries, _ := os.ReadDir(filepath.Join(state, PidDirName)); len(entries) != 0 {
		t.Errorf("pid records left after KillOrphans: %d", len(entries))
	}
}
