package apps

import (
	"testing"
)

// TestConflictingRoutesAtOpen: apps whose hosts conflict on disk (an app.json edited by hand) are
// still routed: the first by name keeps the host, the other's other hosts still serve.
func TestConflictingRoutesAtOpen(t *testing.T) {
	state := t.TempDir()
	s, _ := testSet(t, state)
	if _, err := s.Create("api", Settings{Hosts: []string{"api.test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}}); err != nil {
		t.Fatal(err)
	}
	if err := WriteSettings(Dir(state, "blog"), Settings{Hosts: []string{"api.test", "blog.test"}}); err != nil {
		t.Fatal(err)
	}
	_, url := testSet(t, state)
	for host, want := range map[string]int{"api.test": 503, "blog.test": 503, "other.test": 404} {
		if got := statusFor(t, url, host); got != want {
			t.Errorf("%s: got %d, want %d (routed, no release yet)", host, got, want)
		}
	}
}
