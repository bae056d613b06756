package daemon_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/vars"
)

// varsLoad is the load a change of config vars runs under: bounded, as a small site's.
var varsLoad = loadgen.Options{Concurrency: 4, Rate: 100}

// TestConfigVars: a config var set under load deploys a new release of the live code that serves
// with it, with no request failed; a second change likewise; a rollback restores the earlier value,
// and a restarted daemon boots the live release with its own. The values are in the config store
// and nowhere else: not in any other file of the state directory, the daemon's log, a deploy's
// output, `releases --json` or `status --json`.
func TestConfigVars(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	d := startDaemon(t, state, "")
	one, two := secretValue(t), secretValue(t)
	v1 := d.mustDeploy(writeApp(t, "web: cutover sample-app --version v1 --show-env APP_SECRET\n", ""))
	if code, _, _ := d.get("/env/APP_SECRET"); code != 404 {
		t.Fatalf("before any config var: got %d for APP_SECRET, want 404", code)
	}

	var outputs []string
	for _, tt := range []struct {
		value, wantRelease string
	}{{one, "v2"}, {two, "v3"}} {
		stop := startLoad(t, withURL(varsLoad, d.url("/")))
		out, err := d.cutover("config", "set", "APP_SECRET="+tt.value)
		checkLoad(t, "config set", stop())
		if err != nil {
			t.Fatalf("config set: %v\n%s", err, out)
		}
		outputs = append(outputs, out)
		if !strings.Contains(out, tt.wantRelease+" is live with config vars version") {
			t.Errorf("config set: want %s live, got output:\n%s", tt.wantRelease, out)
		}
		if got := d.version(); got != "v1" {
			t.Errorf("after config set: got version %s answering, want v1, the same code", got)
		}
		if live := d.liveIDs(); len(live) != 1 || live[0] != tt.wantRelease {
			t.Errorf("after config set: got %v recorded live, want just %s", live, tt.wantRelease)
		}
		if _, _, body := d.get("/env/APP_SECRET"); body != tt.value {
			t.Errorf("after config set: APP_SECRET got %q, want the value set", body)
		}
	}

	stop := startLoad(t, withURL(varsLoad, d.url("/")))
	rb, events, err := d.deploy(deploy.Request{Rollback: "previous"})
	checkLoad(t, "rollback", stop())
	if err != nil || rb.RollbackOf != "v2" {
		t.Fatalf("rollback: got %+v, %v; want a rollback to v2", rb, err)
	}
	if _, _, body := d.get("/env/APP_SECRET"); body != one {
		t.Errorf("after the rollback: APP_SECRET got %q, want the value v2 had", body)
	}
	if out, err := d.cutover("config", "get", "APP_SECRET", "--reveal"); err != nil || strings.TrimSpace(out) != one {
		t.Errorf("config get after the rollback: got %q (%v), want the value v2 had", out, err)
	}

	d.stop()
	d = startDaemon(t, state, d.addr)
	waitFor(t, "the live release to serve again", func() bool { code, _, _ := d.get("/up"); return code == 200 })
	if _, _, body := d.get("/env/APP_SECRET"); body != one {
		t.Errorf("after a restart: APP_SECRET got %q, want the value of the live release", body)
	}

	for _, args := range [][]string{{"releases", "--json"}, {"status", "--json"}, {"config", "--json"}, {"releases", rb.ID}} {
		out, err := d.cutover(args...)
		if err != nil {
			t.Fatalf("cutover %v: %v\n%s", args, err, out)
		}
		outputs = append(outputs, out)
	}
	for _, e := range events {
		outputs = append(outputs, e.Message)
	}
	outputs = append(outputs, d.out.String())
	for _, out := range outputs {
		for _, secret := range []string{one, two} {
			if strings.Contains(out, secret) {
				t.Errorf("a value of a config var is shown in:\n%s", out)
			}
		}
	}
	checkOnlyInStore(t, state, v1, one, two)
}

// checkOnlyInStore fails the test if any file of the state directory but the app's config vars
// holds one of values, or if the config vars hold none (the search would prove nothing).
func checkOnlyInStore(t *testing.T, state string, rel *release.Release, values ...string) {
	t.Helper()
	// rel.Dir is <state>/apps/<name>/releases/<id>/app; the store is <state>/apps/<name>/vars.
	store := filepath.Join(filepath.Dir(filepath.Dir(filepath.Dir(rel.Dir))), vars.DirName)
	found := map[string]bool{}
	files := 0
	filepath.WalkDir(state, func(path string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v", path, err)
			return nil
		}
		files++
		for _, v := range values {
			if !bytes.Contains(b, []byte(v)) {
				continue
			}
			if filepath.Dir(path) != store {
				t.Errorf("%s holds the value of a config var; only %s may", path, store)
			}
			found[v] = true
			if fi, _ := e.Info(); fi.Mode().Perm() != release.PrivateFileMode {
				t.Errorf("%s: got mode %v, want %v", path, fi.Mode().Perm(), release.PrivateFileMode)
			}
		}
		return nil
	})
	if len(found) != len(values) || files < 5 {
		t.Errorf("searched %d files, found %d of %d values in %s: want every one there", files, len(found), len(values), store)
	}
}

// secretValue is a value no file holds by chance.
func secretValue(t *testing.T) string {
	b := make([]byte, 12)
	rand.Read(b)
	return "s3cret-" + hex.EncodeToString(b)
}

func withURL(o loadgen.Options, url string) loadgen.Options {
	o.URL = url
	return o
}

// checkLoad fails the test unless the load sent requests, none failed, and none was silently re-sent.
func checkLoad(t *testing.T, what string, results []*loadgen.Result) {
	t.Helper()
	for _, r := range results {
		if r.Failed > 0 || r.Sent == 0 || r.Retries != 0 {
			t.Errorf("load during %s: %s; want requests, none failed and none silently re-sent", what, r)
		}
	}
}
