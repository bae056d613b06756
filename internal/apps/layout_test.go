package apps

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/router"
)

// processTimeout bounds the wait for a test's child process.
const processTimeout = 10 * time.Second

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

// legacyState makes a single-app state directory as cutover made them before apps, with the real
// store: a release of the app in a directory named source (live if goLive), a failed one after
// it, a kept formation, a log and a pid record.
func legacyState(t *testing.T, source string, goLive bool) string {
	t.Helper()
	src := filepath.Join(t.TempDir(), source)
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"Procfile": "web: sleep 1000\n", "data.txt": "hello\n"} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := t.TempDir()
	store, err := release.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	for i, status := range []release.Status{release.Live, release.Failed} {
		r, err := store.Create(src)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && !goLive {
			status = release.Failed
		}
		r.Status = status
		if err := store.Save(r); err != nil {
			t.Fatal(err)
		}
		if status == release.Live {
			if err := store.SetLive(r.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, body := range map[string]string{"formation.json": `{"web":2}`, "logs/app.log": "booted\n", "pids/4242": "123 web.1\n"} {
		p := filepath.Join(state, name)
		if err := release.MakePrivateDir(filepath.Dir(p)); err != nil {
			t.Fatal(err)
		}
		if err := release.WriteFileAtomic(p, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	return state
}

// snapshot describes the app state in dir as the store and the daemon read it.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	store, err := release.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs, damaged, err := store.List()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, r := range rs {
		procfile, err := os.ReadFile(filepath.Join(r.Dir, "Procfile"))
		// The copy is found where the store is now (release.Store.Get), wherever that is.
		rel, _ := filepath.Rel(dir, r.Dir)
		fmt.Fprintf(&b, "%s %s %s %s %s %s %q %v\n", r.ID, r.Status, r.Source, r.Hash, rel, r.Created, procfile, err)
	}
	live, err := store.Live()
	fmt.Fprintf(&b, "damaged %v; live %v %v\n", damaged, live != nil && live.ID == "v1", err)
	for _, name := range []string{"formation.json", "logs/app.log", "pids/4242"} {
		body, err := release.ReadPrivateFile(filepath.Join(dir, name))
		fmt.Fprintf(&b, "%s %q %v\n", name, body, err)
	}
	return b.String()
}

// checkMigrated checks that state is in layout 2 with the app name holding what before described.
func checkMigrated(t *testing.T, state, name, before string) {
	t.Helper()
	if IsLegacy(state) {
		t.Errorf("IsLegacy = true after the migration")
	}
	if b, err := release.ReadPrivateFile(filepath.Join(state, LayoutFile)); err != nil || string(b) != Layout+"\n" {
		t.Errorf("layout file: got %q, %v, want %q", b, err, Layout+"\n")
	}
	if name == "" {
		return
	}
	dir := Dir(state, name)
	if after := snapshot(t, dir); after != before {
		t.Errorf("app state after the migration:\n%s\nwant as before:\n%s", after, before)
	}
	s, err := ReadSettings(dir)
	if err != nil || !slices.Equal(s.Hosts, []string{router.AnyHost}) || s.Created.IsZero() {
		t.Errorf("settings: got %+v, %v, want every host and a creation time", s, err)
	}
	if target, err := os.Readlink(filepath.Join(state, "releases")); err != nil || target != filepath.Join(AppsDirName, name, "releases") {
		t.Errorf("releases link: got %q, %v, want apps/%s/releases", target, err, name)
	}
	entries, _ := os.ReadDir(state)
	var top []string
	for _, e := range entries {
		top = append(top, e.Name())
	}
	if want := []string{AppsDirName, LayoutFile, "releases"}; !slices.Equal(top, want) {
		t.Errorf("state dir holds %q, want %q", top, want)
	}
	if names, err := Names(state); err != nil || !slices.Equal(names, []string{name}) {
		t.Errorf("Names = %q, %v, want [%s]", names, err, name)
	}
	for path, want := range map[string]fs.FileMode{
		filepath.Join(state, AppsDirName): release.PrivateDirMode, dir: release.PrivateDirMode,
		filepath.Join(dir, SettingsFile): release.PrivateFileMode, filepath.Join(state, LayoutFile): release.PrivateFileMode,
	} {
		if fi, err := os.Lstat(path); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: got %v, %v, want mode %v", path, fi.Mode(), err, want)
		}
	}
}

func TestMigrate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		state func(t *testing.T) string
		want  string
	}{
		{"new dir", func(t *testing.T) string { return t.TempDir() }, ""},
		{"new dir not made yet", func(t *testing.T) string { return filepath.Join(t.TempDir(), "state") }, ""},
		{"already migrated", func(t *testing.T) string {
			state := legacyState(t, "blog", true)
			if _, err := Migrate(state, testLogger(t)); err != nil {
				t.Fatal(err)
			}
			return state
		}, ""},
		{"live source Blog", func(t *testing.T) string { return legacyState(t, "Blog", true) }, "blog"},
		{"source no name", func(t *testing.T) string { return legacyState(t, "my_app", true) }, DefaultName},
		{"no live release", func(t *testing.T) string { return legacyState(t, "blog", false) }, DefaultName},
		{"live release missing", func(t *testing.T) string {
			state := legacyState(t, "blog", true)
			if err := release.WriteFileAtomic(filepath.Join(state, "live"), []byte("v9\n")); err != nil {
				t.Fatal(err)
			}
			return state
		}, DefaultName},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := tc.state(t)
			var before string
			if tc.want != "" {
				if !IsLegacy(state) {
					t.Fatalf("IsLegacy = false for a single-app state")
				}
				before = snapshot(t, state)
			}
			name, err := Migrate(state, testLogger(t))
			if err != nil || name != tc.want {
				t.Fatalf("Migrate = %q, %v, want %q", name, err, tc.want)
			}
			checkMigrated(t, state, name, before)
			if again, err := Migrate(state, testLogger(t)); err != nil || again != "" {
				t.Errorf("second Migrate = %q, %v, want nothing to do", again, err)
			}
			checkMigrated(t, state, name, before)
		})
	}
}

