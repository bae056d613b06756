package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/cutover-dev/cutover/internal/cli"
)

// wipeEnviron is `wipe-environ cutover ARGS...`: it overwrites its own environment in memory, as
// Puma's and every setproctitle's process title does, so that /proc/PID/environ shows none of it,
// and then runs cutover ARGS in the same process.
func wipeEnviron() {
	env := os.Environ()
	for i := range env {
		env[i] = strings.Clone(env[i]) // Go's environment points into the memory about to be wiped
	}
	os.Clearenv()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		os.Setenv(k, v)
	}
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		panic(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	start, _ := strconv.ParseInt(f[50-3], 10, 64) // env_start and env_end: fields 50 and 51
	end, _ := strconv.ParseInt(f[51-3], 10, 64)
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		panic(err)
	}
	title := append([]byte("puma 6.4.0 (tcp://0.0.0.0:3000) [app]"), make([]byte, end-start)...)
	if _, err := mem.WriteAt(title[:end-start], start); err != nil {
		panic(err)
	}
	mem.Close()
	os.Args = os.Args[1:]
	os.Exit(cli.Main())
}

// setsidApp is an app whose web process forks a child that leaves its process group and session
// (setsid) and writes its pid to pidFile, then becomes the sample app at version v.
func setsidApp(t *testing.T, v, pidFile string) string {
	return writeApp(t, fmt.Sprintf(
		"web: setsid sh -c 'echo $$ >%[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 1000' & exec cutover sample-app --version %[2]s\n",
		pidFile, v), "")
}

// readPid waits for a pid file and reads it.
func readPid(t *testing.T, path string) int {
	t.Helper()
	var pid int
	waitFor(t, "pid file "+path, func() bool {
		b, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	})
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	return pid
}

func alive(pid int) bool { return syscall.Kill(pid, 0) == nil && !isZombie(pid) }

// requireCgroups skips a test where the daemon could not use cgroups, saying why, and returns the
// app's cgroup. Isolation belongs to an app, so call it once the first deploy has made one; a
// status that gives no reason fails the test rather than skip it.
func requireCgroups(t *testing.T, d *daemonProc) string {
	t.Helper()
	st, err := d.client.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir, ok := strings.CutPrefix(st.Daemon.Isolation, "cgroup ")
	if !ok {
		if st.Daemon.Isolation == "" {
			t.Fatalf("status of app %q gives no isolation: want \"cgroup DIR\" or why process groups only", st.App)
		}
		t.Skipf("the daemon cannot use cgroups on this machine: %s", st.Daemon.Isolation)
	}
	return dir
}

// TestStopOldKillsSetsidGrandchild: a web process's child that left its process group with setsid
// is gone once the deploy that replaced its release has stopped it.
func TestStopOldKillsSetsidGrandchild(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	pidFile := filepath.Join(t.TempDir(), "grandchild")
	d.mustDeploy(setsidApp(t, "v1", pidFile))
	cgroup := requireCgroups(t, d)
	grandchild := readPid(t, pidFile)
	if sid, _ := syscall.Getpgid(grandchild); sid != grandchild {
		t.Fatalf("grandchild %d: process group %d, want its own", grandchild, sid)
	}

	d.mustDeploy(sampleApp(t, "v2", "", ""))
	if alive(grandchild) {
		t.Errorf("setsid grandchild %d of v1 alive after v2's deploy stopped v1: want it killed with v1's cgroup", grandchild)
	}
	if _, err := os.Stat(filepath.Join(cgroup, "v1")); !os.IsNotExist(err) {
		t.Errorf("v1's cgroup after v1 stopped: got %v, want it removed", err)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
	if _, err := os.Stat(cgroup); !os.IsNotExist(err) {
		t.Errorf("the app's cgroup after the daemon stopped: got %v, want it removed", err)
	}
}

// TestOrphanWithWipedEnvironIsKilled: after SIGKILL to the daemon, an app process that overwrote
// its environment (no CUTOVER_STATE left to find it by) is killed by the lifeline watcher; or, when
// the watcher was killed too, when the daemon starts again, which then boots the live release
// itself. Either finds it by its cgroup, or by its pid record in process groups only.
func TestOrphanWithWipedEnvironIsKilled(t *testing.T) {
	for _, tt := range []struct {
		cgroups, killWatcher bool
	}{{true, true}, {false, true}, {true, false}, {false, false}} {
		t.Run(fmt.Sprintf("cgroups=%v,watcher killed=%v", tt.cgroups, tt.killWatcher), func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "state")
			flag := fmt.Sprintf("--cgroups=%v", tt.cgroups)
			d := startDaemon(t, state, "", flag)
			d.mustDeploy(writeApp(t, "web: exec wipe-environ cutover sample-app --version v1\n", ""))
			if tt.cgroups {
				requireCgroups(t, d)
			} else {
				out, err := d.cutover("status")
				if want := "\nprocess groups only: cutover serve --cgroups=false\n"; err != nil || !strings.Contains(out, want) {
					t.Errorf("cutover status with --cgroups=false: got %v\n%s\nwant a line %q", err, out, strings.TrimSpace(want))
				}
			}
			st, err := d.client.Status(context.Background())
			if err != nil || len(st.Processes) != 1 {
				t.Fatalf("status: %+v, %v", st, err)
			}
			orphan := st.Processes[0].Pid
			if env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", orphan)); bytes.Contains(env, []byte("CUTOVER_STATE=")) {
				t.Fatalf("web.1 (pid %d) still shows CUTOVER_STATE in /proc/PID/environ: the test app did not wipe it", orphan)
			}

			victims := []int{d.cmd.Process.Pid}
			if tt.killWatcher {
				victims = []int{lifelineWatcher(t, state), d.cmd.Process.Pid}
			}
			for _, pid := range victims {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
			d.cmd.Wait()
			if !tt.killWatcher {
				waitFor(t, "the lifeline watcher to kill the orphan", func() bool { return !alive(orphan) })
				return
			}
			if !alive(orphan) {
				t.Fatalf("web.1 (pid %d) died with the daemon and its watcher: nothing to test", orphan)
			}

			d2 := startDaemon(t, state, d.addr, flag)
			if alive(orphan) {
				t.Errorf("orphan web.1 (pid %d) alive after the daemon started again: want it killed", orphan)
			}
			if got := d2.version(); got != "v1" {
				t.Errorf("after the restart: got %s, want v1", got)
			}
			st, err = d2.client.Status(context.Background())
			if err != nil || st.Live != "v1" || len(st.Processes) != 1 || st.Processes[0].Pid == orphan {
				t.Errorf("status after the restart: got %+v, %v; want v1 live with a new web.1", st, err)
			}
		})
	}
}

