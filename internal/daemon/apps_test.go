package daemon_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/loadgen"
)

// TestTwoAppsDeployAtOnce: two apps on one daemon, routed by host, deploy at the same time under
// load; no request of either fails, and every response comes from its own app. A host added
// meanwhile takes effect at once, without a dropped request.
func TestTwoAppsDeployAtOnce(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustCutover(
		[]string{"apps", "create", "blog", "--host", "blog.test"},
		[]string{"apps", "create", "api", "--host", "api.test", "--host", "blog.test/api"},
	)
	blog, api := *d.client, *d.client
	blog.App, api.App = "blog", "api"
	for _, c := range []*control.Client{&blog, &api} {
		if _, err := c.Deploy(t.Context(), unbaked(deploy.Request{Source: sampleApp(t, c.App+"-v1", "", "")}), nil); err != nil {
			t.Fatalf("deploy %s v1: %v", c.App, err)
		}
	}

	stopLoad := startLoad(t,
		loadgen.Options{URL: d.url("/"), Host: "blog.test", Concurrency: 4, Rate: 150},
		loadgen.Options{URL: d.url("/"), Host: "api.test", Concurrency: 4, Rate: 150},
		loadgen.Options{URL: d.url("/?delay=200ms"), Host: "blog.test", Concurrency: 4},
		loadgen.Options{URL: d.url("/up"), Host: "api.extra.test", Concurrency: 2, Rate: 50})
	time.Sleep(500 * time.Millisecond)
	deployAtOnce(t, "v2", []*control.Client{&blog, &api}, func() {
		if out, err := d.cutover("apps", "hosts", "add", "api", "api.extra.test"); err != nil {
			t.Errorf("hosts add during the deploys: %v\n%s", err, out)
		}
	})
	time.Sleep(300 * time.Millisecond)
	results := stopLoad()

	for i, want := range []string{"blog-", "api-", "blog-"} {
		r := results[i]
		if r.Failed != 0 || r.OK == 0 {
			t.Errorf("%s: %d failed of %d, want 0 failed", r, r.Failed, r.Sent)
		}
		versions := map[string]int{}
		for _, s := range r.Samples {
			versions[s.Version]++
			if !strings.HasPrefix(s.Version, want) {
				t.Errorf("a request for %s got version %q", want, s.Version)
				break
			}
		}
		if versions[want+"v2"] == 0 {
			t.Errorf("no request for %s reached v2: %v", want, versions)
		}
	}
	// Before the host was added, api.extra.test got 404; after, the api app's answers.
	extra := results[3]
	if got := extra.ByClass[loadgen.ClassServerError]; got != 0 {
		t.Errorf("api.extra.test: %d server errors while the host was added", got)
	}
	if last := extra.Samples[len(extra.Samples)-1]; !strings.HasPrefix(last.Version, "api-") {
		t.Errorf("api.extra.test after the host was added: got version %q, want the api app's", last.Version)
	}
}

// deployAtOnce deploys the sample app at version v (named after each client's app) to the apps of
// clients at the same time, and runs meanwhile, if not nil, while they deploy.
func deployAtOnce(t *testing.T, v string, clients []*control.Client, meanwhile func()) {
	t.Helper()
	var wg sync.WaitGroup
	for _, c := range clients {
		src := sampleApp(t, c.App+"-"+v, "", "")
		wg.Go(func() {
			if _, err := c.Deploy(t.Context(), unbaked(deploy.Request{Source: src}), nil); err != nil {
				t.Errorf("deploy %s %s: %v", c.App, v, err)
			}
		})
	}
	if meanwhile != nil {
		meanwhile()
	}
	wg.Wait()
}

