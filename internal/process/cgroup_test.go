package process

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// testCgroups makes the app cgroup of a fresh state directory, or skips the test where this
// machine offers no writable cgroup v2. Unlike OpenCgroups it never moves the test process.
func testCgroups(t *testing.T) (*Cgroups, string) {
	t.Helper()
	state := t.TempDir()
	base, _, err := cgroupBase()
	if err != nil {
		t.Skipf("no cgroup v2 here, so the cgroup path cannot run: %v", err)
	}
	c := &Cgroups{Dir: filepath.Join(base, appCgroupName(state))}
	if err := os.Mkdir(c.Dir, 0o755); err != nil {
		t.Skipf("cgroup v2 is not writable here, so the cgroup path cannot run: %v", err)
	}
	t.Cleanup(func() {
		if _, err := c.KillAll(); err != nil {
			t.Errorf("clean up cgroup: %v", err)
		}
		if err := syscall.Rmdir(c.Dir); err != nil && err != syscall.ENOENT {
			t.Errorf("remove cgroup %s: %v", c.Dir, err)
		}
	})
	return c, state
}

// setsidGrandchild is a Procfile command whose leader forks a child that leaves the process group
// and the session with setsid, as a daemonizing server does, prints its pid, and runs on.
const setsidGrandchild = `setsid sh -c 'echo "child $$"; exec sleep 1000' & exec sleep 1000`

// sessionOf returns the session id of pid.
func sessionOf(t *testing.T, pid int) int {
	t.Helper()
	sid, err := unix.Getsid(pid)
	if err != nil {
		t.Fatalf("getsid %d: %v", pid, err)
	}
	return sid
}

func TestGroupStopKillsSetsidGrandchild(t *testing.T) {
	tests := []struct {
		name      string
		cgroup    bool
		wantAlive bool // process groups only cannot reach a process that left them
	}{
		{"cgroup", true, false},
		{"process groups only", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := Spec{Name: "web.1", Command: setsidGrandchild, KeepOnExit: true}
			if tt.cgroup {
				c, _ := testCgroups(t)
				spec.Cgroup = c.Path("v1", "web.1")
			}
			g, _ := newTestGroup(t)
			p, err := g.Start(spec)
			if err != nil {
				t.Fatalf("Start: %v", err)
			}
			g.Supervise()
			child := atoi(t, waitLine(t, p, "child "))
			t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
			if got := sessionOf(t, child); got == p.Pid() || got != child {
				t.Fatalf("grandchild's session: got %d, want its own (%d), not the leader's", got, child)
			}

			if err := g.Stop(time.Second); err != nil {
				t.Fatalf("Stop: %v", err)
			}
			if got := alive(child); got != tt.wantAlive {
				t.Errorf("setsid grandchild %d alive after Stop: got %v, want %v", child, got, tt.wantAlive)
			}
			if tt.cgroup {
				if _, err := os.Stat(spec.Cgroup); !os.IsNotExist(err) {
					t.Errorf("cgroup %s after Stop: got %v, want it removed", spec.Cgroup, err)
				}
			}
		})
	}
}

func TestProcessExitKillsItsCgroup(t *testing.T) {
	// The leader crashes: what it left in its cgroup dies with it, even outside its process group.
	c, _ := testCgroups(t)
	f := filepath.Join(t.TempDir(), "child")
	cmd := `setsid sh -c 'echo $$ >"$0.tmp"; mv "$0.tmp" "$0"; exec sleep 1000' ` + f +
		` & while ! [ -s ` + f + ` ]; do sleep 0.01; done; exit 3`
	p := start(t, Spec{Name: "worker.1", Command: cmd, KeepOnExit: true, Cgroup: c.Path("v1", "worker.1")})
	waitDone(t, p)
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	child := atoi(t, string(b))
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	if alive(child) {
		t.Errorf("grandchild %d alive after its leader exited: want it killed with the cgroup", child)
	}
}

func TestCgroupsKillAll(t *testing.T) {
	c, _ := testCgroups(t)
	var pids []int
	for _, name := range []string{"web.1", "worker.1"} {
		p, err := Start(Spec{Name: name, Command: setsidGrandchild, KeepOnExit: true, Cgroup: c.Path("v2", name)})
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
		pids = append(pids, p.Pid(), atoi(t, waitLine(t, p, "child ")))
	}
	killed, err := c.KillAll()
	if err != nil {
		t.Fatalf("KillAll: %v", err)
	}
	if killed != len(pids) {
		t.Errorf("killed: got %d, want %d", killed, len(pids))
	}
	for _, pid := range pids {
		waitFor(t, "the killed processes to be reaped", func() bool { return !alive(pid) })
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("cgroup %s after KillAll: got %v, want it removed", c.Dir, err)
	}
}

