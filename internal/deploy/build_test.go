package deploy_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
)

// goApp is a Go web app in source form, built by cutover.toml's build command, which counts its
// builds in $CACHE_DIR to show the cache is kept between them.
func (f *fixture) goApp(version, build string) string {
	f.t.Helper()
	dir := f.app("web: ./server\n")
	files := map[string]string{
		"go.mod": "module example.com/built\n\ngo 1.22\n",
		"main.go": `package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/up", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-App-Version", "` + version + `")
		fmt.Fprint(w, "built from source")
	})
	if err := http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
`,
		"cutover.toml": "build = '''" + build + "'''\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			f.t.Fatal(err)
		}
	}
	return dir
}

// countBuilds is a build command that counts builds in $CACHE_DIR, then builds the Go app.
const countBuilds = `n=$(cat "$CACHE_DIR/builds" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$CACHE_DIR/builds"; echo "build number $n"; go build -o server .`

// TestBuild: a Go app deployed from source is built by its build command before anything runs it,
// with a cache kept between builds; a build that fails stops the deploy with the live release
// serving, and so does one past its build_timeout; a build command set twice is refused.
func TestBuild(t *testing.T) {
	f := newFixture(t)
	_, live, events, err := f.run(deploy.Request{Source: f.goApp("b1", countBuilds)}, nil)
	if err != nil {
		t.Fatalf("deploy b1: %v\n%v", err, events)
	}
	if got := f.version(); got != "b1" {
		t.Fatalf("after the deploy of b1: version %q", got)
	}
	if got := steps(events); len(got) < 2 || got[1] != deploy.StepBuild {
		t.Errorf("steps %v: want the build right after prepare", got)
	}
	rel, next, events, err := f.run(deploy.Request{Source: f.goApp("b2", countBuilds)}, live)
	if err != nil || f.version() != "b2" {
		t.Fatalf("deploy b2: %v, version %q", err, f.version())
	}
	if !said(events, deploy.Output, "build number 2") {
		t.Errorf("the second build did not find the first's cache: %v", events)
	}
	if _, err := os.Stat(filepath.Join(rel.Dir, "server")); err != nil {
		t.Errorf("the built binary is not in the release: %v", err)
	}

	_, _, events, err = f.run(deploy.Request{Source: f.goApp("b3", "echo cannot build >&2; exit 3")}, next)
	if err == nil || !strings.Contains(err.Error(), "the build command failed, so nothing was changed") || !said(events, deploy.Output, "cannot build") {
		t.Fatalf("a failing build: %v\n%v", err, events)
	}
	if got := f.version(); got != "b2" {
		t.Fatalf("after the failed build: version %q, want b2 serving", got)
	}

	// A build that outlasts build_timeout is stopped, and the deploy with it.
	slow := f.goApp("b5", "echo slow build; sleep 60")
	if err := os.WriteFile(filepath.Join(slow, "cutover.toml"), []byte("build = 'echo slow build; sleep 60'\nbuild_timeout = '500ms'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, events, err = f.run(deploy.Request{Source: slow}, next)
	if err == nil || !strings.Contains(err.Error(), "build_timeout is 500ms") || !said(events, deploy.Output, "slow build") {
		t.Fatalf("a build past its timeout: %v\n%v", err, events)
	}
	if got := f.version(); got != "b2" {
		t.Fatalf("after the build that timed out: version %q, want b2 serving", got)
	}

	twice := f.goApp("b4", "go build -o server .")
	if err := os.WriteFile(filepath.Join(twice, "Procfile"), []byte("web: ./server\nbuild: make\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := f.run(deploy.Request{Source: twice}, next); err == nil || !strings.Contains(err.Error(), "set twice") {
		t.Fatalf("a build command in cutover.toml and the Procfile: %v", err)
	}
}

// said reports whether an event of kind says s.
func said(events []deploy.Event, kind deploy.Kind, s string) bool {
	for _, e := range events {
		if e.Kind == kind && strings.Contains(e.Message, s) {
			return true
		}
	}
	return false
}