// TestLegacyStateDir: a state directory from before apps (one app at its top) is moved to the
// apps layout at the next start, once; its live release serves again, its history is kept, and it
// deploys and rolls back as before.
func TestLegacyStateDir(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))
	d.mustDeploy(sampleApp(t, "v2", "", ""))
	d.stop()
	unmigrate(t, state, "app")

	d = startDaemon(t, state, d.addr)
	d.assertServes("v2")
	out, err := d.cutover("apps")
	if err != nil || !strings.Contains(out, "app") || !strings.Contains(out, "*") || !strings.Contains(out, "v2") {
		t.Errorf("cutover apps after the migration: %v\n%s", err, out)
	}
	if fi, err := os.Lstat(filepath.Join(state, "releases")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the old releases path: %v, %v; want a link to the app's", fi, err)
	}
	if out, err := d.cutover("releases"); err != nil || !strings.Contains(out, "v1") || !strings.Contains(out, "superseded") {
		t.Errorf("history after the migration: %v\n%s", err, out)
	}
	d.mustDeploy(sampleApp(t, "v3", "", ""))
	d.assertServes("v3")
	if _, err := os.Lstat(filepath.Join(state, "releases")); !os.IsNotExist(err) {
		t.Errorf("the old releases path after a deploy replaced the processes that needed it: %v", err)
	}
	if rel, _, err := d.deploy(deploy.Request{Rollback: "previous"}); err != nil || rel.RollbackOf != "v2" {
		t.Fatalf("rollback after the migration: %+v, %v", rel, err)
	}
	if got := d.version(); got != "v2" {
		t.Errorf("after the rollback: got %s answering, want v2", got)
	}
}

// unmigrate turns the state directory of a daemon with the one app name back into the layout
// cutover wrote before apps: the app's files at the top, no layout file.
func unmigrate(t *testing.T, state, name string) {
	t.Helper()
	app := filepath.Join(state, "apps", name)
	entries, err := os.ReadDir(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "app.json" {
			continue
		}
		if err := os.Rename(filepath.Join(app, e.Name()), filepath.Join(state, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{filepath.Join(state, "apps"), filepath.Join(state, "layout")} {
		if err := os.RemoveAll(p); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSocketModeOwnListener: on a daemon with several apps, a socket-mode app serves on a socket
// of its own (listen in its cutover.toml), which the kernel holds across its deploys and an
// upgrade: no request to it fails, while the other app serves by host on the public socket.
func TestSocketModeOwnListener(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	own := freeport.ForTest(t)
	d.mustCutover(
		[]string{"apps", "create", "blog", "--host", "blog.test"},
		[]string{"apps", "create", "api", "--host", "api.test"},
		[]string{"deploy", "--app", "blog", sampleApp(t, "blog-v1", "", "")},
	)
	// Socket mode on the public socket is refused with several apps, saying what to do.
	if out, err := d.cutover("deploy", "--app", "api", sampleApp(t, "api-v0", "", socketMode)); err == nil ||
		!strings.Contains(out, `listen = \":9000\"`) {
		t.Fatalf("socket mode on the public socket among several apps: %v\n%s", err, out)
	}
	toml := socketMode + fmt.Sprintf("listen = %q\n", own)
	if out, err := d.cutover("deploy", "--app", "api", sampleApp(t, "api-v1", "", toml)); err != nil {
		t.Fatalf("deploy api v1 on its own socket: %v\n%s", err, out)
	}
	if out, _ := d.cutover("apps"); !strings.Contains(out, "socket mode on "+own) {
		t.Errorf("cutover apps: want api in socket mode on %s:\n%s", own, out)
	}

	stopLoad := startLoad(t,
		loadgen.Options{URL: "http://" + own + "/", Concurrency: 4, Rate: 150},
		loadgen.Options{URL: d.url("/"), Host: "blog.test", Concurrency: 2, Rate: 100})
	time.Sleep(300 * time.Millisecond)
	if out, err := d.cutover("deploy", "--app", "api", sampleApp(t, "api-v2", "", toml)); err != nil {
		t.Errorf("deploy api v2 on its own socket: %v\n%s", err, out)
	}
	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("cutover upgrade: %v\n%s", err, out)
	}
	d.takeOver(out)
	d.waitExited()
	if out, err := d.cutover("deploy", "--app", "api", sampleApp(t, "api-v3", "", toml)); err != nil {
		t.Errorf("deploy api v3 after the upgrade: %v\n%s", err, out)
	}
	time.Sleep(300 * time.Millisecond)
	results := stopLoad()
	for i, want := range []string{"api-v3", "blog-v1"} {
		r := results[i]
		if r.Failed != 0 || r.OK == 0 {
			t.Errorf("%s: %d failed of %d, want 0", r, r.Failed, r.Sent)
		}
		if last := r.Samples[len(r.Samples)-1].Version; last != want {
			t.Errorf("the last answer: %q, want %q", last, want)
		}
	}
}
