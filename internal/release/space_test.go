package release

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckSpace refuses a deploy that would not fit, saying what is free, what is needed and what
// uses the space.
func TestCheckSpace(t *testing.T) {
	s, _ := Open(t.TempDir())
	app := writeApp(t, map[string]string{"Procfile": "web: x\n", "data.bin": strings.Repeat("x", 4096)})
	if err := s.CheckSpace(app, 0); err != nil {
		t.Fatalf("a small app with no margin: got %v, want nil", err)
	}
	os.MkdirAll(filepath.Join(s.Dir(), "logs"), 0o700)
	os.WriteFile(filepath.Join(s.Dir(), "logs", "app.log"), []byte("line\n"), 0o600)
	err := s.CheckSpace(app, 1<<62)
	var se *SpaceError
	if !errors.As(err, &se) {
		t.Fatalf("a margin no disk has: got %v, want a *SpaceError", err)
	}
	if se.App < 4096 || se.Logs != 5 || se.Free <= 0 {
		t.Errorf("got %+v, want the app's size (≥ 4096), logs 5 bytes and the free space", se)
	}
	for _, want := range []string{"free", "needed", "releases/ uses", "logs/", "cutover releases prune"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q: want it to say %q", err, want)
		}
	}
}

func TestSize(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1536, "1.5 KiB"}, {64 << 20, "64.0 MiB"}, {3 << 30, "3.0 GiB"}} {
		if got := size(tt.in); got != tt.want {
			t.Errorf("size(%d): got %q, want %q", tt.in, got, tt.want)
		}
	}
}
