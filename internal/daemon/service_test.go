package daemon

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
)

// TestFirstAppName: the first app is named after the folder deployed, or after the app of a
// Capistrano layout (current -> releases/N), or "app" when the folder's name cannot be one.
func TestFirstAppName(t *testing.T) {
	base := t.TempDir()
	mk := func(p string) string {
		if err := os.MkdirAll(filepath.Join(base, p), 0o755); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(base, p)
	}
	rel := mk("shop/releases/20261205")
	current := filepath.Join(base, "shop", "current")
	if err := os.Symlink(rel, current); err != nil {
		t.Fatal(err)
	}
	for src, want := range map[string]string{
		mk("Blog"): "blog", mk("my_app"): "app", mk("2fast"): "app", current: "shop",
	} {
		if got := firstAppName(src); got != want {
			t.Errorf("firstAppName(%s) = %q, want %q", src, got, want)
		}
	}
}

// TestChangeHosts: hosts are added and removed as asked; adding one the app has, or removing one it
// has not, says so.
func TestChangeHosts(t *testing.T) {
	got, err := changeHosts("blog", []string{"blog.test", "a.test"}, control.HostsRequest{Add: []string{"B.test"}, Remove: []string{"a.test"}})
	if err != nil || strings.Join(got, " ") != "blog.test b.test" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, tc := range []struct {
		req  control.HostsRequest
		want string
	}{
		{control.HostsRequest{Add: []string{"blog.test"}}, "has host blog.test already"},
		{control.HostsRequest{Remove: []string{"x.test"}}, "has no host x.test: its hosts are blog.test"},
		{control.HostsRequest{Add: []string{"x.test:80"}}, "has a port"},
	} {
		if _, err := changeHosts("blog", []string{"blog.test"}, tc.req); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: got %v, want %q", tc.req, err, tc.want)
		}
	}
}

// TestChangeHostsMoveAlone: a move is a request of its own.
func TestChangeHostsMoveAlone(t *testing.T) {
	_, err := (&Daemon{}).ChangeHosts("blog", control.HostsRequest{Move: []string{"a.test"}, Add: []string{"b.test"}})
	if err == nil || !strings.Contains(err.Error(), "move hosts on their own") {
		t.Errorf("got %v, want a refusal to move and add at once", err)
	}
}
