package deploy_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/vars"
)

// env asks the app served for its environment variable name (the sample app's /env/NAME).
func (f *fixture) env(name string) string {
	f.t.Helper()
	resp, err := http.Get("http://" + f.addr + "/env/" + name)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b)
}

// TestConfigVars: a release boots with the current config vars, over cutover.toml's [env]; a change
// of them deploys the live release's code again with the new version; a rollback boots its target's
// version; a restart boots a release's own. The [env] that looks like a secret is warned of by name.
func TestConfigVars(t *testing.T) {
	f := newFixture(t)
	store, err := vars.Open(filepath.Join(f.d.Store.Dir(), vars.DirName))
	if err != nil {
		t.Fatal(err)
	}
	f.d.Vars = store
	app := f.app("web: cutover sample-app --show-env GREETING,ONLY_VARS\n")
	toml := "[env]\nGREETING = \"from-toml\"\nAPI_TOKEN = \"tok-in-toml\"\nDATABASE_URL = \"postgres://app:pw-in-toml@127.0.0.1:1/app\"\n"
	if err := os.WriteFile(filepath.Join(app, "cutover.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}

	v1, live, events, err := f.run(deploy.Request{Source: app, SkipCheck: true}, nil)
	if err != nil {
		t.Fatalf("deploy v1: %v", err)
	}
	if got := f.env("GREETING"); got != "200 OK from-toml" || v1.VarsVersion != 0 {
		t.Errorf("with no config vars: got %q, version %d; want [env]'s value, version 0", got, v1.VarsVersion)
	}
	for _, name := range []string{"API_TOKEN", "DATABASE_URL"} {
		if !hasKind(events, deploy.Warn, "[env] "+name+" looks like a secret") {
			t.Errorf("no warning of %s in [env]: %+v", name, events)
		}
	}
	for _, e := range events {
		if strings.Contains(e.Message, "in-toml") {
			t.Errorf("an event shows a value of [env]: %q", e.Message)
		}
	}

	if _, _, err := store.Change(vars.Change{Set: map[string]string{"GREETING": "from-vars", "ONLY_VARS": "s3cret"}}); err != nil {
		t.Fatal(err)
	}
	v2, live2, events, err := f.run(deploy.Request{Source: live.Release.Dir, VarsChangeOf: v1.ID, SkipCheck: true}, live)
	if err != nil {
		t.Fatalf("deploy the change of config vars: %v", err)
	}
	if got := f.env("GREETING"); got != "200 OK from-vars" {
		t.Errorf("after the change: got %q, want the config var over [env]", got)
	}
	if v2.VarsVersion != 1 || v2.VarsChangeOf != v1.ID || v2.Source != v1.Source || v2.Hash != v1.Hash {
		t.Errorf("the change's release: got version %d, change of %q, source %q, hash %s; want version 1, of %s, with its source and app",
			v2.VarsVersion, v2.VarsChangeOf, v2.Source, v2.Hash, v1.ID)
	}
	if !hasKind(events, deploy.Info, "config vars (version 1): GREETING, ONLY_VARS") {
		t.Errorf("no event naming the config vars: %+v", events)
	}
	for _, e := range events {
		if strings.Contains(e.Message, "s3cret") || strings.Contains(e.Message, "from-vars") {
			t.Errorf("an event shows a config var's value: %q", e.Message)
		}
	}

	restored, err := f.d.Restore(context.Background(), v2, nil)
	if err != nil {
		t.Fatalf("restore %s: %v", v2.ID, err)
	}
	live2.Stop()
	if got := f.env("ONLY_VARS"); got != "200 OK s3cret" {
		t.Errorf("restored %s: got %q, want its config vars", v2.ID, got)
	}

	v3, _, _, err := f.run(deploy.Request{Rollback: "previous"}, restored)
	if err != nil || v3.RollbackOf != v1.ID {
		t.Fatalf("rollback: got %+v, %v; want a rollback to %s (same app as %s, other config vars)", v3, err, v1.ID, v2.ID)
	}
	if got := f.env("GREETING"); got != "200 OK from-toml" || v3.VarsVersion != 0 {
		t.Errorf("after the rollback: got %q, version %d; want %s's: no config vars", got, v3.VarsVersion, v1.ID)
	}
	if got := f.env("ONLY_VARS"); !strings.HasPrefix(got, "404") {
		t.Errorf("after the rollback: ONLY_VARS got %q, want it unset", got)
	}
}
