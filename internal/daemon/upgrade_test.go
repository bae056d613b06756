package daemon_test

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// upgradeApp is the sample app at version v with a worker, in proxy mode.
func upgradeApp(t *testing.T, v string) string {
	return writeApp(t, fmt.Sprintf("web: cutover sample-app --version %s\nworker: exec sleep 600\n", v), "[scale]\nweb = 2\n")
}

// upgrade runs `cutover upgrade` with args and returns its output and error.
func upgrade(state string, args ...string) (string, error) {
	out, err := exec.Command("cutover", append([]string{"upgrade", "--state", state}, args...)...).CombinedOutput()
	return string(out), err
}

var newPid = regexp.MustCompile(`handed over to a new one \(pid (\d+)\)`)

// takeOver returns the new daemon's pid from upgrade's output and makes sure it is stopped when the
// test ends: it is not the test's child, but the child of the daemon it replaced.
func (d *daemonProc) takeOver(out string) int {
	d.t.Helper()
	m := newPid.FindStringSubmatch(out)
	if m == nil {
		d.t.Fatalf("upgrade said %q, want the new daemon's pid", out)
	}
	pid, _ := strconv.Atoi(m[1])
	d.t.Cleanup(func() {
		syscall.Kill(pid, syscall.SIGTERM)
		waitFor(d.t, "the new daemon to stop", func() bool { return isZombie(pid) })
	})
	return pid
}

// waitExited waits for the daemon's process to exit. (Its Wait would wait for its output too, which
// the new daemon, inheriting it, holds open.)
func (d *daemonProc) waitExited() {
	d.t.Helper()
	waitFor(d.t, "the old daemon to exit", func() bool { return isZombie(d.cmd.Process.Pid) })
}

// TestUpgradeUnderLoad: `cutover upgrade` under GET and POST keep-alive load replaces the daemon:
// no request fails, the client re-sends none, the app's processes are adopted with their pids
// unchanged, and the old daemon exits while the load goes on. The new daemon then deploys, which
// stops the adopted processes, whose output it reads.
func TestUpgradeUnderLoad(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(upgradeApp(t, "v1"))
	before := appProcesses(t, state)
	if len(before) != 3 {
		t.Fatalf("app processes: got %v, want two web and one worker", before)
	}

	stopLoad := startLoad(t,
		loadgen.Options{URL: d.url("/"), Concurrency: 8},
		loadgen.Options{URL: d.url("/echo"), Method: "POST", Body: []byte("payload"), Concurrency: 4})
	time.Sleep(300 * time.Millisecond) // load before the upgrade, so requests are in flight when it happens
	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("cutover upgrade: %v\n%s", err, out)
	}
	pid := d.takeOver(out)
	// The old daemon exits once its client connections are closed, between requests, while the
	// load goes on through the new one.
	d.waitExited()
	time.Sleep(300 * time.Millisecond)
	results := stopLoad()
	for _, r := range results {
		if r.Failed != 0 || r.Retries != 0 {
			t.Errorf("%s: want no failed and no re-sent request", r)
		}
		t.Logf("%s", r)
	}
	if after := appProcesses(t, state); !maps.Equal(after, before) {
		t.Errorf("app processes: got %v after the upgrade, want the same %v", after, before)
	}
	st, err := d.client.Status(context.Background())
	if err != nil || st.Daemon.Pid != pid || st.Live != "v1" {
		t.Fatalf("status after the upgrade: got %+v, %v; want daemon pid %d serving v1", st, err, pid)
	}

	d.mustDeploy(upgradeApp(t, "v2"))
	if got := d.version(); got != "v2" {
		t.Errorf("after a deploy by the new daemon: got %s, want v2", got)
	}
	for p, r := range appProcesses(t, state) {
		if r != "v2" {
			t.Errorf("pid %d of %s still runs after the new daemon deployed v2", p, r)
		}
	}
	var lines []string
	d.client.Logs(context.Background(), 1000, "web", false, func(l applog.Line) {
		if l.Release == "v1" {
			lines = append(lines, l.Text)
		}
	})
	if !strings.Contains(strings.Join(lines, "\n"), "shutting down") {
		t.Errorf("v1's output after the upgrade was not read by the new daemon: %q", lines)
	}
}