// lifelineWatcher finds the pid of the `cutover lifeline` of state.
func lifelineWatcher(t *testing.T, state string) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(string(cmdline), "\x00")
		if len(args) >= 4 && args[1] == "lifeline" && args[3] == state {
			return pid
		}
	}
	t.Fatalf("no lifeline watcher for %s", state)
	return 0
}

// TestAdoptedProcessKeepsItsCgroup: at an upgrade the new daemon adopts the app's processes in the
// cgroups the old one started them in; stopping them at the next deploy still kills a setsid
// grandchild, and the new daemon sits in the same cgroup as the old one.
func TestAdoptedProcessKeepsItsCgroup(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	pidFile := filepath.Join(t.TempDir(), "grandchild")
	d.mustDeploy(setsidApp(t, "v1", pidFile))
	cgroup := requireCgroups(t, d)
	grandchild := readPid(t, pidFile)

	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("upgrade: %v\n%s", err, out)
	}
	newDaemon := d.takeOver(out)
	d.waitExited()
	st, err := d.client.Status(context.Background())
	if err != nil || st.Daemon.Pid != newDaemon || st.Daemon.Isolation != "cgroup "+cgroup {
		t.Fatalf("status after the upgrade: got %+v, %v; want daemon %d isolated in %s", st.Daemon, err, newDaemon, cgroup)
	}
	if oldCg, newCg := cgroupOf(t, d.cmd.Process.Pid), cgroupOf(t, newDaemon); oldCg != "" && oldCg != newCg {
		t.Errorf("new daemon's cgroup: got %s, want the old one's, %s", newCg, oldCg)
	}
	if got, want := cgroupOf(t, st.Processes[0].Pid), filepath.Join("v1", "web.1"); !strings.HasSuffix(got, want) {
		t.Errorf("adopted web.1's cgroup: got %s, want …/%s", got, want)
	}

	d.mustDeploy(sampleApp(t, "v2", "", ""))
	if alive(grandchild) {
		t.Errorf("setsid grandchild %d of adopted v1 alive after v2's deploy: want it killed with v1's cgroup", grandchild)
	}
}

// cgroupOf returns the cgroup v2 path of pid, "" once it is gone.
func cgroupOf(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		return ""
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if p, ok := strings.CutPrefix(line, "0::"); ok {
			return p
		}
	}
	return ""
}

// TestReleaseCommandLeavesNothing: what the release command starts with setsid ends with it.
func TestReleaseCommandLeavesNothing(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	pidFile := filepath.Join(t.TempDir(), "grandchild")
	d.mustDeploy(writeApp(t, fmt.Sprintf(
		"web: cutover sample-app --version v1\nrelease: setsid sh -c 'echo $$ >%[1]s.tmp; mv %[1]s.tmp %[1]s; exec sleep 1000' & while ! [ -s %[1]s ]; do sleep 0.01; done\n",
		pidFile), ""))
	requireCgroups(t, d)
	if grandchild := readPid(t, pidFile); alive(grandchild) {
		t.Errorf("setsid grandchild %d of the release command alive after the deploy: want it killed with its cgroup", grandchild)
	}
}