var errCrash = errors.New("crash")

// crashAfter makes the migration stop after step, as a crash there would, until the test ends.
func crashAfter(t *testing.T, step int) {
	t.Cleanup(func() { afterStep = func(int) error { return nil } })
	afterStep = func(s int) error {
		if s == step {
			return errCrash
		}
		return nil
	}
}

// TestMigrateResumesAfterCrash crashes a migration after a step, or after each of several steps
// in turn (each crash in the resumed migration of the one before), then resumes it.
func TestMigrateResumesAfterCrash(t *testing.T) {
	type crash struct {
		steps []int
		after func(t *testing.T, state string) // what else the crash left
	}
	crashes := []crash{{steps: []int{1, 2, 3, 4, 5}}, {steps: []int{1}, after: func(t *testing.T, state string) {
		// The crash came within step 2, after it moved live and formation.json but not releases.
		for _, name := range []string{"live", "formation.json"} {
			if err := os.Rename(filepath.Join(state, name), filepath.Join(state, AppsDirName, ".migrating-blog", name)); err != nil {
				t.Fatal(err)
			}
		}
	}}}
	for step := 1; step <= 6; step++ {
		crashes = append(crashes, crash{steps: []int{step}})
	}
	for _, c := range crashes {
		t.Run(fmt.Sprintf("after steps %v, within the next: %v", c.steps, c.after != nil), func(t *testing.T) {
			state := legacyState(t, "Blog", true)
			before := snapshot(t, state)
			for _, step := range c.steps {
				crashAfter(t, step)
				if _, err := Migrate(state, testLogger(t)); !errors.Is(err, errCrash) {
					t.Fatalf("Migrate = %v, want the crash after step %d", err, step)
				}
			}
			if c.after != nil {
				c.after(t, state)
			}
			last := c.steps[len(c.steps)-1]
			if got, want := IsLegacy(state), last < 6; got != want {
				t.Errorf("IsLegacy after the crash = %v, want %v", got, want)
			}
			afterStep = func(int) error { return nil }
			want := "blog"
			if last == 6 {
				want = "" // the layout file is written: the migration is done
			}
			name, err := Migrate(state, testLogger(t))
			if err != nil || name != want {
				t.Fatalf("resumed Migrate = %q, %v, want %q", name, err, want)
			}
			checkMigrated(t, state, "blog", before)
		})
	}
}