// TestUpgradeToBrokenBinary: an upgrade to a binary that exits at once, or never says it is ready,
// fails with the reason, and the old daemon serves on, under load, without failing a request.
func TestUpgradeToBrokenBinary(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(upgradeApp(t, "v1"))
	before := appProcesses(t, state)
	bin := t.TempDir()
	tests := []struct {
		name   string
		script string
		want   string
	}{
		{"exits", "echo 'cutover 9: cannot read the state' >&2; exit 1", "exited before it was ready (exit status 1)"},
		{"never ready", "exec sleep 600", "did not say it was ready"},
	}
	stopLoad := startLoad(t, loadgen.Options{URL: d.url("/"), Concurrency: 4})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(bin, strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.WriteFile(path, []byte("#!/bin/sh\n"+tt.script+"\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			out, err := upgrade(state, "--binary", path, "--timeout", "2s")
			if err == nil {
				t.Fatalf("upgrade to a broken binary succeeded: %s", out)
			}
			for _, w := range []string{tt.want, "upgrade failed", fmt.Sprintf("the daemon (pid %d) serves on", d.cmd.Process.Pid)} {
				if !strings.Contains(out, w) {
					t.Errorf("upgrade said %q, want it to contain %q", out, w)
				}
			}
			st, err := d.client.Status(context.Background())
			if err != nil || st.Daemon.Pid != d.cmd.Process.Pid {
				t.Errorf("status: got %+v, %v; want the old daemon", st.Daemon, err)
			}
			if got := d.version(); got != "v1" {
				t.Errorf("got %s serving, want v1", got)
			}
		})
	}
	for _, r := range stopLoad() {
		if r.Failed != 0 {
			t.Errorf("%s: want no failed request", r)
		}
	}
	if after := appProcesses(t, state); !maps.Equal(after, before) {
		t.Errorf("app processes: got %v after the failed upgrades, want the same %v", after, before)
	}
}

// TestUpgradeUnderSystemd: under systemd (Type=notify, systemctl reload sending SIGHUP) the daemon
// says READY=1 when it serves, RELOADING=1 when the upgrade starts, then MAINPID= the new daemon,
// which says READY=1 itself. The app runs in socket mode, which the new daemon takes over too.
// SIGUSR2, the other upgrade trigger, goes the same way.
func TestUpgradeUnderSystemd(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGUSR2} {
		t.Run(sig.String(), func(t *testing.T) { testUpgradeOnSignal(t, sig) })
	}
}

func testUpgradeOnSignal(t *testing.T, sig syscall.Signal) {
	notify := listenNotify(t)
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	old := d.cmd.Process.Pid
	notify.expect(old, "READY=1")
	d.mustDeploy(sampleApp(t, "v1", "", socketMode))
	before := appProcesses(t, state)

	d.cmd.Process.Signal(sig)
	notify.expect(old, "RELOADING=1")
	m := notify.expect(old, "MAINPID=")
	pid, _ := strconv.Atoi(regexp.MustCompile(`MAINPID=(\d+)`).FindStringSubmatch(m)[1])
	d.takeOver(fmt.Sprintf("handed over to a new one (pid %d)", pid))
	notify.expect(pid, "READY=1")
	d.waitExited()
	if got := d.version(); got != "v1" {
		t.Errorf("after the upgrade: got %s, want v1", got)
	}
	st, err := d.client.Status(context.Background())
	if err != nil || st.Daemon.Pid != pid {
		t.Errorf("status: got %+v, %v; want the new daemon, pid %d", st.Daemon, err, pid)
	}
	if after := appProcesses(t, state); !maps.Equal(after, before) {
		t.Errorf("app processes: got %v after the upgrade, want the same %v", after, before)
	}
}

// notifySocket stands for systemd's NOTIFY_SOCKET: it receives the daemons' messages with the pid
// of their sender.
type notifySocket struct {
	t    *testing.T
	conn *net.UnixConn
}

func listenNotify(t *testing.T) *notifySocket {
	t.Helper()
	path := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	raw, _ := conn.SyscallConn()
	raw.Control(func(fd uintptr) { unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PASSCRED, 1) })
	t.Setenv("NOTIFY_SOCKET", path)
	return &notifySocket{t: t, conn: conn}
}

// expect reads messages until one from pid contains want, and returns it.
func (n *notifySocket) expect(pid int, want string) string {
	n.t.Helper()
	n.conn.SetReadDeadline(time.Now().Add(bound))
	buf, oob := make([]byte, 4096), make([]byte, 1024)
	for {
		nb, noob, _, _, err := n.conn.ReadMsgUnix(buf, oob)
		if err != nil {
			n.t.Fatalf("waiting for %q from pid %d: %v", want, pid, err)
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:noob])
		for _, m := range msgs {
			if cred, err := unix.ParseUnixCredentials(&m); err == nil && int(cred.Pid) == pid && strings.Contains(string(buf[:nb]), want) {
				return string(buf[:nb])
			}
		}
	}
}

// TestDashboardAcrossUpgrade: the dashboard's address is handed to the new daemon at an upgrade,
// which serves the dashboard there once the old one has exited (so the answer is the new pid's).
func TestDashboardAcrossUpgrade(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	dashAddr := freeport.ForTest(t)
	d := startDaemon(t, state, "", "--dashboard", dashAddr)
	d.mustDeploy(upgradeApp(t, "v1"))
	if code, body := getPage(t, "http://"+dashAddr+"/"); code != http.StatusOK {
		t.Fatalf("dashboard before the upgrade: got %d %q, want 200", code, body)
	}
	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("cutover upgrade with --dashboard: %v\n%s", err, out)
	}
	pid := d.takeOver(out)
	d.waitExited()
	code, body := getPage(t, "http://"+dashAddr+"/")
	if code != http.StatusOK || !strings.Contains(body, "v1") {
		t.Errorf("dashboard after the upgrade (daemon pid %d): got %d %q, want 200 listing v1", pid, code, body)
	}
}

// getPage fetches url and returns its status code and body.
func getPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}
