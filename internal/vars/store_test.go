package vars

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/release"
)

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "app", DirName))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustChange(t *testing.T, s *Store, c Change) Version {
	t.Helper()
	v, _, err := s.Change(c)
	if err != nil {
		t.Fatalf("change %v: %v", c, err)
	}
	return v
}

// TestVersions: each change writes the whole set as the next version; older versions stay as they
// were; a change that changes nothing writes nothing.
func TestVersions(t *testing.T) {
	s := openStore(t)
	if v, err := s.Current(); err != nil || v.Number != 0 || len(v.Vars) != 0 {
		t.Fatalf("a new store: got %+v, %v; want version 0, empty", v, err)
	}
	steps := []struct {
		name        string
		change      Change
		wantNumber  int
		wantChanged bool
		want        map[string]string
	}{
		{"set two", Change{Set: map[string]string{"A": "1", "B": "2"}}, 1, true, map[string]string{"A": "1", "B": "2"}},
		{"set one again, one new", Change{Set: map[string]string{"A": "10", "C": ""}}, 2, true, map[string]string{"A": "10", "B": "2", "C": ""}},
		{"unset", Change{Unset: []string{"B"}}, 3, true, map[string]string{"A": "10", "C": ""}},
		{"unset what is not set", Change{Unset: []string{"B"}}, 3, false, map[string]string{"A": "10", "C": ""}},
		{"set to the same value", Change{Set: map[string]string{"A": "10"}}, 3, false, map[string]string{"A": "10", "C": ""}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			v, changed, err := s.Change(st.change)
			if err != nil {
				t.Fatal(err)
			}
			if v.Number != st.wantNumber || changed != st.wantChanged || !maps.Equal(v.Vars, st.want) {
				t.Errorf("got version %d %v (changed %v), want %d %v (changed %v)", v.Number, v.Vars, changed, st.wantNumber, st.want, st.wantChanged)
			}
			if cur, err := s.Current(); err != nil || cur.Number != st.wantNumber || !maps.Equal(cur.Vars, st.want) {
				t.Errorf("current: got %+v, %v; want version %d %v", cur, err, st.wantNumber, st.want)
			}
		})
	}
	if v1, err := s.Get(1); err != nil || !maps.Equal(v1.Vars, map[string]string{"A": "1", "B": "2"}) {
		t.Errorf("version 1 after later changes: got %+v, %v; want it as written", v1, err)
	}
	if got := strings.Join(mustGet(t, s, 2).Environ(), " "); got != "A=10 B=2 C=" {
		t.Errorf("environ of version 2: got %q, want %q", got, "A=10 B=2 C=")
	}
	if _, err := s.Get(9); !errors.Is(err, ErrNoVersion) {
		t.Errorf("get version 9: got %v, want ErrNoVersion", err)
	}
}

func mustGet(t *testing.T, s *Store, n int) Version {
	t.Helper()
	v, err := s.Get(n)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRestore: restoring an older version writes its vars as the newest; restoring what is current
// already writes nothing.
func TestRestore(t *testing.T) {
	s := openStore(t)
	mustChange(t, s, Change{Set: map[string]string{"A": "old"}})
	mustChange(t, s, Change{Set: map[string]string{"A": "new", "B": "x"}})
	tests := []struct {
		name        string
		restore     int
		wantNumber  int
		wantChanged bool
		want        map[string]string
	}{
		{"an older version", 1, 3, true, map[string]string{"A": "old"}},
		{"the same vars again", 1, 3, false, map[string]string{"A": "old"}},
		{"version 0, before any var", 0, 4, true, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, changed, err := s.Restore(tt.restore)
			if err != nil || v.Number != tt.wantNumber || changed != tt.wantChanged || !maps.Equal(v.Vars, tt.want) {
				t.Errorf("restore %d: got %d %v (changed %v, %v), want %d %v (changed %v)", tt.restore, v.Number, v.Vars, changed, err, tt.wantNumber, tt.want, tt.wantChanged)
			}
		})
	}
	if _, _, err := s.Restore(42); !errors.Is(err, ErrNoVersion) {
		t.Errorf("restore a version never written: got %v, want ErrNoVersion", err)
	}
}

