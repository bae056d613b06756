package apps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/release"
)

// TestRestoreDamagedLive: a live release whose record is damaged is not booted; the app says why,
// and nothing goes on in the background.
func TestRestoreDamagedLive(t *testing.T) {
	state := t.TempDir()
	s, _ := testSet(t, state)
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	store, _ := release.Open(a.Dir())
	if err := os.MkdirAll(filepath.Join(a.Dir(), "releases", "v1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(a.Dir(), "releases", "v1", "release.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := store.SetLive("v1"); err != nil {
		t.Fatal(err)
	}
	a.Restore()
	if a.RestoreUnderWay() {
		t.Fatal("attempts go on for a damaged record")
	}
	if st := a.Status(t.Context()); !strings.Contains(st.LiveError, "record is damaged") {
		t.Fatalf("status: %+v", st)
	}
	a.StopRestore() // nothing to stop: returns at once
}