func TestFreezeKill(t *testing.T) {
	// Kernels before 5.14 have no cgroup.kill; the freeze path must work on its own.
	c, _ := testCgroups(t)
	dir := c.Path("v1", "web.1")
	p := start(t, Spec{Name: "web.1", Command: setsidGrandchild, KeepOnExit: true, Cgroup: dir})
	child := atoi(t, waitLine(t, p, "child "))
	if err := freezeKill(dir); err != nil {
		t.Fatalf("freezeKill: %v", err)
	}
	waitDone(t, p)
	waitFor(t, "the grandchild to die", func() bool { return !alive(child) })
	var ee *ExitError
	if err := p.Err(); err == nil || !strings.Contains(err.Error(), "SIGKILL") {
		t.Errorf("leader: got %v, want killed by SIGKILL (%T)", err, ee)
	}
}

func TestUnescapeMount(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/sys/fs/cgroup", "/sys/fs/cgroup"},
		{`/mnt/my\040cgroup`, "/mnt/my cgroup"},
		{`/a\134b`, `/a\b`},
	}
	for _, tt := range tests {
		if got := unescapeMount(tt.in); got != tt.want {
			t.Errorf("unescapeMount(%q): got %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppCgroupName(t *testing.T) {
	a, b := appCgroupName("/srv/a/state"), appCgroupName("/srv/b/state")
	if a == b || !strings.HasPrefix(a, "cutover-") {
		t.Errorf("got %q and %q, want two distinct cutover-… names", a, b)
	}
}

// openCgroupsHelper runs in a re-executed test binary: it calls OpenCgroups as a daemon does and
// prints the app's cgroup and its own.
func openCgroupsHelper() int {
	c, err := OpenCgroups(os.Getenv("OPEN_CGROUPS_STATE"))
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	own, err := ownCgroup()
	if err != nil {
		fmt.Println("error:", err)
		return 1
	}
	fmt.Printf("app %s\nown %s\n", c.Dir, own)
	return 0
}

func TestOpenCgroupsMovesDaemonIntoLeaf(t *testing.T) {
	// A daemon started in a cgroup of its own (a systemd service's) moves itself into DaemonLeaf,
	// so that the app's cgroups are its siblings; one started there already (the new daemon at an
	// upgrade, a child of the old one) stays, and both find the same app cgroup.
	c, state := testCgroups(t)
	service := c.Dir // a non-root cgroup this test owns, standing in for cutover.service
	mount, root, err := cgroup2Mount()
	if err != nil {
		t.Fatal(err)
	}
	rel := func(dir string) string { return filepath.Join(root, strings.TrimPrefix(dir, mount)) }
	t.Cleanup(func() {
		for _, d := range []string{filepath.Join(service, appCgroupName(state)), filepath.Join(service, DaemonLeaf)} {
			if err := syscall.Rmdir(d); err != nil && err != syscall.ENOENT {
				t.Errorf("remove %s: %v", d, err)
			}
		}
	})
	wantApp := filepath.Join(service, appCgroupName(state))
	for _, start := range []string{service, filepath.Join(service, DaemonLeaf)} {
		t.Run(rel(start), func(t *testing.T) {
			cg, err := openCgroup(start)
			if err != nil {
				t.Fatal(err)
			}
			defer cg.Close()
			cmd := exec.Command(os.Args[0])
			cmd.Env = append(os.Environ(), helperEnv+"=opencgroups", "OPEN_CGROUPS_STATE="+state)
			cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, out)
			}
			want := fmt.Sprintf("app %s\nown %s\n", wantApp, rel(filepath.Join(service, DaemonLeaf)))
			if string(out) != want {
				t.Errorf("got\n%swant\n%s", out, want)
			}
		})
	}
}

func TestOpenCgroupsNotWritable(t *testing.T) {
	// The fallback as a user who may not write to the cgroup it runs in (no Delegate=yes).
	if os.Getuid() != 0 {
		t.Skip("needs root to run the helper as another user")
	}
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "cutover-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "process.test")
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{helperEnv + "=opencgroups", "OPEN_CGROUPS_STATE=" + filepath.Join(dir, "state")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "error: process groups only: cannot create a cgroup in") {
		t.Errorf("OpenCgroups as nobody: got %v\n%s\nwant it to refuse with ErrNoCgroups and say why", err, out)
	}
}

func TestStopGivesCgroupTheGracePeriod(t *testing.T) {
	// The leader exits at once on SIGTERM; its setsid child, which got SIGTERM too, takes a moment
	// to finish cleanly, within the stop timeout: it is not cut short by SIGKILL.
	c, _ := testCgroups(t)
	clean := filepath.Join(t.TempDir(), "clean")
	cmd := `setsid sh -c 'trap "sleep 0.3; echo clean >` + clean + `; exit 0" TERM; echo "child $$"; while :; do sleep 0.05; done' & exec sleep 1000`
	p := start(t, Spec{Name: "web.1", Command: cmd, KeepOnExit: true, Cgroup: c.Path("v1", "web.1")})
	child := atoi(t, waitLine(t, p, "child "))
	t.Cleanup(func() { _ = syscall.Kill(child, syscall.SIGKILL) })
	if err := p.Stop(failAfter); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if alive(child) {
		t.Errorf("grandchild %d alive after Stop", child)
	}
	if b, err := os.ReadFile(clean); err != nil || string(b) != "clean\n" {
		t.Errorf("grandchild's clean exit: got %q, %v; want it to finish within the stop timeout", b, err)
	}
}
