package release

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeApp(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestCreateCopiesAndNumbers(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	app := writeApp(t, map[string]string{"Procfile": "web: x\n", "lib/a.txt": "a", ".git/HEAD": "ref"})
	r1, err := s.Create(app)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID != "v1" || r1.Status != Deploying {
		t.Errorf("got %s %s, want v1 deploying", r1.ID, r1.Status)
	}
	if b, err := os.ReadFile(filepath.Join(r1.Dir, "lib/a.txt")); err != nil || string(b) != "a" {
		t.Errorf("copied file: got %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(r1.Dir, ".git")); !os.IsNotExist(err) {
		t.Errorf(".git was copied: %v", err)
	}
	// The release is immutable: changing the source does not change it, and the hash tells them apart.
	os.WriteFile(filepath.Join(app, "lib/a.txt"), []byte("b"), 0o644)
	r2, err := s.Create(app)
	if err != nil {
		t.Fatal(err)
	}
	if r2.ID != "v2" || r2.Hash == r1.Hash {
		t.Errorf("got %s hash %s, want v2 with a new hash (v1 %s)", r2.ID, r2.Hash, r1.Hash)
	}
	if b, _ := os.ReadFile(filepath.Join(r1.Dir, "lib/a.txt")); string(b) != "a" {
		t.Errorf("v1 changed: got %q, want a", b)
	}
	rb, err := s.CreateRollback(r1)
	if err != nil {
		t.Fatal(err)
	}
	if rb.ID != "v3" || rb.Dir != r1.Dir || rb.RollbackOf != "v1" {
		t.Errorf("rollback: got %+v", rb)
	}
	all, damaged, err := s.List()
	if err != nil || len(all) != 3 || all[2].ID != "v3" || len(damaged) != 0 {
		t.Errorf("List: got %d releases, damaged %v, %v; want 3 and none damaged", len(all), damaged, err)
	}
}

func TestLiveAndGet(t *testing.T) {
	s, _ := Open(t.TempDir())
	if r, err := s.Live(); r != nil || err != nil {
		t.Fatalf("Live on empty store: got %v, %v", r, err)
	}
	r, err := s.Create(writeApp(t, map[string]string{"Procfile": "web: x\n"}))
	if err != nil {
		t.Fatal(err)
	}
	r.Status = Live
	if err := s.Save(r); err != nil {
		t.Fatal(err)
	}
	if err := s.SetLive(r.ID); err != nil {
		t.Fatal(err)
	}
	got, err := s.Live()
	if err != nil || got.ID != "v1" || got.Status != Live {
		t.Errorf("Live: got %+v, %v", got, err)
	}
	for _, id := range []string{"v9", "latest", "../v1"} {
		if _, err := s.Get(id); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get(%q): got %v, want ErrNotFound", id, err)
		}
	}
}

func TestCreateNotADir(t *testing.T) {
	s, _ := Open(t.TempDir())
	if _, err := s.Create(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("got nil, want an error for a missing app dir")
	}
}

// TestDamagedRecordIsSkipped: a damaged record is left out of List and reported with its reason;
// the next release still gets a fresh id, and Get and Live say the record is damaged.
func TestDamagedRecordIsSkipped(t *testing.T) {
	s, _ := Open(t.TempDir())
	app := writeApp(t, map[string]string{"Procfile": "web: x\n"})
	for range 3 {
		if _, err := s.Create(app); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ id, record, reason string }{
		{"v1", "{not json", "invalid character"},
		{"v2", `{"id": "v7"}`, `it says it is "v7"`},
	}
	for _, tt := range tests {
		if err := os.WriteFile(filepath.Join(s.Dir(), "releases", tt.id, "release.json"), []byte(tt.record), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	all, damaged, err := s.List()
	if err != nil || len(all) != 1 || all[0].ID != "v3" {
		t.Fatalf("List: got %d releases, %v; want only v3", len(all), err)
	}
	if len(damaged) != len(tests) {
		t.Fatalf("damaged: got %+v, want v1 and v2", damaged)
	}
	for i, tt := range tests {
		if damaged[i].ID != tt.id || !strings.Contains(damaged[i].Reason, tt.reason) {
			t.Errorf("damaged[%d]: got %+v, want %s with a reason containing %q", i, damaged[i], tt.id, tt.reason)
		}
	}
	if err := s.SetLive("v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Live(); !errors.Is(err, ErrDamaged) {
		t.Errorf("Live: got %v, want ErrDamaged", err)
	}
	// The history cannot stop a new release, nor hand out an id twice.
	os.WriteFile(filepath.Join(s.Dir(), "releases", "v3", "release.json"), []byte("garbage"), 0o600)
	r, err := s.Create(app)
	if err != nil || r.ID != "v4" {
		t.Errorf("Create after damaged records: got %v, %v; want v4", r, err)
	}
}

// TestUnsavedRecordIsRead: a record whose save failed (a full disk) is what Get and List return
// until a save succeeds, so the daemon never reports a status the deploy has moved on from.
func TestUnsavedRecordIsRead(t *testing.T) {
	s, _ := Open(t.TempDir())
	r, err := s.Create(writeApp(t, map[string]string{"Procfile": "web: x\n"}))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(s.Dir(), "releases", r.ID, "release.json")
	os.Remove(path)
	if err := os.MkdirAll(filepath.Join(path, "blocked"), 0o700); err != nil { // the rename onto it fails
		t.Fatal(err)
	}
	r.Status = Failed
	if err := s.Save(r); err == nil {
		t.Fatal("Save onto a directory: got nil, want an error")
	}
	if got, err := s.Get(r.ID); err != nil || got.Status != Failed {
		t.Errorf("Get after a failed save: got %+v, %v; want the failed status", got, err)
	}
	if all, _, _ := s.List(); len(all) != 1 || all[0].Status != Failed {
		t.Errorf("List after a failed save: got %+v, want the failed status", all)
	}
	os.RemoveAll(path)
	r.Status = Superseded
	if err := s.Save(r); err != nil {
		t.Fatal(err)
	}
	fresh, _ := Open(s.Dir())
	if got, err := fresh.Get(r.ID); err != nil || got.Status != Superseded {
		t.Errorf("Get from disk after the save: got %+v, %v; want superseded", got, err)
	}
}

// TestMovedStoreKeepsReleasesBootable: a store moved elsewhere (to the apps layout) finds each
// release's copy where it is now, not at the path its record was written with.
func TestMovedStoreKeepsReleasesBootable(t *testing.T) {
	base := t.TempDir()
	old := filepath.Join(base, "state")
	s, err := Open(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(writeApp(t, map[string]string{"Procfile": "web: x\n"})); err != nil {
		t.Fatal(err)
	}
	moved := filepath.Join(base, "apps", "blog")
	if err := os.MkdirAll(filepath.Dir(moved), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(old, moved); err != nil {
		t.Fatal(err)
	}
	s, err = Open(moved)
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Get("v1")
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(moved, "releases", "v1", "app"); r.Dir != want {
		t.Fatalf("Dir: got %s, want %s", r.Dir, want)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, "Procfile")); err != nil {
		t.Fatalf("the copy: %v", err)
	}
}
