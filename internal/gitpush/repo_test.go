package gitpush

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInitMakesRepoAndHook(t *testing.T) {
	app := t.TempDir()
	for _, exe := range []string{"/usr/bin/cutover", "/opt/it's/cutover"} {
		if err := Init(t.Context(), app, "/var/lib/cutover", "blog", exe); err != nil {
			t.Fatalf("Init: %v", err)
		}
		hook, err := os.ReadFile(filepath.Join(RepoDir(app), "hooks", "pre-receive"))
		if err != nil {
			t.Fatal(err)
		}
		if want := "exec " + shellQuote(exe) + " git-hook pre-receive --state '/var/lib/cutover' --app 'blog'"; !strings.Contains(string(hook), want) {
			t.Errorf("hook:\n%s\nwant a line %q", hook, want)
		}
	}
	if _, err := os.Stat(filepath.Join(RepoDir(app), "HEAD")); err != nil {
		t.Errorf("no bare repository: %v", err)
	}
	fi, err := os.Stat(filepath.Join(RepoDir(app), "hooks", "pre-receive"))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("hook: mode %v (%v), want 0700", fi.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(RepoDir(app), "hooks", ".pre-receive-*")); len(left) > 0 {
		t.Errorf("temporary hooks left: %v", left)
	}
}

func TestSweepCheckouts(t *testing.T) {
	app := t.TempDir()
	if err := SweepCheckouts(app); err != nil {
		t.Fatalf("no checkouts directory: %v", err)
	}
	left := filepath.Join(app, CheckoutsName, "abc1234-99", "src")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := SweepCheckouts(app); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(app, CheckoutsName))
	if err != nil || len(entries) != 0 {
		t.Errorf("after the sweep: %v, %v; want an empty directory", entries, err)
	}
}

func TestBranch(t *testing.T) {
	app := t.TempDir()
	if err := Init(t.Context(), app, "/s", "blog", "/c"); err != nil {
		t.Fatal(err)
	}
	repo := RepoDir(app)
	for _, tc := range []struct {
		set, want string
		ok        bool
	}{
		{"", DefaultBranch, true},
		{"production", "production", true},
		{"release/2026", "release/2026", true},
		{"bad..name", "release/2026", false},
		{"-x", "release/2026", false},
	} {
		t.Run(tc.set, func(t *testing.T) {
			if tc.set != "" {
				err := SetBranch(t.Context(), repo, tc.set)
				if (err == nil) != tc.ok {
					t.Fatalf("SetBranch(%q): got %v, want ok=%v", tc.set, err, tc.ok)
				}
			}
			got, err := Branch(t.Context(), repo)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
