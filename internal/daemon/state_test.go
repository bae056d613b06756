package daemon_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// mountTmpfs mounts a tmpfs of size (as mount's size=) for the test, and unmounts it at the end.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		t.Skipf("the disk-full case needs a small tmpfs, and the kernel refused the mount (%v): run as root, or with CAP_SYS_ADMIN", err)
	}
	t.Cleanup(func() { syscall.Unmount(dir, syscall.MNT_DETACH) })
	return dir
}

// stop stops the daemon with SIGTERM and waits for it.
func (d *daemonProc) stop() {
	d.t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	d.cmd.Wait()
}

// get asks the public address for path and returns the status, the version that answered and the body.
func (d *daemonProc) get(path string) (int, http.Header, string) {
	d.t.Helper()
	resp, err := http.Get(d.url(path))
	if err != nil {
		d.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// liveIDs lists the releases recorded as live.
func (d *daemonProc) liveIDs() []string {
	d.t.Helper()
	rels, err := d.client.Releases(context.Background())
	if err != nil {
		d.t.Fatalf("releases: %v", err)
	}
	var live []string
	for _, r := range rels {
		if r.Status == release.Live {
			live = append(live, r.ID)
		}
	}
	return live
}

// assertServes checks that v answers requests at the public address, and that status and the
// release history both say it is the one live release.
func (d *daemonProc) assertServes(v string) {
	d.t.Helper()
	for range 5 {
		if got := d.version(); got != v {
			d.t.Fatalf("got %s answering, want %s", got, v)
		}
	}
	st, err := d.client.Status(context.Background())
	if err != nil || st.Live != v {
		d.t.Errorf("status: got live %q (%v), want %s", st.Live, err, v)
	}
	if live := d.liveIDs(); len(live) != 1 || live[0] != v {
		d.t.Errorf("releases: got %v recorded live, want just %s", live, v)
	}
}

// mustCutover runs each command of the cutover CLI on the daemon's state, failing the test at the
// first that fails.
func (d *daemonProc) mustCutover(cmds ...[]string) {
	d.t.Helper()
	for _, args := range cmds {
		if out, err := d.cutover(args...); err != nil {
			d.t.Fatalf("cutover %v: %v\n%s", args, err, out)
		}
	}
}

// cutover runs the cutover CLI on the daemon's state and returns its output.
func (d *daemonProc) cutover(args ...string) (string, error) {
	d.t.Helper()
	cmd := exec.Command("cutover", append([]string{"--state", d.state}, args...)...)
	cmd.Env = append(os.Environ(), "CUTOVER_BAKE=off") // see unbaked
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestFullDisk: on a nearly full state disk, a deploy too large for it is refused up front, saying
// what uses the space; a deploy that fills the disk while it boots fails before the switch, and the
// old release keeps serving; a daemon restarted on the full disk serves it again.
func TestFullDisk(t *testing.T) {
	state := filepath.Join(mountTmpfs(t, "2m"), "state")
	d := startDaemon(t, state, "", "--free-space-margin", "1")
	d.mustDeploy(sampleApp(t, "v1", "", ""))

	big := sampleApp(t, "v2", "", "")
	if err := os.WriteFile(filepath.Join(big, "assets.bin"), make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := d.deploy(deploy.Request{Source: big})
	for _, want := range []string{"not enough free space", "free", "needed", "releases/ uses", "logs/", "cutover releases prune"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("deploy of a 3 MiB app on a 2 MiB disk: got %v, want an error saying %q", err, want)
		}
	}
	d.assertServes("v1")

	// Its boot writes 3 MB of output into the app's log on the state disk, which fills it.
	chatty := writeApp(t, "web: head -c 3000000 /dev/zero | tr '\\0' x | fold -w 1000; exec cutover sample-app --version v3\n", "")
	_, _, err = d.deploy(deploy.Request{Source: chatty})
	if err == nil || !strings.Contains(err.Error(), "switch") || !strings.Contains(err.Error(), "no space left") {
		t.Errorf("deploy that fills the disk: got %v, want the switch to fail on the full disk", err)
	}
	d.assertServes("v1")
	for pid, r := range appProcesses(t, state) {
		if r != "v1" {
			t.Errorf("pid %d of %s still runs after the failed deploy", pid, r)
		}
	}
	// Its record could not be written on the full disk: the daemon says what is true all the same.
	if rel, err := d.client.Release(context.Background(), "v2"); err != nil || rel.Status != release.Failed {
		t.Errorf("the deploy that filled the disk: got %+v, %v; want v2 failed", rel, err)
	}

	d.stop()
	d = startDaemon(t, state, d.addr, "--free-space-margin", "1")
	d.assertServes("v1")
}

// TestRestoreRetries: a live release that cannot boot when the daemon starts (its database comes
// up later) is retried with backoff, behind a 503 page that says so and in `cutover status`, and
// serves once it can; a deploy during the retries takes over from them.
func TestRestoreRetries(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	ready := filepath.Join(t.TempDir(), "database-is-up")
	if err := os.WriteFile(ready, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	// Until the file exists, the app waits for its database, and never answers its health check.
	app := writeApp(t, "web: while [ ! -e "+ready+" ]; do sleep 0.05; done; exec cutover sample-app --version v1\n", "boot_timeout = \"1s\"\n")
	d := startDaemon(t, state, "")
	d.mustDeploy(app)
	d.stop()

	os.Remove(ready)
	d = startDaemon(t, state, d.addr)
	status, h, body := d.get("/")
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || !strings.Contains(body, "the app is starting: v1 is booting, attempt") {
		t.Errorf("while v1 cannot boot: got %d, Retry-After %q, body %q; want 503 saying v1 is booting, with Retry-After", status, h.Get("Retry-After"), body)
	}
	st, err := d.client.Status(context.Background())
	if err != nil || st.Restoring == nil || st.Restoring.Release != "v1" || st.Restoring.Attempt < 2 || !strings.Contains(st.Restoring.LastError, "boot timeout") {
		t.Errorf("status while restoring: got %+v, %v; want v1 restoring, attempt ≥ 2, the last error", st.Restoring, err)
	}
	out, _ := d.cutover("status")
	if !strings.Contains(out, "restoring: v1 is booting, attempt") || !strings.Contains(out, "last error") {
		t.Errorf("cutover status: got\n%s\nwant the restore and its last error", out)
	}

	os.WriteFile(ready, nil, 0o644)
	waitFor(t, "v1 to serve once its database is up", func() bool {
		status, h, _ := d.get("/")
		return status == http.StatusOK && h.Get("X-App-Version") == "v1"
	})
	// Traffic moves at the restore's switch; status shows v1 live once the restore has returned
	// (after it started the workers), as it shows a deploy's release once the deploy has ended.
	waitFor(t, "status to show v1 live, not restoring", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && st.Restoring == nil && st.Live == "v1"
	})
	d.assertServes("v1")

	// A deploy during the retries stops them and serves; nothing of v1 is left running.
	d.stop()
	os.Remove(ready)
	d = startDaemon(t, state, d.addr)
	if st, err := d.client.Status(context.Background()); err != nil || st.Restoring == nil {
		t.Fatalf("status after the second restart: got %+v, %v; want v1 restoring", st, err)
	}
	d.mustDeploy(sampleApp(t, "v2", "", ""))
	d.assertServes("v2")
	if st, _ := d.client.Status(context.Background()); st.Restoring != nil {
		t.Errorf("status after the deploy: got restoring %+v, want the retries stopped", st.Restoring)
	}
	for pid, r := range appProcesses(t, state) {
		if r != "v2" {
			t.Errorf("pid %d of %s still runs after the deploy took over", pid, r)
		}
	}
}

// TestKilledMidDrain: SIGKILL to the daemon while a deploy drains a slow request on the old
// release leaves one release live after the restart, the one the restarted daemon serves, and a
// rollback goes to the release that served before it.
func TestKilledMidDrain(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	latch := filepath.Join(t.TempDir(), "latch") // never created: the request stays in flight
	go http.Get(d.url("/?hold=" + latch))
	waitFor(t, "the slow request to be in flight on v1", func() bool {
		st, err := d.client.Status(context.Background())
		return err == nil && st.InFlight == 1
	})
	killed := make(chan struct{})
	go d.deploy(deploy.Request{Source: sampleApp(t, "v2", "", "")}, func(e deploy.Event) {
		if e.Step == "drain" && e.Kind == deploy.StepStart {
			d.cmd.Process.Signal(syscall.SIGKILL)
			close(killed)
		}
	})
	select {
	case <-killed:
	case <-time.After(bound):
		t.Fatal("the deploy never reached its drain")
	}
	d.cmd.Wait()
	waitFor(t, "no app process to be left", func() bool { return len(appProcesses(t, state)) == 0 })

	d = startDaemon(t, state, d.addr)
	d.assertServes("v2")
	if v1, err := d.client.Release(context.Background(), "v1"); err != nil || v1.Status != release.Superseded {
		t.Errorf("v1: got %+v, %v; want superseded", v1, err)
	}
	rel, _, err := d.deploy(deploy.Request{Rollback: "previous"})
	if err != nil || rel.RollbackOf != "v1" {
		t.Fatalf("rollback: got %+v, %v; want a rollback to v1", rel, err)
	}
	if got, live := d.version(), d.liveIDs(); got != "v1" || len(live) != 1 || live[0] != rel.ID {
		t.Errorf("after the rollback: got %s answering and %v recorded live, want v1's app as %s alone", got, live, rel.ID)
	}
}

// TestCrashStateReconciled: the records as a crash during drain or stop old left them in earlier
// versions (both releases marked live) are set right at the start, from the live pointer.
func TestCrashStateReconciled(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	d.mustDeploy(sampleApp(t, "v2", "", ""))
	d.stop()
	store, err := release.Open(filepath.Join(state, "apps", "app"))
	if err != nil {
		t.Fatal(err)
	}
	v1, err := store.Get("v1")
	if err != nil {
		t.Fatal(err)
	}
	v1.Status = release.Live
	if err := store.Save(v1); err != nil {
		t.Fatal(err)
	}
	d = startDaemon(t, state, d.addr)
	d.assertServes("v2")
	rel, _, err := d.deploy(deploy.Request{Rollback: "previous"})
	if err != nil || rel.RollbackOf != "v1" {
		t.Fatalf("rollback: got %+v, %v; want a rollback to v1", rel, err)
	}
}

// TestDamagedRecords: a damaged old record is left out of the history and shown with its reason,
// and stops neither a deploy nor a rollback; a damaged live record and a restart leave a daemon
// that says so, and a deploy gets out of it.
func TestDamagedRecords(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	d.mustDeploy(sampleApp(t, "v2", "", ""))
	damage := func(id string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(state, "apps", "app", "releases", id, "release.json"), []byte(`{"id": "v1", "status": `), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	damage("v1")
	out, err := d.cutover("releases")
	if err != nil || !strings.Contains(out, "damaged record") || !strings.Contains(out, "v1: release v1: record is damaged") || !strings.Contains(out, "v2") {
		t.Errorf("cutover releases with v1 damaged: got %v\n%s\nwant v2 listed and v1 shown as damaged with the reason", err, out)
	}
	if rel := d.mustDeploy(sampleApp(t, "v3", "", "")); rel.ID != "v3" {
		t.Errorf("deploy with a damaged old record: got %s, want v3", rel.ID)
	}
	rel, _, err := d.deploy(deploy.Request{Rollback: "previous"})
	if err != nil || rel.ID != "v4" || rel.RollbackOf != "v2" {
		t.Fatalf("rollback with a damaged old record: got %+v, %v; want v4 rolling back to v2", rel, err)
	}

	d.stop()
	damage("v4")
	d = startDaemon(t, state, d.addr)
	st, err := d.client.Status(context.Background())
	if err != nil || st.Live != "" || !strings.Contains(st.LiveError, "v4") || !strings.Contains(st.LiveError, "record is damaged") {
		t.Errorf("status with the live record damaged: got live %q, problem %q, %v; want it to say v4's record is damaged", st.Live, st.LiveError, err)
	}
	if out, _ := d.cutover("status"); !strings.Contains(out, "problem:") || !strings.Contains(out, "record is damaged") {
		t.Errorf("cutover status: got\n%s\nwant the damaged live record", out)
	}
	// The daemon's output reaches the buffer through a pipe, a moment after it wrote it.
	waitFor(t, "the daemon's log to say the live release cannot be restored", func() bool {
		return strings.Contains(d.out.String(), "the live release cannot be restored")
	})
	if rel := d.mustDeploy(sampleApp(t, "v5", "", "")); rel.ID != "v5" {
		t.Errorf("deploy out of a damaged live record: got %s, want v5", rel.ID)
	}
	d.assertServes("v5")
	if st, _ := d.client.Status(context.Background()); st.LiveError != "" {
		t.Errorf("status after the deploy: got problem %q, want none", st.LiveError)
	}
}

// TestPruneReleases: each deploy prunes to the newest --keep-releases, `cutover releases prune`
// prunes by hand, and neither removes the live release or its rollback target.
func TestPruneReleases(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "", "--keep-releases", "3")
	for _, v := range []string{"v1", "v2", "v3", "v4"} {
		d.mustDeploy(sampleApp(t, v, "", ""))
	}
	onDisk := func() []string {
		entries, _ := os.ReadDir(filepath.Join(state, "apps", "app", "releases"))
		var ids []string
		for _, e := range entries {
			ids = append(ids, e.Name())
		}
		return ids
	}
	if got := strings.Join(onDisk(), " "); got != "v2 v3 v4" {
		t.Errorf("after 4 deploys keeping 3: got %s on disk, want v2 v3 v4", got)
	}
	out, err := d.cutover("releases", "prune", "--keep", "1")
	if err != nil || !strings.Contains(out, "removed v2") {
		t.Errorf("cutover releases prune --keep 1: got %v\n%s\nwant v2 removed", err, out)
	}
	if got := strings.Join(onDisk(), " "); got != "v3 v4" {
		t.Errorf("after pruning to 1: got %s on disk, want v3 (the rollback target) and v4 (live)", got)
	}
	rel, _, err := d.deploy(deploy.Request{Rollback: "previous"})
	if err != nil || rel.RollbackOf != "v3" || d.version() != "v3" {
		t.Errorf("rollback after pruning: got %+v, %v; want v3 serving again", rel, err)
	}
	// The flag's own line says its default: another flag's "(default 5)" (--log-keep) does not count.
	for _, tt := range []struct{ cmd, flag string }{{"releases prune", "--keep"}, {"serve", "--keep-releases"}} {
		line := regexp.MustCompile(fmt.Sprintf(`(?m)^\s+%s int\s.*\(default %d\)$`, tt.flag, release.DefaultKeepReleases))
		if out, _ := d.cutover(append(strings.Fields(tt.cmd), "--help")...); !line.MatchString(out) {
			t.Errorf("cutover %s --help: got\n%s\nwant a %s line giving the default, %d releases kept", tt.cmd, out, tt.flag, release.DefaultKeepReleases)
		}
	}
}