// TestFilesArePrivate: the directory is 0700 and every version 0600, whatever the umask.
func TestFilesArePrivate(t *testing.T) {
	s := openStore(t)
	mustChange(t, s, Change{Set: map[string]string{"DATABASE_URL": "postgres://app:pw@db/app"}})
	mustChange(t, s, Change{Set: map[string]string{"API_TOKEN": "t0k"}})
	if fi, err := os.Stat(s.Dir()); err != nil || fi.Mode().Perm() != release.PrivateDirMode {
		t.Errorf("%s: got mode %v (%v), want %v", s.Dir(), fi.Mode().Perm(), err, release.PrivateDirMode)
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil || len(entries) != 2 {
		t.Fatalf("got %d files (%v), want the two versions and nothing else (no temp file left)", len(entries), err)
	}
	for _, e := range entries {
		fi, _ := e.Info()
		if fi.Mode().Perm() != release.PrivateFileMode {
			t.Errorf("%s: got mode %v, want %v", e.Name(), fi.Mode().Perm(), release.PrivateFileMode)
		}
	}
}

// TestFailedWriteChangesNothing: a version that cannot be written (here, a directory the daemon
// cannot write to) leaves the current version as it was, and no file behind.
func TestFailedWriteChangesNothing(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes into a read-only directory")
	}
	s := openStore(t)
	mustChange(t, s, Change{Set: map[string]string{"A": "1"}})
	os.Chmod(s.Dir(), 0o500)
	t.Cleanup(func() { os.Chmod(s.Dir(), 0o700) })
	if _, _, err := s.Change(Change{Set: map[string]string{"A": "2"}}); err == nil {
		t.Fatal("change in a read-only dir: got no error")
	}
	if cur, err := s.Current(); err != nil || cur.Number != 1 || cur.Vars["A"] != "1" {
		t.Errorf("after a failed write: got %+v, %v; want version 1 as it was", cur, err)
	}
}

// TestAtomicWrite: a temp file left by a crash mid-write is no version; a link planted where a
// version should be is not read through.
func TestAtomicWrite(t *testing.T) {
	s := openStore(t)
	mustChange(t, s, Change{Set: map[string]string{"A": "1"}})
	os.WriteFile(filepath.Join(s.Dir(), ".v2.json.tmp123"), []byte(`{"A": "half`), 0o600)
	if cur, err := s.Current(); err != nil || cur.Number != 1 {
		t.Errorf("with a temp file left: got %+v, %v; want version 1", cur, err)
	}
	target := filepath.Join(t.TempDir(), "planted.json")
	os.WriteFile(target, []byte(`{"A": "planted"}`), 0o600)
	os.Symlink(target, filepath.Join(s.Dir(), "v2.json"))
	if cur, err := s.Current(); err != nil || cur.Number != 1 {
		t.Errorf("with a link planted as v2: got %+v, %v; want version 1", cur, err)
	}
	if _, err := s.Get(2); !errors.Is(err, release.ErrUnsafeStateDir) {
		t.Errorf("get the planted link: got %v, want ErrUnsafeStateDir", err)
	}
	if _, _, err := s.Change(Change{Set: map[string]string{"A": "2"}}); err == nil {
		t.Error("change over a planted link: got no error, want it refused")
	}
}

// TestDamagedVersion: a damaged file is an error that names the file and quotes none of it.
func TestDamagedVersion(t *testing.T) {
	s := openStore(t)
	os.WriteFile(filepath.Join(s.Dir(), "v1.json"), []byte(`{"A": "s3cret-value`), 0o600)
	_, err := s.Current()
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "v1.json") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("got %v, want ErrDamaged naming v1.json, quoting nothing of it", err)
	}
}

// TestChangeChecksNames: a bad name anywhere in a change writes nothing; errors quote no value.
func TestChangeChecksNames(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		want   string
	}{
		{"digit first", Change{Set: map[string]string{"OK": "v", "1BAD": "s3cret"}}, "1BAD"},
		{"a dash", Change{Set: map[string]string{"MY-VAR": "s3cret"}}, "MY-VAR"},
		{"reserved", Change{Set: map[string]string{"PORT": "s3cret"}}, "set by cutover"},
		{"cutover's own", Change{Set: map[string]string{"CUTOVER_RELEASE": "s3cret"}}, "set by cutover"},
		{"unset a bad name", Change{Unset: []string{"A B"}}, `"A B"`},
		{"set and unset", Change{Set: map[string]string{"A": "s3cret"}, Unset: []string{"A"}}, "both set and unset"},
		{"a NUL in the value", Change{Set: map[string]string{"A": "s3cret\x00"}}, "NUL"},
		{"bytes that are not UTF-8", Change{Set: map[string]string{"A": "s3cret\xff\xfe"}}, "not UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t)
			_, _, err := s.Change(tt.change)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
				t.Errorf("got %v, want an error saying %q, quoting no value", err, tt.want)
			}
			if n, _ := s.newest(); n != 0 {
				t.Errorf("got version %d written, want none", n)
			}
		})
	}
}

// TestOpenMakesPrivate: a vars dir made more open is made 0700 again.
func TestOpenMakesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), DirName)
	os.Mkdir(dir, 0o755)
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(dir)
	if fi.Mode().Perm() != fs.FileMode(0o700) {
		t.Errorf("got mode %v, want 0700", fi.Mode().Perm())
	}
}
