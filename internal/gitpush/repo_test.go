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
