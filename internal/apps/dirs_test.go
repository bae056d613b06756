package apps

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cutover-dev/cutover/internal/release"
)

func TestRemoveLegacyLink(t *testing.T) {
	state := legacyState(t, "blog", true)
	if _, err := Migrate(state, testLogger(t)); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := RemoveLegacyLink(state); err != nil {
			t.Fatal(err)
		}
		if exists(filepath.Join(state, "releases")) {
			t.Fatalf("the link is still there")
		}
	}
	if _, err := os.Stat(filepath.Join(Dir(state, "blog"), "releases", "v1", "release.json")); err != nil {
		t.Errorf("the releases went with the link: %v", err)
	}
	mkdir(t, filepath.Join(state, "releases"))
	if err := RemoveLegacyLink(state); err != nil || !exists(filepath.Join(state, "releases")) {
		t.Errorf("RemoveLegacyLink on a directory: %v, want it left alone", err)
	}
}

func TestNames(t *testing.T) {
	state := t.TempDir()
	if names, err := Names(state); err != nil || names != nil {
		t.Fatalf("Names without apps = %q, %v, want none", names, err)
	}
	for _, d := range []string{"blog", "api-2", ".migrating-x", ".destroyed-y-1700000000", "Bad"} {
		mkdir(t, filepath.Join(state, AppsDirName, d))
	}
	write(t, filepath.Join(state, AppsDirName, "file"), "")
	if err := os.Symlink("blog", filepath.Join(state, AppsDirName, "link")); err != nil {
		t.Fatal(err)
	}
	if names, err := Names(state); err != nil || !slices.Equal(names, []string{"api-2", "blog"}) {
		t.Errorf("Names = %q, %v, want [api-2 blog]", names, err)
	}
}

// TestCheckMigrate: what would stop a migration is found before it starts, and nothing changes.
func TestCheckMigrate(t *testing.T) {
	state := legacyState(t, "blog", true)
	if err := CheckMigrate(state); err != nil {
		t.Fatalf("a legacy dir: %v", err)
	}
	logs := filepath.Join(state, "logs")
	elsewhere := filepath.Join(t.TempDir(), "logs")
	if err := os.Rename(logs, elsewhere); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, logs); err != nil {
		t.Fatal(err)
	}
	if err := CheckMigrate(state); !errors.Is(err, release.ErrUnsafeStateDir) {
		t.Fatalf("a linked logs dir: got %v, want it refused", err)
	}
	if !IsLegacy(state) {
		t.Fatal("CheckMigrate changed the dir")
	}
}
