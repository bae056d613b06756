package deploy_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/cli"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestMain puts `cutover` on PATH (this test binary re-entered), so apps run the real sample app.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){"cutover": func() { os.Exit(cli.Main()) }})
}

// fixture is a Deployer with a real proxy on 127.0.0.1.
type fixture struct {
	t    *testing.T
	d    *deploy.Deployer
	addr string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := release.Open(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	p := proxy.New(proxy.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Shutdown(ctx)
	})
	d := &deploy.Deployer{Store: store, Site: p.Site(), Log: applog.New(0, nil), Env: os.Environ()}
	return &fixture{t: t, d: d, addr: ln.Addr().String()}
}

func (f *fixture) app(procfile string) string {
	f.t.Helper()
	dir := f.t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Procfile"), []byte(procfile), 0o644); err != nil {
		f.t.Fatal(err)
	}
	return dir
}

func (f *fixture) run(req deploy.Request, live *deploy.Formation) (*release.Release, *deploy.Formation, []deploy.Event, error) {
	f.t.Helper()
	var events []deploy.Event
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if req.Overrides.Bake == "" {
		req.Overrides.Bake = "off" // the tests of the bake ask for one
	}
	rel, next, err := f.d.Run(ctx, req, live, func(e deploy.Event) { events = append(events, e) })
	if next != nil {
		f.t.Cleanup(func() { next.Stop() })
	}
	return rel, next, events, err
}

func (f *fixture) version() string {
	f.t.Helper()
	resp, err := http.Get("http://" + f.addr + "/")
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Header.Get("X-App-Version")
}

func steps(events []deploy.Event) []string {
	var out []string
	for _, e := range events {
		if e.Kind == deploy.StepStart {
			out = append(out, e.Step)
		}
	}
	return out
}

// TestRunTellsTheStory: a deploy runs its steps in the story's order, records them as its timeline,
// replaces the workers after the web switch, and stops the old release.
func TestRunTellsTheStory(t *testing.T) {
	f := newFixture(t)
	v1 := f.app("web: cutover sample-app --version v1\nworker: sleep 60\n")
	_, live, _, err := f.run(deploy.Request{Source: v1}, nil)
	if err != nil {
		t.Fatalf("deploy v1: %v", err)
	}
	v2 := f.app("web: cutover sample-app --version v2\nworker: sleep 60\nbuild: echo building\nrelease: echo releasing\npostdeploy: echo contracting\n")
	rel, next, events, err := f.run(deploy.Request{Source: v2, Overrides: config.Config{Bake: "1s"}}, live)
	if err != nil {
		t.Fatalf("deploy v2: %v", err)
	}
	want := []string{"prepare", deploy.StepBuild, "lint migrations", deploy.StepCheck, "pre-deploy migrations", "release phase", "boot",
		"wait healthy", "switch", "start workers", deploy.StepBake, "drain", "stop old", "post-deploy migrations", "postdeploy command"}
	if got := steps(events); !slices.Equal(got, want) {
		t.Errorf("steps: got %v, want %v", got, want)
	}
	var timeline []string
	for _, s := range rel.Steps {
		timeline = append(timeline, s.Name)
	}
	if !slices.Equal(timeline, want) {
		t.Errorf("recorded timeline: got %v, want %v", timeline, want)
	}
	if !hasKind(events, deploy.Output, "contracting") || !slices.Equal(rel.Contract, []string{"postdeploy: echo contracting (not checked, so what it migrates is unknown)"}) {
		t.Errorf("postdeploy: got contract %q, want the command run and recorded", rel.Contract)
	}
	if rel.Status != release.Live || f.version() != "v2" {
		t.Errorf("got %s serving %s, want v2 live", rel.Status, f.version())
	}
	// No traffic came during the bake: it passes, and says it judged nothing.
	if b := rel.Bake; b == nil || b.Outcome != bake.Passed || !strings.Contains(b.Reason, "fewer than the 100 a judgement needs") ||
		!hasKind(events, deploy.Warn, "bake passed unjudged: v2 served") {
		t.Errorf("bake %+v; want it passed, unjudged, with a warning saying so", b)
	}
	var names []string
	for _, p := range next.Processes() {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"web.1", "worker.1"}) {
		t.Errorf("v2 processes: got %v, want web.1 and worker.1", names)
	}
	for _, p := range live.Processes() {
		if err := syscallKill0(p.Pid); err == nil {
			t.Errorf("v1 %s (pid %d) still runs", p.Name, p.Pid)
		}
	}
	if !hasKind(events, deploy.Output, "releasing") {
		t.Errorf("release phase output was not streamed: %+v", events)
	}
}

