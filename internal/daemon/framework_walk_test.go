package daemon_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/cutover-dev/cutover/internal/release"
)

// frameworkDir holds the framework apps, shared with internal/cli's `migrate check` tests.
var frameworkDir = filepath.Join("..", "..", "testdata", "frameworks")

// readsBody and counts10000 match the JSON every framework app answers GET / with (Python writes
// a space after the colon, Rails does not).
var (
	readsBody   = regexp.MustCompile(`"body":\s*"body 1"`)
	counts10000 = regexp.MustCompile(`"count":\s*10000\b`)
)

// frameworkLoad is the load each framework deploy runs under: modest, as two sync gunicorn workers
// on a shared machine serve it, each request reading the database on the worker's connection.
var frameworkLoad = loadgen.Options{Concurrency: 4, Rate: 50}

// stepReleasePhase is the deploy step that runs the Procfile's release command for real.
const stepReleasePhase = "release phase"

// frameworkRelease is one version of a framework app: its base under frameworkDir with files laid
// over it, and the Procfile's release and postdeploy commands.
type frameworkRelease struct {
	files               map[string]string // path in the app → file under frameworkDir
	release, postdeploy string
}

// framework is what one framework's walk needs: its app's versions and what the check must say.
type framework struct {
	name, base string
	web        string // the Procfile's web command
	table      string // the table the app reads, whose column body the unsafe version drops
	index      string // the index the unsafe version builds without CONCURRENTLY
	seed       string // the INSERT of 10,000 posts; "" means title and body only

	v1, safe, unsafeDrop, unsafeIndex, split frameworkRelease

	dropFile, dropFix   string // the finding on unsafeDrop names dropFile and says dropFix
	indexFile, indexFix string
	contract            string // the migration file split's release record names as contract
}