// TestMigrateKeepsOldPaths runs a process from its release's old absolute path across the
// migration: its working directory and the absolute paths it holds still reach its files.
func TestMigrateKeepsOldPaths(t *testing.T) {
	state := legacyState(t, "blog", true)
	old := filepath.Join(state, "releases", "v1", "app")
	ctx, cancel := context.WithTimeout(context.Background(), processTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", `read go; cat "$1/data.txt"; cat data.txt`, "sh", old)
	cmd.Dir = old
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if name, err := Migrate(state, testLogger(t)); err != nil || name != "blog" {
		cmd.Process.Kill()
		t.Fatalf("Migrate = %q, %v, want blog", name, err)
	}
	if _, err := os.Stat(filepath.Join(state, "apps", "blog", "releases", "v1", "app", "data.txt")); err != nil {
		t.Fatalf("the release did not move: %v", err)
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	if err := cmd.Wait(); err != nil || out.String() != "hello\nhello\n" {
		t.Errorf("process reading its old paths: got %q, %v, want hello twice", out.String(), err)
	}
	store, err := release.Open(Dir(state, "blog"))
	if err != nil {
		t.Fatal(err)
	}
	live, err := store.Live()
	if want := filepath.Join(Dir(state, "blog"), "releases", "v1", "app"); err != nil || live.Dir != want {
		t.Fatalf("live release: got %+v, %v, want its dir %s", live, err, want)
	}
	if _, err := os.Stat(filepath.Join(live.Dir, "Procfile")); err != nil {
		t.Errorf("the release's recorded dir does not resolve: %v", err)
	}
}

func TestMigrateRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		plant  func(t *testing.T, state string)
		unsafe bool
	}{
		{"live is a link", func(t *testing.T, state string) { replaceWithLink(t, state, "live") }, true},
		{"formation is a link", func(t *testing.T, state string) { replaceWithLink(t, state, "formation.json") }, true},
		{"releases is a link", func(t *testing.T, state string) { replaceWithLink(t, state, "releases") }, true},
		{"layout is a link", func(t *testing.T, state string) { replaceWithLink(t, state, LayoutFile) }, true},
		{"apps is a link", func(t *testing.T, state string) { replaceWithLink(t, state, AppsDirName) }, true},
		{"newer layout", func(t *testing.T, state string) { write(t, filepath.Join(state, LayoutFile), "3\n") }, false},
		{"two migrations", func(t *testing.T, state string) {
			mkdir(t, filepath.Join(state, AppsDirName, ".migrating-a"))
			mkdir(t, filepath.Join(state, AppsDirName, ".migrating-b"))
		}, false},
		{"apps without layout", func(t *testing.T, state string) {
			mkdir(t, filepath.Join(state, AppsDirName, "a"))
			mkdir(t, filepath.Join(state, AppsDirName, "b"))
			os.RemoveAll(filepath.Join(state, "releases"))
			os.Remove(filepath.Join(state, "live"))
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := legacyState(t, "blog", true)
			tc.plant(t, state)
			name, err := Migrate(state, testLogger(t))
			if err == nil || errors.Is(err, release.ErrUnsafeStateDir) != tc.unsafe {
				t.Fatalf("Migrate = %q, %v, want an error (unsafe: %v)", name, err, tc.unsafe)
			}
			if exists(Dir(state, "blog")) || exists(filepath.Join(state, AppsDirName, ".migrating-blog")) {
				t.Errorf("Migrate moved the app despite the error")
			}
		})
	}
}

// replaceWithLink puts a link to a copy of state's entry name elsewhere in its place, as another
// user with access could.
func replaceWithLink(t *testing.T, state, name string) {
	t.Helper()
	p := filepath.Join(state, name)
	elsewhere := filepath.Join(t.TempDir(), name)
	if err := os.Rename(p, elsewhere); errors.Is(err, os.ErrNotExist) {
		write(t, elsewhere, Layout+"\n")
	} else if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, p); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), release.PrivateFileMode); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(path, release.PrivateDirMode); err != nil {
		t.Fatal(err)
	}
}

func TestIsLegacy(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string // a trailing slash makes a directory
		want  bool
	}{
		{"empty", nil, false},
		{"only the socket", []string{"cutover.sock"}, false},
		{"releases", []string{"releases/"}, true},
		{"live", []string{"live"}, true},
		{"migration under way", []string{"apps/.migrating-blog/"}, true},
		{"layout 2", []string{"layout", "apps/blog/"}, false},
		{"layout 2 and the old releases", []string{"layout", "releases/", "live"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			for _, f := range tc.files {
				if strings.HasSuffix(f, "/") {
					mkdir(t, filepath.Join(state, f))
				} else {
					mkdir(t, filepath.Dir(filepath.Join(state, f)))
					write(t, filepath.Join(state, f), "")
				}
			}
			if got := IsLegacy(state); got != tc.want {
				t.Errorf("IsLegacy = %v, want %v", got, tc.want)
			}
		})
	}
}
