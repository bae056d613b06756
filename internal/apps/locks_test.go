package apps

import (
	"errors"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
)

// TestTryLockDeploys: an upgrade does not wait for a deploy: it is refused, naming the app; with
// none running every app is locked until unlock.
func TestTryLockDeploys(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, _ := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	api, _ := s.Create("api", Settings{Hosts: []string{"api.test"}})
	blog.deployMu.Lock()
	if _, _, err := s.TryLockDeploys("upgrade"); !errors.Is(err, control.ErrBusy) || !strings.Contains(err.Error(), "app blog") {
		t.Fatalf("with blog deploying: %v", err)
	}
	if !api.deployMu.TryLock() {
		t.Fatal("a refused TryLockDeploys kept api locked")
	}
	api.deployMu.Unlock()
	blog.deployMu.Unlock()
	all, unlock, err := s.TryLockDeploys("upgrade")
	if err != nil || len(all) != 2 {
		t.Fatalf("none deploying: %v, %v", all, err)
	}
	if blog.deployMu.TryLock() {
		t.Fatal("blog is not locked")
	}
	unlock()
	all, unlock = s.LockDeploys()
	if len(all) != 2 || api.deployMu.TryLock() {
		t.Fatal("LockDeploys")
	}
	unlock()
}
