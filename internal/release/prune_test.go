package release

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestPrune keeps the newest releases, the live one, the one a rollback goes back to and the app
// directories kept releases boot from; it removes the rest, damaged ones included.
func TestPrune(t *testing.T) {
	tests := []struct {
		name    string
		keep    int
		setup   func(t *testing.T, s *Store)
		removed []string
	}{
		{"newest kept", 3, func(t *testing.T, s *Store) { s.SetLive("v8") },
			[]string{"v1", "v2", "v3", "v4", "v5"}},
		{"live and its rollback target kept", 2, func(t *testing.T, s *Store) {
			s.SetLive("v3")
			setStatus(t, s, "v2", Superseded)
		}, []string{"v1", "v4", "v5", "v6"}},
		{"rollback release keeps the app it boots", 1, func(t *testing.T, s *Store) {
			v2, _ := s.Get("v2")
			v2.Status = Superseded
			s.Save(v2)
			rb, err := s.CreateRollback(v2) // v9
			if err != nil {
				t.Fatal(err)
			}
			rb.Status = Live
			s.Save(rb)
			s.SetLive(rb.ID)
		}, []string{"v1", "v3", "v4", "v5", "v6", "v7", "v8"}},
		{"damaged records pruned by their directory", 3, func(t *testing.T, s *Store) {
			os.WriteFile(filepath.Join(s.Dir(), "releases", "v1", "release.json"), []byte("{"), 0o600)
			s.SetLive("v8")
		}, []string{"v1", "v2", "v3", "v4", "v5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := Open(t.TempDir())
			app := writeApp(t, map[string]string{"Procfile": "web: x\n"})
			for i := range 8 {
				os.WriteFile(filepath.Join(app, "version"), []byte(strconv.Itoa(i)), 0o644)
				r, err := s.Create(app)
				if err != nil {
					t.Fatal(err)
				}
				r.Status = Failed
				s.Save(r)
			}
			tt.setup(t, s)
			removed, err := s.Prune(tt.keep)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(removed, tt.removed) {
				t.Errorf("removed: got %v, want %v", removed, tt.removed)
			}
			for _, id := range removed {
				if _, err := os.Stat(filepath.Join(s.Dir(), "releases", id)); !os.IsNotExist(err) {
					t.Errorf("%s: still on disk (%v)", id, err)
				}
			}
			all, _, _ := s.List()
			for _, r := range all {
				if _, err := os.Stat(filepath.Join(r.Dir, "Procfile")); err != nil {
					t.Errorf("kept release %s cannot boot: %v", r.ID, err)
				}
			}
			if r, err := s.Create(app); err != nil || r.ID != "v"+strconv.Itoa(len(all)+len(removed)+1) {
				t.Errorf("next release after pruning: got %v, %v; want a new id past every pruned one", r, err)
			}
		})
	}
	s, _ := Open(t.TempDir())
	if _, err := s.Prune(0); err == nil {
		t.Errorf("Prune(0): got nil, want an error")
	}
}

func setStatus(t *testing.T, s *Store, id string, st Status) {
	t.Helper()
	r, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	r.Status = st
	if err := s.Save(r); err != nil {
		t.Fatal(err)
	}
}

// TestDropApp: a failed release's copy of the app is removed, its record kept; a release that
// served, and a failed rollback booting another's app, keep theirs.
func TestDropApp(t *testing.T) {
	s, _ := Open(t.TempDir())
	app := writeApp(t, map[string]string{"Procfile": "web: x\n"})
	served, _ := s.Create(app)
	served.Status = Superseded
	s.Save(served)
	failed, _ := s.Create(app)
	failed.Status = Failed
	s.Save(failed)
	rb, err := s.CreateRollback(served)
	if err != nil {
		t.Fatal(err)
	}
	rb.Status = Failed
	for _, r := range []*Release{served, failed, rb} {
		if err := s.DropApp(r); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(failed.Dir); !os.IsNotExist(err) {
		t.Errorf("the failed release's app: %v, want it removed", err)
	}
	if got, err := s.Get(failed.ID); err != nil || got.Status != Failed {
		t.Errorf("the failed release's record: %v, %v; want it kept", got, err)
	}
	if _, err := os.Stat(filepath.Join(served.Dir, "Procfile")); err != nil {
		t.Errorf("the app of the release a failed rollback boots was removed: %v", err)
	}
}
