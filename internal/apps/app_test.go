package apps

import (
	"os"
	"path/filepath"
	"testing"
)

// TestAppInfo: a new app says its name, hosts and where it lives, with nothing live yet, and keeps
// its files private.
func TestAppInfo(t *testing.T) {
	state := t.TempDir()
	s, _ := testSet(t, state)
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	info := a.Info()
	if info.Name != "blog" || len(info.Hosts) != 1 || info.Live != "" || info.Dir != Dir(state, "blog") || info.Created.IsZero() {
		t.Fatalf("info: %+v", info)
	}
	for _, p := range []string{a.Dir(), filepath.Join(a.Dir(), "logs"), filepath.Join(a.Dir(), SettingsFile)} {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: %v, %v; want private", p, fi.Mode(), err)
		}
	}
	if a.Live() != nil || a.Site() == nil || a.Isolation() == "" {
		t.Errorf("live %v, site %v, isolation %q", a.Live(), a.Site(), a.Isolation())
	}
}
