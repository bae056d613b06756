package apps

import (
	"slices"
	"testing"
)

// TestMarkers: the processes of every app, and of the app from before apps, are found.
func TestMarkers(t *testing.T) {
	state := t.TempDir()
	s, _ := testSet(t, state)
	for _, n := range []string{"blog", "api"} {
		if _, err := s.Create(n, Settings{Hosts: []string{n + ".test"}}); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{state, Dir(state, "api"), Dir(state, "blog")}
	if got := Markers(state); !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if n, err := KillOrphans(state); n != 0 || err != nil {
		t.Fatalf("KillOrphans with nothing left: %d, %v", n, err)
	}
}
