package release

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStateIsPrivate: after a release is made from an app whose files are open to everyone, no
// path of the state directory lets another user in: the state, releases and release directories
// are 0700, and records 0600.
func TestStateIsPrivate(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	s, err := Open(state)
	if err != nil {
		t.Fatal(err)
	}
	app := writeApp(t, map[string]string{"Procfile": "web: x\n", "cutover.toml": "[env]\nDATABASE_URL = \"postgres://u:secret@db/app\"\n"})
	os.Chmod(filepath.Join(app, "cutover.toml"), 0o644)
	os.Chmod(app, 0o755)
	r, err := s.Create(app)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{state, filepath.Join(state, "releases"), filepath.Dir(r.Dir)} {
		if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != PrivateDirMode {
			t.Errorf("%s: got mode %v (%v), want %v", dir, fi.Mode().Perm(), err, PrivateDirMode)
		}
	}
	filepath.WalkDir(state, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			if fi, _ := d.Info(); fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: got mode %v, want nothing for group or others", path, fi.Mode().Perm())
			}
		}
		return nil
	})
}

func TestOpenRefusesUnsafeStateDir(t *testing.T) {
	tests := []struct {
		name  string
		setup func(dir string) error
		want  string
	}{
		{"writable by others", func(dir string) error { return os.Chmod(dir, 0o777) }, "chmod 700"},
		{"writable by group", func(dir string) error { return os.Chmod(dir, 0o770) }, "chmod 700"},
		{"owned by another user", func(dir string) error {
			if os.Geteuid() != 0 {
				t.Skip("only root can give a directory to another user")
			}
			return os.Chown(dir, 65534, 65534)
		}, "chown -R"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "state")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := tt.setup(dir); err != nil {
				t.Fatal(err)
			}
			_, err := Open(dir)
			if !errors.Is(err, ErrUnsafeStateDir) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %v saying %q", err, ErrUnsafeStateDir, tt.want)
			}
		})
	}
}

// TestOpenTightensOldStateDir: a state directory as earlier versions made it (0755) is made 0700.
func TestOpenTightensOldStateDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	os.MkdirAll(filepath.Join(dir, "releases"), 0o755)
	os.Chmod(dir, 0o755)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{dir, filepath.Join(dir, "releases")} {
		if fi, _ := os.Stat(d); fi.Mode().Perm() != PrivateDirMode {
			t.Errorf("%s: got %v, want %v", d, fi.Mode().Perm(), PrivateDirMode)
		}
	}
}

func TestOpenPrivateAppend(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("keep\n"), 0o644)
	planted := filepath.Join(dir, "planted.log")
	os.Symlink(victim, planted)
	if f, err := OpenPrivateAppend(planted); !errors.Is(err, ErrUnsafeStateDir) {
		if f != nil {
			f.Close()
		}
		t.Errorf("a planted link: got %v, want %v", err, ErrUnsafeStateDir)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep\n" {
		t.Errorf("the link's target was written: %q", b)
	}
	old := filepath.Join(dir, "app.log")
	os.WriteFile(old, nil, 0o644)
	f, err := OpenPrivateAppend(old)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(old); fi.Mode().Perm() != PrivateFileMode {
		t.Errorf("an existing log: got %v, want %v", fi.Mode().Perm(), PrivateFileMode)
	}
}

// TestCreateFromLinkedAppDir: deploying Capistrano's current -> releases/1 copies the app itself;
// removing the target afterwards leaves the release whole.
func TestCreateFromLinkedAppDir(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	deployTo := t.TempDir()
	target := filepath.Join(deployTo, "releases", "1")
	os.MkdirAll(target, 0o755)
	os.WriteFile(filepath.Join(target, "Procfile"), []byte("web: x\n"), 0o644)
	current := filepath.Join(deployTo, "current")
	os.Symlink(target, current)
	r, err := s.Create(current)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != current {
		t.Errorf("source: got %q, want the path deployed, %q", r.Source, current)
	}
	os.RemoveAll(target)
	fi, err := os.Lstat(r.Dir)
	if err != nil || !fi.IsDir() {
		t.Fatalf("release dir: got %v, %v; want a directory, not a link", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(r.Dir, "Procfile")); err != nil || string(b) != "web: x\n" {
		t.Errorf("Procfile after the target was removed: got %q, %v", b, err)
	}
}

// TestHashSeesLinkTargets: two apps that differ only in where a link points hash differently.
func TestHashSeesLinkTargets(t *testing.T) {
	a := writeApp(t, map[string]string{"Procfile": "web: x\n", "one": "1", "two": "2"})
	b := writeApp(t, map[string]string{"Procfile": "web: x\n", "one": "1", "two": "2"})
	os.Symlink("one", filepath.Join(a, "config"))
	os.Symlink("two", filepath.Join(b, "config"))
	ha, _ := hashTree(a)
	hb, _ := hashTree(b)
	if ha == hb {
		t.Errorf("both hash to %s, want different hashes", ha)
	}
}

// TestPlantedLinksAreNotRead: a record or the live pointer replaced by a link is not read through
// it: the record is reported damaged, the pointer refused.
func TestPlantedLinksAreNotRead(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	s, err := Open(state)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Create(writeApp(t, map[string]string{"Procfile": "web: x\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetLive(r.ID); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "planted.json")
	b, _ := os.ReadFile(s.recordPath(r.ID))
	os.WriteFile(elsewhere, b, 0o600)
	os.Remove(s.recordPath(r.ID))
	os.Symlink(elsewhere, s.recordPath(r.ID))
	if _, err := s.Get(r.ID); !errors.Is(err, ErrUnsafeStateDir) {
		t.Errorf("a record that is a link: got %v, want %v", err, ErrUnsafeStateDir)
	}
	live := filepath.Join(state, "live")
	os.Remove(live)
	os.WriteFile(elsewhere+".live", []byte(r.ID+"\n"), 0o600)
	os.Symlink(elsewhere+".live", live)
	if _, err := s.Live(); !errors.Is(err, ErrUnsafeStateDir) {
		t.Errorf("a live pointer that is a link: got %v, want %v", err, ErrUnsafeStateDir)
	}
}