// frameworkApp writes the app of r, with DATABASE_URL in its cutover.toml.
func frameworkApp(t *testing.T, fw framework, r frameworkRelease, dbURL string) string {
	t.Helper()
	app := t.TempDir()
	if err := os.CopyFS(app, os.DirFS(filepath.Join(frameworkDir, fw.base))); err != nil {
		t.Fatal(err)
	}
	procfile := "web: " + fw.web + "\nrelease: " + r.release + "\n"
	if r.postdeploy != "" {
		procfile += "postdeploy: " + r.postdeploy + "\n"
	}
	files := map[string][]byte{
		"Procfile":     []byte(procfile),
		"cutover.toml": fmt.Appendf(nil, "[env]\nDATABASE_URL = %q\n", dbURL),
	}
	for dst, src := range r.files {
		b, err := os.ReadFile(filepath.Join(frameworkDir, src))
		if err != nil {
			t.Fatal(err)
		}
		files[dst] = b
	}
	for name, b := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(app, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(app, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return app
}

// plus returns r with more files laid over the app.
func (r frameworkRelease) plus(files map[string]string) frameworkRelease {
	out := r
	out.files = maps.Clone(r.files)
	if out.files == nil {
		out.files = map[string]string{}
	}
	maps.Copy(out.files, files)
	return out
}

// running returns r with the Procfile's release and postdeploy commands replaced.
func (r frameworkRelease) running(release, postdeploy string) frameworkRelease {
	r.release, r.postdeploy = release, postdeploy
	return r
}

// requireFrameworks fails the test when a program the framework walks need is missing (also outside
// CI: scripts/test installs them, and a skip would hide that).
func requireFrameworks(t *testing.T) {
	t.Helper()
	for _, prog := range []string{"gunicorn", "alembic"} {
		if _, err := exec.LookPath(prog); err != nil {
			t.Fatalf("%s is not installed: apt-get install gunicorn alembic python3-django python3-psycopg2 (%v)", prog, err)
		}
	}
	if out, err := exec.Command("/usr/bin/python3", "-c", "import django, psycopg2").CombinedOutput(); err != nil {
		t.Fatalf("Django is not installed: apt-get install python3-django python3-psycopg2 (%v)\n%s", err, out)
	}
}

// walkFramework deploys a framework app through a real daemon: v1, then under load a safe
// migration (deployed), a column drop and a blocking index (each stopped by the check before the
// release phase, the live release untouched), and the drop split into release and postdeploy
// (deployed, the column gone, the migration recorded as contract). No request fails.
func walkFramework(t *testing.T, fw framework) {
	requireFrameworks(t)
	started := time.Now()
	dbURL := pgtest.Start(t).NewDatabase(t)
	d := startDaemon(t, filepath.Join(t.TempDir(), "state"), "")
	app := func(r frameworkRelease) string { return frameworkApp(t, fw, r, dbURL) }
	var checks []string
	checked := func(what string, rel *release.Release) {
		for _, s := range rel.Steps {
			if s.Name == deploy.StepCheck {
				checks = append(checks, fmt.Sprintf("%s %s", what, s.Duration.Round(time.Millisecond)))
			}
		}
	}

	checked("v1", d.mustDeploy(app(fw.v1)))
	seed := fw.seed
	if seed == "" {
		seed = fmt.Sprintf("INSERT INTO %s (title, body) SELECT 'post ' || i, 'body ' || i FROM generate_series(1, 10000) i", fw.table)
	}
	pgtest.Exec(t, dbURL, seed)
	if got := d.body("/"); !readsBody.MatchString(got) {
		t.Fatalf("v1 GET /: got %q, want the first post's body", got)
	}

	rel, events, err := deployUnderLoad(t, d, app(fw.safe))
	if err != nil {
		t.Fatalf("safe deploy: %v\nevents: %+v", err, events)
	}
	checked("safe", rel)
	live := rel.ID
	if !pgtest.HasColumn(t, dbURL, fw.table, "subtitle") {
		t.Errorf("the safe deploy did not add %s.subtitle", fw.table)
	}

	rel, events, err = deployUnderLoad(t, d, app(fw.unsafeDrop))
	checked("unsafe drop", rel)
	stoppedByCheck(t, d, live, rel, events, err, fw.name, fw.dropFile, "error CO101", fw.dropFix)
	if !pgtest.HasColumn(t, dbURL, fw.table, "body") {
		t.Errorf("the stopped deploy dropped %s.body from the real database", fw.table)
	}

	rel, events, err = deployUnderLoad(t, d, app(fw.unsafeIndex))
	checked("unsafe index", rel)
	stoppedByCheck(t, d, live, rel, events, err, fw.name, fw.indexFile, "error CO201", fw.indexFix)
	if hasIndex(t, dbURL, fw.index) {
		t.Errorf("the stopped deploy built index %s on the real database", fw.index)
	}

	rel, events, err = deployUnderLoad(t, d, app(fw.split))
	if err != nil {
		t.Fatalf("split deploy: %v\nevents: %+v", err, events)
	}
	checked("split", rel)
	if pgtest.HasColumn(t, dbURL, fw.table, "body") {
		t.Errorf("%s.body is still there after the postdeploy command", fw.table)
	}
	if !slices.Contains(rel.Contract, fw.contract) {
		t.Errorf("the release's contract: got %q, want it to name %s", rel.Contract, fw.contract)
	}
	if got := d.body("/"); strings.Contains(got, `"body"`) || !counts10000.MatchString(got) {
		t.Errorf("split GET /: got %q, want the posts without body", got)
	}
	t.Logf("%s: check release command took %s; the test %s", fw.name, strings.Join(checks, ", "),
		time.Since(started).Round(time.Millisecond))
}

// deployUnderLoad deploys app while load runs from before the deploy to after it, and fails the
// test if any request failed or was silently re-sent.
func deployUnderLoad(t *testing.T, d *daemonProc, app string) (*release.Release, []deploy.Event, error) {
	t.Helper()
	opts := frameworkLoad
	opts.URL = d.url("/")
	stop := startLoad(t, opts)
	time.Sleep(300 * time.Millisecond)
	rel, events, err := d.deploy(deploy.Request{Source: app})
	time.Sleep(300 * time.Millisecond)
	for _, r := range stop() {
		if r.Failed > 0 || r.Sent == 0 || r.Retries != 0 {
			t.Errorf("load during the deploy of %s: %s; want requests, none failed and none silently re-sent", app, r)
		}
	}
	if rel == nil {
		t.Fatalf("deploy %s: no release recorded: %v\nevents: %+v", app, err, events)
	}
	return rel, events, err
}

// stoppedByCheck fails the test unless the deploy of rel was stopped by the check before its release
// phase, with a finding of code in file and the fix in the terms of the framework name, and the
// release live still serves, reading body.
func stoppedByCheck(t *testing.T, d *daemonProc, live string, rel *release.Release, events []deploy.Event, err error, name, file, code, fix string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), deploy.StepCheck) {
		t.Fatalf("deploy %s: got error %v, want it stopped by %q", rel.ID, err, deploy.StepCheck)
	}
	found := false
	for _, e := range events {
		found = found || e.Step == deploy.StepCheck && e.Kind == deploy.Output &&
			strings.HasPrefix(e.Message, file+":") && strings.Contains(e.Message, code)
	}
	if !found || !eventSays(events, deploy.Output, fix) || !eventSays(events, deploy.Output, "in "+name+":") {
		t.Errorf("deploy %s: want a finding %s in %s with the fix %q; output:\n%s", rel.ID, code, file, fix, output(events))
	}
	for _, s := range rel.Steps {
		if s.Name == stepReleasePhase {
			t.Errorf("deploy %s ran its release phase after the check stopped it", rel.ID)
		}
	}
	if rel.Status != release.Failed {
		t.Errorf("deploy %s: got status %s, want %s", rel.ID, rel.Status, release.Failed)
	}
	st, serr := d.client.Status(context.Background())
	if serr != nil || st.Live != live {
		t.Errorf("after the stopped deploy %s: got live %q (%v), want %s still serving", rel.ID, st.Live, serr, live)
	}
	if got := d.body("/"); !readsBody.MatchString(got) {
		t.Errorf("after the stopped deploy %s, GET /: got %q, want the live release reading body", rel.ID, got)
	}
}

// output is the deploy's output and messages, one a line.
func output(events []deploy.Event) string {
	var b strings.Builder
	for _, e := range events {
		if e.Message != "" {
			fmt.Fprintf(&b, "  [%s] %s\n", e.Step, e.Message)
		}
	}
	return b.String()
}

func hasIndex(t *testing.T, dbURL, index string) bool {
	t.Helper()
	return pgtest.QueryInt(t, dbURL, "SELECT count(*) FROM pg_indexes WHERE indexname = $1", index) == 1
}