// TestRestore boots a release that was live before a restart, without a release phase, in the
// formation a scale set since it was deployed.
func TestRestore(t *testing.T) {
	f := newFixture(t)
	rel, live, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v1\nrelease: exit 1\n")}, nil)
	if err == nil {
		t.Fatalf("deploy with a failing release command succeeded")
	}
	if live != nil || rel.Status != release.Failed {
		t.Fatalf("got %v, %s; want no formation and a failed release", live, rel.Status)
	}
	if _, err := os.Stat(rel.Dir); !os.IsNotExist(err) {
		t.Errorf("the failed release's copy of the app: %v, want it removed", err)
	}
	rel, _, _, err = f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v2\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := release.WriteFileAtomic(filepath.Join(f.d.Store.Dir(), deploy.FormationFile), []byte(`{"web":2}`)); err != nil {
		t.Fatal(err) // as `cutover scale web=2` keeps it
	}
	restored, err := f.d.Restore(context.Background(), rel, nil)
	if err != nil {
		t.Fatalf("restore: %v", err)
	}
	defer restored.Stop()
	if restored.Release.ID != rel.ID || f.version() != "v2" {
		t.Errorf("restored %s serving %s, want %s serving v2", restored.Release.ID, f.version(), rel.ID)
	}
	if got := restored.Scale()["web"]; got != 2 {
		t.Errorf("restored with %d web processes, want the 2 a scale kept", got)
	}
}

// TestRollbackTargets: rollback picks the release that served before the live one, and refuses
// releases that never served.
func TestRollbackTargets(t *testing.T) {
	f := newFixture(t)
	if _, _, _, err := f.run(deploy.Request{Rollback: "previous"}, nil); err == nil || !strings.Contains(err.Error(), "nothing to roll back to") {
		t.Errorf("rollback with no history: got %v", err)
	}
	_, v1, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v1\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	failed, _, _, _ := f.run(deploy.Request{Source: f.app("web: cutover sample-app --crash-at-boot\n")}, v1)
	_, v3, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v3\n")}, v1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.run(deploy.Request{Rollback: failed.ID}, v3); err == nil || !strings.Contains(err.Error(), "never served") {
		t.Errorf("rollback to a failed release: got %v, want a refusal", err)
	}
	rel, _, _, err := f.run(deploy.Request{Rollback: "previous"}, v3)
	if err != nil || rel.RollbackOf != "v1" || f.version() != "v1" {
		t.Errorf("rollback: got %+v, %v; want a rollback to v1", rel, err)
	}
}

// syscallKill0 reports whether pid exists (nil) or not.
func syscallKill0(pid int) error { return syscall.Kill(pid, 0) }

// TestStopDuringBakeRunsNoPostdeploy: a daemon that stops during the bake leaves the new release
// serving and does not start its postdeploy command (contract migrations) on the way out: the
// deploy's error says to run it by hand.
func TestStopDuringBakeRunsNoPostdeploy(t *testing.T) {
	f := newFixture(t)
	_, v1, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v1\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(t.TempDir(), "postdeploy-ran")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	req := deploy.Request{Source: f.app("web: cutover sample-app --version v2\npostdeploy: touch " + marker + "\n"),
		Overrides: config.Config{Bake: "5m"}}
	rel, next, err := f.d.Run(ctx, req, v1, func(e deploy.Event) {
		if e.Step == deploy.StepBake && e.Kind == deploy.StepStart {
			stop() // as the daemon's stop does
		}
	})
	if next != nil {
		t.Cleanup(func() { next.Stop() })
	}
	if err == nil || !strings.Contains(err.Error(), "run them by hand") || rel.Status != release.Live {
		t.Fatalf("got %v, %s; want v2 live, saying to run the postdeploy command by hand", err, rel.Status)
	}
	if _, err := os.Stat(marker); !os.IsNotExist(err) {
		t.Errorf("the postdeploy command ran as the daemon stopped (%v)", err)
	}
}
