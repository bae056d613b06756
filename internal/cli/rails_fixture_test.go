package cli

import (
	"context"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/cutover-dev/cutover/internal/procfile"
)

// Timeouts of the Rails fixture's test.
const (
	railsBootTimeout    = 60 * time.Second // Puma boots the app and answers GET /up
	railsRequestTimeout = 10 * time.Second // one GET
)

// procfileCommand runs the Procfile's process name of app with sh -c, as cutover does, with
// DATABASE_URL set, and returns its combined output, failing the test if it fails.
func procfileCommand(t *testing.T, app, name, url string) string {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", procfileLine(t, app, name))
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: command of %s/Procfile failed: %v\n%s", name, app, err, out)
	}
	return string(out)
}

func procfileLine(t *testing.T, app, name string) string {
	t.Helper()
	pf, err := procfile.ParseFile(filepath.Join(app, "Procfile"))
	if err != nil {
		t.Fatal(err)
	}
	p, ok := pf.Get(name)
	if !ok {
		t.Fatalf("%s/Procfile has no %s: line", app, name)
	}
	return p.Command
}

// startWeb starts the Procfile's web: command of app on a free port of 127.0.0.1, waits until GET
// /up answers 200, and returns the app's address. The process group is killed when the test ends.
func startWeb(t *testing.T, app, url string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command("/bin/sh", "-c", procfileLine(t, app, procfile.Web))
	cmd.Dir = app
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "PORT="+strconv.Itoa(port))
	log, err := os.Create(filepath.Join(t.TempDir(), "web.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		log.Close()
	})
	addr := "http://127.0.0.1:" + strconv.Itoa(port)
	deadline := time.Now().Add(railsBootTimeout)
	for {
		if code, _ := httpGet(addr + "/up"); code == http.StatusOK {
			return addr
		}
		select {
		case <-exited:
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("the web process of %s exited before answering /up:\n%s", app, out)
		default:
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(log.Name())
			t.Fatalf("the web process of %s did not answer /up within %s:\n%s", app, railsBootTimeout, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// httpGet returns the status and body of a GET of url, or 0 and the error's text.
func httpGet(url string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), railsRequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// appFiles lists the files under dir, relative to it.
func appFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestRailsFixture boots testdata/rails the way a deploy does, from its Procfile: the release:
// command migrates, Puma serves GET / (which reads posts.body) and GET /up. Then the split release
// (rails-split): its release: command leaves body alone, its postdeploy: command drops it, after
// which the old release fails on GET / and the new one, which ignores body, still serves. Neither
// release writes a file into its folder (no tmp/, log/ or db/schema.rb).
func TestRailsFixture(t *testing.T) {
	requireRails(t)
	if _, err := exec.LookPath("puma"); err != nil {
		t.Fatalf("puma is not installed: apt-get install puma (%v)", err)
	}
	url := pgtest.Start(t).NewDatabase(t)
	old := railsApp(t)
	before := appFiles(t, old)
	procfileCommand(t, old, procfile.Release, url)
	pgtest.Exec(t, url, "INSERT INTO posts (title, body, created_at, updated_at) VALUES ('first title', 'first body', now(), now())")
	oldAddr := startWeb(t, old, url)
	if code, body := httpGet(oldAddr + "/"); code != http.StatusOK || !strings.Contains(body, `"body":"first body"`) || !strings.Contains(body, `"count":1`) {
		t.Fatalf("GET / of the first release: got %d %q, want 200 with the first post's body", code, body)
	}

	split := railsApp(t, filepath.Join(frameworks, "rails-split"))
	splitBefore := appFiles(t, split)
	procfileCommand(t, split, procfile.Release, url)
	if got := railsSchema(t, url); !strings.Contains(got, " body ") {
		t.Fatalf("the split release's release: command dropped body: %s", got)
	}
	newAddr := startWeb(t, split, url)
	procfileCommand(t, split, "postdeploy", url)
	if got, want := railsSchema(t, url), "posts: id title created_at updated_at; indexes: posts_pkey; versions: 20261201120000 20261205140000"; got != want {
		t.Errorf("after postdeploy: got %q, want %q", got, want)
	}
	if code, body := httpGet(newAddr + "/"); code != http.StatusOK || !strings.Contains(body, `"title":"first title"`) || strings.Contains(body, `"body"`) {
		t.Errorf("GET / of the split release after postdeploy: got %d %q, want 200 with the first post's title", code, body)
	}
	if code, body := httpGet(oldAddr + "/"); code != http.StatusInternalServerError {
		t.Errorf("GET / of the first release after body was dropped: got %d %q, want 500", code, body)
	}
	for _, c := range []struct {
		dir    string
		before []string
	}{{old, before}, {split, splitBefore}} {
		if after := appFiles(t, c.dir); strings.Join(after, " ") != strings.Join(c.before, " ") {
			t.Errorf("the release in %s wrote files: got %q, want %q", c.dir, after, c.before)
		}
	}
}
